package clickhouse

import (
	"math/rand/v2"
	"testing"

	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/stream"
	"github.com/freshet-db/freshet/sql/types"
)

// TestStateAsOfProperty writes random +/- updates (multiplicities above
// one included) and compares StateAsOf at several timestamps with an
// in-memory model. With NUMERIC(10,2) ClickHouse groups the rows; with
// NUMERIC(30,4) (a Decimal128) on servers before 20.1 the sink does.
func TestStateAsOfProperty(t *testing.T) {
	for _, tc := range []struct {
		name   string
		numTyp types.T
	}{
		{"decimal64", types.NumericOf(10, 2)},
		{"decimal128", types.NumericOf(30, 4)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := server.Get(t)
			db := srv.NewDatabase(t)
			rng := rand.New(rand.NewPCG(testSeed(t), 2))
			view := connector.TableSchema{Name: "sales", Columns: []connector.Column{
				{Name: "k", Type: types.Int4T, NotNull: true},
				{Name: "cat", Type: types.TextT},
				{Name: "amount", Type: tc.numTyp},
				{Name: "at", Type: types.TimestampTZT},
			}}
			s, _ := openSink(t, Config{DSN: srv.DSN(db), Table: "sales_history", BatchRows: 50}, view)
			if want := tc.numTyp.Precision > 18 && !s.version.AtLeast(20, 1); s.groupInGo() != want {
				t.Fatalf("groupInGo() = %v, want %v", s.groupInGo(), want)
			}

			cats := []datum.Datum{datum.NewText("a"), datum.NewText("b"), datum.Null}
			// Values carry the column's scale, as the engine's casts give them.
			unit := pow10(int(tc.numTyp.Scale) - 2)
			amounts := []datum.Datum{datum.NewNumeric(100*unit, tc.numTyp.Scale), datum.NewNumeric(-250*unit, tc.numTyp.Scale), datum.Null}
			ats := []datum.Datum{datum.NewTimestampTZ(1_700_000_000_000_000), datum.Null}
			randRow := func() datum.Row {
				return datum.Row{datum.NewInt4(int64(rng.IntN(4))), cats[rng.IntN(3)], amounts[rng.IntN(3)], ats[rng.IntN(2)]}
			}

			model := map[string]stream.Update{} // encoded row -> row with count
			snapshots := map[uint64][]stream.Update{0: nil}
			const last = 120
			var pending []connector.SinkUpdate
			for ts := uint64(1); ts <= last; ts++ {
				var batch []stream.Update
				for range rng.IntN(6) {
					if len(model) > 0 && rng.IntN(2) == 0 {
						// Retract some of an existing row.
						var rows []stream.Update
						for _, u := range model {
							rows = append(rows, u)
						}
						rows = stream.Consolidate(rows) // deterministic order
						u := rows[rng.IntN(len(rows))]
						n := 1 + rng.Int64N(int64(u.Diff))
						batch = append(batch, stream.Update{Row: u.Row, Diff: -stream.Diff(n)})
						u.Diff -= stream.Diff(n)
						key := string(datum.EncodeRow(nil, u.Row))
						if u.Diff == 0 {
							delete(model, key)
						} else {
							model[key] = u
						}
						continue
					}
					row := randRow()
					n := stream.Diff(1 + rng.IntN(2))
					batch = append(batch, stream.Update{Row: row, Diff: n})
					key := string(datum.EncodeRow(nil, row))
					u := model[key]
					u.Row, u.Diff = row, u.Diff+n
					model[key] = u
				}
				for _, u := range batch {
					pending = append(pending, upd(ts, int64(u.Diff), u.Row...))
				}
				var snap []stream.Update
				for _, u := range model {
					snap = append(snap, u)
				}
				snapshots[ts] = snap
				// Write in random groups of whole timestamps.
				if rng.IntN(4) == 0 || ts == last {
					if err := s.Write(ctxT(t), pending); err != nil {
						t.Fatal(err)
					}
					pending = nil
				}
			}
			checks := []uint64{0, 1, last / 2, last - 1, last, last + 10}
			for range 5 {
				checks = append(checks, uint64(rng.IntN(last)))
			}
			for _, ts := range checks {
				got, err := s.StateAsOf(ctxT(t), ts)
				if err != nil {
					t.Fatal(err)
				}
				snapTS := min(ts, last)
				want := make([]stream.Update, len(snapshots[snapTS]))
				for i, u := range snapshots[snapTS] {
					want[i] = stream.Update{Row: u.Row, Time: stream.Timestamp(ts), Diff: u.Diff}
				}
				want = stream.Consolidate(want)
				if fmtRows(got) != fmtRows(want) {
					t.Fatalf("StateAsOf(%d):\n%s\nwant:\n%s", ts, fmtRows(got), fmtRows(want))
				}
			}
		})
	}
}

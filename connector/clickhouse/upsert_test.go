package clickhouse

import (
	"strings"
	"testing"

	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/stream"
)

func kv(ts uint64, diff int64, k int64, v string) connector.SinkUpdate {
	return upd(ts, diff, datum.NewInt8(k), datum.NewText(v))
}

// TestUpsert checks MODE UPSERT: the table keeps one current row per key,
// deleted keys drop out of the documented current-state query, and
// StateAsOf returns the current state.
func TestUpsert(t *testing.T) {
	srv := server.Get(t)
	db := srv.NewDatabase(t)
	cfg := Config{DSN: srv.DSN(db), Table: "kv_current", Mode: Upsert}
	s, _ := openSink(t, cfg, kvView())
	table := db + ".kv_current"
	if got := srv.Query(t, "SELECT engine_full FROM system.tables WHERE database = '"+db+"' AND name = 'kv_current' FORMAT TSV"); !strings.HasPrefix(got, "ReplacingMergeTree(freshet_ts) ORDER BY k") {
		t.Fatalf("engine: %s", got)
	}

	// Separate Writes make separate parts, so that versions of a key
	// coexist until a merge.
	writes := [][]connector.SinkUpdate{
		{kv(1, 1, 1, "a"), kv(1, 1, 2, "b"), kv(1, 1, 3, "c")},
		{kv(2, -1, 1, "a"), kv(2, 1, 1, "a2")},
		{kv(3, -1, 2, "b")},
		// Re-insert a deleted key; delete another; within one timestamp,
		// delete and re-insert a key with the same row (no change).
		{kv(4, 1, 2, "b2"), kv(4, -1, 3, "c"), kv(4, -1, 1, "a2"), kv(4, 1, 1, "a2")},
		// Several timestamps in one Write; a key born and gone inside it.
		{kv(5, -1, 1, "a2"), kv(5, 1, 1, "a3"), kv(5, 1, 4, "d"), kv(6, -1, 4, "d")},
	}
	for _, w := range writes {
		if err := s.Write(ctxT(t), w); err != nil {
			t.Fatal(err)
		}
	}
	const want = "1\ta3\n2\tb2\n"
	current := "SELECT k, v FROM " + table + " FINAL WHERE freshet_deleted = 0 ORDER BY k FORMAT TSV"
	if got := srv.Query(t, current); got != want {
		t.Fatalf("current state:\n%s\nwant:\n%s", got, want)
	}
	if got := srv.Query(t, "SELECT count() FROM "+table+" FORMAT TSV"); got == "4\n" {
		t.Log("parts were merged already; the FINAL query was not put to the test")
	}
	state, err := s.StateAsOf(ctxT(t), 6)
	if err != nil {
		t.Fatal(err)
	}
	wantState := []stream.Update{
		{Row: datum.Row{datum.NewInt8(1), datum.NewText("a3")}, Time: 6, Diff: 1},
		{Row: datum.Row{datum.NewInt8(2), datum.NewText("b2")}, Time: 6, Diff: 1},
	}
	if fmtRows(state) != fmtRows(wantState) {
		t.Fatalf("StateAsOf(6):\n%s\nwant:\n%s", fmtRows(state), fmtRows(wantState))
	}
	_, err = s.StateAsOf(ctxT(t), 5)
	wantCode(t, err, sqlerr.FeatureNotSupported, "current state")

	// After merging, one row per key is left, deleted keys as markers.
	srv.Exec(t, "OPTIMIZE TABLE "+table+" FINAL")
	if got := srv.Query(t, "SELECT k, v, freshet_ts, freshet_deleted FROM "+table+" ORDER BY k FORMAT TSV"); got != "1\ta3\t5\t0\n2\tb2\t4\t0\n3\tc\t4\t1\n4\td\t6\t1\n" {
		t.Fatalf("after OPTIMIZE FINAL:\n%s", got)
	}
	if got := srv.Query(t, current); got != want {
		t.Fatalf("current state after merge:\n%s\nwant:\n%s", got, want)
	}

	// The frontier survives (deleted markers keep the newest timestamp).
	_, f := openSink(t, cfg, kvView())
	if f != 6 {
		t.Fatalf("frontier %d, want 6", f)
	}
}

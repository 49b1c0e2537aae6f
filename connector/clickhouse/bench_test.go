package clickhouse

import (
	"fmt"
	"testing"
	"time"

	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/stream"
	"github.com/freshet-db/freshet/sql/types"
)

// BenchmarkWrite measures rows per second written in Writes of 10,000
// updates (1,000 timestamps of 10 updates) of a five-column view, in both
// modes.
func BenchmarkWrite(b *testing.B) {
	view := connector.TableSchema{Name: "orders", Columns: []connector.Column{
		{Name: "id", Type: types.Int8T, NotNull: true},
		{Name: "category", Type: types.TextT, NotNull: true},
		{Name: "amount", Type: types.NumericOf(12, 2)},
		{Name: "qty", Type: types.Int4T, NotNull: true},
		{Name: "at", Type: types.TimestampTZT},
	}, PrimaryKey: []int{0}}
	cats := []string{"books", "garden", "toys", "food", "tools"}
	const rows = 10_000
	for _, mode := range []Mode{Changelog, Upsert} {
		b.Run(mode.String(), func(b *testing.B) {
			srv := server.Get(b)
			db := srv.NewDatabase(b)
			s, _ := openSink(b, Config{DSN: srv.DSN(db), Table: "orders", Mode: mode, BatchRows: rows}, view)
			ts := uint64(0)
			batch := make([]connector.SinkUpdate, rows)
			start := time.Now()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for j := range batch {
					if j%10 == 0 {
						ts++
					}
					id := int64(i*rows + j)
					batch[j] = connector.SinkUpdate{
						Row: datum.Row{datum.NewInt8(id), datum.NewText(cats[id%5]), datum.NewNumeric(id*7%100000, 2),
							datum.NewInt4(id % 10), datum.NewTimestampTZ(1_700_000_000_000_000 + id)},
						Time: streamTS(ts), WallTime: start, Diff: 1,
					}
				}
				if err := s.Write(ctxT(b), batch); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N*rows)/time.Since(start).Seconds(), "rows/s")
			if got := srv.Query(b, fmt.Sprintf("SELECT count() FROM %s.orders FORMAT TSV", db)); got != fmt.Sprintf("%d\n", b.N*rows) {
				b.Fatalf("count = %s, want %d", got, b.N*rows)
			}
		})
	}
}

func streamTS(ts uint64) stream.Timestamp { return stream.Timestamp(ts) }

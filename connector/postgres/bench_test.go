package postgres

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/sql/datum"
)

// BenchmarkSnapshot measures the initial snapshot of a 100,000-row table
// (COPY, decoding, one Commit to a writer that keeps nothing) against the
// test server, and then streaming: 100,000 rows inserted upstream in
// transactions of 1,000 rows, until all are committed.
func BenchmarkSnapshot(b *testing.B) {
	const rows = 100_000
	e := newEnv(b)
	e.exec(`CREATE TABLE t (id bigint PRIMARY KEY, name text, amount numeric(12,2), at timestamptz)`)
	e.exec(fmt.Sprintf(`INSERT INTO t SELECT i, 'customer ' || i, i / 100.0, '2024-01-01'::timestamptz + i * interval '1 second' FROM generate_series(1, %d) i`, rows))
	e.exec(`CREATE PUBLICATION pub FOR TABLE t`)
	b.ResetTimer()
	var snap, streamed time.Duration
	for i := 0; i < b.N; i++ {
		s := e.newSource(e.testConfig())
		discover(b, s)
		w := &countWriter{}
		t0 := time.Now()
		r := start(b, s, w, nil)
		waitFor(b, "snapshot", func() bool { return w.n.Load() == rows })
		snap += time.Since(t0)
		t1 := time.Now()
		e.exec(fmt.Sprintf(`DO $$ BEGIN FOR k IN 0..%d LOOP
			INSERT INTO t SELECT -(k * 1000 + j), 'new', 1.5, now() FROM generate_series(1, 1000) j; COMMIT; END LOOP; END $$`, rows/1000-1))
		waitFor(b, "stream", func() bool { return w.n.Load() == 2*rows })
		streamed += time.Since(t1)
		_ = r.stop(b)
		e.exec(`DELETE FROM t WHERE id < 0`)
	}
	b.ReportMetric(float64(rows*b.N)/snap.Seconds(), "snapshot-rows/s")
	b.ReportMetric(float64(rows*b.N)/streamed.Seconds(), "stream-rows/s")
}

// countWriter counts rows and keeps nothing.
type countWriter struct{ n atomic.Int64 }

func (w *countWriter) Commit(_ context.Context, writes []connector.Write, _ connector.Position) error {
	for _, wr := range writes {
		w.n.Add(int64(len(wr.Updates)))
	}
	return nil
}

func (w *countWriter) Lookup(int, datum.Row) (datum.Row, bool) { return nil, false }

package server_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// BenchmarkCommitToVisible measures, at a paced 1,000 transactions per
// second, the time from sending a single-row INSERT to the moment its
// effect is visible in a dependent materialized view, as seen by another
// connection. Freshet steps every view before it acknowledges a commit, so
// visibility is checked right after the acknowledgement.
func BenchmarkCommitToVisible(b *testing.B) {
	s := startServer(b, "")
	w := connect(b, s.PGAddr())
	r := connect(b, s.PGAddr())
	mustExec(b, w, `CREATE TABLE orders (id BIGINT PRIMARY KEY, sku INT NOT NULL, qty INT NOT NULL)`)
	mustExec(b, w, `CREATE MATERIALIZED VIEW qty_by_sku AS SELECT sku, SUM(qty) AS qty, COUNT(*) AS n FROM orders GROUP BY sku`)
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		<-tick.C
		start := time.Now()
		if _, err := w.Exec(ctx, `INSERT INTO orders VALUES ($1, $2, 1)`, i, -1-i); err != nil {
			b.Fatal(err)
		}
		var n int64
		if err := r.QueryRow(ctx, `SELECT n FROM qty_by_sku WHERE sku = $1`, -1-i).Scan(&n); err != nil || n != 1 {
			b.Fatalf("row %d not visible after commit: n=%d err=%v", i, n, err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	reportLatency(b, lat)
}

func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) }
	b.ReportMetric(p(0.50), "p50-µs")
	b.ReportMetric(p(0.99), "p99-µs")
}

// BenchmarkSingleRowInsertTx measures single-row INSERT transactions per
// second through the wire from 8 concurrent connections, with a dependent
// materialized view kept up to date by every commit (compare with
// pgbench's single-row insert rate on the same machine: make bench).
func BenchmarkSingleRowInsertTx(b *testing.B) {
	s := startServer(b, "")
	setup := connect(b, s.PGAddr())
	mustExec(b, setup, `CREATE TABLE clicks (id BIGINT PRIMARY KEY, product INT NOT NULL)`)
	mustExec(b, setup, `CREATE MATERIALIZED VIEW clicks_by_product AS SELECT product, COUNT(*) AS n FROM clicks GROUP BY product`)
	const clients = 8
	conns := make([]*pgx.Conn, clients)
	for i := range conns {
		conns[i] = connect(b, s.PGAddr())
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for _, c := range conns {
		wg.Add(1)
		go func(c *pgx.Conn) {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				if _, err := c.Exec(context.Background(), `INSERT INTO clicks VALUES ($1, $2)`, i, i%1000); err != nil {
					b.Error(err)
					return
				}
			}
		}(c)
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "tx/s")
	var n int64
	if err := setup.QueryRow(context.Background(), `SELECT SUM(n) FROM clicks_by_product`).Scan(&n); err != nil || n != int64(b.N) {
		b.Fatalf("view counts %d clicks, want %d (err %v)", n, b.N, err)
	}
}

package pgwire_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/freshet-db/freshet/server/pgwire"
)

// BenchmarkPgxSelect measures round trips of a one-row prepared query.
func BenchmarkPgxSelect(b *testing.B) {
	addr, _ := startServer(b, pgwire.Config{})
	conn := connectPgxB(b, addr)
	ctx := context.Background()
	var n int64
	for b.Loop() {
		if err := conn.QueryRow(ctx, "SELECT $1::int8", int64(7)).Scan(&n); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPgxRows measures row streaming: 10,000 int4 rows per query,
// binary format.
func BenchmarkPgxRows(b *testing.B) {
	addr, _ := startServer(b, pgwire.Config{})
	conn := connectPgxB(b, addr)
	ctx := context.Background()
	for b.Loop() {
		rows, err := conn.Query(ctx, "SELECT generate_series(1, 10000)")
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			n++
		}
		if rows.Err() != nil || n != 10000 {
			b.Fatal(n, rows.Err())
		}
	}
	b.ReportMetric(float64(b.N*10000)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkPgxAllTypes reads the every-type table in binary.
func BenchmarkPgxAllTypes(b *testing.B) {
	addr, _ := startServer(b, pgwire.Config{})
	conn := connectPgxB(b, addr)
	ctx := context.Background()
	for b.Loop() {
		rows, err := conn.Query(ctx, "SELECT * FROM all_types")
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			if _, err := rows.Values(); err != nil {
				b.Fatal(err)
			}
		}
		if rows.Err() != nil {
			b.Fatal(rows.Err())
		}
	}
}

func connectPgxB(b *testing.B, addr string) *pgx.Conn {
	conn, err := pgx.Connect(context.Background(), "postgres://freshet@"+addr+"/freshet?sslmode=disable")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

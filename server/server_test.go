package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/freshet-db/freshet/server"
)

// startServer runs a Freshet server on a free loopback port over dir (a
// fresh temporary directory if empty) and stops it when the test ends.
func startServer(t testing.TB, dir string) *server.Server {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	cfg := server.DefaultConfig()
	cfg.PGListen = "127.0.0.1:0"
	cfg.HTTPListen = "127.0.0.1:0"
	cfg.DataDir = dir
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	s, err := server.Start(context.Background(), cfg, logger)
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func connect(t testing.TB, addr string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, fmt.Sprintf("postgres://freshet@%s/freshet?sslmode=disable", addr))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func mustExec(t testing.TB, c *pgx.Conn, sql string, args ...any) {
	t.Helper()
	if _, err := c.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// rows returns a query's result as sorted lines of '|'-separated text
// values, the way psql would print them.
func rows(t testing.TB, c *pgx.Conn, sql string) []string {
	t.Helper()
	out, err := queryText(c, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

func queryText(c *pgx.Conn, sql string) ([]string, error) {
	rs, err := c.Query(context.Background(), sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		vals := rs.RawValues()
		parts := make([]string, len(vals))
		for i, v := range vals {
			if v == nil {
				parts[i] = "NULL"
			} else {
				parts[i] = string(v)
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rs.Err(); err != nil {
		return nil, err
	}
	slices.Sort(out)
	return out, nil
}

func wantRows(t testing.TB, c *pgx.Conn, sql string, want ...string) {
	t.Helper()
	got := rows(t, c, sql)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\n got  %q\n want %q", sql, got, want)
	}
}

// The example of the foundation issue, end to end: the view is exactly up
// to date after every kind of change.
func TestRevenueByCategory(t *testing.T) {
	s := startServer(t, "")
	c := connect(t, s.PGAddr())
	mustExec(t, c, `CREATE TABLE products (id BIGINT PRIMARY KEY, category TEXT NOT NULL, price NUMERIC(10,2))`)
	mustExec(t, c, `CREATE TABLE orders (id BIGINT PRIMARY KEY, product_id BIGINT, qty INT, status TEXT, created_at TIMESTAMP)`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW revenue_by_category AS
		SELECT p.category, SUM(o.qty * p.price) AS revenue, COUNT(*) AS orders
		FROM orders o JOIN products p ON o.product_id = p.id
		WHERE o.status <> 'cancelled' GROUP BY p.category`)
	mustExec(t, c, `INSERT INTO products VALUES (1, 'books', 12.50), (2, 'books', 7.25), (3, 'games', 59.99)`)
	mustExec(t, c, `INSERT INTO orders VALUES
		(7, 1, 2, 'paid', '2026-11-25 10:00:00'),
		(8, 2, 1, 'paid', '2026-11-25 10:01:00'),
		(9, 3, 1, 'placed', '2026-11-25 10:02:00')`)
	const q = `SELECT * FROM revenue_by_category`
	wantRows(t, c, q, "books|32.25|2", "games|59.99|1")
	mustExec(t, c, `UPDATE orders SET status = 'cancelled' WHERE id = 7`)
	wantRows(t, c, q, "books|7.25|1", "games|59.99|1")
	mustExec(t, c, `DELETE FROM products WHERE id = 3`)
	wantRows(t, c, q, "books|7.25|1")
	mustExec(t, c, `UPDATE products SET price = price * 2`)
	wantRows(t, c, q, "books|14.50|1")
	wantRows(t, c, `SELECT category, revenue FROM revenue_by_category ORDER BY revenue DESC LIMIT 1`, "books|14.50")
}

// A transaction is one timestamp: a reader never sees half of it, and a
// view never disagrees with its inputs at the same read.
func TestConsistentReads(t *testing.T) {
	s := startServer(t, "")
	w := connect(t, s.PGAddr())
	r := connect(t, s.PGAddr())
	mustExec(t, w, `CREATE TABLE accounts (id INT PRIMARY KEY, balance BIGINT NOT NULL)`)
	mustExec(t, w, `INSERT INTO accounts VALUES (1, 100), (2, 100), (3, 100)`)
	mustExec(t, w, `CREATE MATERIALIZED VIEW total AS SELECT SUM(balance) AS s, COUNT(*) AS n FROM accounts`)
	done := make(chan error, 1)
	go func() {
		ctx := context.Background()
		for i := range 200 {
			from, to := i%3+1, (i+1)%3+1
			tx, err := w.Begin(ctx)
			if err != nil {
				done <- err
				return
			}
			if _, err := tx.Exec(ctx, `UPDATE accounts SET balance = balance - 7 WHERE id = $1`, from); err != nil {
				done <- err
				return
			}
			if _, err := tx.Exec(ctx, `UPDATE accounts SET balance = balance + 7 WHERE id = $1`, to); err != nil {
				done <- err
				return
			}
			if err := tx.Commit(ctx); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			wantRows(t, r, `SELECT * FROM total`, "300|3")
			return
		default:
		}
		got := rows(t, r, `SELECT t.s, x.s2 FROM total t, (SELECT SUM(balance) AS s2 FROM accounts) x`)
		// Both the view and the table must show an invariant total at one
		// timestamp.
		if len(got) != 1 || got[0] != "300|300" {
			t.Fatalf("inconsistent read: %v", got)
		}
	}
}

// After a write returns, the next read on the same connection sees it in
// every view; after a restart everything acknowledged is still there.
func TestDurableAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	c := connect(t, s.PGAddr())
	mustExec(t, c, `CREATE TABLE stock (sku TEXT PRIMARY KEY, warehouse TEXT NOT NULL, qty INT NOT NULL)`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW stock_by_sku AS SELECT sku, SUM(qty) AS qty FROM stock GROUP BY sku`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW low_stock AS SELECT sku FROM stock_by_sku WHERE qty < 5`)
	for i := range 50 {
		mustExec(t, c, `INSERT INTO stock VALUES ($1, 'w1', $2)`, fmt.Sprintf("sku-%02d", i), i)
		wantRows(t, c, fmt.Sprintf(`SELECT qty FROM stock_by_sku WHERE sku = 'sku-%02d'`, i), fmt.Sprint(i))
	}
	mustExec(t, c, `DELETE FROM stock WHERE qty < 2`)
	want := rows(t, c, `SELECT * FROM low_stock`)
	if len(want) != 3 {
		t.Fatalf("low_stock = %v, want sku-02..04", want)
	}
	c.Close(context.Background())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = startServer(t, dir)
	c = connect(t, s.PGAddr())
	wantRows(t, c, `SELECT * FROM low_stock`, want...)
	wantRows(t, c, `SELECT count(*) FROM stock`, "48")
	mustExec(t, c, `UPDATE stock SET qty = 0 WHERE sku = 'sku-10'`)
	wantRows(t, c, `SELECT * FROM low_stock`, append(want, "sku-10")...)
}

package server_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/freshet-db/freshet/internal/testpg"
)

// eventually polls a query until it returns want (sorted text rows) or the
// deadline passes: sources deliver asynchronously.
func eventually(t *testing.T, c *pgx.Conn, sql string, want ...string) {
	t.Helper()
	slices.Sort(want)
	deadline := time.Now().Add(30 * time.Second)
	var got []string
	for time.Now().Before(deadline) {
		var err error
		if got, err = queryText(c, sql); err == nil && slices.Equal(got, want) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: got %q, want %q", sql, got, want)
}

// The load generator feeds views over its related tables; the inventory
// they show always matches a from-scratch query at the same timestamp.
func TestLoadGeneratorSource(t *testing.T) {
	s := startServer(t, "")
	c := connect(t, s.PGAddr())
	mustExec(t, c, `CREATE SOURCE shop FROM LOAD GENERATOR ECOMMERCE (SCALE 1, RATE 500, SEED 7)`)
	wantRows(t, c, `SHOW TABLES`, "cart_events", "competitor_prices", "customers", "inventory", "order_items", "orders",
		"page_views", "payments", "products")
	mustExec(t, c, `CREATE MATERIALIZED VIEW stock AS SELECT p.category, SUM(i.qty) AS qty, COUNT(*) AS n
		FROM inventory i JOIN products p ON i.product_id = p.id GROUP BY p.category`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW order_status AS SELECT status, COUNT(*) AS n FROM orders GROUP BY status`)
	if _, err := c.Exec(context.Background(), `INSERT INTO orders VALUES (1, 1, 'x', 'web', 1, now(), now())`); err == nil {
		t.Fatal("a source's table accepted an INSERT")
	}
	// Until the generator's catalogue is committed, reads say the source is
	// snapshotting instead of showing empty tables.
	deadline := time.Now().Add(20 * time.Second)
	snapshotting := false
	for {
		view, err := queryText(c, `SELECT * FROM stock`)
		if code(err) == "55000" {
			snapshotting = true
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		scratch := rows(t, c, `SELECT p.category, SUM(i.qty) AS qty, COUNT(*) AS n FROM inventory i JOIN products p ON i.product_id = p.id GROUP BY p.category`)
		// Two reads, two timestamps: compare only when nothing moved.
		if len(view) > 0 && slices.Equal(view, scratch) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stock view never matched its query:\n%q\n%q", view, scratch)
		}
	}
	eventually(t, c, `SELECT COUNT(*) > 0 FROM order_status WHERE status = 'paid'`, "t")
	t.Logf("reads during the snapshot were refused: %v", snapshotting)
	st := rows(t, c, `SHOW SOURCES`)
	if len(st) != 1 || !strings.HasPrefix(st[0], "shop|loadgen|running|") {
		t.Fatalf("SHOW SOURCES = %q", st)
	}
}

// A Postgres CDC source: snapshot, then streaming, visible in views, and
// resumed without loss or duplicates after a restart.
func TestPostgresSource(t *testing.T) {
	pg := testpg.Start(t)
	pg.Exec(t, `CREATE TABLE inventory (sku TEXT PRIMARY KEY, qty INT NOT NULL)`)
	pg.Exec(t, `INSERT INTO inventory VALUES ('a', 5), ('b', 0)`)
	pg.Exec(t, `CREATE PUBLICATION shop_pub FOR TABLE inventory`)
	dir := t.TempDir()
	s := startServer(t, dir)
	c := connect(t, s.PGAddr())
	mustExec(t, c, fmt.Sprintf(`CREATE SOURCE shop FROM POSTGRES CONNECTION '%s' PUBLICATION 'shop_pub'`, pg.ConnString()))
	mustExec(t, c, `CREATE MATERIALIZED VIEW out_of_stock AS SELECT sku FROM inventory WHERE qty = 0`)
	eventually(t, c, `SELECT * FROM out_of_stock`, "b")
	pg.Exec(t, `BEGIN; UPDATE inventory SET qty = 0 WHERE sku = 'a'; UPDATE inventory SET qty = 3 WHERE sku = 'b'; COMMIT`)
	eventually(t, c, `SELECT * FROM out_of_stock`, "a")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	pg.Exec(t, `INSERT INTO inventory VALUES ('c', 0)`)
	s = startServer(t, dir)
	c = connect(t, s.PGAddr())
	eventually(t, c, `SELECT * FROM out_of_stock`, "a", "c")
	eventually(t, c, `SELECT COUNT(*) FROM inventory`, "3")
	mustExec(t, c, `DROP SOURCE shop CASCADE`)
	wantRows(t, c, `SHOW TABLES`)
}

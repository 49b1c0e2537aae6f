package server_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/freshet-db/freshet/internal/testch"
)

var sinkSeed = flag.Uint64("sink-seed", 0, "seed of the random sink tests (0: time-based)")

// chState reads the state of a changelog table as of freshet_ts <= ts (all
// of it when ts is 0) as sorted '|'-separated lines, each repeated by its
// multiplicity. A negative multiplicity fails the test.
func chState(t *testing.T, srv *testch.Server, table, cols string, ts uint64) []string {
	t.Helper()
	where := ""
	if ts > 0 {
		where = fmt.Sprintf("WHERE freshet_ts <= %d", ts)
	}
	out := srv.Query(t, fmt.Sprintf("SELECT %s, sum(freshet_diff) AS freshet_count FROM %s %s GROUP BY %s HAVING freshet_count != 0",
		cols, table, where, cols))
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		f := strings.Split(l, "\t")
		for i, v := range f {
			if v == `\N` {
				f[i] = "NULL"
			}
		}
		n, err := strconv.Atoi(f[len(f)-1])
		if err != nil || n < 0 {
			t.Fatalf("%s as of %d: bad multiplicity in %q", table, ts, l)
		}
		for range n {
			lines = append(lines, strings.Join(f[:len(f)-1], "|"))
		}
	}
	slices.Sort(lines)
	return lines
}

// chFrontier returns max(freshet_ts) of a table.
func chFrontier(t *testing.T, srv *testch.Server, table string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(strings.TrimSpace(srv.Query(t, "SELECT max(freshet_ts) FROM "+table)), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// catchUp waits until ClickHouse's current state of table equals want and
// returns the table's frontier then.
func catchUp(t *testing.T, srv *testch.Server, table, cols string, want []string) uint64 {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := chState(t, srv, table, cols, 0)
		if slices.Equal(got, want) {
			return chFrontier(t, srv, table)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not catch up:\n got  %q\n want %q", table, got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// noDuplicates fails if a (row, timestamp) pair was written twice.
func noDuplicates(t *testing.T, srv *testch.Server, table, cols string) {
	t.Helper()
	out := strings.TrimSpace(srv.Query(t, fmt.Sprintf(
		"SELECT count() FROM (SELECT %s, freshet_ts, count() AS c FROM %s GROUP BY %s, freshet_ts HAVING c > 1)",
		cols, table, cols)))
	if out != "0" {
		t.Fatalf("%s: %s (row, freshet_ts) pairs were written more than once", table, out)
	}
}

// history is what a view held after each step, and the ClickHouse
// frontier once the sink had delivered it.
type history struct {
	ts   []uint64
	want [][]string
}

// check compares ClickHouse's state as of each recorded timestamp with the
// view's contents then.
func (h *history) check(t *testing.T, srv *testch.Server, table, cols string) {
	t.Helper()
	for i, ts := range h.ts {
		if got := chState(t, srv, table, cols, ts); !slices.Equal(got, h.want[i]) {
			t.Fatalf("step %d: state as of freshet_ts %d:\n got  %q\n want %q", i, ts, got, h.want[i])
		}
	}
}

func (h *history) record(t *testing.T, srv *testch.Server, c *pgx.Conn, view, table, cols string) {
	t.Helper()
	want := rows(t, c, "SELECT "+cols+" FROM "+view)
	h.ts = append(h.ts, catchUp(t, srv, table, cols, want))
	h.want = append(h.want, want)
}

func seed(t *testing.T) uint64 {
	s := *sinkSeed
	if s == 0 {
		s = uint64(time.Now().UnixNano())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("seed %d (rerun with -sink-seed=%d)", s, s)
		}
	})
	return s
}

// randomWrite inserts, updates or deletes rows of stock(sku, qty).
func randomWrite(t *testing.T, c *pgx.Conn, rng *rand.Rand) {
	t.Helper()
	sku := rng.IntN(12)
	switch rng.IntN(4) {
	case 0:
		mustExec(t, c, fmt.Sprintf("DELETE FROM stock WHERE sku = %d", sku))
	case 1:
		mustExec(t, c, fmt.Sprintf("UPDATE stock SET qty = qty + %d WHERE sku %% 3 = %d", rng.IntN(5)+1, sku%3))
	default:
		mustExec(t, c, fmt.Sprintf("DELETE FROM stock WHERE sku = %d", sku))
		mustExec(t, c, fmt.Sprintf("INSERT INTO stock VALUES (%d, %d)", sku, rng.IntN(20)))
	}
}

const (
	totalsView = "CREATE MATERIALIZED VIEW totals AS " +
		"SELECT sku % 3 AS bucket, count(*) AS n, sum(qty) AS total FROM stock GROUP BY sku % 3"
	totalsCols = "bucket, n, total"
)

func setupStock(t *testing.T, c *pgx.Conn) {
	t.Helper()
	mustExec(t, c, "CREATE TABLE stock (sku int PRIMARY KEY, qty int NOT NULL)")
	mustExec(t, c, "INSERT INTO stock VALUES (1, 10), (2, 5), (3, 7), (4, 1)")
	mustExec(t, c, totalsView)
}

func createSink(t *testing.T, c *pgx.Conn, srv *testch.Server, db, name, from, table, with string) string {
	t.Helper()
	mustExec(t, c, fmt.Sprintf("CREATE SINK %s FROM %s INTO CLICKHOUSE CONNECTION '%s' TABLE '%s' %s",
		name, from, srv.DSN(db), table, with))
	return db + "." + table
}

// The snapshot, then every insert, update and delete: the changelog
// reconstructs the view at every timestamp it holds.
func TestSinkChangelog(t *testing.T) {
	srv := testch.Start(t)
	db := srv.NewDatabase(t)
	s := startServer(t, "")
	c := connect(t, s.PGAddr())
	setupStock(t, c)
	table := createSink(t, c, srv, db, "totals_history", "totals", "totals_history", "WITH (flush_interval = '20ms')")

	// Also a plain table with duplicates rows: multiplicities above 1.
	mustExec(t, c, "CREATE TABLE events (kind text, amount numeric(10,2))")
	mustExec(t, c, "INSERT INTO events VALUES ('a', 1.50), ('a', 1.50), ('b', NULL)")
	events := createSink(t, c, srv, db, "events_history", "events", "events_history", "WITH (flush_interval = 10)")

	rng := rand.New(rand.NewPCG(seed(t), 1))
	var h, he history
	h.record(t, srv, c, "totals", table, totalsCols)
	he.record(t, srv, c, "events", events, "kind, amount")
	for range 25 {
		randomWrite(t, c, rng)
		h.record(t, srv, c, "totals", table, totalsCols)
		if rng.IntN(3) == 0 {
			mustExec(t, c, fmt.Sprintf("INSERT INTO events VALUES ('%c', %d.25)", 'a'+rng.IntN(3), rng.IntN(9)))
		} else {
			mustExec(t, c, fmt.Sprintf("DELETE FROM events WHERE kind = '%c'", 'a'+rng.IntN(3)))
		}
		he.record(t, srv, c, "events", events, "kind, amount")
	}
	h.check(t, srv, table, totalsCols)
	he.check(t, srv, events, "kind, amount")
	noDuplicates(t, srv, table, totalsCols)
	noDuplicates(t, srv, events, "kind, amount")

	st := showSink(t, c, "totals_history")
	if st["state"] != "running" || st["view"] != "totals" || st["delivered_ts"] != strconv.FormatUint(h.ts[len(h.ts)-1], 10) {
		t.Fatalf("SHOW SINKS: %v", st)
	}
}

// showSink returns the SHOW SINKS row of a sink by column name, nil if the
// sink is not listed.
func showSink(t *testing.T, c *pgx.Conn, name string) map[string]string {
	t.Helper()
	rs, err := c.Query(context.Background(), "SHOW SINKS", pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	for rs.Next() {
		vals := rs.RawValues()
		row := map[string]string{}
		for i, f := range rs.FieldDescriptions() {
			row[f.Name] = string(vals[i])
		}
		if row["name"] == name {
			return row
		}
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return nil
}

// Freshet restarts, with writes it may not have delivered before it
// stopped: after catch-up the state is the view's, with no duplicate.
func TestSinkRestart(t *testing.T) {
	srv := testch.Start(t)
	db := srv.NewDatabase(t)
	dir := t.TempDir()
	s := startServer(t, dir)
	c := connect(t, s.PGAddr())
	setupStock(t, c)
	table := createSink(t, c, srv, db, "totals_history", "totals", "totals_history", "WITH (flush_interval = '500ms')")
	rng := rand.New(rand.NewPCG(seed(t), 2))
	var h history
	h.record(t, srv, c, "totals", table, totalsCols)
	for round := range 3 {
		for range 5 {
			randomWrite(t, c, rng)
		}
		if round == 1 {
			h.record(t, srv, c, "totals", table, totalsCols)
			for range 3 {
				randomWrite(t, c, rng)
			}
		}
		// Stop while the last writes are likely still being gathered.
		c.Close(context.Background())
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s = startServer(t, dir)
		c = connect(t, s.PGAddr())
		for range 3 {
			randomWrite(t, c, rng)
		}
	}
	h.record(t, srv, c, "totals", table, totalsCols)
	h.check(t, srv, table, totalsCols)
	noDuplicates(t, srv, table, totalsCols)
}

// ClickHouse goes down: the sink reports it retrying, the view goes on,
// and once ClickHouse is back the sink catches up, also after falling
// behind its buffer.
func TestSinkClickHouseOutage(t *testing.T) {
	srv := testch.Start(t)
	db := srv.NewDatabase(t)
	s := startServer(t, "")
	c := connect(t, s.PGAddr())
	setupStock(t, c)
	table := createSink(t, c, srv, db, "totals_history", "totals", "totals_history",
		"WITH (flush_interval = '10ms', buffer = 4)")
	rng := rand.New(rand.NewPCG(seed(t), 3))
	var h history
	h.record(t, srv, c, "totals", table, totalsCols)

	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		randomWrite(t, c, rng)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		st := showSink(t, c, "totals_history")
		if st["state"] == "retrying" && st["reason"] != "" && st["lag_ms"] != "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("SHOW SINKS during the outage: %v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The sink is blocked retrying its insert: these changes overflow its
	// buffer of 4 batches, which cuts it off the view.
	for range 10 {
		randomWrite(t, c, rng)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	h.record(t, srv, c, "totals", table, totalsCols)
	for range 5 {
		randomWrite(t, c, rng)
	}
	h.record(t, srv, c, "totals", table, totalsCols)
	h.check(t, srv, table, totalsCols)
	noDuplicates(t, srv, table, totalsCols)
	st := showSink(t, c, "totals_history")
	if st["state"] != "running" || st["errors"] == "0" || st["cutoffs"] == "0" {
		t.Fatalf("SHOW SINKS after the outage: %v", st)
	}
}

func wantCode(t *testing.T, c *pgx.Conn, code, sql string) *pgconn.PgError {
	t.Helper()
	_, err := c.Exec(context.Background(), sql)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != code {
		t.Fatalf("%s: got %v, want SQLSTATE %s", sql, err, code)
	}
	return pe
}

// DDL: SHOW SINKS, DROP SINK, cascading drops and bad definitions.
func TestSinkDDL(t *testing.T) {
	srv := testch.Start(t)
	db := srv.NewDatabase(t)
	s := startServer(t, "")
	c := connect(t, s.PGAddr())
	setupStock(t, c)
	mustExec(t, c, "CREATE VIEW plain AS SELECT sku FROM stock")
	dsn := srv.DSN(db)
	sink := func(name, from, table, with string) string {
		return fmt.Sprintf("CREATE SINK %s FROM %s INTO CLICKHOUSE CONNECTION '%s' TABLE '%s' %s", name, from, dsn, table, with)
	}

	pe := wantCode(t, c, "22023", sink("s", "totals", "t1", "WITH (colour = 'blue')"))
	if !strings.Contains(pe.Message, "COLOUR") || !strings.Contains(pe.Hint, "MODE") {
		t.Fatalf("unknown option: %+v", pe)
	}
	wantCode(t, c, "22023", sink("s", "totals", "t1", "WITH (mode = 'sideways')"))
	wantCode(t, c, "22023", sink("s", "totals", "t1", "WITH (flush_interval = 'soon')"))
	wantCode(t, c, "42P17", sink("s", "totals", "t1", "WITH (mode = 'upsert')")) // no unique key
	wantCode(t, c, "42809", sink("s", "plain", "t1", ""))
	wantCode(t, c, "42P01", sink("s", "nope", "t1", ""))
	wantCode(t, c, "08006", fmt.Sprintf("CREATE SINK s FROM totals INTO CLICKHOUSE CONNECTION 'clickhouse://default:@127.0.0.1:1/%s' TABLE 't1'", db))
	pe = wantCode(t, c, "3D000", fmt.Sprintf("CREATE SINK s FROM totals INTO CLICKHOUSE CONNECTION '%s' TABLE 't1'", srv.DSN("nosuchdb")))
	if !strings.Contains(pe.Message, "nosuchdb") || !strings.Contains(pe.Hint, "CREATE DATABASE") {
		t.Fatalf("missing database: %+v", pe)
	}
	pe = wantCode(t, c, "28000", fmt.Sprintf("CREATE SINK s FROM totals INTO CLICKHOUSE CONNECTION 'clickhouse://nobody:secret@%s/%s' TABLE 't1'", srv.Addr(), db))
	if !strings.Contains(pe.Hint, "password") {
		t.Fatalf("bad credentials: %+v", pe)
	}
	srv.Exec(t, "CREATE TABLE "+db+".wrong (bucket String, freshet_ts UInt64) ENGINE = Memory")
	pe = wantCode(t, c, "42804", sink("s", "totals", "wrong", ""))
	if !strings.Contains(pe.Message, "bucket") || pe.Hint == "" {
		t.Fatalf("incompatible table: %+v (hint %q)", pe, pe.Hint)
	}
	wantCode(t, c, "42P07", "CREATE TABLE totals2 (a int); "+sink("totals2", "totals", "t1", ""))
	if showSink(t, c, "s") != nil {
		t.Fatal("a failed CREATE SINK left a sink behind")
	}
	mustExec(t, c, "BEGIN")
	wantCode(t, c, "25001", sink("s", "totals", "t1", ""))
	mustExec(t, c, "ROLLBACK")

	mustExec(t, c, sink("s", "totals", "t1", ""))
	mustExec(t, c, sink("IF NOT EXISTS s", "totals", "t1", ""))
	wantCode(t, c, "42710", sink("s", "totals", "t1", ""))
	wantCode(t, c, "42710", sink("s2", "totals", "t1", "")) // same ClickHouse table
	mustExec(t, c, sink("u", "stock", "t2", "WITH (mode = 'upsert')"))
	if st := showSink(t, c, "u"); st == nil || st["mode"] != "upsert" || st["view"] != "stock" {
		t.Fatalf("SHOW SINKS: %v", st)
	}
	wantRows(t, c, "SELECT count(*) FROM stock", "4")
	deadline := time.Now().Add(30 * time.Second)
	for strings.TrimSpace(srv.Query(t, "SELECT count() FROM "+db+".t2 FINAL WHERE freshet_deleted = 0")) != "4" {
		if time.Now().After(deadline) {
			t.Fatal("upsert sink did not write the snapshot")
		}
		time.Sleep(10 * time.Millisecond)
	}

	if _, err := queryText(c, "SELECT * FROM s"); err == nil {
		t.Fatal("SELECT from a sink succeeded")
	}
	wantCode(t, c, "42809", "DROP TABLE s")
	wantCode(t, c, "2BP01", "DROP MATERIALIZED VIEW totals")
	mustExec(t, c, "DROP MATERIALIZED VIEW totals CASCADE")
	if st := showSink(t, c, "s"); st != nil {
		t.Fatalf("sink s still runs after its view was dropped: %v", st)
	}
	wantCode(t, c, "42704", "DROP SINK s")
	mustExec(t, c, "DROP SINK IF EXISTS s")
	mustExec(t, c, "DROP SINK u")
	if st := showSink(t, c, "u"); st != nil {
		t.Fatalf("sink u still listed: %v", st)
	}
	// History stays in ClickHouse.
	if n := strings.TrimSpace(srv.Query(t, "SELECT count() FROM "+db+".t2")); n == "0" {
		t.Fatal("DROP SINK emptied the ClickHouse table")
	}
	wantRows(t, c, "SHOW SINKS")
}

// kill -9 of Freshet while the sink is inserting: after each restart the
// sink resumes from ClickHouse's frontier, with no gap and no duplicate.
func TestSinkKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	srv := testch.Start(t)
	db := srv.NewDatabase(t)
	dir := t.TempDir()
	cmd, addr := startChild(t, dir)
	c := connect(t, addr)
	setupStock(t, c)
	table := createSink(t, c, srv, db, "totals_history", "totals", "totals_history",
		"WITH (flush_interval = '2ms', batch_rows = 3)")
	rng := rand.New(rand.NewPCG(seed(t), 4))
	var h history
	h.record(t, srv, c, "totals", table, totalsCols)
	for range 4 {
		for range 5 + rng.IntN(20) {
			randomWrite(t, c, rng)
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		cmd, addr = startChild(t, dir)
		c = connect(t, addr)
		h.record(t, srv, c, "totals", table, totalsCols)
	}
	h.check(t, srv, table, totalsCols)
	noDuplicates(t, srv, table, totalsCols)
}

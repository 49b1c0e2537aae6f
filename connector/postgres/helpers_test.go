package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"

	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/internal/testpg"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/stream"
)

var pg = testpg.Shared{Options: []testpg.Option{
	testpg.WithSetting("max_replication_slots", "40"),
	testpg.WithSetting("max_wal_senders", "40"),
	testpg.WithSetting("wal_sender_timeout", "10s"),
}}

func TestMain(m *testing.M) {
	code := m.Run()
	_ = pg.Close()
	os.Exit(code)
}

// env is one test's upstream database.
type env struct {
	t   testing.TB
	srv *testpg.Server
	dsn string
	db  *pgx.Conn
}

var slotSeq atomic.Int64

func newEnv(t testing.TB) *env {
	t.Helper()
	srv := pg.Get(t)
	e := &env{t: t, srv: srv, dsn: srv.NewDatabase(t)}
	e.db = e.connect()
	t.Cleanup(func() { e.db.Close(context.Background()) })
	return e
}

// connect opens a connection with the session settings the source uses,
// so that Postgres's text output is comparable with datum.FormatText.
func (e *env) connect() *pgx.Conn {
	e.t.Helper()
	cfg, err := pgx.ParseConfig(e.dsn)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, p := range sessionParams {
		cfg.RuntimeParams[p[0]] = p[1]
	}
	cfg.RuntimeParams["extra_float_digits"] = "1"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	return conn
}

func (e *env) exec(sql string, args ...any) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := e.db.Exec(ctx, sql, args...); err != nil {
		e.t.Fatalf("%v\n%s", err, sql)
	}
}

func (e *env) queryString(sql string, args ...any) string {
	e.t.Helper()
	var s *string
	if err := e.db.QueryRow(context.Background(), sql, args...).Scan(&s); err != nil {
		e.t.Fatalf("%v\n%s", err, sql)
	}
	if s == nil {
		return ""
	}
	return *s
}

// testConfig is a configuration with short intervals, a fresh slot name
// and IdleAdvance off.
func (e *env) testConfig() Config {
	return Config{
		ConnString:       e.dsn,
		Publication:      "pub",
		SourceName:       fmt.Sprintf("t%d", slotSeq.Add(1)),
		StatusInterval:   200 * time.Millisecond,
		IdleAdvance:      -1,
		RetryBackoff:     20 * time.Millisecond,
		MaxRetryBackoff:  300 * time.Millisecond,
		ProgressInterval: time.Second,
	}
}

func (e *env) newSource(cfg Config) *Source {
	e.t.Helper()
	s, err := New(cfg, testLogger(e.t))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.DropSlot(ctx)
	})
	return s
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// running is a Source.Run in a goroutine.
type running struct {
	cancel context.CancelFunc
	done   chan error
}

func start(t testing.TB, s *Source, w connector.Writer, resume connector.Position) *running {
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- s.Run(ctx, w, resume) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels Run and returns what it returned.
func (r *running) stop(t testing.TB) error {
	r.cancel()
	select {
	case err := <-r.done:
		r.done <- err // keep it for a second stop
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after cancel")
		return nil
	}
}

// wait returns Run's error once it returns on its own.
func (r *running) wait(t testing.TB, timeout time.Duration) error {
	t.Helper()
	select {
	case err := <-r.done:
		r.done <- err
		return err
	case <-time.After(timeout):
		t.Fatal("Run did not return")
		return nil
	}
}

// memWriter is a connector.Writer that applies commits to in-memory tables,
// checks that every change is applied exactly once (no duplicate primary
// key, no retraction of a missing row, positions strictly increasing) and
// records what it was given. Every Commit that returns nil is durable.
type memWriter struct {
	mu       sync.Mutex
	schemas  []connector.TableSchema
	tables   []*memTable
	commits  []memCommit
	durable  map[string]bool // positions of returned Commits
	last     pglogrepl.LSN
	lastPos  connector.Position
	problems []string
	hook     func(n int, writes []connector.Write, pos connector.Position) error
}

type memCommit struct {
	writes []connector.Write
	pos    connector.Position
}

type memTable struct {
	pk    []int
	rows  map[string]datum.Row // by exact row encoding
	count map[string]int
	byKey map[string]string // primary key encoding -> row encoding
}

func newMemWriter(schemas []connector.TableSchema) *memWriter {
	w := &memWriter{schemas: schemas, durable: map[string]bool{}}
	for _, s := range schemas {
		w.tables = append(w.tables, &memTable{pk: s.PrimaryKey, rows: map[string]datum.Row{}, count: map[string]int{}, byKey: map[string]string{}})
	}
	return w
}

// Commit implements connector.Writer.
func (w *memWriter) Commit(ctx context.Context, writes []connector.Write, pos connector.Position) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.hook != nil {
		if err := w.hook(len(w.commits), writes, pos); err != nil {
			return err
		}
	}
	lsn, err := pglogrepl.ParseLSN(string(pos))
	if err != nil {
		w.problems = append(w.problems, fmt.Sprintf("bad position %q", pos))
	}
	if lsn <= w.last && w.last != 0 {
		w.problems = append(w.problems, fmt.Sprintf("position %s not after %s", lsn, w.last))
	}
	for _, wr := range writes {
		t := w.tables[wr.Table]
		for _, u := range wr.Updates {
			w.apply(wr.Table, t, u)
		}
	}
	w.last, w.lastPos = lsn, slices.Clone(pos)
	w.durable[string(pos)] = true
	w.commits = append(w.commits, memCommit{writes: writes, pos: pos})
	return nil
}

func (w *memWriter) apply(table int, t *memTable, u stream.Update) {
	rk := string(datum.EncodeRow(nil, u.Row))
	var kk string
	if len(t.pk) > 0 {
		kk = string(datum.EncodeKey(nil, u.Row, t.pk))
	}
	switch {
	case u.Diff > 0:
		if len(t.pk) > 0 {
			if _, dup := t.byKey[kk]; dup {
				w.problems = append(w.problems, fmt.Sprintf("table %d: duplicate key inserting %v", table, u.Row))
				return
			}
			t.byKey[kk] = rk
		}
		t.rows[rk] = u.Row
		t.count[rk] += int(u.Diff)
	case u.Diff < 0:
		if t.count[rk] < int(-u.Diff) {
			w.problems = append(w.problems, fmt.Sprintf("table %d: retracting missing row %v", table, u.Row))
			return
		}
		t.count[rk] += int(u.Diff)
		if t.count[rk] == 0 {
			delete(t.count, rk)
			delete(t.rows, rk)
			if len(t.pk) > 0 {
				delete(t.byKey, kk)
			}
		}
	}
}

// Lookup implements connector.Writer.
func (w *memWriter) Lookup(table int, key datum.Row) (datum.Row, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	t := w.tables[table]
	rk, ok := t.byKey[string(datum.EncodeKeyDatums(nil, key...))]
	if !ok {
		return nil, false
	}
	return t.rows[rk], true
}

// Truncate implements TruncateWriter.
func (w *memWriter) Truncate(table int) []datum.Row {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []datum.Row
	t := w.tables[table]
	for rk, row := range t.rows {
		for i := 0; i < t.count[rk]; i++ {
			out = append(out, row)
		}
	}
	return out
}

// noTruncWriter is a memWriter without Truncate.
type noTruncWriter struct{ w *memWriter }

func (n noTruncWriter) Commit(ctx context.Context, writes []connector.Write, pos connector.Position) error {
	return n.w.Commit(ctx, writes, pos)
}

func (n noTruncWriter) Lookup(table int, key datum.Row) (datum.Row, bool) {
	return n.w.Lookup(table, key)
}

// textRows renders a table's rows as sorted "a|b|c" lines.
func (w *memWriter) textRows(table int) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	t := w.tables[table]
	var out []string
	for rk, row := range t.rows {
		parts := make([]string, len(row))
		for i, d := range row {
			parts[i] = datum.FormatText(d)
		}
		line := strings.Join(parts, "|")
		for i := 0; i < t.count[rk]; i++ {
			out = append(out, line)
		}
	}
	sort.Strings(out)
	return out
}

func (w *memWriter) check(t testing.TB) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.problems) > 0 {
		t.Fatalf("writer saw %d problems, first: %s", len(w.problems), strings.Join(w.problems[:min(5, len(w.problems))], "\n"))
	}
}

func (w *memWriter) numCommits() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.commits)
}

func (w *memWriter) position() connector.Position {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lastPos
}

// upstreamRows renders an upstream table as sorted "a|b|c" lines, with
// Postgres's own text output (json columns as jsonb).
func (e *env) upstreamRows(table string, schema connector.TableSchema, exprs map[string]string) []string {
	e.t.Helper()
	cols := make([]string, len(schema.Columns))
	for i, c := range schema.Columns {
		// format's %s applies the type's output function, like the
		// wire protocol's text format (a cast to text differs for bool
		// and character(n)).
		expr := fmt.Sprintf("CASE WHEN %[1]s IS NOT NULL THEN format('%%s', %[1]s) END", quoteIdent(c.Name))
		if x, ok := exprs[c.Name]; ok {
			expr = x
		}
		cols[i] = fmt.Sprintf("coalesce(%s, 'NULL')", expr)
	}
	rows, err := e.db.Query(context.Background(), "SELECT "+strings.Join(cols, " || '|' || ")+" FROM "+table)
	if err != nil {
		e.t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		e.t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// waitEqual waits until the writer's table equals the upstream table.
func (e *env) waitEqual(w *memWriter, idx int, table string, schema connector.TableSchema, exprs map[string]string) {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		want := e.upstreamRows(table, schema, exprs)
		got := w.textRows(idx)
		if slices.Equal(want, got) {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("table %s differs from upstream after 30s:\n%s", table, diffLines(want, got))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func diffLines(want, got []string) string {
	var b strings.Builder
	ws, gs := map[string]int{}, map[string]int{}
	for _, s := range want {
		ws[s]++
	}
	for _, s := range got {
		gs[s]++
	}
	n := 0
	for _, s := range want {
		if gs[s] < ws[s] && n < 10 {
			fmt.Fprintf(&b, "  missing: %s\n", trunc(s))
			n++
		}
	}
	for _, s := range got {
		if ws[s] < gs[s] && n < 20 {
			fmt.Fprintf(&b, "  extra:   %s\n", trunc(s))
			n++
		}
	}
	fmt.Fprintf(&b, "  (%d upstream rows, %d in freshet)", len(want), len(got))
	return b.String()
}

func trunc(s string) string {
	if len(s) > 600 {
		return s[:600] + "..."
	}
	return s
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func discover(t testing.TB, s *Source) []connector.TableSchema {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	schemas, err := s.Discover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return schemas
}

package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// connectCancelable connects with a driver that cancels a statement with a
// CancelRequest when its context is done (pgx's default closes the
// connection instead).
func connectCancelable(t testing.TB, addr string) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://freshet@%s/freshet?sslmode=disable", addr))
	if err != nil {
		t.Fatal(err)
	}
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: 10 * time.Second}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// salesSchema creates a table t and a materialized view v over it.
func salesSchema(t testing.TB, c *pgx.Conn) {
	t.Helper()
	mustExec(t, c, "CREATE TABLE t (id int PRIMARY KEY, category text, amount int)")
	mustExec(t, c, "INSERT INTO t VALUES (1, 'a', 10), (2, 'b', 20)")
	mustExec(t, c, "CREATE MATERIALIZED VIEW v AS SELECT category, sum(amount) AS total FROM t GROUP BY category")
}

// group is the rows of one timestamp of a subscription, without the
// timestamp: "diff|col|col...", sorted.
type group struct {
	ts   int64
	rows []string
}

// lineReader reads the lines of a COPY TO STDOUT stream.
type lineReader struct {
	t     testing.TB
	lines chan string
}

func newLineReader(t testing.TB, r io.Reader) *lineReader {
	lr := &lineReader{t: t, lines: make(chan string, 1024)}
	go func() {
		defer close(lr.lines)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lr.lines <- sc.Text()
		}
	}()
	return lr
}

// next returns the next line, failing the test after 10s.
func (lr *lineReader) next() string {
	lr.t.Helper()
	select {
	case l, ok := <-lr.lines:
		if !ok {
			lr.t.Fatal("stream ended")
		}
		return l
	case <-time.After(10 * time.Second):
		lr.t.Fatal("no line within 10s")
	}
	return ""
}

// groups reads n lines and splits them into timestamp groups (tab
// separated: timestamp, diff, columns).
func (lr *lineReader) groups(n int) []group {
	lr.t.Helper()
	var gs []group
	for range n {
		f := strings.Split(lr.next(), "\t")
		ts, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			lr.t.Fatalf("bad timestamp in %q", f)
		}
		if len(gs) == 0 || gs[len(gs)-1].ts != ts {
			if len(gs) > 0 && ts < gs[len(gs)-1].ts {
				lr.t.Fatalf("timestamps go back: %d after %d", ts, gs[len(gs)-1].ts)
			}
			gs = append(gs, group{ts: ts})
		}
		g := &gs[len(gs)-1]
		g.rows = append(g.rows, strings.Join(f[1:], "|"))
	}
	for _, g := range gs {
		slices.Sort(g.rows)
	}
	return gs
}

func wantGroups(t testing.TB, got []group, want ...[]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d timestamp groups %v, want %d: %v", len(got), got, len(want), want)
	}
	for i, g := range got {
		w := slices.Clone(want[i])
		slices.Sort(w)
		if !slices.Equal(g.rows, w) {
			t.Fatalf("group %d (timestamp %d): got %q, want %q", i, g.ts, g.rows, w)
		}
	}
}

// COPY (SUBSCRIBE v) TO STDOUT through pgx: the snapshot, then each
// committed change as one timestamp group; cancelling ends the COPY with
// 57014 and the connection goes on.
func TestSubscribeCopyPgx(t *testing.T) {
	s := startServer(t, "")
	w := connect(t, s.PGAddr())
	salesSchema(t, w)
	c := connectCancelable(t, s.PGAddr())

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := c.PgConn().CopyTo(ctx, pw, "COPY (SUBSCRIBE v) TO STDOUT")
		pw.Close()
		done <- err
	}()
	lr := newLineReader(t, pr)
	wantGroups(t, lr.groups(2), []string{"1|a|10", "1|b|20"})

	mustExec(t, w, "INSERT INTO t VALUES (3, 'c', 5)")
	wantGroups(t, lr.groups(1), []string{"1|c|5"})
	mustExec(t, w, "UPDATE t SET amount = 15 WHERE id = 1")
	wantGroups(t, lr.groups(2), []string{"-1|a|10", "1|a|15"})
	mustExec(t, w, "BEGIN")
	mustExec(t, w, "DELETE FROM t WHERE id = 2")
	mustExec(t, w, "INSERT INTO t VALUES (4, 'a', 1)")
	mustExec(t, w, "COMMIT")
	wantGroups(t, lr.groups(3), []string{"-1|b|20", "-1|a|15", "1|a|16"})

	cancel()
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("COPY did not end after cancel")
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "57014" {
		t.Fatalf("cancelled COPY: got %v, want SQLSTATE 57014", err)
	}
	wantRows(t, c, "SELECT count(*) FROM t", "3")
}

// COPY (SELECT ...) TO STDOUT ends with the query's rows, escaped in the
// COPY text format.
func TestCopySelect(t *testing.T) {
	s := startServer(t, "")
	c := connect(t, s.PGAddr())
	mustExec(t, c, "CREATE TABLE e (id int PRIMARY KEY, s text)")
	mustExec(t, c, "INSERT INTO e VALUES (1, 'tab\there'), (2, NULL), (3, 'back\\slash')")
	var out strings.Builder
	tag, err := c.PgConn().CopyTo(context.Background(), &out, "COPY (SELECT id, s FROM e ORDER BY id) TO STDOUT")
	if err != nil {
		t.Fatal(err)
	}
	if want := "1\ttab\\there\n2\t\\N\n3\tback\\\\slash\n"; out.String() != want {
		t.Fatalf("got %q, want %q", out.String(), want)
	}
	if tag.String() != "COPY 3" {
		t.Fatalf("tag %q, want COPY 3", tag)
	}
	if _, err := c.PgConn().CopyTo(context.Background(), io.Discard, "COPY (SELECT 1) TO STDOUT WITH (FORMAT csv)"); err == nil {
		t.Fatal("COPY with FORMAT csv succeeded")
	}
}

// psql shows COPY (SUBSCRIBE ...) TO STDOUT live.
func TestSubscribePsql(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("psql not found")
	}
	s := startServer(t, "")
	w := connect(t, s.PGAddr())
	salesSchema(t, w)
	host, port, _ := net.SplitHostPort(s.PGAddr())
	// psql writes COPY data with stdio and flushes at the end only, which
	// a terminal's line buffering hides; with a pipe, stdbuf restores it.
	args := []string{psql, "-X", "-h", host, "-p", port, "-U", "freshet", "-d", "freshet",
		"-c", "COPY (SUBSCRIBE v) TO STDOUT"}
	if stdbuf, err := exec.LookPath("stdbuf"); err == nil {
		args = append([]string{stdbuf, "-oL"}, args...)
	} else {
		t.Skip("stdbuf not found: psql would buffer its output in a pipe")
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "PGSSLMODE=disable")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	lr := newLineReader(t, out)
	wantGroups(t, lr.groups(2), []string{"1|a|10", "1|b|20"})
	mustExec(t, w, "INSERT INTO t VALUES (3, 'b', 1)")
	wantGroups(t, lr.groups(2), []string{"-1|b|20", "1|b|21"})
}

// fetch runs FETCH and returns its rows as '|'-joined text in order.
func fetch(t testing.TB, c *pgx.Conn, sql string) []string {
	t.Helper()
	rs, err := c.Query(context.Background(), sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		var parts []string
		for _, v := range rs.RawValues() {
			if v == nil {
				parts = append(parts, "NULL")
			} else {
				parts = append(parts, string(v))
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rs.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

// stripTS drops the timestamp column and sorts the rows of a FETCH.
func stripTS(rows []string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		_, rest, _ := strings.Cut(r, "|")
		out[i] = rest
	}
	slices.Sort(out)
	return out
}

func wantFetch(t testing.TB, got []string, want ...string) {
	t.Helper()
	slices.Sort(want)
	if g := stripTS(got); !slices.Equal(g, want) {
		t.Fatalf("got %q, want %q", g, want)
	}
}

func TestSubscribeCursor(t *testing.T) {
	s := startServer(t, "")
	w := connect(t, s.PGAddr())
	salesSchema(t, w)
	c := connect(t, s.PGAddr())

	_, err := c.Exec(context.Background(), "DECLARE x CURSOR FOR SUBSCRIBE v")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "25P01" {
		t.Fatalf("DECLARE outside a block: got %v, want 25P01", err)
	}

	mustExec(t, c, "BEGIN")
	mustExec(t, c, "DECLARE cur CURSOR FOR SUBSCRIBE v")
	wantFetch(t, fetch(t, c, "FETCH ALL cur"), "1|a|10", "1|b|20")
	start := time.Now()
	wantFetch(t, fetch(t, c, "FETCH 10 cur WITH (timeout = '200ms')"))
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("FETCH with timeout returned after %v", d)
	}
	mustExec(t, w, "INSERT INTO t VALUES (3, 'c', 7)")
	mustExec(t, w, "UPDATE t SET amount = 11 WHERE id = 1")
	got := fetch(t, c, "FETCH 10 cur WITH (timeout = '5s')")
	// The first FETCH may return the first change alone.
	if len(got) < 3 {
		got = append(got, fetch(t, c, "FETCH 10 cur WITH (timeout = '5s')")...)
	}
	wantFetch(t, got, "1|c|7", "-1|a|10", "1|a|11")
	// FETCH 1 returns one row of a group, the next FETCH the rest.
	mustExec(t, w, "UPDATE t SET amount = 12 WHERE id = 1")
	a := fetch(t, c, "FETCH 1 cur WITH (timeout = '5s')")
	b := fetch(t, c, "FETCH ALL cur WITH (timeout = '5s')")
	wantFetch(t, append(a, b...), "-1|a|11", "1|a|12")
	if len(a) != 1 {
		t.Fatalf("FETCH 1 returned %d rows", len(a))
	}
	mustExec(t, c, "COMMIT")
	if _, err := c.Exec(context.Background(), "FETCH ALL cur"); !errors.As(err, &pgErr) || pgErr.Code != "34000" {
		t.Fatalf("FETCH after COMMIT: got %v, want 34000", err)
	}

	// A query subscription, without the snapshot.
	mustExec(t, c, "BEGIN")
	mustExec(t, c, "DECLARE q CURSOR FOR SUBSCRIBE (SELECT category, count(*) FROM t GROUP BY category) WITH (SNAPSHOT = false)")
	wantFetch(t, fetch(t, c, "FETCH ALL q WITH (timeout = '100ms')"))
	mustExec(t, w, "INSERT INTO t VALUES (4, 'c', 1)")
	wantFetch(t, fetch(t, c, "FETCH ALL q WITH (timeout = '5s')"), "-1|c|1", "1|c|2")
	mustExec(t, c, "CLOSE q")
	mustExec(t, c, "ROLLBACK")

	// A cursor over a plain query.
	mustExec(t, c, "BEGIN")
	mustExec(t, c, "DECLARE s CURSOR FOR SELECT id FROM t ORDER BY id")
	if got := fetch(t, c, "FETCH 2 s"); !slices.Equal(got, []string{"1", "2"}) {
		t.Fatalf("FETCH 2 s: %q", got)
	}
	if got := fetch(t, c, "FETCH ALL s"); !slices.Equal(got, []string{"3", "4"}) {
		t.Fatalf("FETCH ALL s: %q", got)
	}
	mustExec(t, c, "COMMIT")
}

// With PROGRESS, a progress row follows every timestamp, also one at which
// the subscribed view did not change.
func TestSubscribeProgress(t *testing.T) {
	s := startServer(t, "")
	w := connect(t, s.PGAddr())
	salesSchema(t, w)
	mustExec(t, w, "CREATE TABLE other (x int)")
	c := connect(t, s.PGAddr())
	mustExec(t, c, "BEGIN")
	mustExec(t, c, "DECLARE p CURSOR FOR SUBSCRIBE v WITH (PROGRESS)")
	got := fetch(t, c, "FETCH ALL p")
	for len(got) < 3 {
		got = append(got, fetch(t, c, "FETCH ALL p WITH (timeout = '5s')")...)
	}
	// timestamp|progressed|diff|category|total
	snapTS := strings.Split(got[0], "|")[0]
	ts, _ := strconv.ParseInt(snapTS, 10, 64)
	want := []string{snapTS + "|f|1|a|10", snapTS + "|f|1|b|20", fmt.Sprintf("%d|t|NULL|NULL|NULL", ts+1)}
	if !slices.Equal(got[:3], want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	// A commit to another table completes a timestamp with no change.
	mustExec(t, w, "INSERT INTO other VALUES (1)")
	deadline := time.Now().Add(5 * time.Second)
	for {
		rows := fetch(t, c, "FETCH ALL p WITH (timeout = '1s')")
		var last string
		for _, r := range rows {
			if !strings.Contains(r, "|t|NULL") {
				t.Fatalf("unexpected data row %q", r)
			}
			last = r
		}
		if last != "" {
			n, _ := strconv.ParseInt(strings.Split(last, "|")[0], 10, 64)
			if n > ts+1 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no progress past the commit to another table")
		}
	}
	mustExec(t, c, "COMMIT")
}

// A subscriber that never reads is ended with an error while writers go
// on at full speed.
func TestSubscribeSlowSubscriber(t *testing.T) {
	s := startServer(t, "")
	w := connect(t, s.PGAddr())
	mustExec(t, w, "CREATE TABLE n (x int)")
	c := connect(t, s.PGAddr())
	mustExec(t, c, "BEGIN")
	mustExec(t, c, "DECLARE slow CURSOR FOR SUBSCRIBE n")
	const commits = 1200 // more than session.SubscribeBuffer
	start := time.Now()
	var worst time.Duration
	for i := range commits {
		t0 := time.Now()
		mustExec(t, w, "INSERT INTO n VALUES ($1)", i)
		worst = max(worst, time.Since(t0))
	}
	t.Logf("%d commits in %v, slowest %v", commits, time.Since(start), worst)
	if worst > 2*time.Second {
		t.Fatalf("a writer waited %v: the slow subscriber held it up", worst)
	}
	_, err := c.Exec(context.Background(), "FETCH ALL slow")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "54000" || !strings.Contains(pgErr.Message, "too far behind") {
		t.Fatalf("FETCH of a slow subscriber: got %v, want 54000", err)
	}
	mustExec(t, c, "ROLLBACK")
	wantRows(t, c, "SELECT count(*) FROM n", strconv.Itoa(commits))
}

// The SSE endpoint streams updates and progress as JSON events.
func TestSubscribeSSE(t *testing.T) {
	s := startServer(t, "")
	w := connect(t, s.PGAddr())
	salesSchema(t, w)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	u := "http://" + s.HTTPAddr() + "/api/v1/subscribe?query=" + url.QueryEscape("SUBSCRIBE v")
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	type event struct {
		kind string
		Data struct {
			Timestamp int64          `json:"timestamp"`
			Diff      *int64         `json:"diff"`
			Row       map[string]any `json:"row"`
			Progress  bool           `json:"progress"`
		}
	}
	events := make(chan event, 100)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(resp.Body)
		var ev event
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				ev.kind = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				_ = json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev.Data)
			case line == "":
				events <- ev
				ev = event{}
			}
		}
	}()
	// next returns the updates of the next timestamp, up to its progress
	// event.
	next := func() []string {
		t.Helper()
		var out []string
		for {
			select {
			case ev, ok := <-events:
				if !ok {
					t.Fatal("stream ended")
				}
				if ev.kind == "progress" {
					if len(out) > 0 {
						slices.Sort(out)
						return out
					}
					continue
				}
				out = append(out, fmt.Sprintf("%d|%v|%v", *ev.Data.Diff, ev.Data.Row["category"], ev.Data.Row["total"]))
			case <-time.After(10 * time.Second):
				t.Fatal("no event within 10s")
			}
		}
	}
	if got := next(); !slices.Equal(got, []string{"1|a|10", "1|b|20"}) {
		t.Fatalf("snapshot events: %q", got)
	}
	mustExec(t, w, "INSERT INTO t VALUES (3, 'a', 1)")
	if got := next(); !slices.Equal(got, []string{"-1|a|10", "1|a|11"}) {
		t.Fatalf("change events: %q", got)
	}

	resp2, err := http.Get("http://" + s.HTTPAddr() + "/api/v1/subscribe?query=" + url.QueryEscape("SUBSCRIBE nope"))
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown relation: status %d", resp2.StatusCode)
	}
}

// BenchmarkSubscribeLatency measures the time from a COMMIT returning to
// the change arriving at a COPY (SUBSCRIBE) subscriber, and reports its
// p50 and p99.
func BenchmarkSubscribeLatency(b *testing.B) {
	s := startServer(b, "")
	w := connect(b, s.PGAddr())
	mustExec(b, w, "CREATE TABLE l (x int)")
	c := connectCancelable(b, s.PGAddr())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	go func() {
		_, _ = c.PgConn().CopyTo(ctx, pw, "COPY (SUBSCRIBE l) TO STDOUT")
		pw.Close()
	}()
	lr := newLineReader(b, pr)
	// e2e: from sending the autocommit INSERT to its change arriving;
	// after: from the INSERT's CommandComplete to the change arriving (0
	// if it arrived first).
	e2e := make([]time.Duration, 0, b.N)
	after := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		t0 := time.Now()
		mustExec(b, w, "INSERT INTO l VALUES ($1)", i)
		committed := time.Now()
		line := lr.next()
		arrived := time.Now()
		if !strings.HasSuffix(line, "\t1\t"+strconv.Itoa(i)) {
			b.Fatalf("line %q for insert %d", line, i)
		}
		e2e = append(e2e, arrived.Sub(t0))
		after = append(after, arrived.Sub(committed))
	}
	b.StopTimer()
	pct := func(d []time.Duration, p int) float64 {
		slices.Sort(d)
		return float64(d[(len(d)-1)*p/100].Microseconds())
	}
	b.ReportMetric(pct(e2e, 50), "e2e-p50-µs")
	b.ReportMetric(pct(e2e, 99), "e2e-p99-µs")
	b.ReportMetric(pct(after, 50), "after-commit-p50-µs")
	b.ReportMetric(pct(after, 99), "after-commit-p99-µs")
}

// SUBSCRIBE on its own streams rows to a driver that reads them as they
// come; cancelling ends it with 57014.
func TestSubscribeStatement(t *testing.T) {
	s := startServer(t, "")
	w := connect(t, s.PGAddr())
	salesSchema(t, w)
	c := connectCancelable(t, s.PGAddr())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rs, err := c.Query(ctx, "SUBSCRIBE TO (SELECT sum(amount) AS s FROM t)", pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatal(err)
	}
	if names := rs.FieldDescriptions(); len(names) != 3 || names[0].Name != "timestamp" || names[1].Name != "diff" || names[2].Name != "s" {
		t.Fatalf("columns %v", names)
	}
	next := func() string {
		t.Helper()
		if !rs.Next() {
			t.Fatalf("no row: %v", rs.Err())
		}
		v := rs.RawValues()
		return string(v[1]) + "|" + string(v[2])
	}
	if got := next(); got != "1|30" {
		t.Fatalf("snapshot %q", got)
	}
	mustExec(t, w, "INSERT INTO t VALUES (3, 'c', 5)")
	if got := []string{next(), next()}; !slices.Equal(got, []string{"-1|30", "1|35"}) {
		t.Fatalf("change %q", got)
	}
	cancel()
	for rs.Next() {
	}
	var pgErr *pgconn.PgError
	if !errors.As(rs.Err(), &pgErr) || pgErr.Code != "57014" {
		t.Fatalf("after cancel: %v, want 57014", rs.Err())
	}
	rs.Close()
	wantRows(t, c, "SELECT count(*) FROM t", "3")
}

func TestSubscribeErrors(t *testing.T) {
	s := startServer(t, "")
	c := connect(t, s.PGAddr())
	salesSchema(t, c)
	mustExec(t, c, "CREATE VIEW pv (ident) AS SELECT id FROM t")
	for _, tc := range []struct{ sql, code string }{
		{"COPY (SUBSCRIBE nope) TO STDOUT", "42P01"},
		{"COPY (SUBSCRIBE v WITH (FOO = 1)) TO STDOUT", "22023"},
		{"COPY (SUBSCRIBE v WITH (SNAPSHOT = maybe)) TO STDOUT", "22023"},
		{"COPY (SUBSCRIBE v AS OF 1) TO STDOUT", "0A000"},
		{"COPY (SUBSCRIBE (SELECT random() FROM t)) TO STDOUT", "0A000"},
		{"BEGIN; DECLARE d CURSOR FOR SUBSCRIBE v; DECLARE d CURSOR FOR SUBSCRIBE v", "42P03"},
		{"BEGIN; DECLARE d CURSOR WITH HOLD FOR SUBSCRIBE v", "0A000"},
		{"BEGIN; DECLARE d CURSOR FOR SUBSCRIBE v; FETCH d WITH (timeout = 'soon')", "22023"},
		{"FETCH ALL nope", "34000"},
		{"CLOSE nope", "34000"},
	} {
		_, err := c.Exec(context.Background(), tc.sql, pgx.QueryExecModeSimpleProtocol)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != tc.code {
			t.Errorf("%s: got %v, want SQLSTATE %s", tc.sql, err, tc.code)
		}
		_, _ = c.Exec(context.Background(), "ROLLBACK")
	}
	// A plain view is subscribed to through its query.
	mustExec(t, c, "BEGIN")
	mustExec(t, c, "DECLARE pc CURSOR FOR SUBSCRIBE pv")
	rs, err := c.Query(context.Background(), "FETCH ALL pc", pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatal(err)
	}
	if f := rs.FieldDescriptions(); len(f) != 3 || f[2].Name != "ident" {
		t.Fatalf("columns of SUBSCRIBE pv: %v", f)
	}
	rs.Close()
	mustExec(t, c, "CLOSE pc")
	mustExec(t, c, "DECLARE pc CURSOR FOR SUBSCRIBE pv")
	wantFetch(t, fetch(t, c, "FETCH ALL pc"), "1|1", "1|2")
	mustExec(t, c, "COMMIT")
}

// A FETCH without timeout waits until cancelled.
func TestSubscribeFetchCancel(t *testing.T) {
	s := startServer(t, "")
	w := connect(t, s.PGAddr())
	salesSchema(t, w)
	c := connectCancelable(t, s.PGAddr())
	mustExec(t, c, "BEGIN")
	mustExec(t, c, "DECLARE cur CURSOR FOR SUBSCRIBE v WITH (SNAPSHOT = false)")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Exec(ctx, "FETCH ALL cur", pgx.QueryExecModeSimpleProtocol)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "57014" {
		t.Fatalf("cancelled FETCH: got %v, want 57014", err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("FETCH returned after %v without a row", d)
	}
	mustExec(t, c, "ROLLBACK")
	wantRows(t, c, "SELECT count(*) FROM t", "2")
}

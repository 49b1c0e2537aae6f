package logictest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Format is the format of a test file.
type Format uint8

const (
	// SLT is Freshet's .slt dialect.
	SLT Format = iota + 1
	// SQLite is SQLite's sqllogictest format.
	SQLite
)

// defaultHashThreshold is the SQLite harness's DEFAULT_HASH_THRESHOLD.
const defaultHashThreshold = 8

// Runner runs test files against one server. Each file should get a server
// (or at least a database) of its own.
type Runner struct {
	// DSN is the connection string of the server under test.
	DSN string
	// Engine is the name skipif/onlyif lines are compared with: "freshet"
	// or "postgresql" for .slt files, "mysql" for the SQLite corpus.
	Engine string
	// QueryTimeout bounds one execution of one record (default 30s).
	QueryTimeout time.Duration
	// RetryTimeout bounds how long a retry query waits for the expected
	// result (default 10s).
	RetryTimeout time.Duration
	// MapSQL, if set, rewrites the SQL of every record before it runs.
	MapSQL func(sql string) string
	// Rewrite makes Run return the file with the expected output of every
	// query replaced by what the server returned (.slt files only).
	Rewrite bool
}

// Failure is one record that did not behave as expected.
type Failure struct {
	Path string
	Line int
	SQL  string
	Msg  string
}

func (f Failure) String() string {
	return fmt.Sprintf("%s:%d: %s\n%s", f.Path, f.Line, indent(f.SQL), f.Msg)
}

// Result sums up one file.
type Result struct {
	Passed, Failed, Skipped int
	Failures                []Failure
	// Rewritten is the file with its expected output replaced; set only
	// with Runner.Rewrite.
	Rewritten string
}

// fileRun is the state of one run of one file.
type fileRun struct {
	*Runner
	format        Format
	file          *File
	conns         map[string]*pgconn.PgConn
	cur           string
	simple        bool
	hashThreshold int
	labels        map[string]string // label → "N values hashing to H"
	actual        map[*Record][]string
	res           Result
}

// Run runs every record of f and reports the outcome. It returns an error
// only if the file cannot be run at all.
func (r *Runner) Run(ctx context.Context, f *File, format Format) (Result, error) {
	fr := &fileRun{
		Runner:        r,
		format:        format,
		file:          f,
		conns:         map[string]*pgconn.PgConn{},
		cur:           "default",
		simple:        format == SQLite,
		hashThreshold: defaultHashThreshold,
		labels:        map[string]string{},
		actual:        map[*Record][]string{},
	}
	defer fr.closeAll()
	if _, err := fr.conn(ctx); err != nil {
		return Result{}, err
	}
	for _, rec := range f.Records {
		if fr.skip(rec) {
			if rec.Kind == Statement || rec.Kind == Query {
				fr.res.Skipped++
			}
			continue
		}
		if rec.Kind == Halt {
			break
		}
		fr.runRecord(ctx, rec)
	}
	if r.Rewrite && format == SLT {
		fr.res.Rewritten = fr.rewrite()
	}
	return fr.res, nil
}

func (r *Runner) queryTimeout() time.Duration {
	if r.QueryTimeout > 0 {
		return r.QueryTimeout
	}
	return 30 * time.Second
}

func (r *Runner) retryTimeout() time.Duration {
	if r.RetryTimeout > 0 {
		return r.RetryTimeout
	}
	return 10 * time.Second
}

func (fr *fileRun) skip(rec *Record) bool {
	if slices.Contains(rec.SkipIf, fr.Engine) {
		return true
	}
	return len(rec.OnlyIf) > 0 && !slices.Contains(rec.OnlyIf, fr.Engine)
}

func (fr *fileRun) fail(rec *Record, format string, args ...any) {
	fr.res.Failed++
	fr.res.Failures = append(fr.res.Failures, Failure{
		Path: fr.file.Path, Line: rec.Line, SQL: rec.SQL, Msg: fmt.Sprintf(format, args...),
	})
}

// conn returns the current connection, (re)connecting if needed.
func (fr *fileRun) conn(ctx context.Context) (*pgconn.PgConn, error) {
	if c := fr.conns[fr.cur]; c != nil && !c.IsClosed() {
		return c, nil
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, err := pgconn.Connect(cctx, fr.DSN)
	if err != nil {
		return nil, fmt.Errorf("connection %q: %w", fr.cur, err)
	}
	fr.conns[fr.cur] = c
	return c, nil
}

func (fr *fileRun) closeAll() {
	for _, c := range fr.conns {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = c.Close(ctx)
		cancel()
	}
}

// outcome is what the server said to one record.
type outcome struct {
	cols []string
	rows [][][]byte // nil value: NULL
	tag  pgconn.CommandTag
	err  error
}

// exec runs sql on the current connection with the simple or the extended
// protocol; results are always in text format.
func (fr *fileRun) exec(ctx context.Context, sql string, simple bool) outcome {
	c, err := fr.conn(ctx)
	if err != nil {
		return outcome{err: err}
	}
	if fr.MapSQL != nil {
		sql = fr.MapSQL(sql)
	}
	ctx, cancel := context.WithTimeout(ctx, fr.queryTimeout())
	defer cancel()
	if !simple {
		return readResult(c.ExecParams(ctx, sql, nil, nil, nil, nil))
	}
	// The simple protocol may return several results; the last one counts,
	// and the first error.
	mrr := c.Exec(ctx, sql)
	var o outcome
	for mrr.NextResult() {
		if r := readResult(mrr.ResultReader()); o.err == nil {
			o = r
		}
	}
	if err := mrr.Close(); err != nil && o.err == nil {
		o = outcome{err: err}
	}
	return o
}

// readResult reads one result. Unlike pgconn's Read, it keeps the columns
// of a result without rows.
func readResult(rr *pgconn.ResultReader) outcome {
	var o outcome
	for rr.NextRow() {
		vals := rr.Values()
		row := make([][]byte, len(vals))
		for i, v := range vals {
			if v != nil {
				row[i] = append([]byte{}, v...)
			}
		}
		o.rows = append(o.rows, row)
	}
	for _, fd := range rr.FieldDescriptions() {
		o.cols = append(o.cols, fd.Name)
	}
	o.tag, o.err = rr.Close()
	return o
}

func (fr *fileRun) runRecord(ctx context.Context, rec *Record) {
	switch rec.Kind {
	case SwitchConn:
		fr.cur = rec.Arg
	case SetProtocol:
		fr.simple = rec.Arg == "simple"
	case HashThreshold:
		fr.hashThreshold, _ = strconv.Atoi(rec.Arg)
	case Statement:
		fr.runStatement(ctx, rec)
	case Query:
		if rec.ExpectError {
			fr.runStatement(ctx, rec)
			return
		}
		fr.runQuery(ctx, rec)
	}
}

// runStatement runs a statement record or a query error record.
func (fr *fileRun) runStatement(ctx context.Context, rec *Record) {
	o := fr.exec(ctx, rec.SQL, fr.simple || rec.Simple)
	if msg := checkError(rec, o.err); msg != "" {
		fr.fail(rec, "%s", msg)
		return
	}
	if o.err == nil && rec.Count >= 0 && o.tag.RowsAffected() != rec.Count {
		fr.fail(rec, "expected %d rows affected, got %d (%s)", rec.Count, o.tag.RowsAffected(), o.tag)
		return
	}
	fr.res.Passed++
}

// checkError compares an error (or its absence) with what rec expects and
// returns a description of the mismatch, or "".
func checkError(rec *Record, err error) string {
	if !rec.ExpectError {
		if err != nil {
			return "expected success, got error: " + describeError(err)
		}
		return ""
	}
	if err == nil {
		return "expected an error, but the statement succeeded"
	}
	var pgErr *pgconn.PgError
	msg := err.Error()
	if errors.As(err, &pgErr) {
		msg = pgErr.Message
		if rec.ErrCode != "" && pgErr.Code != rec.ErrCode {
			return fmt.Sprintf("expected error with SQLSTATE %s, got: %s", rec.ErrCode, describeError(err))
		}
	} else if rec.ErrCode != "" {
		return fmt.Sprintf("expected error with SQLSTATE %s, got a non-server error: %v", rec.ErrCode, err)
	}
	if rec.ErrRegexp != nil && !rec.ErrRegexp.MatchString(msg) {
		return fmt.Sprintf("expected error matching %q, got: %s", rec.ErrRegexp, describeError(err))
	}
	return ""
}

func describeError(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return fmt.Sprintf("%s (SQLSTATE %s)", pgErr.Message, pgErr.Code)
	}
	return err.Error()
}

// runQuery runs a query record, retrying it if asked to.
func (fr *fileRun) runQuery(ctx context.Context, rec *Record) {
	deadline := time.Now().Add(fr.retryTimeout())
	backoff := 10 * time.Millisecond
	for {
		o := fr.exec(ctx, rec.SQL, fr.simple || rec.Simple)
		msg := ""
		if o.err != nil {
			msg = "expected rows, got error: " + describeError(o.err)
		} else {
			msg = fr.compare(rec, o)
		}
		if msg == "" {
			fr.res.Passed++
			return
		}
		// With -rewrite, take what the server says as soon as it answers.
		rewriting := fr.Rewrite && o.err == nil
		if !rec.Retry || rewriting || time.Now().After(deadline) || ctx.Err() != nil {
			if rewriting {
				fr.res.Passed++
				return
			}
			fr.fail(rec, "%s", msg)
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 250*time.Millisecond)
	}
}

// compare checks a query result against rec and returns a description of
// the difference, or "". It records the rendered result for -rewrite.
func (fr *fileRun) compare(rec *Record, o outcome) string {
	if len(o.cols) != len(rec.Types) {
		return fmt.Sprintf("query returned %d columns but the header declares %d (%q)", len(o.cols), len(rec.Types), rec.Types)
	}
	if fr.format == SQLite {
		return fr.compareSQLite(rec, o)
	}
	lines := renderSLTResult(rec, o)
	fr.actual[rec] = lines
	want := strings.Fields(strings.Join(rec.Expected, "\n"))
	got := strings.Fields(strings.Join(lines, "\n"))
	if slices.Equal(want, got) {
		return ""
	}
	return fmt.Sprintf("expected:\n%s\nbut found:\n%s", indent(strings.Join(rec.Expected, "\n")), indent(strings.Join(lines, "\n")))
}

// rewrite returns the file with the expected output of every query that
// ran replaced by its actual output.
func (fr *fileRun) rewrite() string {
	var b strings.Builder
	lines := fr.file.Lines
	next := 0
	for _, rec := range fr.file.Records {
		actual, ok := fr.actual[rec]
		if !ok {
			continue
		}
		for _, l := range lines[next:rec.SepLine] {
			b.WriteString(l)
			b.WriteByte('\n')
		}
		b.WriteString("----\n")
		for _, l := range actual {
			b.WriteString(l)
			b.WriteByte('\n')
		}
		next = rec.EndLine
	}
	for _, l := range lines[next:] {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

func indent(s string) string {
	if s == "" {
		return "    (nothing)"
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

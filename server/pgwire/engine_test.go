package pgwire_test

import (
	"context"
	"fmt"
	"io"
	"maps"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/freshet-db/freshet/server/pgwire"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

// testEngine is a tiny SQL engine for wire tests. It understands:
//
//	SELECT item [AS name], ...   item = $n[::type] | literal[::type]
//	SELECT * FROM all_types      two rows: every type, then all NULLs
//	SELECT generate_series(1, n) n int4 rows
//	SELECT pg_sleep(s)           sleeps, honouring ctx (cancel tests)
//	SELECT error('CODE')         fails in Execute with that SQLSTATE
//	SELECT rows_then_error()     2 rows, then 22012 from Next
//	SELECT panic()               panics in Execute
//	SELECT nope                  42703 from Prepare
//	BEGIN, COMMIT, ROLLBACK, SET x = v, INSERT ...
//
// Anything else is a 42601 syntax error from Prepare.
type testEngine struct {
	mu       sync.Mutex
	sessions int
	closed   int
}

var _ pgwire.Engine = (*testEngine)(nil)

func (e *testEngine) NewSession(ctx context.Context, p pgwire.StartupParams) (pgwire.Session, error) {
	if p.Database == "nodb" {
		return nil, sqlerr.New(sqlerr.InvalidCatalogName, "database %q does not exist", p.Database)
	}
	e.mu.Lock()
	e.sessions++
	e.mu.Unlock()
	app := p.ApplicationName
	return &testSession{e: e, status: 'I', params: map[string]string{
		"application_name":            app,
		"client_encoding":             "UTF8",
		"DateStyle":                   "ISO, MDY",
		"integer_datetimes":           "on",
		"IntervalStyle":               "postgres",
		"is_superuser":                "on",
		"server_encoding":             "UTF8",
		"server_version":              "16.0",
		"session_authorization":       p.User,
		"standard_conforming_strings": "on",
		"TimeZone":                    "UTC",
	}, changed: map[string]string{}}, nil
}

func (e *testEngine) openSessions() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sessions - e.closed
}

type testSession struct {
	e       *testEngine
	status  byte
	params  map[string]string
	changed map[string]string
}

func (s *testSession) TxStatus() byte                     { return s.status }
func (s *testSession) ParameterStatus() map[string]string { return maps.Clone(s.params) }
func (s *testSession) ChangedParameters() map[string]string {
	c := s.changed
	s.changed = map[string]string{}
	return c
}
func (s *testSession) Fail() {
	if s.status == 'T' {
		s.status = 'E'
	}
}
func (s *testSession) Close() {
	s.e.mu.Lock()
	s.e.closed++
	s.e.mu.Unlock()
}

func (s *testSession) Prepare(ctx context.Context, query string, oids []uint32) ([]pgwire.Statement, error) {
	var out []pgwire.Statement
	parts := splitStatements(query)
	for _, q := range parts {
		st, err := s.prepareOne(q, oids)
		if err != nil && len(parts) > 1 && sqlerr.GetCode(err) != sqlerr.SyntaxError {
			// As in Postgres, a multi-statement query runs the statements
			// before the one that fails to plan (but a syntax error
			// anywhere stops them all).
			planErr := err
			st, err = &testStmt{s: s, exec: func(context.Context) error { return planErr }}, nil
		}
		if err != nil {
			s.Fail()
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// splitStatements splits on semicolons outside quotes and drops empty ones.
func splitStatements(q string) []string {
	var out []string
	inQuote := false
	start := 0
	for i := 0; i <= len(q); i++ {
		if i < len(q) && q[i] == '\'' {
			inQuote = !inQuote
		}
		if i == len(q) || (q[i] == ';' && !inQuote) {
			if s := strings.TrimSpace(q[start:i]); s != "" {
				out = append(out, s)
			}
			start = i + 1
		}
	}
	return out
}

var (
	reSeries = regexp.MustCompile(`(?i)^select generate_series\(1,\s*(\d+)\)$`)
	reSleep  = regexp.MustCompile(`(?i)^select pg_sleep\(([\d.]+)\)$`)
	reError  = regexp.MustCompile(`(?i)^select error\('(\w{5})'\)$`)
	reParam  = regexp.MustCompile(`\$\d+`)
	reSet    = regexp.MustCompile(`(?i)^set (\w+)\s*(?:=|to)\s*'?([^']*)'?$`)
)

func (s *testSession) prepareOne(q string, oids []uint32) (pgwire.Statement, error) {
	lq := strings.ToLower(q)
	switch {
	case strings.HasPrefix(lq, "begin") || strings.HasPrefix(lq, "start transaction"):
		return s.command("BEGIN", func() { s.status = 'T' }), nil
	case lq == "commit" || lq == "end":
		tag := "COMMIT"
		if s.status == 'E' {
			tag = "ROLLBACK"
		}
		return s.command(tag, func() { s.status = 'I' }), nil
	case lq == "rollback":
		return s.command("ROLLBACK", func() { s.status = 'I' }), nil
	case strings.HasPrefix(lq, "insert "):
		st := s.command("INSERT 0 1", nil)
		st.params = make([]types.T, len(reParam.FindAllString(q, -1)))
		return st, nil
	case strings.HasPrefix(lq, "deallocate "):
		name := strings.TrimSpace(q[len("deallocate "):])
		name = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(name, "prepare "), "PREPARE "))
		st := s.command("DEALLOCATE", nil)
		st.dealloc = &name
		if strings.EqualFold(name, "all") {
			st.tag = "DEALLOCATE ALL"
		}
		return st, nil
	case reSet.MatchString(q):
		m := reSet.FindStringSubmatch(q)
		return s.command("SET", func() { s.params[m[1]] = m[2]; s.changed[m[1]] = m[2] }), nil
	case lq == "select * from all_types":
		return &testStmt{s: s, cols: allTypesCols, rows: allTypesRows}, nil
	case reSeries.MatchString(q):
		n, _ := strconv.Atoi(reSeries.FindStringSubmatch(q)[1])
		rows := make([]datum.Row, n)
		for i := range rows {
			rows[i] = datum.Row{datum.NewInt4(int64(i + 1))}
		}
		return &testStmt{s: s, cols: []pgwire.Column{{Name: "generate_series", Type: types.Int4T}}, rows: rows}, nil
	case reSleep.MatchString(q):
		secs, _ := strconv.ParseFloat(reSleep.FindStringSubmatch(q)[1], 64)
		return &testStmt{s: s, cols: []pgwire.Column{{Name: "pg_sleep", Type: types.TextT}},
			exec: func(ctx context.Context) error {
				select {
				case <-time.After(time.Duration(secs * float64(time.Second))):
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			}, rows: []datum.Row{{datum.NewText("")}}}, nil
	case reError.MatchString(q):
		code := sqlerr.Code(reError.FindStringSubmatch(q)[1])
		return &testStmt{s: s, cols: []pgwire.Column{{Name: "error", Type: types.Int4T}},
			exec: func(context.Context) error { return sqlerr.New(code, "test error %s", code).WithHint("a hint") }}, nil
	case lq == "select rows_then_error()":
		return &testStmt{s: s, cols: []pgwire.Column{{Name: "x", Type: types.Int4T}},
			rows: []datum.Row{{datum.NewInt4(1)}, {datum.NewInt4(2)}}, nextErr: sqlerr.New(sqlerr.DivisionByZero, "division by zero")}, nil
	case lq == "select rows_then_block()":
		return &testStmt{s: s, cols: []pgwire.Column{{Name: "x", Type: types.Int4T}},
			rows: []datum.Row{{datum.NewInt4(1)}, {datum.NewInt4(2)}}, block: true}, nil
	case lq == "select panic()":
		return &testStmt{s: s, cols: []pgwire.Column{{Name: "x", Type: types.Int4T}},
			exec: func(context.Context) error { panic("test panic") }}, nil
	case strings.HasPrefix(lq, "copy "):
		return prepareCopy(lq)
	case lq == "select nope":
		return nil, sqlerr.New(sqlerr.UndefinedColumn, "column \"nope\" does not exist").WithPosition(8)
	case strings.HasPrefix(lq, "select "):
		return s.prepareSelect(q[len("select "):], oids)
	}
	word, _, _ := strings.Cut(q, " ")
	return nil, sqlerr.New(sqlerr.SyntaxError, "syntax error at or near %q", word).WithPosition(1)
}

func (s *testSession) command(tag string, f func()) *testStmt {
	return &testStmt{s: s, tag: tag, command: true, exec: func(context.Context) error {
		if f != nil {
			f()
		}
		return nil
	}}
}

// selectItem is one output of a generic SELECT.
type selectItem struct {
	param   int // 1-based; 0 for a literal
	literal string
	cast    types.T
	hasCast bool
}

var reItem = regexp.MustCompile(`(?is)^\s*\(?\s*(\$\d+|'(?:[^']|'')*'|-?[\w.+-]+)\s*\)?\s*(?:::\s*([\w ]+?))?\s*(?:as\s+(\w+))?\s*$`)

// prepareSelect handles "SELECT item, item, ...".
func (s *testSession) prepareSelect(list string, oids []uint32) (pgwire.Statement, error) {
	st := &testStmt{s: s}
	for _, raw := range splitItems(list) {
		m := reItem.FindStringSubmatch(raw)
		if m == nil {
			return nil, sqlerr.New(sqlerr.SyntaxError, "syntax error at or near %q", raw)
		}
		it := selectItem{}
		if m[2] != "" {
			t, ok := types.ByName(strings.TrimSpace(m[2]))
			if !ok {
				return nil, sqlerr.New(sqlerr.UndefinedObject, "type %q does not exist", m[2])
			}
			it.cast, it.hasCast = t, true
		}
		name := m[3]
		colType := it.cast
		if strings.HasPrefix(m[1], "$") {
			it.param, _ = strconv.Atoi(m[1][1:])
			for len(st.params) < it.param {
				st.params = append(st.params, types.UnknownT)
			}
			pt := it.cast
			if i := it.param - 1; i < len(oids) && oids[i] != 0 {
				pt = typeOfOID(oids[i])
			}
			st.params[it.param-1] = pt
			if !it.hasCast {
				colType = pt
			}
		} else {
			it.literal = m[1]
			if !it.hasCast {
				colType = literalType(m[1])
			}
		}
		if colType.Family == types.Unknown {
			colType = types.TextT
		}
		if !it.hasCast {
			it.cast, it.hasCast = colType, true
		}
		if name == "" {
			name = "?column?"
		}
		st.cols = append(st.cols, pgwire.Column{Name: name, Type: colType})
		st.items = append(st.items, it)
	}
	return st, nil
}

func typeOfOID(oid uint32) types.T {
	for f := types.Bool; f <= types.Bytea; f++ {
		if t := (types.T{Family: f}); t.OID() == oid {
			return t
		}
	}
	return types.UnknownT
}

func literalType(lit string) types.T {
	switch {
	case strings.HasPrefix(lit, "'"):
		return types.TextT
	case strings.EqualFold(lit, "true") || strings.EqualFold(lit, "false"):
		return types.BoolT
	case strings.EqualFold(lit, "null"):
		return types.TextT
	case strings.ContainsAny(lit, ".eE"):
		return types.NumericT
	}
	return types.Int4T
}

func splitItems(list string) []string {
	var out []string
	inQuote, depth, start := false, 0, 0
	for i := 0; i < len(list); i++ {
		switch c := list[i]; {
		case c == '\'':
			inQuote = !inQuote
		case inQuote:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, list[start:i])
			start = i + 1
		}
	}
	return append(out, list[start:])
}

// testStmt is a prepared statement of the test engine.
type testStmt struct {
	s       *testSession
	params  []types.T
	cols    []pgwire.Column
	items   []selectItem
	rows    []datum.Row
	exec    func(ctx context.Context) error
	nextErr error
	block   bool    // after the rows, Next waits for ctx (a subscription)
	dealloc *string // DEALLOCATE this statement ("all" for every one)
	tag     string
	command bool
}

func (st *testStmt) ParamTypes() []types.T    { return st.params }
func (st *testStmt) Columns() []pgwire.Column { return st.cols }

func (st *testStmt) Execute(ctx context.Context, params []datum.Datum) (pgwire.Result, error) {
	if st.s.status == 'E' && !(st.command && (st.tag == "COMMIT" || st.tag == "ROLLBACK")) {
		return nil, sqlerr.New(sqlerr.InFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
	}
	if st.exec != nil {
		if err := st.exec(ctx); err != nil {
			st.s.Fail()
			return nil, err
		}
	}
	rows := st.rows
	if st.items != nil {
		row := make(datum.Row, len(st.items))
		for i, it := range st.items {
			d, err := it.eval(params)
			if err != nil {
				st.s.Fail()
				return nil, err
			}
			row[i] = d
		}
		rows = []datum.Row{row}
	}
	if st.block {
		return &blockingResult{testResult{rows: rows}}, nil
	}
	if st.dealloc != nil {
		return &deallocResult{testResult{tag: st.tag}, *st.dealloc}, nil
	}
	return &testResult{rows: rows, tag: st.tag, nextErr: st.nextErr}, nil
}

func (it selectItem) eval(params []datum.Datum) (datum.Datum, error) {
	var text string
	if it.param > 0 {
		d := params[it.param-1]
		if d.IsNull() || (d.Kind() == it.cast.Family) {
			return d, nil
		}
		text = datum.FormatText(d)
	} else {
		if strings.EqualFold(it.literal, "null") {
			return datum.Null, nil
		}
		text = it.literal
		if strings.HasPrefix(text, "'") {
			text = strings.ReplaceAll(text[1:len(text)-1], "''", "'")
		}
	}
	return datum.ParseText(text, it.cast)
}

type testResult struct {
	rows    []datum.Row
	tag     string
	nextErr error
	closed  bool
}

func (r *testResult) Next(ctx context.Context) (datum.Row, error) {
	if r.closed {
		return nil, fmt.Errorf("next on a closed result")
	}
	if len(r.rows) == 0 {
		if r.nextErr != nil {
			return nil, r.nextErr
		}
		return nil, io.EOF
	}
	row := r.rows[0]
	r.rows = r.rows[1:]
	return row, nil
}
func (r *testResult) Tag() string { return r.tag }

// deallocResult is the result of DEALLOCATE.
type deallocResult struct {
	testResult
	name string
}

var _ pgwire.DeallocateResult = (*deallocResult)(nil)

func (r *deallocResult) Deallocate() (string, bool) {
	return r.name, strings.EqualFold(r.name, "all")
}

// blockingResult waits for ctx after its rows, like a subscription.
type blockingResult struct{ testResult }

var _ pgwire.BlockingResult = (*blockingResult)(nil)

func (r *blockingResult) WillBlock() bool { return len(r.rows) == 0 }
func (r *blockingResult) Next(ctx context.Context) (datum.Row, error) {
	if len(r.rows) == 0 {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return r.testResult.Next(ctx)
}
func (r *testResult) Close() { r.closed = true }

// allTypesCols and allTypesRows are a table with a column of every type:
// one row of values and one of NULLs. The columns claim to be attributes
// 1..15 of a table with OID 16384.
var allTypesCols = func() []pgwire.Column {
	cols := []pgwire.Column{
		{Name: "b", Type: types.BoolT},
		{Name: "i2", Type: types.Int2T},
		{Name: "i4", Type: types.Int4T},
		{Name: "i8", Type: types.Int8T},
		{Name: "f4", Type: types.Float4T},
		{Name: "f8", Type: types.Float8T},
		{Name: "n", Type: types.NumericOf(10, 2)},
		{Name: "t", Type: types.TextT},
		{Name: "v", Type: types.VarcharOf(20)},
		{Name: "d", Type: types.DateT},
		{Name: "ts", Type: types.TimestampT},
		{Name: "tstz", Type: types.TimestampTZT},
		{Name: "iv", Type: types.IntervalT},
		{Name: "j", Type: types.JSONBT},
		{Name: "by", Type: types.ByteaT},
	}
	for i := range cols {
		cols[i].TableOID, cols[i].AttNum = 16384, int16(i+1)
	}
	return cols
}()

var allTypesRows = func() []datum.Row {
	ts := time.Date(2024, 3, 5, 1, 2, 3, 456789000, time.UTC).UnixMicro()
	full := datum.Row{
		datum.NewBool(true), datum.NewInt2(-7), datum.NewInt4(123456), datum.NewInt8(-9000000000000000),
		datum.NewFloat4(1.5), datum.NewFloat8(-2.25), datum.NewNumeric(1234550, 2), datum.NewText("héllo"),
		datum.NewVarchar(""), datum.NewDate(19787), datum.NewTimestamp(ts), datum.NewTimestampTZ(ts),
		datum.NewInterval(14, 3, 4_000_005), datum.NewJSONB(`{"a": [1, 2]}`), datum.NewBytea("\x00\x01\xff"),
	}
	return []datum.Row{full, make(datum.Row, len(full))}
}()

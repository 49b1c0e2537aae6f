package parse

import (
	"strings"

	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// cursor walks the tokens of a statement that Freshet parses itself.
type cursor struct {
	sql  string
	toks []token
	i    int
}

func (c *cursor) tok() token       { return at(c.toks, c.i) }
func (c *cursor) peek(k int) token { return at(c.toks, c.i+k) }

// accept consumes the words ws if they come next.
func (c *cursor) accept(ws ...string) bool {
	for k, w := range ws {
		if !c.peek(k).is(w) {
			return false
		}
	}
	c.i += len(ws)
	return true
}

func (c *cursor) expect(ws ...string) error {
	for _, w := range ws {
		if !c.tok().is(w) {
			return c.fail()
		}
		c.i++
	}
	return nil
}

func (c *cursor) fail() error { return syntaxError(c.sql, c.tok()) }

// end fails unless all tokens are consumed.
func (c *cursor) end() error {
	if c.tok().kind != tkEOF {
		return c.fail()
	}
	return nil
}

// ident reads one identifier: an unquoted word (folded) or "quoted".
func (c *cursor) ident() (string, error) {
	t := c.tok()
	if t.kind != tkWord && t.kind != tkQuotedIdent {
		return "", c.fail()
	}
	c.i++
	return t.str, nil
}

// name reads a possibly qualified name and joins its parts with ".".
func (c *cursor) name() (string, error) {
	var parts []string
	for {
		p, err := c.ident()
		if err != nil {
			return "", err
		}
		parts = append(parts, p)
		if !c.tok().isOp(".") {
			return strings.Join(parts, "."), nil
		}
		c.i++
	}
}

// rest returns the remaining tokens as a statement (ending in EOF).
func (c *cursor) rest() []token {
	if c.i >= len(c.toks) {
		return c.toks[len(c.toks)-1:]
	}
	return c.toks[c.i:]
}

// restText is the lower-cased text of the remaining tokens, one space apart.
func (c *cursor) restText() string {
	var parts []string
	for ; c.tok().kind != tkEOF; c.i++ {
		t := c.tok()
		if t.kind == tkWord {
			parts = append(parts, t.str)
		} else {
			parts = append(parts, t.raw)
		}
	}
	return strings.Join(parts, " ")
}

func parseShow(sql string, toks []token, text string) (Statement, error) {
	c := &cursor{sql: sql, toks: toks, i: 1}
	show := func(what string, withName bool) (Statement, error) {
		s := &Show{What: what, SQL: text}
		if withName {
			n, err := c.name()
			if err != nil {
				return nil, err
			}
			s.Name = n
		}
		return s, c.end()
	}
	switch {
	case c.accept("tables"):
		return show("tables", false)
	case c.accept("views"):
		return show("views", false)
	case c.accept("materialized", "views"):
		return show("materialized views", false)
	case c.accept("sources"):
		return show("sources", false)
	case c.accept("sinks"):
		return show("sinks", false)
	case c.accept("columns"):
		if !c.accept("from") && !c.accept("in") {
			return nil, c.fail()
		}
		return show("columns", true)
	case c.accept("create", "table"):
		return show("create table", true)
	case c.accept("create", "view"):
		return show("create view", true)
	case c.accept("create", "materialized", "view"):
		return show("create materialized view", true)
	case c.accept("transaction", "isolation", "level"):
		return &ShowVar{Name: "transaction_isolation", SQL: text}, c.end()
	case c.accept("time", "zone"):
		return &ShowVar{Name: "timezone", SQL: text}, c.end()
	case c.accept("session", "authorization"):
		return &ShowVar{Name: "session_authorization", SQL: text}, c.end()
	}
	name, err := c.name()
	if err != nil {
		return nil, err
	}
	return &ShowVar{Name: strings.ToLower(name), SQL: text}, c.end()
}

// setValue reads the value list of SET x = ...: strings, numbers (with
// sign), words and quoted identifiers, comma separated.
func (c *cursor) setValue() (string, bool, error) {
	var vals []string
	for {
		t := c.tok()
		switch {
		case t.kind == tkString:
			vals = append(vals, t.str)
		case t.kind == tkNumber:
			vals = append(vals, t.raw)
		case t.isOp("-") || t.isOp("+"):
			n := c.peek(1)
			if n.kind != tkNumber {
				return "", false, syntaxError(c.sql, n)
			}
			vals = append(vals, strings.TrimPrefix(t.raw, "+")+n.raw)
			c.i++
		case t.kind == tkWord:
			if t.str == "default" && len(vals) == 0 && c.peek(1).kind == tkEOF {
				c.i++
				return "", true, nil
			}
			vals = append(vals, t.str)
		case t.kind == tkQuotedIdent:
			vals = append(vals, t.str)
		default:
			return "", false, c.fail()
		}
		c.i++
		if !c.tok().isOp(",") {
			return strings.Join(vals, ", "), false, c.end()
		}
		c.i++
	}
}

func parseSet(sql string, toks []token, text string) (Statement, error) {
	c := &cursor{sql: sql, toks: toks, i: 1}
	s := &SetVar{SQL: text}
	switch {
	case c.accept("session", "characteristics", "as", "transaction"):
		s.Name = "session_characteristics"
		s.Value = c.restText()
		return s, nil
	case c.accept("local"):
		s.Local = true
	case c.accept("session"):
	}
	switch {
	case c.accept("transaction"):
		s.Name, s.Local = "transaction_characteristics", true
		s.Value = c.restText()
		return s, nil
	case c.accept("time", "zone"):
		s.Name = "timezone"
		if c.accept("local") || c.accept("default") {
			s.Reset = true
			return s, c.end()
		}
		if c.accept("interval") {
			return nil, notSupported(sql, c.tok(), "SET TIME ZONE INTERVAL is not supported")
		}
		v, reset, err := c.setValue()
		s.Value, s.Reset = v, reset
		return s, err
	case c.accept("names"):
		s.Name = "client_encoding"
		v, reset, err := c.setValue()
		s.Value, s.Reset = v, reset
		return s, err
	case c.accept("session", "authorization"):
		s.Name = "session_authorization"
		v, reset, err := c.setValue()
		s.Value, s.Reset = v, reset
		return s, err
	}
	if c.tok().is("schema") && c.peek(1).kind == tkString {
		c.i++
		s.Name = "search_path"
		v, reset, err := c.setValue()
		s.Value, s.Reset = v, reset
		return s, err
	}
	name, err := c.name()
	if err != nil {
		return nil, err
	}
	s.Name = strings.ToLower(name)
	if !c.tok().isOp("=") && !c.accept("to") {
		return nil, c.fail()
	}
	if c.tok().isOp("=") {
		c.i++
	}
	v, reset, err := c.setValue()
	s.Value, s.Reset = v, reset
	return s, err
}

func parseReset(sql string, toks []token, text string) (Statement, error) {
	c := &cursor{sql: sql, toks: toks, i: 1}
	s := &SetVar{Reset: true, SQL: text}
	switch {
	case c.accept("time", "zone"):
		s.Name = "timezone"
	case c.accept("session", "authorization"):
		s.Name = "session_authorization"
	case c.accept("transaction", "isolation", "level"):
		s.Name = "transaction_isolation"
	default:
		n, err := c.name()
		if err != nil {
			return nil, err
		}
		s.Name = strings.ToLower(n)
	}
	return s, c.end()
}

// txModes reads transaction modes: ISOLATION LEVEL x, READ ONLY|WRITE,
// [NOT] DEFERRABLE, optionally comma separated.
func (c *cursor) txModes(s *TxControl) error {
	for c.tok().kind != tkEOF {
		switch {
		case c.accept("isolation", "level"):
			switch {
			case c.accept("serializable"):
				s.Isolation = "serializable"
			case c.accept("repeatable", "read"):
				s.Isolation = "repeatable read"
			case c.accept("read", "committed"):
				s.Isolation = "read committed"
			case c.accept("read", "uncommitted"):
				s.Isolation = "read uncommitted"
			default:
				return c.fail()
			}
		case c.accept("read", "only"):
			s.ReadOnly = true
		case c.accept("read", "write"):
			s.ReadOnly = false
		case c.accept("not", "deferrable"), c.accept("deferrable"):
		default:
			return c.fail()
		}
		if c.tok().isOp(",") {
			c.i++
		}
	}
	return nil
}

func parseTx(sql string, toks []token, text string) (Statement, error) {
	c := &cursor{sql: sql, toks: toks, i: 1}
	s := &TxControl{SQL: text}
	switch toks[0].str {
	case "begin":
		s.Op = TxBegin
		_ = c.accept("work") || c.accept("transaction")
		return s, c.txModes(s)
	case "start":
		s.Op = TxBegin
		if err := c.expect("transaction"); err != nil {
			return nil, err
		}
		return s, c.txModes(s)
	case "commit", "end":
		s.Op = TxCommit
		if c.tok().is("prepared") {
			return nil, notSupported(sql, c.tok(), "two-phase commit is not supported")
		}
	case "rollback", "abort":
		s.Op = TxRollback
		if c.tok().is("prepared") {
			return nil, notSupported(sql, c.tok(), "two-phase commit is not supported")
		}
	}
	_ = c.accept("work") || c.accept("transaction")
	if c.tok().is("to") {
		return nil, notSupported(sql, c.tok(), "savepoints are not supported")
	}
	if c.accept("and", "chain") {
		return nil, notSupported(sql, toks[0], "AND CHAIN is not supported")
	}
	_ = c.accept("and", "no", "chain")
	return s, c.end()
}

func parseDiscard(sql string, toks []token, text string) (Statement, error) {
	c := &cursor{sql: sql, toks: toks, i: 1}
	for _, w := range []string{"all", "plans", "sequences", "temp", "temporary"} {
		if c.accept(w) {
			if w == "temporary" {
				w = "temp"
			}
			return &Discard{What: w, SQL: text}, c.end()
		}
	}
	return nil, c.fail()
}

func parseDeallocate(sql string, toks []token, text string) (Statement, error) {
	c := &cursor{sql: sql, toks: toks, i: 1}
	_ = c.accept("prepare")
	if c.accept("all") {
		return &Deallocate{All: true, SQL: text}, c.end()
	}
	n, err := c.ident()
	if err != nil {
		return nil, err
	}
	return &Deallocate{Name: n, SQL: text}, c.end()
}

func parseExplain(sql string, toks []token, text string) (Statement, error) {
	c := &cursor{sql: sql, toks: toks, i: 1}
	s := &Explain{SQL: text}
	if c.tok().isOp("(") {
		c.i++
		for {
			opt := c.tok()
			if opt.kind != tkWord {
				return nil, c.fail()
			}
			c.i++
			on := true
			if v := c.tok(); v.kind == tkWord && !v.isOp(",") {
				on = v.str != "false" && v.str != "off" && v.str != "0"
				c.i++
			} else if v.kind == tkString || v.kind == tkNumber {
				on = v.str != "false" && v.raw != "0"
				c.i++
			}
			switch opt.str {
			case "analyze", "analyse":
				s.Analyze = on
			case "verbose":
				s.Verbose = on
			case "costs", "buffers", "timing", "summary", "settings", "wal", "format", "generic_plan":
			default:
				return nil, sqlerr.New(sqlerr.SyntaxError, "unrecognized EXPLAIN option %q", opt.str).WithPosition(charPos(sql, opt.pos))
			}
			if c.tok().isOp(",") {
				c.i++
				continue
			}
			if !c.tok().isOp(")") {
				return nil, c.fail()
			}
			c.i++
			break
		}
	} else {
		if c.accept("analyze") || c.accept("analyse") {
			s.Analyze = true
		}
		if c.accept("verbose") {
			s.Verbose = true
		}
	}
	if c.accept("materialized", "view") {
		n, err := c.name()
		if err != nil {
			return nil, err
		}
		s.MaterializedView = n
		return s, c.end()
	}
	if c.tok().kind == tkEOF {
		return nil, c.fail()
	}
	inner, err := parseStatement(sql, c.rest())
	if err != nil {
		return nil, err
	}
	switch in := inner.(type) {
	case *TiDB:
		if _, nested := in.Node.(*ast.ExplainStmt); nested {
			return nil, syntaxError(sql, c.tok())
		}
		s.Query, s.NumParams = in.Node, in.NumParams
	case *CreateMaterializedView:
		s.Stmt, s.NumParams = in, in.NumParams
	case *CreateTable:
		s.Query, s.NumParams = in.Node, in.NumParams
	default:
		return nil, notSupported(sql, c.tok(), "EXPLAIN of this statement is not supported")
	}
	return s, nil
}

// parseDrop handles DROP of Freshet objects; ok is false for other DROP
// statements (DROP INDEX, DROP SCHEMA, ...), which go to TiDB.
func parseDrop(sql string, toks []token, text string) (Statement, bool, error) {
	c := &cursor{sql: sql, toks: toks, i: 1}
	s := &Drop{SQL: text}
	switch {
	case c.accept("table"):
		s.Kind = KindTable
	case c.accept("view"):
		s.Kind = KindView
	case c.accept("materialized", "view"):
		s.Kind = KindMaterializedView
	case c.accept("source"):
		s.Kind = KindSource
	case c.accept("sink"):
		s.Kind = KindSink
	default:
		return nil, false, nil
	}
	s.IfExists = c.accept("if", "exists")
	for {
		n, err := c.name()
		if err != nil {
			return nil, true, err
		}
		s.Names = append(s.Names, n)
		if !c.tok().isOp(",") {
			break
		}
		c.i++
	}
	switch {
	case c.accept("cascade"):
		s.Cascade = true
	case c.accept("restrict"):
	}
	return s, true, c.end()
}

// unsupportedCreate are CREATE forms Freshet rejects with 0A000.
var unsupportedCreate = wordSet(`function procedure trigger type extension sequence domain role user
publication subscription policy rule aggregate operator cast server foreign event collation
conversion language statistics tablespace transform access text group connection`)

func parseCreate(sql string, toks []token, text string) (Statement, error) {
	c := &cursor{sql: sql, toks: toks, i: 1}
	orReplace := c.accept("or", "replace")
	if c.accept("materialized", "view") {
		return parseCreateMV(c, text, orReplace)
	}
	if !orReplace {
		k := c.i
		_ = c.accept("temporary") || c.accept("temp") || c.accept("unlogged")
		if c.tok().is("table") {
			return parseTiDB(sql, toks, text, true)
		}
		c.i = k
	}
	if !orReplace && c.accept("source") {
		return parseCreateSource(c, text)
	}
	if !orReplace && c.accept("sink") {
		return parseCreateSink(c, text)
	}
	if t := c.tok(); t.kind == tkWord && unsupportedCreate[t.str] {
		return nil, notSupported(sql, t, "CREATE %s is not supported", strings.ToUpper(t.str))
	}
	return parseTiDB(sql, toks, text, false)
}

func parseCreateMV(c *cursor, text string, orReplace bool) (Statement, error) {
	s := &CreateMaterializedView{OrReplace: orReplace, SQL: text}
	s.IfNotExists = c.accept("if", "not", "exists")
	n, err := c.name()
	if err != nil {
		return nil, err
	}
	s.Name = n
	if c.tok().isOp("(") {
		c.i++
		for {
			col, err := c.ident()
			if err != nil {
				return nil, err
			}
			s.Columns = append(s.Columns, col)
			if c.tok().isOp(",") {
				c.i++
				continue
			}
			if !c.tok().isOp(")") {
				return nil, c.fail()
			}
			c.i++
			break
		}
	}
	if c.tok().is("with") && c.peek(1).isOp("(") {
		return nil, notSupported(c.sql, c.tok(), "materialized view options are not supported")
	}
	if err := c.expect("as"); err != nil {
		return nil, err
	}
	rest := c.rest()
	if rest[0].kind == tkEOF {
		return nil, c.fail()
	}
	node, rw, err := tidbParse(c.sql, rest, false)
	if err != nil {
		return nil, err
	}
	q, ok := node.(ast.ResultSetNode)
	if !ok {
		return nil, sqlerr.New(sqlerr.SyntaxError, "syntax error at or near %q", rest[0].raw).WithPosition(charPos(c.sql, rest[0].pos))
	}
	switch node.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt:
	default:
		return nil, sqlerr.New(sqlerr.SyntaxError, "syntax error at or near %q", rest[0].raw).WithPosition(charPos(c.sql, rest[0].pos))
	}
	s.Query = q
	s.QueryText = stmtText(c.sql, rest)
	s.NumParams = rw.maxParam
	if s.NumParams > 0 {
		return nil, sqlerr.New(sqlerr.UndefinedParameter, "there is no parameter $%d", s.NumParams)
	}
	return s, nil
}

package parse

import (
	"strconv"
	"strings"

	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// Subscribe is SUBSCRIBE [TO] name | (query) [WITH (option [= value], ...)]
// [AS OF n]. Exactly one of Name and Query is set. Options has lower-case
// keys (e.g. "snapshot", "progress"; a bare option has value "true";
// AS OF n is "as_of").
type Subscribe struct {
	Name      string
	Query     ast.ResultSetNode
	QueryText string
	Options   map[string]string
	NumParams int
	SQL       string
}

// Copy is COPY (query) TO STDOUT [[WITH] (option value, ...)], where the
// query is a SELECT (*TiDB) or a *Subscribe. Options has lower-case keys
// (e.g. "format": "text", "csv", "binary"). Other COPY forms are 0A000.
type Copy struct {
	Query   Statement
	Options map[string]string
	SQL     string
}

// DeclareCursor is DECLARE name [BINARY] [NO SCROLL] CURSOR [WITH[OUT]
// HOLD] FOR query, the query a SELECT (*TiDB) or a *Subscribe.
type DeclareCursor struct {
	Name  string
	Query Statement
	Hold  bool
	SQL   string
}

// Fetch is FETCH [FORWARD] [n | ALL | NEXT] [FROM | IN] cursor [WITH
// (option = value, ...)]. Count is -1 for ALL; Options has lower-case keys
// (e.g. "timeout").
type Fetch struct {
	Cursor  string
	Count   int64
	Options map[string]string
	SQL     string
}

// CloseCursor is CLOSE name | ALL.
type CloseCursor struct {
	Name string
	All  bool
	SQL  string
}

func (s *Subscribe) Text() string     { return s.SQL }
func (s *Copy) Text() string          { return s.SQL }
func (s *DeclareCursor) Text() string { return s.SQL }
func (s *Fetch) Text() string         { return s.SQL }
func (s *CloseCursor) Text() string   { return s.SQL }

var (
	_ Statement = (*Subscribe)(nil)
	_ Statement = (*Copy)(nil)
	_ Statement = (*DeclareCursor)(nil)
	_ Statement = (*Fetch)(nil)
	_ Statement = (*CloseCursor)(nil)
)

// parenthesized returns the tokens inside the "(" at the cursor (as a
// statement ending in EOF) and moves past the ")".
func (c *cursor) parenthesized() ([]token, error) {
	if !c.tok().isOp("(") {
		return nil, c.fail()
	}
	depth := 0
	for j := c.i; ; j++ {
		t := at(c.toks, j)
		switch {
		case t.kind == tkEOF:
			return nil, syntaxError(c.sql, t)
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			depth--
			if depth == 0 {
				inner := make([]token, j-c.i-1, j-c.i)
				copy(inner, c.toks[c.i+1:j])
				inner = append(inner, token{kind: tkEOF, pos: t.pos, end: t.pos})
				c.i = j + 1
				if len(inner) == 1 {
					return nil, syntaxError(c.sql, t)
				}
				return inner, nil
			}
		}
	}
}

// query parses tokens as a SELECT or set operation.
func queryOf(sql string, toks []token) (ast.ResultSetNode, int, error) {
	node, rw, err := tidbParse(sql, toks, false)
	if err != nil {
		return nil, 0, err
	}
	switch q := node.(type) {
	case *ast.SelectStmt:
		return q, rw.maxParam, nil
	case *ast.SetOprStmt:
		return q, rw.maxParam, nil
	}
	return nil, 0, syntaxError(sql, toks[0])
}

func parseSubscribe(sql string, toks []token, text string) (*Subscribe, error) {
	c := &cursor{sql: sql, toks: toks, i: 1}
	s := &Subscribe{Options: map[string]string{}, SQL: text}
	_ = c.accept("to")
	if c.tok().isOp("(") {
		inner, err := c.parenthesized()
		if err != nil {
			return nil, err
		}
		if s.Query, s.NumParams, err = queryOf(sql, inner); err != nil {
			return nil, err
		}
		s.QueryText = stmtText(sql, inner)
	} else {
		n, err := c.name()
		if err != nil {
			return nil, err
		}
		s.Name = n
	}
	if c.accept("with") {
		if err := c.flagList(s.Options); err != nil {
			return nil, err
		}
	}
	if c.accept("as", "of") {
		v, err := c.optionValue()
		if err != nil {
			return nil, err
		}
		s.Options["as_of"] = v
	}
	return s, c.end()
}

// flagList reads "(name [[=] value], ...)"; a bare name means "true".
func (c *cursor) flagList(opts map[string]string) error {
	if !c.tok().isOp("(") {
		return c.fail()
	}
	c.i++
	for {
		name, err := c.ident()
		if err != nil {
			return err
		}
		val := "true"
		if c.tok().isOp("=") {
			c.i++
		}
		if !c.tok().isOp(",") && !c.tok().isOp(")") {
			if val, err = c.optionValue(); err != nil {
				return err
			}
		}
		opts[strings.ToLower(name)] = val
		if c.tok().isOp(",") {
			c.i++
			continue
		}
		if !c.tok().isOp(")") {
			return c.fail()
		}
		c.i++
		return nil
	}
}

// cursorQuery parses the query of COPY (...) or DECLARE ... FOR: a
// SUBSCRIBE or a SELECT.
func cursorQuery(sql string, toks []token) (Statement, error) {
	if toks[0].is("subscribe") {
		return parseSubscribe(sql, toks, stmtText(sql, toks))
	}
	q, n, err := queryOf(sql, toks)
	if err != nil {
		return nil, err
	}
	return &TiDB{Node: q.(ast.StmtNode), SQL: stmtText(sql, toks), NumParams: n}, nil
}

func parseCopy(sql string, toks []token, text string) (Statement, error) {
	c := &cursor{sql: sql, toks: toks, i: 1}
	if !c.tok().isOp("(") {
		return nil, notSupported(sql, toks[0], "COPY is only supported as COPY (query) TO STDOUT")
	}
	inner, err := c.parenthesized()
	if err != nil {
		return nil, err
	}
	q, err := cursorQuery(sql, inner)
	if err != nil {
		return nil, err
	}
	if !c.accept("to", "stdout") {
		return nil, notSupported(sql, c.tok(), "COPY is only supported as COPY (query) TO STDOUT")
	}
	s := &Copy{Query: q, Options: map[string]string{}, SQL: text}
	_ = c.accept("with")
	if c.tok().isOp("(") {
		if err := c.flagList(s.Options); err != nil {
			return nil, err
		}
	}
	return s, c.end()
}

func parseDeclare(sql string, toks []token, text string) (Statement, error) {
	c := &cursor{sql: sql, toks: toks, i: 1}
	name, err := c.ident()
	if err != nil {
		return nil, err
	}
	s := &DeclareCursor{Name: name, SQL: text}
	if c.tok().is("binary") || c.tok().is("insensitive") {
		return nil, notSupported(sql, c.tok(), "%s cursors are not supported", strings.ToUpper(c.tok().str))
	}
	_ = c.accept("no", "scroll")
	if c.tok().is("scroll") {
		return nil, notSupported(sql, c.tok(), "scrollable cursors are not supported")
	}
	if err := c.expect("cursor"); err != nil {
		return nil, err
	}
	switch {
	case c.accept("with", "hold"):
		s.Hold = true
	case c.accept("without", "hold"):
	}
	if err := c.expect("for"); err != nil {
		return nil, err
	}
	rest := c.rest()
	if rest[0].kind == tkEOF {
		return nil, c.fail()
	}
	if s.Query, err = cursorQuery(sql, rest); err != nil {
		return nil, err
	}
	return s, nil
}

func parseFetch(sql string, toks []token, text string) (Statement, error) {
	c := &cursor{sql: sql, toks: toks, i: 1}
	s := &Fetch{Count: 1, Options: map[string]string{}, SQL: text}
	_ = c.accept("forward")
	switch t := c.tok(); {
	case t.kind == tkNumber:
		n, err := strconv.ParseInt(t.raw, 10, 64)
		if err != nil || n < 0 {
			return nil, sqlerr.New(sqlerr.SyntaxError, "syntax error at or near %q", t.raw).WithPosition(charPos(sql, t.pos))
		}
		s.Count = n
		c.i++
	case t.is("all"):
		s.Count = -1
		c.i++
	case t.is("next"):
		c.i++
	case t.is("prior") || t.is("first") || t.is("last") || t.is("absolute") || t.is("relative") || t.is("backward"):
		return nil, notSupported(sql, t, "FETCH %s is not supported", strings.ToUpper(t.str))
	}
	_ = c.accept("from") || c.accept("in")
	name, err := c.ident()
	if err != nil {
		return nil, err
	}
	s.Cursor = name
	if c.accept("with") {
		if err := c.flagList(s.Options); err != nil {
			return nil, err
		}
	}
	return s, c.end()
}

func parseClose(sql string, toks []token, text string) (Statement, error) {
	c := &cursor{sql: sql, toks: toks, i: 1}
	if c.accept("all") {
		return &CloseCursor{All: true, SQL: text}, c.end()
	}
	name, err := c.ident()
	if err != nil {
		return nil, err
	}
	return &CloseCursor{Name: name, SQL: text}, c.end()
}

package parse

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	// The TiDB value driver: literal and parameter nodes.
	_ "github.com/pingcap/tidb/pkg/parser/test_driver"
)

// sqlMode is the TiDB SQL mode of every parse: "x" is an identifier, || is
// concatenation and backslashes in '...' are literal, as in Postgres with
// standard_conforming_strings on.
const sqlMode = mysql.ModeANSIQuotes | mysql.ModePipesAsConcat | mysql.ModeNoBackslashEscapes

// newParser returns a TiDB parser in Freshet's SQL mode. Parsers are not
// safe for concurrent use, and a parser reuses its internal storage on the
// next parse while the returned AST still points into it, so every parse
// gets a fresh one (pooling them corrupts ASTs held by callers).
func newParser() *parser.Parser {
	p := parser.New()
	p.SetSQLMode(sqlMode)
	return p
}

// Parse splits sql into statements and parses each. An empty string (or
// only comments and semicolons) yields no statements. Errors are
// *sqlerr.Error: 42601 for syntax errors with Position set to the 1-based
// character offset of the offending token in sql, 0A000 for Postgres
// features Freshet does not have.
func Parse(sql string) (stmts []Statement, err error) {
	defer func() {
		// Neither the rewriter nor the TiDB grammar should panic, but user
		// input must never take the server down if one does; the fuzz test
		// treats this internal error as a bug.
		if p := recover(); p != nil {
			stmts, err = nil, sqlerr.New(sqlerr.Internal, "internal error while parsing: %v", p)
		}
	}()
	toks, err := lex(sql)
	if err != nil {
		return nil, err
	}
	start := 0
	for i, t := range toks {
		if !t.isOp(";") && t.kind != tkEOF {
			continue
		}
		if i > start {
			seg := make([]token, i-start, i-start+1)
			copy(seg, toks[start:i])
			seg = append(seg, token{kind: tkEOF, pos: t.pos, end: t.pos})
			stmt, err := parseStatement(sql, seg)
			if err != nil {
				return nil, err
			}
			stmts = append(stmts, stmt)
		}
		start = i + 1
	}
	return stmts, nil
}

// stmtText is the original text of a statement's tokens (ending in EOF).
func stmtText(sql string, toks []token) string {
	if len(toks) < 2 {
		return ""
	}
	return sql[toks[0].pos:toks[len(toks)-2].end]
}

// parseStatement parses one statement given its tokens (ending in tkEOF).
func parseStatement(sql string, toks []token) (Statement, error) {
	text := stmtText(sql, toks)
	first := toks[0]
	if first.kind == tkWord {
		switch first.str {
		case "show":
			return parseShow(sql, toks, text)
		case "set":
			return parseSet(sql, toks, text)
		case "reset":
			return parseReset(sql, toks, text)
		case "begin", "start", "commit", "end", "rollback", "abort":
			return parseTx(sql, toks, text)
		case "discard":
			return parseDiscard(sql, toks, text)
		case "deallocate":
			return parseDeallocate(sql, toks, text)
		case "explain":
			return parseExplain(sql, toks, text)
		case "subscribe":
			return parseSubscribe(sql, toks, text)
		case "copy":
			return parseCopy(sql, toks, text)
		case "declare":
			return parseDeclare(sql, toks, text)
		case "fetch":
			return parseFetch(sql, toks, text)
		case "close":
			return parseClose(sql, toks, text)
		case "drop":
			if s, ok, err := parseDrop(sql, toks, text); ok || err != nil {
				return s, err
			}
		case "create":
			return parseCreate(sql, toks, text)
		}
		if what, ok := unsupportedStatements[first.str]; ok {
			return nil, notSupported(sql, first, "%s is not supported", what)
		}
	}
	return parseTiDB(sql, toks, text, false)
}

// unsupportedStatements maps the first word of Postgres statements Freshet
// does not implement to the name used in the error message.
var unsupportedStatements = map[string]string{
	"move":   "MOVE",
	"listen": "LISTEN", "notify": "NOTIFY", "unlisten": "UNLISTEN", "vacuum": "VACUUM",
	"checkpoint": "CHECKPOINT", "cluster": "CLUSTER", "reindex": "REINDEX", "comment": "COMMENT",
	"grant": "GRANT", "revoke": "REVOKE", "lock": "LOCK", "do": "DO", "call": "CALL",
	"prepare": "PREPARE", "execute": "EXECUTE", "refresh": "REFRESH",
	"security": "SECURITY LABEL", "import": "IMPORT", "analyze": "ANALYZE", "analyse": "ANALYZE",
	"savepoint": "SAVEPOINT", "release": "RELEASE SAVEPOINT", "load": "LOAD", "merge": "MERGE",
	"reassign": "REASSIGN OWNED",
}

// parseTiDB rewrites toks and parses them with TiDB.
func parseTiDB(sql string, toks []token, text string, createTable bool) (Statement, error) {
	node, rw, err := tidbParse(sql, toks, createTable)
	if err != nil {
		return nil, err
	}
	if ct, ok := node.(*ast.CreateTableStmt); ok && createTable {
		if len(rw.colTypes) != len(ct.Cols) {
			return nil, sqlerr.New(sqlerr.SyntaxError, "syntax error in column definitions of CREATE TABLE")
		}
		return &CreateTable{Node: ct, ColumnTypes: rw.colTypes, AppendOnly: rw.appendOnly, SQL: text, NumParams: rw.maxParam}, nil
	}
	if rw.appendOnly {
		return nil, sqlerr.New(sqlerr.SyntaxError, "syntax error at or near \"APPEND\"")
	}
	return &TiDB{Node: node, SQL: text, NumParams: rw.maxParam}, nil
}

// tidbParse rewrites toks into TiDB text, parses it as exactly one
// statement, checks it and numbers its parameters.
func tidbParse(sql string, toks []token, createTable bool) (ast.StmtNode, *rewritten, error) {
	r := newRewriter(sql, toks)
	r.createTable = createTable
	rw, err := r.run()
	if err != nil {
		return nil, nil, err
	}
	nodes, _, perr := newParser().ParseSQL(rw.text)
	if perr != nil {
		return nil, nil, translateError(sql, toks, rw, perr)
	}
	if len(nodes) != 1 {
		return nil, nil, syntaxError(sql, toks[len(toks)-1])
	}
	node := nodes[0]
	node.SetText(nil, stmtText(sql, toks))
	if err := check(sql, toks, rw, node); err != nil {
		return nil, nil, err
	}
	return node, rw, nil
}

var tidbErrorRE = regexp.MustCompile(`(?s)line (\d+) column (\d+) near "(.*)"\s*$`)

// translateError turns a TiDB parse error into a Postgres-style 42601
// error positioned in the original text.
func translateError(sql string, toks []token, rw *rewritten, err error) error {
	m := tidbErrorRE.FindStringSubmatch(err.Error())
	if m == nil {
		msg := err.Error()
		if i := strings.Index(msg, "]"); strings.HasPrefix(msg, "[") && i > 0 {
			msg = msg[i+1:]
		}
		return sqlerr.New(sqlerr.SyntaxError, "%s", strings.ToLower(msg[:1])+msg[1:])
	}
	near := m[3]
	if near == "" {
		return syntaxError(sql, toks[len(toks)-1])
	}
	line, _ := strconv.Atoi(m[1])
	col, _ := strconv.Atoi(m[2])
	lineStart := 0
	for l := 1; l < line; l++ {
		nl := strings.IndexByte(rw.text[lineStart:], '\n')
		if nl < 0 {
			break
		}
		lineStart += nl + 1
	}
	approx := lineStart + col
	probe := near
	if len(probe) > 32 {
		probe = probe[:32]
	}
	limit := approx + len(probe) + 2
	if limit > len(rw.text) {
		limit = len(rw.text)
	}
	off := strings.LastIndex(rw.text[:limit], probe)
	if off < 0 {
		off = approx
	}
	orig := rw.origOffset(off)
	for _, t := range toks {
		if t.pos == orig {
			return syntaxError(sql, t)
		}
	}
	return sqlerr.New(sqlerr.SyntaxError, "syntax error at or near %q", firstWord(near)).WithPosition(charPos(sql, orig))
}

func firstWord(s string) string {
	if i := strings.IndexAny(s, " \t\n"); i > 0 {
		return s[:i]
	}
	return s
}

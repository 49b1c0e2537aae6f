package parse

import (
	"regexp"
	"strings"
)

// op rewrites an operator or punctuation token.
func (r *rewriter) op() error {
	t := r.tok()
	switch t.raw {
	case "::":
		start := r.primaryStart()
		if start < 0 {
			return r.syntaxErrorAt(t)
		}
		tn, next, err := r.castType(r.i + 1)
		if err != nil {
			return err
		}
		first := r.out[start]
		_ = first
		r.wrapStart(start, CastFunc, t.pos)
		r.emit(",", pPunct, t.pos, false)
		r.emit(quoteString(tn.name), pValue, t.pos, true)
		r.emit(")", pClose, t.pos, false)
		r.i = next
	case "(":
		r.emitTok(t, "(", pOpen)
		r.depth++
		r.i++
		if r.createTable && r.colDepth == 0 && r.depth == 1 && r.beforeQuery() {
			r.colDepth = r.depth
			r.colStart = true
		}
	case ")":
		if n := len(r.castStack); n > 0 && r.castStack[n-1] == r.depth {
			return r.syntaxErrorAt(t)
		}
		r.emitTok(t, ")", pClose)
		r.depth--
		r.i++
	case ",":
		r.emitTok(t, ",", pPunct)
		r.i++
		if r.createTable && r.colDepth > 0 && r.depth == r.colDepth {
			r.colStart = true
		}
	case ".":
		if n := len(r.out); n > 0 && r.out[n-1].kind == pClose {
			// (composite).field → freshet_field(composite, 'field')
			f := r.peek(1)
			if f.kind != tkWord && f.kind != tkQuotedIdent {
				return notSupported(r.src, t, "composite field access %s is not supported", f.raw)
			}
			start := r.primaryStart()
			if start < 0 {
				return r.syntaxErrorAt(t)
			}
			r.wrapStart(start, FieldFunc, t.pos)
			r.emit(",", pPunct, t.pos, false)
			r.emit(quoteString(f.str), pValue, f.pos, true)
			r.emit(")", pClose, f.pos, false)
			r.i += 2
			return nil
		}
		r.emitTok(t, t.raw, pPunct)
		r.i++
	case ";":
		r.emitTok(t, t.raw, pPunct)
		r.i++
	case "[":
		// x[i] → freshet_subscript(x, i)
		start := r.primaryStart()
		if start < 0 || r.prefixPosition() {
			return r.syntaxErrorAt(t)
		}
		r.wrapStart(start, SubscriptFunc, t.pos)
		r.emit(",", pPunct, t.pos, false)
		r.brackets++
		r.i++
	case "]":
		if r.brackets == 0 {
			return r.syntaxErrorAt(t)
		}
		r.brackets--
		r.emitTok(t, ")", pClose)
		r.i++
	case ":":
		if r.brackets > 0 {
			return notSupported(r.src, t, "array slices are not supported")
		}
		return r.syntaxErrorAt(t)
	case "?":
		r.emitQuestion(t, t.gap)
		r.i++
	case "$":
		return notSupported(r.src, t, "operator %s is not supported", t.raw)
	default:
		return r.infixOp(t, t.raw)
	}
	return nil
}

// passthroughOps are the operators that mean the same to TiDB.
var passthroughOps = map[string]bool{
	"+": true, "-": true, "*": true, "/": true, "%": true, "<": true, ">": true, "=": true,
	"<=": true, ">=": true, "<>": true, "!=": true, "||": true, "|": true, "&": true,
	"<<": true, ">>": true, "<=>": true,
}

// prefixPosition reports whether an operator at this point would be a
// prefix (unary) operator.
func (r *rewriter) prefixPosition() bool {
	if len(r.out) == 0 {
		return true
	}
	p := r.out[len(r.out)-1]
	switch p.kind {
	case pOp, pOpen:
		return true
	case pPunct:
		return p.text != "."
	case pWord:
		return operandStops[p.text]
	}
	return false
}

// infixOp emits operator text op from token t, translating the Postgres
// regular-expression and LIKE operators.
func (r *rewriter) infixOp(t token, op string) error {
	r.i++
	var repl []string
	switch op {
	case "~":
		if r.prefixPosition() {
			r.emitTok(t, "~", pOp)
			return nil
		}
		repl = []string{"regexp"}
	case "~*":
		repl = []string{"regexp", "'(?i)'", "||"}
	case "!~":
		repl = []string{"not", "regexp"}
	case "!~*":
		repl = []string{"not", "regexp", "'(?i)'", "||"}
	case "~~":
		repl = []string{"like"}
	case "~~*":
		repl = []string{"ilike"}
	case "!~~":
		repl = []string{"not", "like"}
	case "!~~*":
		repl = []string{"not", "ilike"}
	default:
		if !passthroughOps[op] {
			return notSupported(r.src, t, "operator %s is not supported", op)
		}
		r.emitTok(t, op, pOp)
		return nil
	}
	for _, s := range repl {
		kind := pWord
		switch s {
		case "||":
			kind = pOp
		case "'(?i)'":
			kind = pValue
		}
		r.emit(s, kind, t.pos, true)
	}
	return nil
}

var numericInterval = regexp.MustCompile(`^\s*([-+]?[0-9]+(?:\.[0-9]+)?)\s*$`)
var unitInterval = regexp.MustCompile(`^\s*([-+]?[0-9]+)\s*([a-zA-Z]+?)s?\s*$`)

// word rewrites a word (identifier or keyword) and the constructs it
// starts.
func (r *rewriter) word() error {
	t := r.tok()
	w := t.str
	next := r.peek(1)
	switch w {
	case "cast":
		if next.isOp("(") {
			r.emitTok(t, CastFunc, pWord)
			r.emit("(", pOpen, next.pos, false)
			r.depth++
			r.castStack = append(r.castStack, r.depth)
			r.i += 2
			return nil
		}
	case "as":
		if n := len(r.castStack); n > 0 && r.castStack[n-1] == r.depth {
			tn, after, err := r.castType(r.i + 1)
			if err != nil {
				return err
			}
			closeTok := at(r.toks, after)
			if !closeTok.isOp(")") {
				return r.syntaxErrorAt(closeTok)
			}
			r.emit(",", pPunct, t.pos, false)
			r.emit(quoteString(tn.name), pValue, t.pos, true)
			r.emitTok(closeTok, ")", pClose)
			r.castStack = r.castStack[:n-1]
			r.depth--
			r.i = after + 1
			return nil
		}
		r.emitTok(t, "as", pWord)
		r.i++
		if next.kind == tkWord && aliasQuote[next.str] && !(next.str == "table" && at(r.toks, r.i+1).kind == tkWord) {
			r.emitTok(next, quoteIdent(next.str), pValue)
			r.i++
		}
		return nil
	case "extract":
		field := at(r.toks, r.i+2)
		if next.isOp("(") && (field.kind == tkWord || field.kind == tkString) && at(r.toks, r.i+3).is("from") {
			r.emitTok(t, ExtractFunc, pWord)
			r.emit("(", pOpen, next.pos, false)
			r.depth++
			r.emit(quoteString(asciiLower(field.str)), pValue, field.pos, false)
			r.emit(",", pPunct, field.pos, false)
			r.i += 4
			return nil
		}
	case "concat":
		if next.isOp("(") {
			r.emitTok(t, ConcatFunc, pWord)
			r.i++
			return nil
		}
	case "interval":
		if next.kind == tkString {
			return r.intervalLiteral()
		}
	case "full":
		if next.is("join") || next.is("outer") && at(r.toks, r.i+2).is("join") {
			return notSupported(r.src, t, "FULL JOIN is not supported yet")
		}
	case "is":
		return r.isDistinct()
	case "user", "current_user", "session_user", "current_role", "current_catalog", "current_schema", "system_user":
		// SQL's niladic functions: user → current_user().
		if !next.isOp("(") && !r.prevTok().isOp(".") && !r.prevTok().is("as") {
			name := w
			if w == "user" {
				name = "current_user"
			}
			r.emitTok(t, name, pWord)
			r.emit("(", pOpen, t.pos, false)
			r.emit(")", pClose, t.pos, false)
			r.i++
			return nil
		}
	case "isnull", "notnull":
		r.emitTok(t, "is", pWord)
		if w == "notnull" {
			r.emit("not", pWord, t.pos, true)
		}
		r.emit("null", pWord, t.pos, true)
		r.i++
		return nil
	case "nulls":
		if next.is("first") || next.is("last") {
			desc := r.prevTok().is("desc")
			if desc == next.is("first") {
				r.i += 2 // Postgres's default order: nothing to say to TiDB
				return nil
			}
			return notSupported(r.src, t, "NULLS %s is not supported for %s order", strings.ToUpper(next.str), map[bool]string{true: "descending", false: "ascending"}[desc])
		}
	case "limit":
		if next.is("all") {
			r.i += 2
			return nil
		}
	case "offset":
		if next.kind == tkNumber || next.kind == tkParam || next.isOp("?") {
			return r.offset()
		}
	case "collate":
		return r.collate()
	case "operator":
		if next.isOp("(") {
			j := r.i + 2
			if at(r.toks, j).kind == tkWord && at(r.toks, j+1).isOp(".") {
				j += 2
			}
			opTok := at(r.toks, j)
			if opTok.kind != tkOp || !at(r.toks, j+1).isOp(")") {
				return r.syntaxErrorAt(opTok)
			}
			r.i = j + 1 // infixOp advances past the ")"
			return r.infixOp(token{kind: tkOp, pos: t.pos, raw: opTok.raw, gap: t.gap}, opTok.raw)
		}
	case "array":
		if next.isOp("[") {
			// ARRAY[a, b] → freshet_array(a, b)
			r.emitTok(t, ArrayFunc, pWord)
			r.emit("(", pOpen, next.pos, false)
			r.brackets++
			r.i += 2
			return nil
		}
		if next.isOp("(") {
			// ARRAY(subquery) → freshet_array((subquery))
			m := r.matchingParen(r.i + 1)
			if m < 0 {
				return r.syntaxErrorAt(at(r.toks, len(r.toks)-1))
			}
			r.emitTok(t, ArrayFunc, pWord)
			r.emit("(", pOpen, next.pos, false)
			r.closers[m]++
			r.i++
			return nil
		}
	case "any", "some", "all":
		prev := r.prevTok()
		if next.isOp("(") && prev.kind == tkOp && comparisonOps[prev.raw] && len(r.out) > 0 && r.out[len(r.out)-1].kind == pOp {
			inner := at(r.toks, r.i+2)
			if inner.is("select") || inner.is("with") || inner.is("values") || inner.isOp("(") {
				break // a subquery: TiDB's own ANY/ALL
			}
			// a op ANY (array) → freshet_any(a, 'op', array)
			opPiece := r.out[len(r.out)-1]
			r.out = r.out[:len(r.out)-1]
			start := r.operandStart()
			if start >= len(r.out) {
				return r.syntaxErrorAt(t)
			}
			fn := AnyFunc
			if w == "all" {
				fn = AllFunc
			}
			r.wrapStart(start, fn, t.pos)
			r.emit(",", pPunct, t.pos, false)
			r.emit(quoteString(opPiece.text), pValue, opPiece.orig, true)
			r.emit(",", pPunct, t.pos, false)
			r.depth++
			r.i += 2
			return nil
		}
	case "distinct":
		if next.is("on") {
			return notSupported(r.src, t, "DISTINCT ON is not supported")
		}
	case "filter":
		if next.isOp("(") && at(r.toks, r.i+2).is("where") {
			return r.aggregateFilter()
		}
	case "returning":
		if !r.prevTok().isOp(".") {
			return notSupported(r.src, t, "RETURNING is not supported")
		}
	case "grouping":
		if next.is("sets") {
			return notSupported(r.src, t, "GROUPING SETS is not supported")
		}
	case "cube", "rollup":
		if next.isOp("(") && r.prevTok().is("by") {
			return notSupported(r.src, t, "%s is not supported", strings.ToUpper(w))
		}
	case "similar":
		if next.is("to") {
			return notSupported(r.src, t, "SIMILAR TO is not supported")
		}
	case "within":
		if next.is("group") {
			return notSupported(r.src, t, "WITHIN GROUP is not supported")
		}
	case "on":
		if next.is("conflict") {
			return notSupported(r.src, t, "ON CONFLICT is not supported")
		}
	case "values":
		if next.isOp("(") && (r.i == 0 || r.prevTok().isOp("(")) {
			return r.valuesList()
		}
	case "append":
		if r.createTable && next.is("only") && r.depth == 0 && r.colDepth > 0 {
			r.appendOnly = true
			r.i += 2
			return nil
		}
	}
	if next.isOp("(") || next.isOp(".") && at(r.toks, r.i+3).isOp("(") {
		if prev := r.prevTok(); (prev.is("from") || prev.is("join") || prev.is("lateral") || prev.isOp(",") && r.inFromList()) && r.fromClauseHere() {
			return r.tableFunction()
		}
	}
	// Typed literal: DATE '2024-01-01', TIMESTAMP WITH TIME ZONE '...'.
	if typeStartWords[w] && !r.prevTok().isOp(".") && !r.prevTok().is("as") {
		if tn, after, ok := parseTypeName(r.toks, r.i); ok && at(r.toks, after).kind == tkString {
			lit := at(r.toks, after)
			if tn.array {
				return notSupported(r.src, t, "array types are not supported")
			}
			r.emitTok(t, CastFunc, pWord)
			r.emit("(", pOpen, t.pos, false)
			r.emit(quoteString(lit.str), pValue, lit.pos, false)
			r.emit(",", pPunct, lit.pos, false)
			r.emit(quoteString(tn.name), pValue, t.pos, true)
			r.emit(")", pClose, lit.pos, false)
			r.i = after + 1
			return nil
		}
	}
	text := w
	kind := pWord
	if identQuote[w] && !next.isOp("(") && r.i > 0 && !quoteExempt[r.prevTok().str] {
		text, kind = quoteIdent(w), pValue
	}
	r.emitTok(t, text, kind)
	r.i++
	if ignoreSpaceFuncs[w] && next.isOp("(") {
		r.noSpace = true
	}
	return nil
}

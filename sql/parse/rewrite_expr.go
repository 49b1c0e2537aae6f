package parse

import (
	"strings"
)

// Expression rewrites: IS DISTINCT FROM, interval literals, COLLATE,
// CREATE TABLE column definitions.

// quoteExempt are words after which an identQuote word is syntax, not a
// name (PRIMARY KEY, CREATE INDEX, DROP SCHEMA).
var quoteExempt = wordSet(`create drop primary foreign unique alter if exists temporary temp`)

// isDistinct handles IS [NOT] DISTINCT FROM; other IS forms pass through.
func (r *rewriter) isDistinct() error {
	t := r.tok()
	j := r.i + 1
	not := at(r.toks, j).is("not")
	if not {
		j++
	}
	if !at(r.toks, j).is("distinct") || !at(r.toks, j+1).is("from") {
		r.emitTok(t, "is", pWord)
		r.i++
		return nil
	}
	rhs := j + 2
	if not {
		r.emitTok(t, "<=>", pOp)
		r.i = rhs
		return nil
	}
	start := r.operandStart()
	end := r.operandEnd(rhs)
	if start >= len(r.out) || end < rhs {
		return r.syntaxErrorAt(at(r.toks, rhs))
	}
	sp := r.out[start].space
	r.out[start].space = false
	r.insert(start,
		piece{text: "not", kind: pWord, orig: t.pos, space: sp},
		piece{text: "(", kind: pOpen, orig: t.pos, space: true})
	r.closers[end]++
	r.emitTok(t, "<=>", pOp)
	r.i = rhs
	return nil
}

// intervalLiteral rewrites INTERVAL 'text' [fields].
func (r *rewriter) intervalLiteral() error {
	t := r.tok()
	lit := r.peek(1)
	j := r.i + 2
	var fields []string
	for {
		f := at(r.toks, j)
		if f.kind == tkWord && intervalFields[f.str] || f.is("to") && intervalFields[at(r.toks, j+1).str] {
			fields = append(fields, f.str)
			j++
			continue
		}
		break
	}
	value := lit.str
	typ := "interval"
	if len(fields) == 1 && numericInterval.MatchString(value) {
		value = strings.TrimSpace(value) + " " + fields[0]
	} else if len(fields) > 0 {
		typ += " " + strings.Join(fields, " ")
	}
	if f := at(r.toks, j); f.is("preceding") || f.is("following") {
		// Window frame bounds take TiDB's INTERVAL n UNIT only.
		m := unitInterval.FindStringSubmatch(value)
		if m == nil || typ != "interval" {
			return notSupported(r.src, lit, "interval frame offset %s is not supported", quoteString(lit.str))
		}
		r.emitTok(t, "interval", pWord)
		r.emit(m[1], pValue, lit.pos, true)
		r.emit(strings.ToLower(m[2]), pWord, lit.pos, true)
		r.i = j
		return nil
	}
	r.emitTok(t, CastFunc, pWord)
	r.emit("(", pOpen, t.pos, false)
	r.emit(quoteString(value), pValue, lit.pos, false)
	r.emit(",", pPunct, lit.pos, false)
	r.emit(quoteString(typ), pValue, t.pos, true)
	r.emit(")", pClose, lit.pos, false)
	r.i = j
	return nil
}

// collate drops COLLATE clauses that name Freshet's only collation
// (byte order: "C", "POSIX", "default", ucs_basic) and rejects others.
func (r *rewriter) collate() error {
	t := r.tok()
	j := r.i + 1
	if (at(r.toks, j).kind == tkWord || at(r.toks, j).kind == tkQuotedIdent) && at(r.toks, j+1).isOp(".") {
		j += 2
	}
	name := at(r.toks, j)
	if name.kind != tkWord && name.kind != tkQuotedIdent {
		return r.syntaxErrorAt(name)
	}
	switch strings.ToLower(name.str) {
	case "default", "c", "posix", "ucs_basic":
		r.i = j + 1
		return nil
	}
	return notSupported(r.src, t, "collation %q is not supported", name.str)
}

// columnDef handles one column definition of CREATE TABLE: the name is
// kept, the Postgres type is recorded and replaced by a placeholder TiDB
// type. It reports false for table constraints.
func (r *rewriter) columnDef() (bool, error) {
	name := r.tok()
	if name.kind == tkWord {
		switch name.str {
		case "constraint", "primary", "unique", "check", "foreign", "like", "exclude":
			return false, nil
		}
	} else if name.kind != tkQuotedIdent {
		return false, nil
	}
	tn, next, ok := parseTypeName(r.toks, r.i+1)
	if !ok {
		return true, r.syntaxErrorAt(r.peek(1))
	}
	if tn.array {
		return true, notSupported(r.src, r.peek(1), "array types are not supported")
	}
	r.emitTok(name, quoteIdent(name.str), pValue)
	r.emit("text", pWord, r.peek(1).pos, true)
	r.colTypes = append(r.colTypes, tn.name)
	r.i = next
	for k := next; at(r.toks, k).kind != tkEOF && !at(r.toks, k).isOp(","); k++ {
		if at(r.toks, k).is("generated") || at(r.toks, k).is("identity") {
			return true, notSupported(r.src, at(r.toks, k), "identity and generated columns are not supported")
		}
		if at(r.toks, k).isOp("(") || at(r.toks, k).isOp(")") {
			break
		}
	}
	return true, nil
}

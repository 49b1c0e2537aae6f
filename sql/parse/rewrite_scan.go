package parse

import (
	"strconv"

	"github.com/freshet-db/freshet/sql/sqlerr"
)

// Extent scanning: where the operand of a postfix or comparison operator
// starts and ends, and splicing pieces into the output.

// operandKeywords are words that end an operand when scanning for the
// extent of an expression (IS DISTINCT FROM rewriting).
var operandStops = wordSet(`and or not is isnull notnull like ilike in between then else when from
where group order limit offset having as asc desc union except intersect nulls window fetch for on
join left right inner cross full natural using returning collate similar regexp escape select set
by case values return with distinct all any some exists`)

var comparisonOps = map[string]bool{
	"=": true, "<": true, ">": true, "<=": true, ">=": true, "<>": true, "!=": true, "<=>": true,
	"~": true, "~*": true, "!~": true, "!~*": true, "~~": true, "~~*": true, "!~~": true, "!~~*": true,
}

// operandStart returns the index in r.out where the operand that ends the
// output so far begins (the left side of a comparison-level operator).
func (r *rewriter) operandStart() int {
	depth := 0
	k := len(r.out) - 1
	for ; k >= 0; k-- {
		p := r.out[k]
		switch {
		case p.kind == pClose || p.kind == pWord && p.text == "end":
			depth++
		case p.kind == pOpen || p.kind == pWord && p.text == "case" && depth > 0:
			if depth == 0 {
				return k + 1
			}
			depth--
		case depth > 0:
		case p.kind == pPunct && p.text != ".":
			return k + 1
		case p.kind == pOp && comparisonOps[p.text]:
			return k + 1
		case p.kind == pWord && operandStops[p.text]:
			return k + 1
		}
	}
	return 0
}

// operandEnd returns the index of the last input token of the operand
// that starts at input index k, or k-1 if there is none.
func (r *rewriter) operandEnd(k int) int {
	depth := 0
	last := k - 1
	for j := k; ; j++ {
		t := at(r.toks, j)
		switch {
		case t.kind == tkEOF:
			return last
		case t.isOp("(") || t.isOp("[") || t.is("case"):
			depth++
		case t.isOp(")") || t.isOp("]") || t.is("end"):
			if depth == 0 {
				return last
			}
			depth--
		case depth > 0:
		case t.kind == tkOp && (t.raw == "," || t.raw == ";" || comparisonOps[t.raw]):
			return last
		case t.kind == tkWord && operandStops[t.str] && j > k:
			return last
		}
		last = j
	}
}

// primaryStart returns the index in r.out where the primary expression
// that ends the output so far begins: the operand of a postfix ::.
func (r *rewriter) primaryStart() int {
	k := len(r.out) - 1
	if k < 0 {
		return -1
	}
	p := r.out[k]
	switch p.kind {
	case pClose:
		depth := 0
		for ; k >= 0; k-- {
			if r.out[k].kind == pClose {
				depth++
			} else if r.out[k].kind == pOpen {
				depth--
				if depth == 0 {
					break
				}
			}
		}
		if k < 0 {
			return -1
		}
		if k > 0 && r.out[k-1].kind == pWord && !operandStops[r.out[k-1].text] {
			k-- // a function call
		}
	case pWord, pValue:
	default:
		return -1
	}
	for k >= 2 && r.out[k-1].kind == pPunct && r.out[k-1].text == "." &&
		(r.out[k-2].kind == pWord || r.out[k-2].kind == pValue) {
		k -= 2
	}
	return k
}

// wrapStart inserts "fn(" before out index start.
func (r *rewriter) wrapStart(start int, fn string, orig int) {
	sp := r.out[start].space
	r.out[start].space = false
	r.insert(start,
		piece{text: fn, kind: pWord, orig: orig, space: sp},
		piece{text: "(", kind: pOpen, orig: orig})
}

// matchingParen returns the input index of the ")" closing the "(" at k.
func (r *rewriter) matchingParen(k int) int {
	depth := 0
	for j := k; ; j++ {
		t := at(r.toks, j)
		switch {
		case t.kind == tkEOF:
			return -1
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			depth--
			if depth == 0 {
				return j
			}
		}
	}
}

// maxInsertSpan bounds how far back the rewriter wraps an operand: each
// wrap moves the pieces after the insertion point, so deeply nested
// chains (x::a::b::...) would cost quadratic time.
const maxInsertSpan = 4096

// insert inserts pieces at out index k.
func (r *rewriter) insert(k int, ps ...piece) {
	if len(r.out)-k > maxInsertSpan {
		if r.tooComplex == nil {
			r.tooComplex = sqlerr.New(sqlerr.ProgramLimitExceeded, "expression is too complex")
		}
		return
	}
	r.out = append(r.out, ps...)
	copy(r.out[k+len(ps):], r.out[k:len(r.out)-len(ps)])
	copy(r.out[k:], ps)
	open := 0
	for _, p := range ps {
		switch p.kind {
		case pOpen:
			open++
		case pClose:
			open--
		}
	}
	for ; open > 0; open-- {
		// The matching ")" is emitted later and pops this frame.
		r.frames = append(r.frames, frame{call: true})
	}
}

// castType parses the type name at input index k, rejecting arrays.
func (r *rewriter) castType(k int) (typeName, int, error) {
	tn, next, ok := parseTypeName(r.toks, k)
	if !ok {
		return tn, k, r.syntaxErrorAt(at(r.toks, k))
	}
	if tn.array {
		tn.name += "[]"
	}
	return tn, next, nil
}

func itoa(n int) string { return strconv.Itoa(n) }

// sqlerrNew is a 42601 error at token t.
func sqlerrNew(src string, t token, format string, args ...any) error {
	return sqlerr.New(sqlerr.SyntaxError, format, args...).WithPosition(charPos(src, t.pos))
}

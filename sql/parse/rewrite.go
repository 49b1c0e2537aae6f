package parse

import (
	"sort"
	"strings"

	"github.com/freshet-db/freshet/sql/sqlerr"
)

// pieceKind classifies an output piece of the rewriter.
type pieceKind uint8

const (
	pWord  pieceKind = iota // identifier or keyword
	pOp                     // operator
	pOpen                   // (
	pClose                  // )
	pValue                  // literal, parameter, quoted identifier
	pPunct                  // , . ;
)

// piece is one token of the rewritten (TiDB) text.
type piece struct {
	text  string
	kind  pieceKind
	orig  int  // byte offset of the originating token in the original text
	space bool // preceded by a space
	param int  // for a "?" piece: the Postgres parameter number
}

// rewritten is the TiDB text of one statement and the maps back to the
// original text.
type rewritten struct {
	text string
	// spans maps offsets in text to offsets in the original SQL: span i
	// covers text[spans[i].out:spans[i+1].out] and came from the token at
	// spans[i].orig.
	spans []span
	// params maps the byte offset of each "?" in text to its $n.
	params     map[int]int
	maxParam   int
	colTypes   []string // CREATE TABLE: Postgres type of each column
	appendOnly bool
}

type span struct{ out, orig int }

// origOffset maps a byte offset in the rewritten text to the original.
func (rw *rewritten) origOffset(out int) int {
	i := sort.Search(len(rw.spans), func(i int) bool { return rw.spans[i].out > out }) - 1
	if i < 0 {
		if len(rw.spans) == 0 {
			return 0
		}
		return rw.spans[0].orig
	}
	return rw.spans[i].orig
}

// rewriter turns the Postgres tokens of one statement into text the TiDB
// grammar reads with the same meaning (see doc.go for the rules).
type rewriter struct {
	src  string
	toks []token // ends with tkEOF
	i    int
	out  []piece

	depth      int            // open parentheses emitted by the input
	castStack  []int          // depth inside each open CAST(
	brackets   int            // open [ ] rewritten into function calls
	closers    map[int]int    // input index → ")" to emit after that token
	skip       map[int]bool   // input indexes to drop
	fieldAlias map[int]string // input index → "AS name" to emit before its closers
	flushed    int
	noSpace    bool // the next piece is glued to the previous one

	maxParam   int
	dollar     bool
	questions  int
	qnum       map[int]int // byte offset of each "?" token → its number
	tooComplex error
	frames     []frame // innermost last; frames[0] is the statement level

	// CREATE TABLE column-list handling.
	createTable bool
	colDepth    int // depth of the column list, 0 before it is seen
	colStart    bool
	colTypes    []string
	appendOnly  bool
}

func newRewriter(src string, toks []token) *rewriter {
	return &rewriter{src: src, toks: toks, closers: map[int]int{}, skip: map[int]bool{}, fieldAlias: map[int]string{},
		out: make([]piece, 0, len(toks)+8), frames: []frame{{}}}
}

// run rewrites all tokens.
func (r *rewriter) run() (*rewritten, error) {
	for r.tok().kind != tkEOF {
		if err := r.step(); err != nil {
			return nil, err
		}
		if r.tooComplex != nil {
			return nil, r.tooComplex
		}
		r.flushClosers()
	}
	if len(r.castStack) > 0 {
		return nil, r.syntaxErrorAt(r.tok())
	}
	if r.dollar && r.questions > 0 {
		for _, t := range r.toks {
			if t.isOp("?") {
				return nil, sqlerr.New(sqlerr.SyntaxError, "cannot mix $n and ? parameters").WithPosition(charPos(r.src, t.pos))
			}
		}
	}
	return r.assemble(), nil
}

func (r *rewriter) tok() token       { return at(r.toks, r.i) }
func (r *rewriter) peek(k int) token { return at(r.toks, r.i+k) }
func (r *rewriter) prevTok() token {
	if r.i == 0 {
		return token{kind: tkEOF}
	}
	return r.toks[r.i-1]
}

func (r *rewriter) flushClosers() {
	for ; r.flushed < r.i; r.flushed++ {
		if a, ok := r.fieldAlias[r.flushed]; ok {
			r.emit("as", pWord, r.toks[r.flushed].pos, true)
			r.emit(quoteIdent(a), pValue, r.toks[r.flushed].pos, true)
		}
		for n := r.closers[r.flushed]; n > 0; n-- {
			r.emit(")", pClose, r.toks[r.flushed].pos, false)
		}
	}
}

func (r *rewriter) emit(text string, kind pieceKind, orig int, space bool) {
	if r.noSpace {
		space = false
		r.noSpace = false
	}
	r.out = append(r.out, piece{text: text, kind: kind, orig: orig, space: space})
	switch kind {
	case pOpen:
		call := false
		if n := len(r.out); n > 1 {
			prev := r.out[n-2]
			call = prev.kind == pWord && !operandStops[prev.text]
		}
		r.frames = append(r.frames, frame{call: call})
	case pClose:
		if len(r.frames) > 1 {
			r.frames = r.frames[:len(r.frames)-1]
		}
	case pWord:
		top := &r.frames[len(r.frames)-1]
		if text == "from" {
			top.from = true
		} else if fromEnders[text] {
			top.from = false
		}
	}
}

// frame is the state of one level of parentheses in the output.
type frame struct {
	call bool // the parenthesis opens a function call's arguments
	from bool // a FROM list is open at this level
}

// emitTok emits t's own text with its original spacing.
func (r *rewriter) emitTok(t token, text string, kind pieceKind) {
	r.emit(text, kind, t.pos, t.gap)
}

func (r *rewriter) syntaxErrorAt(t token) error {
	return syntaxError(r.src, t)
}

func notSupported(src string, t token, format string, args ...any) error {
	return sqlerr.New(sqlerr.FeatureNotSupported, format, args...).WithPosition(charPos(src, t.pos))
}

// syntaxError is Postgres's "syntax error at or near" for token t.
func syntaxError(src string, t token) error {
	if t.kind == tkEOF && t.pos < len(src) && src[t.pos] == ';' {
		return sqlerr.New(sqlerr.SyntaxError, "syntax error at or near \";\"").WithPosition(charPos(src, t.pos))
	}
	if t.kind == tkEOF {
		return sqlerr.New(sqlerr.SyntaxError, "syntax error at end of input").WithPosition(charPos(src, t.pos))
	}
	return sqlerr.New(sqlerr.SyntaxError, "syntax error at or near %q", t.raw).WithPosition(charPos(src, t.pos))
}

// quoteString renders s as a TiDB string literal (NO_BACKSLASH_ESCAPES).
func quoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func (r *rewriter) step() error {
	t := r.tok()
	if r.skip[r.i] {
		r.i++
		return nil
	}
	if r.createTable && r.colStart && r.colDepth > 0 && r.depth == r.colDepth {
		r.colStart = false
		if handled, err := r.columnDef(); handled || err != nil {
			return err
		}
	}
	switch t.kind {
	case tkParam:
		r.dollar = true
		if t.n > r.maxParam {
			r.maxParam = t.n
		}
		r.emitTok(t, "?", pValue)
		r.out[len(r.out)-1].param = t.n
		r.i++
	case tkString:
		if t.plainString {
			r.emitTok(t, t.raw, pValue)
		} else {
			r.emitTok(t, quoteString(t.str), pValue)
		}
		r.i++
	case tkNumber:
		if len(t.raw) > maxNumberLen && !strings.ContainsAny(t.raw, "eE") {
			// TiDB's literal driver cannot hold decimals this long (it
			// panics); pass the text to the planner as a numeric cast.
			r.emitTok(t, CastFunc, pWord)
			r.emit("(", pOpen, t.pos, false)
			r.emit(quoteString(t.raw), pValue, t.pos, false)
			r.emit(",", pPunct, t.pos, false)
			r.emit(quoteString("numeric"), pValue, t.pos, true)
			r.emit(")", pClose, t.pos, false)
		} else {
			r.emitTok(t, t.raw, pValue)
		}
		r.i++
	case tkBitString:
		r.emitTok(t, t.raw, pValue)
		r.i++
	case tkQuotedIdent:
		r.emitTok(t, quoteIdent(t.str), pValue)
		r.i++
	case tkWord:
		return r.word()
	case tkOp:
		return r.op()
	}
	return nil
}

// assemble concatenates the pieces into TiDB text.
func (r *rewriter) assemble() *rewritten {
	var sb strings.Builder
	sb.Grow(len(r.src) + 16*len(r.out)/10)
	rw := &rewritten{spans: make([]span, 0, len(r.out)), params: map[int]int{}, maxParam: r.maxParam, colTypes: r.colTypes, appendOnly: r.appendOnly}
	var prev *piece
	for i := range r.out {
		p := &r.out[i]
		if sb.Len() > 0 && (p.space || prev != nil && needsSpace(prev, p)) {
			sb.WriteByte(' ')
		}
		rw.spans = append(rw.spans, span{out: sb.Len(), orig: p.orig})
		if p.param > 0 {
			rw.params[sb.Len()] = p.param
		}
		sb.WriteString(p.text)
		prev = p
	}
	rw.text = sb.String()
	return rw
}

// needsSpace reports whether two adjacent pieces would lex differently if
// glued together.
func needsSpace(a, b *piece) bool {
	wordish := func(p *piece, last bool) bool {
		if p.kind == pOp || p.kind == pOpen || p.kind == pClose || p.kind == pPunct {
			return false
		}
		return true
	}
	if wordish(a, true) && wordish(b, false) {
		return true
	}
	return a.kind == pOp && b.kind == pOp
}

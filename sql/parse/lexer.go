package parse

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/freshet-db/freshet/sql/sqlerr"
)

// characterNotInRepertoire is SQLSTATE 22021, which Postgres reports for
// escapes that produce invalid UTF-8 or a NUL byte.
const characterNotInRepertoire sqlerr.Code = "22021"

// tokKind classifies a Postgres token.
type tokKind uint8

const (
	tkEOF tokKind = iota
	// tkWord is an unquoted identifier or keyword; str holds it folded to
	// lower case as Postgres does.
	tkWord
	// tkQuotedIdent is a "quoted identifier"; str holds the name with ""
	// escapes resolved.
	tkQuotedIdent
	// tkString is a string constant ('..', E'..', N'..', $tag$..$tag$);
	// str holds its value.
	tkString
	// tkBitString is a B'..' or X'..' constant, passed through raw.
	tkBitString
	// tkNumber is a numeric constant, raw as written.
	tkNumber
	// tkParam is $n; n holds the number.
	tkParam
	// tkOp is an operator or punctuation: ( ) [ ] , ; . : :: and Postgres
	// operator sequences such as <= or !~*.
	tkOp
)

// token is one lexed Postgres token. pos and end are byte offsets into
// the text that was lexed.
type token struct {
	kind tokKind
	pos  int
	end  int
	raw  string
	str  string
	n    int
	// gap reports whether whitespace or a comment separated this token
	// from the previous one.
	gap bool
	// plainString is set for a tkString written as a standard '...'
	// literal, which TiDB (in NO_BACKSLASH_ESCAPES mode) reads the same way.
	plainString bool
}

// is reports whether t is the word w (w in lower case).
func (t token) is(w string) bool { return t.kind == tkWord && t.str == w }

// isOp reports whether t is the operator or punctuation op.
func (t token) isOp(op string) bool { return t.kind == tkOp && t.raw == op }

// lex splits sql into Postgres tokens. Comments (-- and nested /* */) and
// whitespace are dropped; the returned slice always ends with a tkEOF
// token at len(sql).
func lex(sql string) ([]token, error) {
	l := lexer{src: sql, toks: make([]token, 0, len(sql)/5+2)}
	for {
		t, err := l.next()
		if err != nil {
			return nil, err
		}
		l.toks = append(l.toks, t)
		if t.kind == tkEOF {
			return l.toks, nil
		}
	}
}

type lexer struct {
	src  string
	pos  int
	toks []token
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isIdentCont(c byte) bool {
	return isIdentStart(c) || isDigit(c) || c == '$'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isOpChar reports whether c may appear in a Postgres operator.
func isOpChar(c byte) bool { return strings.IndexByte("+-*/<>=~!@#%^&|`?", c) >= 0 }

// lexError builds a 42601 error at byte offset pos of src.
func lexError(src string, pos int, format string, args ...any) error {
	return sqlerr.New(sqlerr.SyntaxError, format, args...).WithPosition(charPos(src, pos))
}

// charPos converts a byte offset into a 1-based character position.
func charPos(src string, off int) int {
	if off > len(src) {
		off = len(src)
	}
	return utf8.RuneCountInString(src[:off]) + 1
}

// skipSpace skips whitespace and comments and reports whether any was seen.
func (l *lexer) skipSpace() (bool, error) {
	start := l.pos
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case isSpace(c):
			l.pos++
		case c == '-' && strings.HasPrefix(l.src[l.pos:], "--"):
			nl := strings.IndexByte(l.src[l.pos:], '\n')
			if nl < 0 {
				l.pos = len(l.src)
			} else {
				l.pos += nl + 1
			}
		case c == '/' && strings.HasPrefix(l.src[l.pos:], "/*"):
			begin := l.pos
			depth := 0
			for {
				if l.pos >= len(l.src) {
					return false, lexError(l.src, begin, "unterminated /* comment at or near %q", truncate(l.src[begin:]))
				}
				if strings.HasPrefix(l.src[l.pos:], "/*") {
					depth++
					l.pos += 2
				} else if strings.HasPrefix(l.src[l.pos:], "*/") {
					depth--
					l.pos += 2
					if depth == 0 {
						break
					}
				} else {
					l.pos++
				}
			}
		default:
			return l.pos > start, nil
		}
	}
	return l.pos > start, nil
}

func truncate(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	// Cut on a rune boundary.
	n := max
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func (l *lexer) next() (token, error) {
	gap, err := l.skipSpace()
	if err != nil {
		return token{}, err
	}
	start := l.pos
	mk := func(kind tokKind, str string) token {
		return token{kind: kind, pos: start, end: l.pos, raw: l.src[start:l.pos], str: str, gap: gap}
	}
	if l.pos >= len(l.src) {
		return mk(tkEOF, ""), nil
	}
	c := l.src[l.pos]
	next := byte(0)
	if l.pos+1 < len(l.src) {
		next = l.src[l.pos+1]
	}
	switch {
	case (c == 'e' || c == 'E') && next == '\'':
		l.pos++
		s, err := l.escapeString()
		if err != nil {
			return token{}, err
		}
		return mk(tkString, s), nil
	case (c == 'n' || c == 'N') && next == '\'':
		l.pos++
		s, err := l.quoted('\'')
		if err != nil {
			return token{}, err
		}
		return mk(tkString, s), nil
	case (c == 'b' || c == 'B' || c == 'x' || c == 'X') && next == '\'':
		l.pos++
		if _, err := l.quoted('\''); err != nil {
			return token{}, err
		}
		return mk(tkBitString, ""), nil
	case (c == 'u' || c == 'U') && next == '&' && l.pos+2 < len(l.src) && (l.src[l.pos+2] == '\'' || l.src[l.pos+2] == '"'):
		return token{}, sqlerr.New(sqlerr.FeatureNotSupported, "unicode escape strings (U&'...') are not supported").WithPosition(charPos(l.src, start))
	case isIdentStart(c):
		for l.pos < len(l.src) && isIdentCont(l.src[l.pos]) {
			l.pos++
		}
		return mk(tkWord, asciiLower(l.src[start:l.pos])), nil
	case c == '"':
		s, err := l.quoted('"')
		if err != nil {
			return token{}, err
		}
		if s == "" {
			return token{}, lexError(l.src, start, "zero-length delimited identifier at or near \"\"\"\"")
		}
		return mk(tkQuotedIdent, s), nil
	case c == '\'':
		s, err := l.quoted('\'')
		if err != nil {
			return token{}, err
		}
		t := mk(tkString, s)
		t.plainString = true
		return t, nil
	case c == '$':
		if isDigit(next) {
			l.pos++
			for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
				l.pos++
			}
			n, err := strconv.Atoi(l.src[start+1 : l.pos])
			if err != nil || n < 1 || n > 65535 {
				return token{}, lexError(l.src, start, "there is no parameter %s", l.src[start:l.pos])
			}
			t := mk(tkParam, "")
			t.n = n
			return t, nil
		}
		if s, ok, err := l.dollarQuoted(); ok || err != nil {
			if err != nil {
				return token{}, err
			}
			return mk(tkString, s), nil
		}
		l.pos++
		return mk(tkOp, "$"), nil
	case isDigit(c) || c == '.' && isDigit(next):
		l.number()
		return mk(tkNumber, ""), nil
	case c == ':':
		if next == ':' {
			l.pos += 2
		} else {
			l.pos++
		}
		return mk(tkOp, ""), nil
	case strings.IndexByte("()[],;.", c) >= 0:
		l.pos++
		return mk(tkOp, ""), nil
	case isOpChar(c):
		l.operator()
		return mk(tkOp, ""), nil
	}
	_, size := utf8.DecodeRuneInString(l.src[l.pos:])
	l.pos += size
	return token{}, lexError(l.src, start, "syntax error at or near %q", l.src[start:l.pos])
}

// asciiLower folds ASCII letters to lower case, as Postgres does for
// unquoted identifiers.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// quoted reads a q-delimited literal with doubled-q escapes, starting at the
// opening quote, and returns its value.
func (l *lexer) quoted(q byte) (string, error) {
	start := l.pos
	l.pos++
	var sb strings.Builder
	for {
		i := strings.IndexByte(l.src[l.pos:], q)
		if i < 0 {
			l.pos = len(l.src)
			if q == '"' {
				return "", lexError(l.src, start, "unterminated quoted identifier at or near %q", truncate(l.src[start:]))
			}
			return "", lexError(l.src, start, "unterminated quoted string at or near %q", truncate(l.src[start:]))
		}
		sb.WriteString(l.src[l.pos : l.pos+i])
		l.pos += i + 1
		if l.pos < len(l.src) && l.src[l.pos] == q {
			sb.WriteByte(q)
			l.pos++
			continue
		}
		return sb.String(), nil
	}
}

// escapeString reads an E'...' string (positioned at the quote) and
// resolves its backslash escapes.
func (l *lexer) escapeString() (string, error) {
	start := l.pos - 1
	l.pos++
	var b []byte
	for {
		if l.pos >= len(l.src) {
			return "", lexError(l.src, start, "unterminated quoted string at or near %q", truncate(l.src[start:]))
		}
		c := l.src[l.pos]
		switch {
		case c == '\'':
			if l.pos+1 < len(l.src) && l.src[l.pos+1] == '\'' {
				b = append(b, '\'')
				l.pos += 2
				continue
			}
			l.pos++
			if !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
				return "", sqlerr.New(characterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"").WithPosition(charPos(l.src, start))
			}
			return string(b), nil
		case c == '\\' && l.pos+1 < len(l.src):
			l.pos++
			e := l.src[l.pos]
			l.pos++
			switch e {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'x':
				v, n := 0, 0
				for n < 2 && l.pos < len(l.src) && isHex(l.src[l.pos]) {
					v = v*16 + hexVal(l.src[l.pos])
					l.pos++
					n++
				}
				if n == 0 {
					b = append(b, 'x')
				} else {
					b = append(b, byte(v))
				}
			case 'u', 'U':
				want := 4
				if e == 'U' {
					want = 8
				}
				v := 0
				for n := 0; n < want; n++ {
					if l.pos >= len(l.src) || !isHex(l.src[l.pos]) {
						return "", lexError(l.src, l.pos, "invalid Unicode escape")
					}
					v = v*16 + hexVal(l.src[l.pos])
					l.pos++
				}
				if v == 0 || !utf8.ValidRune(rune(v)) {
					return "", lexError(l.src, l.pos, "invalid Unicode escape value")
				}
				b = utf8.AppendRune(b, rune(v))
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for n := 1; n < 3 && l.pos < len(l.src) && l.src[l.pos] >= '0' && l.src[l.pos] <= '7'; n++ {
						v = v*8 + int(l.src[l.pos]-'0')
						l.pos++
					}
					b = append(b, byte(v))
				} else {
					b = append(b, e)
				}
			}
		default:
			b = append(b, c)
			l.pos++
		}
	}
}

func isHex(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) int {
	switch {
	case isDigit(c):
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	default:
		return int(c-'A') + 10
	}
}

// dollarQuoted reads $tag$...$tag$ at l.pos if there is one.
func (l *lexer) dollarQuoted() (string, bool, error) {
	start := l.pos
	i := l.pos + 1
	for i < len(l.src) && l.src[i] != '$' {
		c := l.src[i]
		if !(isIdentStart(c) || i > l.pos+1 && isDigit(c)) {
			return "", false, nil
		}
		i++
	}
	if i >= len(l.src) {
		return "", false, nil
	}
	delim := l.src[start : i+1]
	body := i + 1
	j := strings.Index(l.src[body:], delim)
	if j < 0 {
		l.pos = len(l.src)
		return "", true, lexError(l.src, start, "unterminated dollar-quoted string at or near %q", truncate(l.src[start:]))
	}
	l.pos = body + j + len(delim)
	return l.src[body : body+j], true, nil
}

func (l *lexer) number() {
	for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
		l.pos++
	}
	if l.pos < len(l.src) && l.src[l.pos] == '.' && !(l.pos+1 < len(l.src) && l.src[l.pos+1] == '.') {
		l.pos++
		for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
			l.pos++
		}
	}
	if l.pos < len(l.src) && (l.src[l.pos] == 'e' || l.src[l.pos] == 'E') {
		j := l.pos + 1
		if j < len(l.src) && (l.src[j] == '+' || l.src[j] == '-') {
			j++
		}
		if j < len(l.src) && isDigit(l.src[j]) {
			for j < len(l.src) && isDigit(l.src[j]) {
				j++
			}
			l.pos = j
		}
	}
}

// operator reads a Postgres operator by the rules of scan.l: the longest
// run of operator characters, cut before a comment start, and without
// trailing + or - unless the operator contains one of ~ ! @ # % ^ & | ` ?.
func (l *lexer) operator() {
	start := l.pos
	for l.pos < len(l.src) && isOpChar(l.src[l.pos]) {
		if l.pos > start && (strings.HasPrefix(l.src[l.pos:], "--") || strings.HasPrefix(l.src[l.pos:], "/*")) {
			break
		}
		l.pos++
	}
	op := l.src[start:l.pos]
	if len(op) > 1 && !strings.ContainsAny(op, "~!@#%^&|`?") {
		for len(op) > 1 && (op[len(op)-1] == '+' || op[len(op)-1] == '-') {
			op = op[:len(op)-1]
		}
		l.pos = start + len(op)
	}
}

// at returns toks[i], or the final tkEOF token when i is past the end.
func at(toks []token, i int) token {
	if i < len(toks) {
		return toks[i]
	}
	return toks[len(toks)-1]
}

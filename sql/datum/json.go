package datum

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/freshet-db/freshet/sql/sqlerr"
)

// JSONB values are stored as their normalized text, exactly what Postgres's
// jsonb_out prints: object keys sorted by length and then bytewise,
// duplicate keys resolved last-wins, ": " and ", " separators, numbers in
// NUMERIC text form (1e2 prints as 100, 1.0 stays 1.0).

// JSONKind is the type of a JSON value, as jsonb_typeof names it.
type JSONKind uint8

const (
	JSONNull JSONKind = iota
	JSONBool
	JSONNumber
	JSONString
	JSONArray
	JSONObject
)

// String returns the jsonb_typeof name.
func (k JSONKind) String() string {
	return [...]string{"null", "boolean", "number", "string", "array", "object"}[k]
}

// JSON is a parsed JSON value.
type JSON struct {
	Kind JSONKind
	Bool bool
	// Str is the string value, or the NUMERIC text of a number.
	Str string
	// Elems are the array elements or the object values; Keys are the
	// object keys, sorted and unique, parallel to Elems.
	Elems []JSON
	Keys  []string
}

// ParseJSON parses JSON text (RFC 8259) and normalizes it as jsonb does.
// Errors are 22P02 "invalid input syntax for type json".
func ParseJSON(s string) (JSON, error) {
	p := jsonParser{src: s}
	p.skipSpace()
	v, err := p.value(0)
	if err != nil {
		return JSON{}, err
	}
	p.skipSpace()
	if p.pos != len(s) {
		return JSON{}, p.fail("Expected end of input, but found \"%s\".", p.tokenAt())
	}
	return v, nil
}

// NormalizeJSON parses s and returns its normalized jsonb text.
func NormalizeJSON(s string) (string, error) {
	v, err := ParseJSON(s)
	if err != nil {
		return "", err
	}
	return string(v.AppendText(nil)), nil
}

// JSONStringValue returns a JSON string value.
func JSONStringValue(s string) JSON { return JSON{Kind: JSONString, Str: s} }

// NewJSONObject builds an object from keys and values, sorting keys and
// keeping the last value of a duplicate key.
func NewJSONObject(keys []string, vals []JSON) JSON {
	idx := make([]int, len(keys))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return jsonKeyLess(keys[idx[a]], keys[idx[b]]) })
	o := JSON{Kind: JSONObject}
	for n, i := range idx {
		if n+1 < len(idx) && keys[idx[n+1]] == keys[i] {
			continue // a later duplicate wins
		}
		o.Keys = append(o.Keys, keys[i])
		o.Elems = append(o.Elems, vals[i])
	}
	return o
}

func jsonKeyLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// Get returns the value of an object's key.
func (j JSON) Get(key string) (JSON, bool) {
	if j.Kind != JSONObject {
		return JSON{}, false
	}
	i := sort.Search(len(j.Keys), func(i int) bool { return !jsonKeyLess(j.Keys[i], key) })
	if i < len(j.Keys) && j.Keys[i] == key {
		return j.Elems[i], true
	}
	return JSON{}, false
}

// Index returns an array element; negative indexes count from the end.
func (j JSON) Index(i int) (JSON, bool) {
	if j.Kind != JSONArray {
		return JSON{}, false
	}
	if i < 0 {
		i += len(j.Elems)
	}
	if i < 0 || i >= len(j.Elems) {
		return JSON{}, false
	}
	return j.Elems[i], true
}

// AppendText appends the normalized jsonb text of j.
func (j JSON) AppendText(buf []byte) []byte {
	switch j.Kind {
	case JSONNull:
		return append(buf, "null"...)
	case JSONBool:
		if j.Bool {
			return append(buf, "true"...)
		}
		return append(buf, "false"...)
	case JSONNumber:
		return append(buf, j.Str...)
	case JSONString:
		return AppendJSONString(buf, j.Str)
	case JSONArray:
		buf = append(buf, '[')
		for i, e := range j.Elems {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			buf = e.AppendText(buf)
		}
		return append(buf, ']')
	}
	buf = append(buf, '{')
	for i, e := range j.Elems {
		if i > 0 {
			buf = append(buf, ", "...)
		}
		buf = AppendJSONString(buf, j.Keys[i])
		buf = append(buf, ": "...)
		buf = e.AppendText(buf)
	}
	return append(buf, '}')
}

// AppendJSONString appends s as a JSON string literal, escaping as
// Postgres's escape_json does.
func AppendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			buf = append(buf, '\\', '"')
		case '\\':
			buf = append(buf, '\\', '\\')
		case '\b':
			buf = append(buf, '\\', 'b')
		case '\f':
			buf = append(buf, '\\', 'f')
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\r':
			buf = append(buf, '\\', 'r')
		case '\t':
			buf = append(buf, '\\', 't')
		default:
			if c < 0x20 {
				buf = append(buf, `\u00`...)
				buf = append(buf, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
			} else {
				buf = append(buf, c)
			}
		}
	}
	return append(buf, '"')
}

// jsonMaxDepth bounds nesting so that hostile input cannot exhaust the
// stack.
const jsonMaxDepth = 6400

type jsonParser struct {
	src string
	pos int
}

func (p *jsonParser) fail(detail string, args ...any) error {
	return sqlerr.New(sqlerr.InvalidTextRepresentation, "invalid input syntax for type json").WithDetail(detail, args...)
}

func (p *jsonParser) tokenAt() string {
	if p.pos >= len(p.src) {
		return ""
	}
	end := p.pos + 1
	for end < len(p.src) && isJSONWordByte(p.src[end]) && isJSONWordByte(p.src[p.pos]) {
		end++
	}
	return p.src[p.pos:end]
}

func isJSONWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c >= 0x80
}

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (JSON, error) {
	if depth > jsonMaxDepth {
		return JSON{}, sqlerr.New(sqlerr.ProgramLimitExceeded, "stack depth limit exceeded")
	}
	if p.pos >= len(p.src) {
		return JSON{}, p.fail("The input string ended unexpectedly.")
	}
	switch c := p.src[p.pos]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, err := p.str()
		return JSON{Kind: JSONString, Str: s}, err
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	tok := p.tokenAt()
	p.pos += len(tok)
	switch tok {
	case "true":
		return JSON{Kind: JSONBool, Bool: true}, nil
	case "false":
		return JSON{Kind: JSONBool}, nil
	case "null":
		return JSON{Kind: JSONNull}, nil
	}
	return JSON{}, p.fail("Token \"%s\" is invalid.", tok)
}

func (p *jsonParser) object(depth int) (JSON, error) {
	p.pos++ // {
	var keys []string
	var vals []JSON
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		return JSON{Kind: JSONObject}, nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.src) {
			return JSON{}, p.fail("The input string ended unexpectedly.")
		}
		if p.src[p.pos] != '"' {
			return JSON{}, p.fail("Expected string, but found \"%s\".", p.tokenAt())
		}
		k, err := p.str()
		if err != nil {
			return JSON{}, err
		}
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			if p.pos >= len(p.src) {
				return JSON{}, p.fail("The input string ended unexpectedly.")
			}
			return JSON{}, p.fail("Expected \":\", but found \"%s\".", p.tokenAt())
		}
		p.pos++
		p.skipSpace()
		v, err := p.value(depth + 1)
		if err != nil {
			return JSON{}, err
		}
		keys = append(keys, k)
		vals = append(vals, v)
		p.skipSpace()
		if p.pos >= len(p.src) {
			return JSON{}, p.fail("The input string ended unexpectedly.")
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return NewJSONObject(keys, vals), nil
		default:
			return JSON{}, p.fail("Expected \",\" or \"}\", but found \"%s\".", p.tokenAt())
		}
	}
}

func (p *jsonParser) array(depth int) (JSON, error) {
	p.pos++ // [
	a := JSON{Kind: JSONArray}
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.pos++
		return a, nil
	}
	for {
		p.skipSpace()
		v, err := p.value(depth + 1)
		if err != nil {
			return JSON{}, err
		}
		a.Elems = append(a.Elems, v)
		p.skipSpace()
		if p.pos >= len(p.src) {
			return JSON{}, p.fail("The input string ended unexpectedly.")
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return a, nil
		default:
			return JSON{}, p.fail("Expected \",\" or \"]\", but found \"%s\".", p.tokenAt())
		}
	}
}

func (p *jsonParser) number() (JSON, error) {
	start := p.pos
	s := p.src
	i := p.pos
	if s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	bad := func() (JSON, error) {
		p.pos = start
		end := i
		for end < len(s) && isJSONWordByte(s[end]) {
			end++
		}
		return JSON{}, p.fail("Token \"%s\" is invalid.", s[start:max(end, start+1)])
	}
	if i < len(s) && s[i] == '0' {
		i++
	} else if digits() == 0 {
		return bad()
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return bad()
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return bad()
		}
	}
	if i < len(s) && isJSONWordByte(s[i]) {
		return bad()
	}
	p.pos = i
	d, err := parseNumeric(s[start:i])
	if err != nil {
		return JSON{}, p.fail("Token \"%s\" is invalid.", s[start:i])
	}
	return JSON{Kind: JSONNumber, Str: string(appendDec(nil, parts(d)))}, nil
}

func (p *jsonParser) str() (string, error) {
	p.pos++ // opening quote
	var b strings.Builder
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '"':
			b.WriteString(p.src[start:p.pos])
			p.pos++
			return b.String(), nil
		case c < 0x20:
			return "", p.fail("Character with value 0x%02x must be escaped.", c)
		case c == '\\':
			b.WriteString(p.src[start:p.pos])
			if err := p.escape(&b); err != nil {
				return "", err
			}
			start = p.pos
		case c >= 0x80:
			r, n := utf8.DecodeRuneInString(p.src[p.pos:])
			if r == utf8.RuneError && n <= 1 {
				return "", sqlerr.New(sqlerr.Code("22021"), "invalid byte sequence for encoding \"UTF8\": 0x%02x", c)
			}
			p.pos += n
		default:
			p.pos++
		}
	}
	return "", p.fail("The input string ended unexpectedly.")
}

func (p *jsonParser) escape(b *strings.Builder) error {
	p.pos++ // backslash
	if p.pos >= len(p.src) {
		return p.fail("The input string ended unexpectedly.")
	}
	c := p.src[p.pos]
	p.pos++
	switch c {
	case '"', '\\', '/':
		b.WriteByte(c)
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 't':
		b.WriteByte('\t')
	case 'u':
		r, ok := p.hex4()
		if !ok {
			return p.fail("\"\\u\" must be followed by four hexadecimal digits.")
		}
		if r == 0 {
			return sqlerr.New(sqlerr.Code("22P05"), "unsupported Unicode escape sequence").
				WithDetail("\\u0000 cannot be converted to text.")
		}
		if utf16.IsSurrogate(r) {
			if r >= 0xDC00 || p.pos+1 >= len(p.src) || p.src[p.pos] != '\\' || p.src[p.pos+1] != 'u' {
				return p.fail("Unicode low surrogate must follow a high surrogate.")
			}
			p.pos += 2
			r2, ok := p.hex4()
			if !ok {
				return p.fail("\"\\u\" must be followed by four hexadecimal digits.")
			}
			r = utf16.DecodeRune(r, r2)
			if r == utf8.RuneError {
				return p.fail("Unicode low surrogate must follow a high surrogate.")
			}
		}
		b.WriteRune(r)
	default:
		return p.fail("Escape sequence \"\\%c\" is invalid.", c)
	}
	return nil
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.pos+4 > len(p.src) {
		return 0, false
	}
	v, err := strconv.ParseUint(p.src[p.pos:p.pos+4], 16, 32)
	if err != nil {
		return 0, false
	}
	p.pos += 4
	return rune(v), true
}

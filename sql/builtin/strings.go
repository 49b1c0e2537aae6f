package builtin

import (
	"crypto/md5"
	"encoding/hex"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

var (
	text = types.TextT
	i4   = types.Int4T
)

func textResult(s string) (datum.Datum, error) { return datum.NewText(s), nil }

func (l *lib) addStringFunctions() {
	str1 := func(name string, g func(string) string) *Overload {
		return fn(name, text, func(a []datum.Datum) (datum.Datum, error) { return textResult(g(a[0].Str())) }, text)
	}
	runeLen := func(a []datum.Datum) (datum.Datum, error) {
		return datum.NewInt4(int64(utf8.RuneCountInString(a[0].Str()))), nil
	}
	l.add(
		str1("lower", strings.ToLower),
		str1("upper", strings.ToUpper),
		str1("reverse", reverseString),
		str1("initcap", initcap),
		str1("md5", func(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }),
		fn("length", i4, runeLen, text),
		fn("char_length", i4, runeLen, text),
		fn("character_length", i4, runeLen, text),
		fn("length", i4, func(a []datum.Datum) (datum.Datum, error) { return datum.NewInt4(int64(len(a[0].Str()))), nil }, types.ByteaT),
		fn("octet_length", i4, func(a []datum.Datum) (datum.Datum, error) { return datum.NewInt4(int64(len(a[0].Str()))), nil }, text),
		fn("octet_length", i4, func(a []datum.Datum) (datum.Datum, error) { return datum.NewInt4(int64(len(a[0].Str()))), nil }, types.ByteaT),
		fn("ascii", i4, func(a []datum.Datum) (datum.Datum, error) {
			r, _ := utf8.DecodeRuneInString(a[0].Str())
			if a[0].Str() == "" {
				r = 0
			}
			return datum.NewInt4(int64(r)), nil
		}, text),
		fn("chr", text, func(a []datum.Datum) (datum.Datum, error) {
			c := a[0].Int()
			if c == 0 {
				return datum.Null, sqlerr.New(sqlerr.ProgramLimitExceeded, "null character not permitted")
			}
			if c < 0 || c > unicode.MaxRune || (c >= 0xD800 && c <= 0xDFFF) {
				return datum.Null, sqlerr.New(sqlerr.ProgramLimitExceeded, "requested character too large for encoding: %d", c)
			}
			return textResult(string(rune(c)))
		}, i4),
	)
	for _, name := range []string{"substr", "substring"} {
		l.add(
			fn(name, text, func(a []datum.Datum) (datum.Datum, error) {
				return substring(a[0].Str(), a[1].Int(), 0, false)
			}, text, i4),
			fn(name, text, func(a []datum.Datum) (datum.Datum, error) {
				return substring(a[0].Str(), a[1].Int(), a[2].Int(), true)
			}, text, i4, i4),
		)
	}
	trims := []struct {
		name        string
		left, right bool
	}{{"btrim", true, true}, {"trim", true, true}, {"ltrim", true, false}, {"rtrim", false, true}}
	for _, t := range trims {
		left, right := t.left, t.right
		l.add(
			fn(t.name, text, func(a []datum.Datum) (datum.Datum, error) {
				return textResult(trimChars(a[0].Str(), " ", left, right))
			}, text),
			fn(t.name, text, func(a []datum.Datum) (datum.Datum, error) {
				return textResult(trimChars(a[0].Str(), a[1].Str(), left, right))
			}, text, text),
		)
	}
	l.add(
		fn("replace", text, func(a []datum.Datum) (datum.Datum, error) {
			if a[1].Str() == "" {
				return a[0], nil
			}
			return textResult(strings.ReplaceAll(a[0].Str(), a[1].Str(), a[2].Str()))
		}, text, text, text),
		fn("left", text, func(a []datum.Datum) (datum.Datum, error) {
			r := []rune(a[0].Str())
			n := clampCount(a[1].Int(), len(r))
			return textResult(string(r[:n]))
		}, text, i4),
		fn("right", text, func(a []datum.Datum) (datum.Datum, error) {
			r := []rune(a[0].Str())
			n := clampCount(a[1].Int(), len(r))
			return textResult(string(r[len(r)-n:]))
		}, text, i4),
		fn("strpos", i4, strpos, text, text),
		fn("position", i4, strpos, text, text),
		fn("split_part", text, splitPart, text, text, i4),
		fn("starts_with", types.BoolT, func(a []datum.Datum) (datum.Datum, error) {
			return datum.NewBool(strings.HasPrefix(a[0].Str(), a[1].Str())), nil
		}, text, text),
		fn("lpad", text, func(a []datum.Datum) (datum.Datum, error) { return pad(a[0].Str(), a[1].Int(), " ", true) }, text, i4),
		fn("lpad", text, func(a []datum.Datum) (datum.Datum, error) { return pad(a[0].Str(), a[1].Int(), a[2].Str(), true) }, text, i4, text),
		fn("rpad", text, func(a []datum.Datum) (datum.Datum, error) { return pad(a[0].Str(), a[1].Int(), " ", false) }, text, i4),
		fn("rpad", text, func(a []datum.Datum) (datum.Datum, error) { return pad(a[0].Str(), a[1].Int(), a[2].Str(), false) }, text, i4, text),
		fn("repeat", text, func(a []datum.Datum) (datum.Datum, error) {
			n := a[1].Int()
			if n <= 0 {
				return textResult("")
			}
			if int64(len(a[0].Str()))*n > maxStringBytes {
				return datum.Null, tooLong()
			}
			return textResult(strings.Repeat(a[0].Str(), int(n)))
		}, text, i4),
	)

	// || on strings, and between a string and any other non-array type
	// (Postgres's textanycat / anytextcat, through the output function).
	l.add(op("||", text, text, text, func(a []datum.Datum) (datum.Datum, error) {
		return textResult(a[0].Str() + a[1].Str())
	}))
	for _, t := range comparableTypes {
		if t.IsString() {
			continue
		}
		l.add(
			op("||", text, t, text, func(a []datum.Datum) (datum.Datum, error) {
				return textResult(a[0].Str() + datum.FormatText(a[1]))
			}),
			op("||", t, text, text, func(a []datum.Datum) (datum.Datum, error) {
				return textResult(datum.FormatText(a[0]) + a[1].Str())
			}),
		)
	}
	l.add(op("||", types.ByteaT, types.ByteaT, types.ByteaT, func(a []datum.Datum) (datum.Datum, error) {
		return datum.NewBytea(a[0].Str() + a[1].Str()), nil
	}))

	// LIKE and ILIKE, under their SQL names and Postgres's operator names.
	likeOps := []struct {
		names  []string
		fold   bool
		negate bool
	}{
		{[]string{"like", "~~"}, false, false},
		{[]string{"not like", "!~~"}, false, true},
		{[]string{"ilike", "~~*"}, true, false},
		{[]string{"not ilike", "!~~*"}, true, true},
	}
	for _, lo := range likeOps {
		fold, negate := lo.fold, lo.negate
		f := func(a []datum.Datum) (datum.Datum, error) {
			ok, err := Like(a[0].Str(), a[1].Str(), fold)
			if err != nil {
				return datum.Null, err
			}
			return datum.NewBool(ok != negate), nil
		}
		for _, name := range lo.names {
			l.add(op(name, text, text, types.BoolT, f))
		}
	}

	// POSIX regular expressions (Go RE2 syntax, see doc.go).
	reOps := []struct {
		name         string
		fold, negate bool
	}{{"~", false, false}, {"~*", true, false}, {"!~", false, true}, {"!~*", true, true}}
	for _, ro := range reOps {
		fold, negate := ro.fold, ro.negate
		l.add(op(ro.name, text, text, types.BoolT, func(a []datum.Datum) (datum.Datum, error) {
			re, err := compileRegex(a[1].Str(), fold)
			if err != nil {
				return datum.Null, err
			}
			return datum.NewBool(re.MatchString(a[0].Str()) != negate), nil
		}))
	}

	l.special["concat"] = resolveConcat
	l.special["concat_ws"] = resolveConcatWS
}

// maxStringBytes bounds generated strings (Postgres's 1 GB field limit).
const maxStringBytes = 1 << 30

func tooLong() error {
	return sqlerr.New(sqlerr.ProgramLimitExceeded, "requested length too large")
}

func reverseString(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// initcap upper-cases the first letter of each alphanumeric word and
// lower-cases the rest.
func initcap(s string) string {
	var b strings.Builder
	inWord := false
	for _, r := range s {
		alnum := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case alnum && !inWord:
			b.WriteRune(unicode.ToUpper(r))
		case alnum:
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(r)
		}
		inWord = alnum
	}
	return b.String()
}

// substring implements substr(s, from[, count]) on characters, 1-based,
// where positions before 1 count toward the length as in Postgres.
func substring(s string, from, count int64, hasCount bool) (datum.Datum, error) {
	if hasCount && count < 0 {
		return datum.Null, sqlerr.New(sqlerr.Code("22011"), "negative substring length not allowed")
	}
	r := []rune(s)
	start := from - 1
	end := int64(len(r))
	if hasCount {
		end = start + count
		if end < start { // overflow
			end = int64(len(r))
		}
	}
	start = max(start, 0)
	end = min(end, int64(len(r)))
	if start >= end {
		return textResult("")
	}
	return textResult(string(r[start:end]))
}

func trimChars(s, chars string, left, right bool) string {
	in := func(r rune) bool { return strings.ContainsRune(chars, r) }
	if left {
		s = strings.TrimLeftFunc(s, in)
	}
	if right {
		s = strings.TrimRightFunc(s, in)
	}
	return s
}

// clampCount turns left/right's n into a character count: negative n
// means all but |n| characters.
func clampCount(n int64, length int) int {
	if n < 0 {
		n = max(int64(length)+n, 0)
	}
	return int(min(n, int64(length)))
}

func strpos(a []datum.Datum) (datum.Datum, error) {
	i := strings.Index(a[0].Str(), a[1].Str())
	if i < 0 {
		return datum.NewInt4(0), nil
	}
	return datum.NewInt4(int64(utf8.RuneCountInString(a[0].Str()[:i]) + 1)), nil
}

func splitPart(a []datum.Datum) (datum.Datum, error) {
	s, sep, n := a[0].Str(), a[1].Str(), a[2].Int()
	if n == 0 {
		return datum.Null, sqlerr.New(sqlerr.InvalidParameterValue, "field position must not be zero")
	}
	var fields []string
	if sep == "" {
		fields = []string{s}
		if s == "" {
			fields = nil
		}
	} else {
		fields = strings.Split(s, sep)
	}
	if n < 0 {
		n += int64(len(fields)) + 1
	}
	if n < 1 || n > int64(len(fields)) {
		return textResult("")
	}
	return textResult(fields[n-1])
}

func pad(s string, n int64, fill string, left bool) (datum.Datum, error) {
	if n <= 0 {
		return textResult("")
	}
	length := int64(utf8.RuneCountInString(s))
	if length >= n {
		cut, _ := runeCut(s, int(n))
		return textResult(s[:cut])
	}
	if fill == "" {
		return textResult(s)
	}
	need := n - length
	// Bound the result by Postgres's 1 GB limit before building it.
	if need*int64(utf8.UTFMax) > maxStringBytes && need*int64(len(fill))/int64(utf8.RuneCountInString(fill)) > maxStringBytes {
		return datum.Null, tooLong()
	}
	var b strings.Builder
	if !left {
		b.WriteString(s)
	}
	for written := int64(0); written < need; {
		for _, r := range fill {
			if written == need {
				break
			}
			b.WriteRune(r)
			written++
		}
	}
	if left {
		b.WriteString(s)
	}
	return textResult(b.String())
}

// runeCut returns the byte offset after the first n characters of s.
func runeCut(s string, n int) (int, bool) {
	i := 0
	for k := 0; k < n; k++ {
		if i >= len(s) {
			return len(s), false
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i, i < len(s)
}

// resolveConcat gives concat(any...) an overload taking its arguments as
// they are (unknown literals as text); NULLs are skipped.
func resolveConcat(args []types.T) (*Overload, error) {
	if len(args) == 0 {
		return nil, notExist("concat", args, true)
	}
	return &Overload{Name: "concat", Args: anyArgs(args), Result: text, Fn: func(a []datum.Datum) (datum.Datum, error) {
		var b []byte
		for _, d := range a {
			b = appendConcat(b, d)
		}
		return datum.NewText(string(b)), nil
	}}, nil
}

func resolveConcatWS(args []types.T) (*Overload, error) {
	if len(args) == 0 {
		return nil, notExist("concat_ws", args, true)
	}
	ts := anyArgs(args)
	if !CanCoerceImplicit(ts[0], text) {
		return nil, notExist("concat_ws", args, true)
	}
	ts[0] = text
	return &Overload{Name: "concat_ws", Args: ts, Result: text, Fn: func(a []datum.Datum) (datum.Datum, error) {
		if a[0].IsNull() {
			return datum.Null, nil
		}
		var b []byte
		first := true
		for _, d := range a[1:] {
			if d.IsNull() {
				continue
			}
			if !first {
				b = append(b, a[0].Str()...)
			}
			first = false
			b = appendConcat(b, d)
		}
		return datum.NewText(string(b)), nil
	}}, nil
}

func appendConcat(b []byte, d datum.Datum) []byte {
	switch {
	case d.IsNull():
		return b
	case d.Kind() == types.Text || d.Kind() == types.Varchar:
		return append(b, d.Str()...)
	}
	return datum.AppendText(b, d)
}

// anyArgs returns the argument types with unknown replaced by text.
func anyArgs(args []types.T) []types.T {
	ts := make([]types.T, len(args))
	for i, t := range args {
		if t.Family == types.Unknown {
			t = text
		}
		ts[i] = t
	}
	return ts
}

// Like reports whether s matches the SQL LIKE pattern p (% any sequence,
// _ one character, \ escapes the next character). fold makes it ILIKE.
func Like(s, p string, fold bool) (bool, error) {
	if fold {
		s, p = strings.ToLower(s), strings.ToLower(p)
	}
	// Fast paths for the common shapes.
	if !strings.ContainsAny(p, `%_\`) {
		return s == p, nil
	}
	pat, err := compileLike(p)
	if err != nil {
		return false, err
	}
	return matchLike([]rune(s), pat), nil
}

const (
	likeAnyOne  = -1
	likeAnyMany = -2
)

func compileLike(p string) ([]rune, error) {
	out := make([]rune, 0, len(p))
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '\\':
			if i+1 >= len(rs) {
				return nil, sqlerr.New(sqlerr.Code("22025"), "LIKE pattern must not end with escape character")
			}
			i++
			out = append(out, rs[i])
		case '%':
			if len(out) == 0 || out[len(out)-1] != likeAnyMany {
				out = append(out, likeAnyMany)
			}
		case '_':
			out = append(out, likeAnyOne)
		default:
			out = append(out, rs[i])
		}
	}
	return out, nil
}

// matchLike is the classic linear-backtracking wildcard matcher: on a
// mismatch it retries from the most recent %, which is enough because a
// later % can absorb anything an earlier one could.
func matchLike(s, p []rune) bool {
	si, pi := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && p[pi] == likeAnyMany:
			star, mark = pi, si
			pi++
		case pi < len(p) && (p[pi] == likeAnyOne || p[pi] == s[si]):
			si++
			pi++
		case star >= 0:
			mark++
			si, pi = mark, star+1
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == likeAnyMany {
		pi++
	}
	return pi == len(p)
}

func compileRegex(p string, fold bool) (*regexp.Regexp, error) {
	if fold {
		p = "(?i)" + p
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, sqlerr.New(sqlerr.Code("2201B"), "invalid regular expression: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	return re, nil
}

package datum

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

// ParseText parses s in Postgres's text input format for type t and applies
// t's modifier (NUMERIC(p,s) rounding and overflow, VARCHAR(n) length). The
// errors carry Postgres's SQLSTATE and message. Unknown parses as TEXT.
func ParseText(s string, t types.T) (Datum, error) {
	switch t.Family {
	case types.Bool:
		return parseBool(s)
	case types.Int2, types.Int4, types.Int8:
		v, err := ParseInt(s, t.Family)
		if err != nil {
			return Null, err
		}
		return NewInt(t.Family, v), nil
	case types.Float4, types.Float8:
		return parseFloat(s, t.Family)
	case types.Numeric:
		d, err := parseNumeric(s)
		if err != nil {
			return Null, err
		}
		return NumericApplyTypmod(d, t)
	case types.Text, types.Unknown:
		return NewText(s), nil
	case types.Varchar:
		return VarcharInput(s, t.Precision)
	case types.Date:
		return parseDate(s)
	case types.Timestamp:
		return parseTimestamp(s, false)
	case types.TimestampTZ:
		return parseTimestamp(s, true)
	case types.Interval:
		return parseInterval(s)
	case types.JSONB:
		n, err := NormalizeJSON(s)
		if err != nil {
			return Null, err
		}
		return NewJSONB(n), nil
	case types.Bytea:
		return parseBytea(s)
	}
	return Null, sqlerr.New(sqlerr.FeatureNotSupported, "cannot parse values of type %s", t)
}

// VarcharInput checks s against VARCHAR(n) input rules: longer strings fail
// with 22001 unless the excess characters are all spaces, which are cut.
// n <= 0 means unbounded.
func VarcharInput(s string, n int32) (Datum, error) {
	if n <= 0 || len(s) <= int(n) {
		return NewVarchar(s), nil
	}
	cut, ok := runePrefix(s, int(n))
	if !ok {
		return NewVarchar(s), nil
	}
	if strings.TrimRight(s[cut:], " ") != "" {
		return Null, sqlerr.New(sqlerr.StringDataRightTruncation, "value too long for type character varying(%d)", n)
	}
	return NewVarchar(s[:cut]), nil
}

// runePrefix returns the byte length of the first n characters of s and
// whether s has more than n characters.
func runePrefix(s string, n int) (int, bool) {
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

// TruncateVarchar cuts s to n characters (explicit cast to VARCHAR(n)).
func TruncateVarchar(s string, n int32) string {
	if n <= 0 {
		return s
	}
	cut, more := runePrefix(s, int(n))
	if more {
		return s[:cut]
	}
	return s
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func trimSpace(s string) string {
	i, j := 0, len(s)
	for i < j && isSpace(s[i]) {
		i++
	}
	for j > i && isSpace(s[j-1]) {
		j--
	}
	return s[i:j]
}

func parseBool(orig string) (Datum, error) {
	s := strings.ToLower(trimSpace(orig))
	// Postgres accepts any unique prefix of true/false/yes/no, and on/off
	// with at least two letters.
	if s != "" {
		switch {
		case strings.HasPrefix("true", s), strings.HasPrefix("yes", s), s == "on", s == "1":
			return NewBool(true), nil
		case strings.HasPrefix("false", s), strings.HasPrefix("no", s), s == "of" || s == "off", s == "0":
			return NewBool(false), nil
		}
	}
	return Null, sqlerr.New(sqlerr.InvalidTextRepresentation, "invalid input syntax for type boolean: \"%s\"", orig)
}

func intTypeName(f types.Family) string {
	switch f {
	case types.Int2:
		return "smallint"
	case types.Int4:
		return "integer"
	}
	return "bigint"
}

// IntRange returns the bounds of an integer family.
func IntRange(f types.Family) (lo, hi int64) {
	switch f {
	case types.Int2:
		return math.MinInt16, math.MaxInt16
	case types.Int4:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

// ParseInt parses an integer of family f as Postgres 16 does: surrounding
// whitespace, an optional sign, decimal digits or a 0x/0o/0b prefix, and
// single underscores between digits.
func ParseInt(orig string, f types.Family) (int64, error) {
	syntax := func() error {
		return sqlerr.New(sqlerr.InvalidTextRepresentation, "invalid input syntax for type %s: \"%s\"", intTypeName(f), orig)
	}
	s := trimSpace(orig)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	base := uint64(10)
	if len(s) > 2 && s[0] == '0' {
		switch s[1] {
		case 'x', 'X':
			base, s = 16, s[2:]
		case 'o', 'O':
			base, s = 8, s[2:]
		case 'b', 'B':
			base, s = 2, s[2:]
		}
	}
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' {
		return 0, syntax()
	}
	var mag uint64
	overflow := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		var v uint64
		switch {
		case c == '_':
			if s[i-1] == '_' {
				return 0, syntax()
			}
			continue
		case c >= '0' && c <= '9':
			v = uint64(c - '0')
		case c >= 'a' && c <= 'f':
			v = uint64(c-'a') + 10
		case c >= 'A' && c <= 'F':
			v = uint64(c-'A') + 10
		default:
			return 0, syntax()
		}
		if v >= base {
			return 0, syntax()
		}
		if mag > (math.MaxUint64-v)/base {
			overflow = true
			continue
		}
		mag = mag*base + v
	}
	lo, hi := IntRange(f)
	if !overflow {
		if neg && mag <= uint64(hi)+1 {
			v := -int64(mag-1) - 1
			if v >= lo {
				return v, nil
			}
		} else if !neg && mag <= uint64(hi) {
			return int64(mag), nil
		}
	}
	return 0, sqlerr.New(sqlerr.NumericValueOutOfRange, "value \"%s\" is out of range for type %s", orig, intTypeName(f))
}

func floatTypeName(f types.Family) string {
	if f == types.Float4 {
		return "real"
	}
	return "double precision"
}

func parseFloat(orig string, f types.Family) (Datum, error) {
	s := trimSpace(orig)
	syntax := func() (Datum, error) {
		return Null, sqlerr.New(sqlerr.InvalidTextRepresentation, "invalid input syntax for type %s: \"%s\"", floatTypeName(f), orig)
	}
	mk := NewFloat8
	if f == types.Float4 {
		mk = NewFloat4
	}
	body := strings.TrimLeft(s, "+-")
	if len(s)-len(body) > 1 {
		return syntax()
	}
	switch strings.ToLower(body) {
	case "infinity", "inf":
		if s[0] == '-' {
			return mk(math.Inf(-1)), nil
		}
		return mk(math.Inf(1)), nil
	case "nan":
		if len(s) != len(body) {
			return syntax()
		}
		return mk(math.NaN()), nil
	}
	// Only plain decimal syntax: Go also accepts hex floats and underscores.
	digits := 0
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-':
		default:
			return syntax()
		}
	}
	if digits == 0 {
		return syntax()
	}
	bits := 64
	if f == types.Float4 {
		bits = 32 // round once, straight to float32
	}
	v, err := strconv.ParseFloat(s, bits)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return Null, sqlerr.New(sqlerr.NumericValueOutOfRange, "\"%s\" is out of range for type %s", orig, floatTypeName(f))
		}
		return syntax()
	}
	if f == types.Float4 {
		v64, _ := strconv.ParseFloat(s, 64)
		if v == 0 && v64 != 0 {
			return Null, sqlerr.New(sqlerr.NumericValueOutOfRange, "\"%s\" is out of range for type real", orig)
		}
	}
	return mk(v), nil
}

// Limits of Postgres's NUMERIC: 131072 digits before the point and 16383
// after it.
const (
	numMaxIntDigits  = 131072
	numMaxFracDigits = 16383
)

// ParseNumeric parses NUMERIC text without a modifier.
func ParseNumeric(s string) (Datum, error) { return parseNumeric(s) }

func parseNumeric(orig string) (Datum, error) {
	syntax := func() (Datum, error) {
		return Null, sqlerr.New(sqlerr.InvalidTextRepresentation, "invalid input syntax for type numeric: \"%s\"", orig)
	}
	s := trimSpace(orig)
	neg := false
	body := s
	if body != "" && (body[0] == '+' || body[0] == '-') {
		neg = body[0] == '-'
		body = body[1:]
	}
	switch strings.ToLower(body) {
	case "nan":
		if len(body) != len(s) {
			return syntax()
		}
		return NumericNaN(), nil
	case "infinity", "inf":
		if neg {
			return NumericInf(-1), nil
		}
		return NumericInf(1), nil
	}
	var digits []byte
	scale := int64(0)
	seenDot, seenDigit := false, false
	i := 0
	for ; i < len(body); i++ {
		c := body[i]
		switch {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
			seenDigit = true
			if seenDot {
				scale++
			}
		case c == '_':
			if i == 0 || i+1 >= len(body) || body[i-1] < '0' || body[i-1] > '9' || body[i+1] < '0' || body[i+1] > '9' {
				return syntax()
			}
		case c == '.' && !seenDot:
			seenDot = true
		default:
			goto exponent
		}
	}
exponent:
	if !seenDigit {
		return syntax()
	}
	if i < len(body) {
		if body[i] != 'e' && body[i] != 'E' {
			return syntax()
		}
		e, err := strconv.ParseInt(body[i+1:], 10, 64)
		if err != nil || strings.ContainsAny(body[i+1:], "_") {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				return Null, sqlerr.New(sqlerr.NumericValueOutOfRange, "value overflows numeric format")
			}
			return syntax()
		}
		if e > 2*numMaxIntDigits || e < -2*numMaxIntDigits {
			return Null, sqlerr.New(sqlerr.NumericValueOutOfRange, "value overflows numeric format")
		}
		scale -= e
	}
	// Drop leading zeros (keep at least one digit).
	k := 0
	for k < len(digits)-1 && digits[k] == '0' {
		k++
	}
	digits = digits[k:]
	if scale < 0 {
		if int64(len(digits))-scale > numMaxIntDigits {
			return Null, sqlerr.New(sqlerr.NumericValueOutOfRange, "value overflows numeric format")
		}
		for ; scale < 0; scale++ {
			digits = append(digits, '0')
		}
	}
	if int64(len(digits))-scale > numMaxIntDigits {
		return Null, sqlerr.New(sqlerr.NumericValueOutOfRange, "value overflows numeric format")
	}
	if scale > numMaxFracDigits {
		// Postgres rounds input beyond its maximum display scale.
		d := numericFromDigits(digits, neg, int32(min(scale, math.MaxInt32)))
		return fromDec(parts(d).roundTo(numMaxFracDigits)), nil
	}
	return numericFromDigits(digits, neg, int32(scale)), nil
}

func numericFromDigits(digits []byte, neg bool, scale int32) Datum {
	if len(digits) <= 18 {
		var v int64
		for _, c := range digits {
			v = v*10 + int64(c-'0')
		}
		if neg {
			v = -v
		}
		return Datum{kind: types.Numeric, i: v, x: scale}
	}
	b, _ := new(big.Int).SetString(string(digits), 10)
	if neg {
		b.Neg(b)
	}
	return fromDec(dec{big: b, scale: scale})
}

func parseBytea(s string) (Datum, error) {
	if strings.HasPrefix(s, `\x`) {
		out := make([]byte, 0, (len(s)-2)/2)
		h := s[2:]
		for i := 0; i < len(h); {
			if isSpace(h[i]) {
				i++
				continue
			}
			hi, ok1 := unhex(h[i])
			if !ok1 {
				return Null, sqlerr.New(sqlerr.InvalidParameterValue, "invalid hexadecimal digit: \"%s\"", string(h[i]))
			}
			if i+1 >= len(h) {
				return Null, sqlerr.New(sqlerr.InvalidParameterValue, "invalid hexadecimal data: odd number of digits")
			}
			lo, ok2 := unhex(h[i+1])
			if !ok2 {
				return Null, sqlerr.New(sqlerr.InvalidParameterValue, "invalid hexadecimal digit: \"%s\"", string(h[i+1]))
			}
			out = append(out, hi<<4|lo)
			i += 2
		}
		return NewBytea(string(out)), nil
	}
	// Escape format: \\ is a backslash, \ooo an octal byte.
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		switch {
		case i+1 < len(s) && s[i+1] == '\\':
			out = append(out, '\\')
			i++
		case i+3 < len(s) && isOct(s[i+1], '3') && isOct(s[i+2], '7') && isOct(s[i+3], '7'):
			out = append(out, (s[i+1]-'0')<<6|(s[i+2]-'0')<<3|(s[i+3]-'0'))
			i += 3
		default:
			return Null, sqlerr.New(sqlerr.InvalidTextRepresentation, "invalid input syntax for type bytea")
		}
	}
	return NewBytea(string(out)), nil
}

func isOct(c, maxDigit byte) bool { return c >= '0' && c <= maxDigit }

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

package datum

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/freshet-db/freshet/sql/types"
)

// FormatText renders d in Postgres's text output format (what psql shows
// and what DataRow carries in text format). NULL renders as "NULL".
func FormatText(d Datum) string {
	return string(AppendText(nil, d))
}

// AppendText appends the Postgres 16 text output of d, with the session
// settings Freshet fixes: DateStyle ISO, IntervalStyle postgres, TimeZone
// UTC and extra_float_digits 1 (shortest round-trip floats). NULL appends
// "NULL", for debugging only: the wire protocol sends NULL separately.
func AppendText(buf []byte, d Datum) []byte {
	switch d.kind {
	case types.Unknown:
		return append(buf, "NULL"...)
	case types.Bool:
		if d.i != 0 {
			return append(buf, 't')
		}
		return append(buf, 'f')
	case types.Int2, types.Int4, types.Int8:
		return strconv.AppendInt(buf, d.i, 10)
	case types.Float8:
		return AppendFloat(buf, d.Float(), 64)
	case types.Float4:
		return AppendFloat(buf, d.Float(), 32)
	case types.Numeric:
		if d.s == "" && d.x == 0 {
			return strconv.AppendInt(buf, d.i, 10)
		}
		return appendDec(buf, parts(d))
	case types.Text, types.Varchar, types.JSONB:
		return append(buf, d.s...)
	case types.Bytea:
		buf = append(buf, '\\', 'x')
		for i := 0; i < len(d.s); i++ {
			buf = append(buf, "0123456789abcdef"[d.s[i]>>4], "0123456789abcdef"[d.s[i]&15])
		}
		return buf
	case types.Date:
		return appendDateText(buf, d.i)
	case types.Timestamp:
		return appendTimestampText(buf, d.i, false)
	case types.TimestampTZ:
		return appendTimestampText(buf, d.i, true)
	case types.Interval:
		return appendIntervalText(buf, d.y, d.x, d.i)
	}
	return append(buf, "?"...)
}

// AppendFloat appends f as Postgres's float8out (bits 64) or float4out
// (bits 32) print it with extra_float_digits = 1: the shortest text that
// reads back to the same value, in fixed notation when the decimal
// exponent is in [-4, 15) (float4: [-4, 6)), otherwise as d.ddde+XX.
func AppendFloat(buf []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(buf, "NaN"...)
	case math.IsInf(f, 1):
		return append(buf, "Infinity"...)
	case math.IsInf(f, -1):
		return append(buf, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(buf, "-0"...)
		}
		return append(buf, '0')
	}
	limit := 15
	if bits == 32 {
		limit = 6
	}
	start := len(buf)
	buf = strconv.AppendFloat(buf, f, 'e', -1, bits)
	if large := math.Abs(f) >= 1<<53 || (bits == 32 && math.Abs(f) >= 1<<24); large {
		buf = ryuTieFix(buf, start, f, bits)
	}
	// Find the exponent to choose the notation.
	e := len(buf) - 1
	for buf[e] != 'e' {
		e--
	}
	exp, _ := strconv.Atoi(string(buf[e+1:]))
	if exp < -4 || exp >= limit {
		return buf
	}
	buf = buf[:start]
	return strconv.AppendFloat(buf, f, 'f', -1, bits)
}

// ryuTieFix adjusts the shortest digits of a large float to what
// Postgres's Ryu prints. When the shortest decimal lies exactly halfway
// between f and a neighbouring float, Go accepts it (it reads back as f
// under round-half-even) but Postgres's Ryu does not and prints more
// digits (3.4756144044821432e+16, where Go gives 3.475614404482143e+16).
// Such short ties only exist for floats at or above 2^53 (2^24 for
// float4), whose halfway points are integers; smaller ones need 17 digits.
func ryuTieFix(buf []byte, start int, f float64, bits int) []byte {
	digits := string(buf[start:])
	if !isHalfwayTie(digits, f, bits) {
		return buf
	}
	maxPrec := 16
	if bits == 32 {
		maxPrec = 8
	}
	for prec := countDigits(digits); prec <= maxPrec; prec++ {
		s := strconv.FormatFloat(f, 'e', prec, bits)
		if v, err := strconv.ParseFloat(s, bits); err == nil && v == f && !isHalfwayTie(s, f, bits) {
			return append(buf[:start], trimMantissaZeros(s)...)
		}
	}
	return buf
}

// isHalfwayTie reports whether the decimal s equals the midpoint between f
// and one of its neighbours.
func isHalfwayTie(s string, f float64, bits int) bool {
	d, ok := new(big.Rat).SetString(s)
	if !ok {
		return false
	}
	for _, dir := range []float64{math.Inf(1), math.Inf(-1)} {
		var next float64
		if bits == 32 {
			next = float64(math.Nextafter32(float32(f), float32(dir)))
		} else {
			next = math.Nextafter(f, dir)
		}
		if math.IsInf(next, 0) {
			continue
		}
		mid := new(big.Rat).Add(new(big.Rat).SetFloat64(f), new(big.Rat).SetFloat64(next))
		mid.Quo(mid, big.NewRat(2, 1))
		if d.Cmp(mid) == 0 {
			return true
		}
	}
	return false
}

func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s) && s[i] != 'e'; i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// trimMantissaZeros turns "6.480486837050890e+16" into "6.48048683705089e+16".
func trimMantissaZeros(s string) string {
	e := strings.IndexByte(s, 'e')
	m := s[:e]
	if strings.IndexByte(m, '.') >= 0 {
		m = strings.TrimRight(strings.TrimRight(m, "0"), ".")
	}
	return m + s[e:]
}

package datum

import (
	"math"
	"math/big"
	"strings"

	"github.com/freshet-db/freshet/sql/types"
)

// Compare orders two datums: -1, 0 or +1. NULL sorts after every value and
// equals NULL (the ORDER BY ... ASC and grouping convention of Postgres).
// Values of equivalent families compare by value: all integer widths with
// each other, integers with numerics exactly, floats with any number, TEXT
// with VARCHAR. Datums of unrelated families order by family; the planner
// never lets that happen for user comparisons.
func Compare(a, b Datum) int {
	if a.kind == types.Unknown || b.kind == types.Unknown {
		switch {
		case a.kind == b.kind:
			return 0
		case a.kind == types.Unknown:
			return 1
		default:
			return -1
		}
	}
	ka, kb := class(a.kind), class(b.kind)
	if ka != kb {
		if ka == classInt && kb == classNumeric || ka == classNumeric && kb == classInt {
			return cmpDec(parts(a), parts(b))
		}
		if (ka == classFloat || kb == classFloat) && isNumberClass(ka) && isNumberClass(kb) {
			return cmpFloat(a.AsFloat(), b.AsFloat())
		}
		return cmpInt(int64(ka), int64(kb))
	}
	switch ka {
	case classInt, classBool, classTime, classDate:
		return cmpInt(a.i, b.i)
	case classFloat:
		return cmpFloat(a.Float(), b.Float())
	case classNumeric:
		if a.s == "" && b.s == "" {
			return cmpDecimal(decParts{a.i, a.x}, decParts{b.i, b.x})
		}
		return cmpDec(parts(a), parts(b))
	case classString, classBytes:
		return strings.Compare(a.s, b.s)
	case classJSON:
		return compareJSONText(a.s, b.s)
	case classInterval:
		// Postgres compares intervals by their length with 30-day months and
		// 24-hour days.
		ad, au := a.intervalSpan()
		bd, bu := b.intervalSpan()
		if c := cmpInt(ad, bd); c != 0 {
			return c
		}
		return cmpInt(au, bu)
	}
	return 0
}

type cmpClass uint8

const (
	classNull cmpClass = iota
	classBool
	classInt
	classNumeric
	classFloat
	classString
	classDate
	classTime
	classInterval
	classJSON
	classBytes
)

func class(f types.Family) cmpClass {
	switch f {
	case types.Bool:
		return classBool
	case types.Int2, types.Int4, types.Int8:
		return classInt
	case types.Numeric:
		return classNumeric
	case types.Float4, types.Float8:
		return classFloat
	case types.Text, types.Varchar:
		return classString
	case types.Date:
		return classDate
	case types.Timestamp, types.TimestampTZ:
		return classTime
	case types.Interval:
		return classInterval
	case types.JSONB:
		return classJSON
	case types.Bytea:
		return classBytes
	}
	return classNull
}

func isNumberClass(c cmpClass) bool { return c == classInt || c == classNumeric || c == classFloat }

// AsFloat converts any number datum to float64.
func (d Datum) AsFloat() float64 {
	switch class(d.kind) {
	case classInt:
		return float64(d.i)
	case classFloat:
		return d.Float()
	case classNumeric:
		return parts(d).float()
	}
	return math.NaN()
}

type decParts struct {
	coef  int64
	scale int32
}

// intervalSpan returns the length of an interval as whole days (months
// counted as 30 days) and the remaining microseconds in [0, 1 day), the
// form Postgres's interval_cmp_value compares (it uses 128-bit integers;
// this split cannot overflow).
func (d Datum) intervalSpan() (days, micros int64) {
	const day = 24 * 3600 * 1e6
	days = int64(d.y)*30 + int64(d.x)
	q := d.i / day
	r := d.i % day
	if r < 0 {
		r += day
		q--
	}
	return days + q, r
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cmpFloat orders floats as Postgres does: NaN is greater than every number
// and equal to itself.
func cmpFloat(a, b float64) int {
	an, bn := math.IsNaN(a), math.IsNaN(b)
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpDecimal(a, b decParts) int {
	if a.scale == b.scale {
		return cmpInt(a.coef, b.coef)
	}
	// Bring both to the larger scale; fall back to big integers on overflow.
	if a.scale < b.scale {
		return -cmpDecimal(b, a)
	}
	shift := a.scale - b.scale
	if shift < 19 {
		p := pow10[shift]
		if hi, lo := mulOK(b.coef, p); lo {
			return cmpInt(a.coef, hi)
		}
	}
	bb := new(big.Int).Mul(big.NewInt(b.coef), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(shift)), nil))
	return big.NewInt(a.coef).Cmp(bb)
}

var pow10 = func() [19]int64 {
	var p [19]int64
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// Pow10 returns 10^n for 0 <= n <= 18.
func Pow10(n int32) int64 { return pow10[n] }

// mulOK multiplies and reports whether the product fit in an int64.
func mulOK(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	c := a * b
	if c/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		return 0, false
	}
	return c, true
}

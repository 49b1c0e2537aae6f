package builtin

import (
	"math"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

var intTypes = []types.T{types.Int2T, types.Int4T, types.Int8T}

// comparableTypes have = <> < <= > >= (jsonb with Postgres's ordering:
// object > array > boolean > number > string > null).
var comparableTypes = []types.T{
	types.BoolT, types.Int2T, types.Int4T, types.Int8T, types.Float4T, types.Float8T,
	types.NumericT, types.TextT, types.VarcharT, types.DateT, types.TimestampT,
	types.TimestampTZT, types.IntervalT, types.ByteaT, types.JSONBT,
}

func (l *lib) addOperators() {
	// Comparisons.
	cmps := []struct {
		name string
		ok   func(c int) bool
	}{
		{"=", func(c int) bool { return c == 0 }},
		{"<>", func(c int) bool { return c != 0 }},
		{"!=", func(c int) bool { return c != 0 }},
		{"<", func(c int) bool { return c < 0 }},
		{"<=", func(c int) bool { return c <= 0 }},
		{">", func(c int) bool { return c > 0 }},
		{">=", func(c int) bool { return c >= 0 }},
	}
	for _, c := range cmps {
		ok := c.ok
		f := func(a []datum.Datum) (datum.Datum, error) {
			return datum.NewBool(ok(datum.Compare(a[0], a[1]))), nil
		}
		for _, t := range comparableTypes {
			l.add(op(c.name, t, t, types.BoolT, f))
		}
	}

	// Integer arithmetic, checked for overflow of the result width.
	for _, t := range intTypes {
		fam := t.Family
		l.add(
			op("+", t, t, t, func(a []datum.Datum) (datum.Datum, error) {
				x, y := a[0].Int(), a[1].Int()
				s := x + y
				if (s > x) != (y > 0) {
					return datum.Null, intOutOfRange(fam)
				}
				return checkInt(fam, s)
			}),
			op("-", t, t, t, func(a []datum.Datum) (datum.Datum, error) {
				x, y := a[0].Int(), a[1].Int()
				s := x - y
				if (s < x) != (y > 0) {
					return datum.Null, intOutOfRange(fam)
				}
				return checkInt(fam, s)
			}),
			op("*", t, t, t, func(a []datum.Datum) (datum.Datum, error) {
				x, y := a[0].Int(), a[1].Int()
				p, ok := mulInt(x, y)
				if !ok {
					return datum.Null, intOutOfRange(fam)
				}
				return checkInt(fam, p)
			}),
			op("/", t, t, t, func(a []datum.Datum) (datum.Datum, error) {
				x, y := a[0].Int(), a[1].Int()
				if y == 0 {
					return datum.Null, divByZero()
				}
				if y == -1 {
					if x == math.MinInt64 {
						return datum.Null, intOutOfRange(fam)
					}
					return checkInt(fam, -x)
				}
				return datum.NewInt(fam, x/y), nil
			}),
			op("%", t, t, t, func(a []datum.Datum) (datum.Datum, error) {
				x, y := a[0].Int(), a[1].Int()
				if y == 0 {
					return datum.Null, divByZero()
				}
				if y == -1 {
					return datum.NewInt(fam, 0), nil
				}
				return datum.NewInt(fam, x%y), nil
			}),
			prefix("-", t, t, func(a []datum.Datum) (datum.Datum, error) {
				x := a[0].Int()
				if x == math.MinInt64 {
					return datum.Null, intOutOfRange(fam)
				}
				return checkInt(fam, -x)
			}),
			prefix("+", t, t, func(a []datum.Datum) (datum.Datum, error) { return a[0], nil }),
			op("&", t, t, t, func(a []datum.Datum) (datum.Datum, error) { return datum.NewInt(fam, a[0].Int()&a[1].Int()), nil }),
			op("|", t, t, t, func(a []datum.Datum) (datum.Datum, error) { return datum.NewInt(fam, a[0].Int()|a[1].Int()), nil }),
			op("#", t, t, t, func(a []datum.Datum) (datum.Datum, error) { return datum.NewInt(fam, a[0].Int()^a[1].Int()), nil }),
			prefix("~", t, t, func(a []datum.Datum) (datum.Datum, error) { return datum.NewInt(fam, ^a[0].Int()), nil }),
			op("<<", t, types.Int4T, t, func(a []datum.Datum) (datum.Datum, error) {
				return shift(fam, a[0].Int(), a[1].Int(), true)
			}),
			op(">>", t, types.Int4T, t, func(a []datum.Datum) (datum.Datum, error) {
				return shift(fam, a[0].Int(), a[1].Int(), false)
			}),
		)
	}

	// Floating point arithmetic.
	for _, t := range []types.T{types.Float4T, types.Float8T} {
		mk := datum.NewFloat8
		if t.Family == types.Float4 {
			mk = datum.NewFloat4
		}
		bits := t.Family
		l.add(
			op("+", t, t, t, floatOp(mk, bits, func(x, y float64) float64 { return x + y })),
			op("-", t, t, t, floatOp(mk, bits, func(x, y float64) float64 { return x - y })),
			op("*", t, t, t, floatMul(mk, bits)),
			op("/", t, t, t, floatDiv(mk, bits)),
			prefix("-", t, t, func(a []datum.Datum) (datum.Datum, error) { return mk(-a[0].Float()), nil }),
			prefix("+", t, t, func(a []datum.Datum) (datum.Datum, error) { return a[0], nil }),
		)
	}
	// Mixed float4/float8 operators (Postgres's float48pl and friends),
	// so that float4 + int4 is computed in float8 as in Postgres.
	for _, pair := range [][2]types.T{{types.Float4T, types.Float8T}, {types.Float8T, types.Float4T}} {
		x, y := pair[0], pair[1]
		l.add(
			op("+", x, y, types.Float8T, floatOp(datum.NewFloat8, types.Float8, func(x, y float64) float64 { return x + y })),
			op("-", x, y, types.Float8T, floatOp(datum.NewFloat8, types.Float8, func(x, y float64) float64 { return x - y })),
			op("*", x, y, types.Float8T, floatMul(datum.NewFloat8, types.Float8)),
			op("/", x, y, types.Float8T, floatDiv(datum.NewFloat8, types.Float8)),
		)
	}
	l.add(op("^", types.Float8T, types.Float8T, types.Float8T, func(a []datum.Datum) (datum.Datum, error) {
		return floatPower(a[0].Float(), a[1].Float())
	}))

	// NUMERIC arithmetic, exact.
	n := types.NumericT
	l.add(
		op("+", n, n, n, func(a []datum.Datum) (datum.Datum, error) { return datum.NumericAdd(a[0], a[1]) }),
		op("-", n, n, n, func(a []datum.Datum) (datum.Datum, error) { return datum.NumericSub(a[0], a[1]) }),
		op("*", n, n, n, func(a []datum.Datum) (datum.Datum, error) { return datum.NumericMul(a[0], a[1]) }),
		op("/", n, n, n, func(a []datum.Datum) (datum.Datum, error) { return datum.NumericDiv(a[0], a[1]) }),
		op("%", n, n, n, func(a []datum.Datum) (datum.Datum, error) { return datum.NumericMod(a[0], a[1]) }),
		prefix("-", n, n, func(a []datum.Datum) (datum.Datum, error) { return datum.NumericNeg(a[0]), nil }),
		prefix("+", n, n, func(a []datum.Datum) (datum.Datum, error) { return a[0], nil }),
	)
}

func divByZero() error { return sqlerr.New(sqlerr.DivisionByZero, "division by zero") }

// mulInt multiplies and reports whether the product fits an int64.
func mulInt(x, y int64) (int64, bool) {
	if x == 0 || y == 0 {
		return 0, true
	}
	p := x * y
	if p/y != x || (x == -1 && y == math.MinInt64) || (y == -1 && x == math.MinInt64) {
		return 0, false
	}
	return p, true
}

// shift implements << and >> as Postgres does on the type's width: the
// count is taken modulo the width by the C shift it compiles to on x86;
// here counts outside [0, width) give 0 (or -1 for negative >>), which is
// the portable result.
func shift(f types.Family, v, n int64, left bool) (datum.Datum, error) {
	width := int64(64)
	switch f {
	case types.Int2:
		width = 16
	case types.Int4:
		width = 32
	}
	var r int64
	switch {
	case n < 0 || n >= width:
		if !left && v < 0 {
			r = -1
		}
	case left:
		r = v << uint(n)
		// Truncate to the width, as the C integer type would.
		switch width {
		case 16:
			r = int64(int16(r))
		case 32:
			r = int64(int32(r))
		}
	default:
		r = v >> uint(n)
	}
	return datum.NewInt(f, r), nil
}

// checkFloat applies Postgres's float overflow/underflow checks: an
// infinite result from finite inputs overflows; for * and /, a zero result
// from non-zero inputs underflows.
func checkFloat(mk func(float64) datum.Datum, f types.Family, r float64, inf bool) (datum.Datum, error) {
	if f == types.Float4 {
		r32 := float64(float32(r))
		if math.IsInf(r32, 0) && !inf {
			return datum.Null, floatOverflow()
		}
		return mk(r), nil
	}
	if math.IsInf(r, 0) && !inf {
		return datum.Null, floatOverflow()
	}
	return mk(r), nil
}

func floatOp(mk func(float64) datum.Datum, f types.Family, g func(x, y float64) float64) fnImpl {
	return func(a []datum.Datum) (datum.Datum, error) {
		x, y := a[0].Float(), a[1].Float()
		return checkFloat(mk, f, g(x, y), math.IsInf(x, 0) || math.IsInf(y, 0))
	}
}

func floatMul(mk func(float64) datum.Datum, f types.Family) fnImpl {
	return func(a []datum.Datum) (datum.Datum, error) {
		x, y := a[0].Float(), a[1].Float()
		r := x * y
		if f == types.Float4 {
			r = float64(float32(r))
		}
		if r == 0 && x != 0 && y != 0 {
			return datum.Null, floatUnderflow()
		}
		return checkFloat(mk, f, r, math.IsInf(x, 0) || math.IsInf(y, 0))
	}
}

func floatDiv(mk func(float64) datum.Datum, f types.Family) fnImpl {
	return func(a []datum.Datum) (datum.Datum, error) {
		x, y := a[0].Float(), a[1].Float()
		if y == 0 {
			return datum.Null, divByZero()
		}
		r := x / y
		if f == types.Float4 {
			r = float64(float32(r))
		}
		if r == 0 && x != 0 && !math.IsInf(y, 0) {
			return datum.Null, floatUnderflow()
		}
		return checkFloat(mk, f, r, math.IsInf(x, 0))
	}
}

// floatPower is Postgres's dpow, with its error cases.
func floatPower(x, y float64) (datum.Datum, error) {
	if x == 0 && y < 0 {
		return datum.Null, sqlerr.New(sqlerr.Code("2201F"), "zero raised to a negative power is undefined")
	}
	if x < 0 && y != math.Trunc(y) && !math.IsInf(y, 0) {
		return datum.Null, sqlerr.New(sqlerr.Code("2201F"), "a negative number raised to a non-integer power yields a complex result")
	}
	if math.IsNaN(x) {
		if y == 0 {
			return datum.NewFloat8(1), nil
		}
		return datum.NewFloat8(math.NaN()), nil
	}
	if math.IsNaN(y) {
		if x == 1 {
			return datum.NewFloat8(1), nil
		}
		return datum.NewFloat8(math.NaN()), nil
	}
	r := math.Pow(x, y)
	if math.IsInf(r, 0) && !math.IsInf(x, 0) && !math.IsInf(y, 0) {
		return datum.Null, floatOverflow()
	}
	if r == 0 && x != 0 && !math.IsInf(y, 0) && !math.IsInf(x, 0) {
		return datum.Null, floatUnderflow()
	}
	return datum.NewFloat8(r), nil
}

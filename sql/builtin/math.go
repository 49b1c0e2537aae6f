package builtin

import (
	"encoding/binary"
	"encoding/hex"
	"math"
	"math/rand/v2"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

var (
	f8  = types.Float8T
	num = types.NumericT
)

func f8Result(v float64) (datum.Datum, error) { return datum.NewFloat8(v), nil }

// sqrt, exp, ln, log and log10 exist for float8 and NUMERIC (see
// numeric_math.go); power and ^ for float8 only, so a NUMERIC power is
// computed in float8 (2::numeric ^ 3 is the float8 8 where Postgres gives
// the NUMERIC 8.0000000000000000).
func (l *lib) addMathFunctions() {
	fl := func(name string, g func(float64) (float64, error)) *Overload {
		return fn(name, f8, func(a []datum.Datum) (datum.Datum, error) {
			v, err := g(a[0].Float())
			if err != nil {
				return datum.Null, err
			}
			return checkFloat(datum.NewFloat8, types.Float8, v, math.IsInf(a[0].Float(), 0))
		}, f8)
	}
	pure := func(g func(float64) float64) func(float64) (float64, error) {
		return func(x float64) (float64, error) { return g(x), nil }
	}
	for _, t := range intTypes {
		fam := t.Family
		l.add(
			fn("abs", t, func(a []datum.Datum) (datum.Datum, error) {
				v := a[0].Int()
				if v < 0 {
					if v == math.MinInt64 {
						return datum.Null, intOutOfRange(fam)
					}
					return checkInt(fam, -v)
				}
				return a[0], nil
			}, t),
			fn("mod", t, func(a []datum.Datum) (datum.Datum, error) {
				if a[1].Int() == 0 {
					return datum.Null, divByZero()
				}
				if a[1].Int() == -1 {
					return datum.NewInt(fam, 0), nil
				}
				return datum.NewInt(fam, a[0].Int()%a[1].Int()), nil
			}, t, t),
		)
	}
	l.add(
		fn("abs", types.Float4T, func(a []datum.Datum) (datum.Datum, error) {
			return datum.NewFloat4(math.Abs(a[0].Float())), nil
		}, types.Float4T),
		fn("abs", f8, func(a []datum.Datum) (datum.Datum, error) { return f8Result(math.Abs(a[0].Float())) }, f8),
		fn("abs", num, func(a []datum.Datum) (datum.Datum, error) { return datum.NumericAbs(a[0]), nil }, num),
		fn("mod", num, func(a []datum.Datum) (datum.Datum, error) { return datum.NumericMod(a[0], a[1]) }, num, num),
		fn("div", num, func(a []datum.Datum) (datum.Datum, error) { return datum.NumericDivTrunc(a[0], a[1]) }, num, num),

		fl("round", pure(math.RoundToEven)),
		fn("round", num, func(a []datum.Datum) (datum.Datum, error) { return datum.NumericRound(a[0], 0), nil }, num),
		fn("round", num, func(a []datum.Datum) (datum.Datum, error) {
			return datum.NumericRound(a[0], clampScale(a[1].Int())), nil
		}, num, i4),
		fl("trunc", pure(math.Trunc)),
		fn("trunc", num, func(a []datum.Datum) (datum.Datum, error) { return datum.NumericTrunc(a[0], 0), nil }, num),
		fn("trunc", num, func(a []datum.Datum) (datum.Datum, error) {
			return datum.NumericTrunc(a[0], clampScale(a[1].Int())), nil
		}, num, i4),
		fl("ceil", pure(math.Ceil)),
		fl("ceiling", pure(math.Ceil)),
		fl("floor", pure(math.Floor)),
		fn("ceil", num, func(a []datum.Datum) (datum.Datum, error) { return datum.NumericCeil(a[0]), nil }, num),
		fn("ceiling", num, func(a []datum.Datum) (datum.Datum, error) { return datum.NumericCeil(a[0]), nil }, num),
		fn("floor", num, func(a []datum.Datum) (datum.Datum, error) { return datum.NumericFloor(a[0]), nil }, num),
		fl("sign", pure(func(x float64) float64 {
			switch {
			case x > 0:
				return 1
			case x < 0:
				return -1
			}
			return x // 0, -0 and NaN stay
		})),
		fn("sign", num, func(a []datum.Datum) (datum.Datum, error) {
			if datum.NumericIsNaN(a[0]) {
				return a[0], nil
			}
			return datum.NumericFromInt(int64(datum.NumericSign(a[0]))), nil
		}, num),

		fl("sqrt", func(x float64) (float64, error) {
			if x < 0 {
				return 0, sqlerr.New(sqlerr.Code("2201F"), "cannot take square root of a negative number")
			}
			return math.Sqrt(x), nil
		}),
		fl("cbrt", pure(math.Cbrt)),
		fl("exp", func(x float64) (float64, error) {
			r := math.Exp(x)
			if r == 0 && !math.IsInf(x, -1) {
				return 0, floatUnderflow()
			}
			return r, nil
		}),
		fl("ln", logFn(math.Log)),
		fl("log", logFn(math.Log10)),
		fl("log10", logFn(math.Log10)),
		fn("power", f8, func(a []datum.Datum) (datum.Datum, error) { return floatPower(a[0].Float(), a[1].Float()) }, f8, f8),
		fn("pow", f8, func(a []datum.Datum) (datum.Datum, error) { return floatPower(a[0].Float(), a[1].Float()) }, f8, f8),
		fn("pi", f8, func([]datum.Datum) (datum.Datum, error) { return f8Result(math.Pi) }),
		fl("degrees", pure(func(x float64) float64 { return x * 180 / math.Pi })),
		fl("radians", pure(func(x float64) float64 { return x * math.Pi / 180 })),
		fl("sin", pure(math.Sin)),
		fl("cos", pure(math.Cos)),
		fl("tan", pure(math.Tan)),
		fl("asin", inputRange(math.Asin)),
		fl("acos", inputRange(math.Acos)),
		fl("atan", pure(math.Atan)),
		fn("atan2", f8, func(a []datum.Datum) (datum.Datum, error) { return f8Result(math.Atan2(a[0].Float(), a[1].Float())) }, f8, f8),
		&Overload{Name: "random", Result: f8, Volatile: true, Fn: func([]datum.Datum) (datum.Datum, error) {
			return f8Result(rand.Float64())
		}},
		// gen_random_uuid returns text: Freshet has no uuid type.
		&Overload{Name: "gen_random_uuid", Result: text, Volatile: true, Fn: func([]datum.Datum) (datum.Datum, error) {
			var u [16]byte
			for i := 0; i < 16; i += 8 {
				binary.LittleEndian.PutUint64(u[i:], rand.Uint64())
			}
			u[6] = u[6]&0x0f | 0x40 // version 4
			u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
			h := hex.EncodeToString(u[:])
			return textResult(h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:])
		}},
	)
	l.special["greatest"] = extremum("greatest", 1)
	l.special["least"] = extremum("least", -1)
}

// clampScale bounds a rounding scale to what NUMERIC can display.
func clampScale(s int64) int32 {
	return int32(max(min(s, 1000), -1000))
}

func logFn(g func(float64) float64) func(float64) (float64, error) {
	return func(x float64) (float64, error) {
		switch {
		case x == 0:
			return 0, sqlerr.New(sqlerr.Code("2201E"), "cannot take logarithm of zero")
		case x < 0:
			return 0, sqlerr.New(sqlerr.Code("2201E"), "cannot take logarithm of a negative number")
		}
		return g(x), nil
	}
}

func inputRange(g func(float64) float64) func(float64) (float64, error) {
	return func(x float64) (float64, error) {
		if x < -1 || x > 1 {
			return 0, sqlerr.New(sqlerr.NumericValueOutOfRange, "input is out of range")
		}
		return g(x), nil
	}
}

// extremum resolves greatest/least: all arguments convert to their common
// type; NULLs are ignored (NULL only when all are NULL).
func extremum(name string, want int) func(args []types.T) (*Overload, error) {
	return func(args []types.T) (*Overload, error) {
		if len(args) == 0 {
			return nil, notExist(name, args, true)
		}
		t, err := CommonTypeFor(upper(name), args...)
		if err != nil {
			return nil, err
		}
		ts := make([]types.T, len(args))
		for i := range ts {
			ts[i] = t
		}
		return &Overload{Name: name, Args: ts, Result: t, Fn: func(a []datum.Datum) (datum.Datum, error) {
			best := datum.Null
			for _, d := range a {
				if d.IsNull() {
					continue
				}
				if best.IsNull() || datum.Compare(d, best)*want > 0 {
					best = d
				}
			}
			return best, nil
		}}, nil
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

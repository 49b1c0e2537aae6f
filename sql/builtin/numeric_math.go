package builtin

import (
	"math"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
)

// NUMERIC versions of sqrt, exp, ln, log and log10. The result scale is
// Postgres's (numeric_sqrt, numeric_exp, numeric_ln, log_var): at least 16
// significant digits and no less than the input's scale. The value is
// computed with apd to a few more digits than needed and then rounded half
// away from zero, as Postgres rounds.

const minSigDigits = 16

func (l *lib) addNumericMathFunctions() {
	l.add(
		fn("sqrt", num, numericSqrt, num),
		fn("exp", num, numericExp, num),
		fn("ln", num, func(a []datum.Datum) (datum.Datum, error) { return numericLn(a[0]) }, num),
		fn("log", num, func(a []datum.Datum) (datum.Datum, error) { return numericLog(datum.NumericFromInt(10), a[0]) }, num),
		fn("log10", num, func(a []datum.Datum) (datum.Datum, error) { return numericLog(datum.NumericFromInt(10), a[0]) }, num),
		fn("log", num, func(a []datum.Datum) (datum.Datum, error) { return numericLog(a[0], a[1]) }, num, num),
	)
}

// toAPD converts a finite NUMERIC.
func toAPD(d datum.Datum) *apd.Decimal {
	x, _, err := apd.NewFromString(datum.FormatText(d))
	if err != nil {
		return apd.New(0, 0) // unreachable: NUMERIC text always parses
	}
	return x
}

// fromAPD rounds an apd result to scale digits after the point.
func fromAPD(x *apd.Decimal, scale int32) (datum.Datum, error) {
	d, err := datum.ParseNumeric(x.Text('f'))
	if err != nil {
		return datum.Null, err
	}
	return datum.NumericRound(d, scale), nil
}

// apdContext returns a context precise enough for scale digits after the
// point of a result whose integer part has about intDigits digits.
func apdContext(scale, intDigits int32) *apd.Context {
	p := max(scale+max(intDigits, 0)+10, 20)
	return &apd.Context{Precision: uint32(p), MaxExponent: apd.MaxExponent, MinExponent: apd.MinExponent,
		Traps: apd.DefaultTraps, Rounding: apd.RoundHalfEven}
}

// nbaseWeight is the base-10000 weight of the first digit group of |d|
// (Postgres's NumericVar.weight), 0 for zero.
func nbaseWeight(d datum.Datum) int32 {
	e := decimalExponent(d)
	if e == math.MinInt32 {
		return 0
	}
	if e >= 0 {
		return e / 4
	}
	return -((-e + 3) / 4)
}

// decimalExponent is the power of ten of the leading digit of |d|, or
// MinInt32 for zero.
func decimalExponent(d datum.Datum) int32 {
	s := strings.TrimPrefix(datum.FormatText(d), "-")
	intPart, frac, _ := strings.Cut(s, ".")
	if strings.TrimLeft(intPart, "0") != "" {
		return int32(len(strings.TrimLeft(intPart, "0"))) - 1
	}
	t := strings.TrimLeft(frac, "0")
	if t == "" {
		return math.MinInt32
	}
	return -int32(len(frac)-len(t)) - 1
}

func clampRScale(rs int32) int32 { return max(min(rs, 1000), 0) }

func numericSqrt(a []datum.Datum) (datum.Datum, error) {
	x := a[0]
	if x.IsNumericSpecial() || datum.NumericSign(x) < 0 {
		switch {
		case datum.NumericIsNaN(x):
			return x, nil
		case datum.NumericSign(x) < 0:
			return datum.Null, sqlerr.New(sqlerr.Code("2201F"), "cannot take square root of a negative number")
		}
		return x, nil // +Infinity
	}
	sweight := (nbaseWeight(x)+1)*4/2 - 1
	rs := clampRScale(max(minSigDigits-sweight, x.NumericScale()))
	var r apd.Decimal
	if _, err := apdContext(rs, sweight+1).Sqrt(&r, toAPD(x)); err != nil {
		return datum.Null, err
	}
	return fromAPD(&r, rs)
}

func numericExp(a []datum.Datum) (datum.Datum, error) {
	x := a[0]
	if x.IsNumericSpecial() {
		if datum.NumericSign(x) < 0 {
			return datum.NumericFromInt(0), nil
		}
		return x, nil
	}
	val := datum.NumericToFloat(x) * 0.434294481903252 // decimal weight of the result
	if val > 131072 {
		return datum.Null, sqlerr.New(sqlerr.NumericValueOutOfRange, "value overflows numeric format")
	}
	val = max(min(val, 2000), -2000)
	rs := clampRScale(max(minSigDigits-int32(val), x.NumericScale()))
	if val < -1001 {
		return datum.NumericRound(datum.NumericFromInt(0), rs), nil
	}
	var r apd.Decimal
	if _, err := apdContext(rs, int32(val)+1).Exp(&r, toAPD(x)); err != nil {
		return datum.Null, err
	}
	return fromAPD(&r, rs)
}

func checkLogArg(x datum.Datum) error {
	switch s := datum.NumericSign(x); {
	case datum.NumericIsNaN(x):
		return nil
	case s == 0:
		return sqlerr.New(sqlerr.Code("2201E"), "cannot take logarithm of zero")
	case s < 0:
		return sqlerr.New(sqlerr.Code("2201E"), "cannot take logarithm of a negative number")
	}
	return nil
}

// lnDweight is Postgres's estimate_ln_dweight: the decimal weight of ln(x).
func lnDweight(x datum.Datum) int32 {
	lo, _ := datum.ParseNumeric("0.9")
	hi, _ := datum.ParseNumeric("1.1")
	if datum.Compare(x, lo) >= 0 && datum.Compare(x, hi) <= 0 {
		d, _ := datum.NumericSub(x, datum.NumericFromInt(1))
		e := decimalExponent(d)
		if e == math.MinInt32 {
			return 0
		}
		return e
	}
	// ln(x) = ln(m) + e*ln(10) with x = m * 10^e, 1 <= m < 10.
	e := decimalExponent(x)
	s := strings.TrimLeft(strings.ReplaceAll(datum.FormatText(x), ".", ""), "0")
	if len(s) > 17 {
		s = s[:17]
	}
	m := 0.0
	for i := len(s) - 1; i >= 0; i-- {
		m = m/10 + float64(s[i]-'0')
	}
	lnv := math.Log(m) + float64(e)*math.Ln10
	if lnv == 0 {
		return 0
	}
	return int32(math.Trunc(math.Log10(math.Abs(lnv))))
}

func numericLn(x datum.Datum) (datum.Datum, error) {
	if err := checkLogArg(x); err != nil {
		return datum.Null, err
	}
	if x.IsNumericSpecial() {
		return x, nil // NaN or +Infinity
	}
	rs := clampRScale(max(minSigDigits-lnDweight(x), x.NumericScale()))
	var r apd.Decimal
	if _, err := apdContext(rs, lnDweight(x)+1).Ln(&r, toAPD(x)); err != nil {
		return datum.Null, err
	}
	return fromAPD(&r, rs)
}

// numericLog is log(base, x) = ln(x) / ln(base).
func numericLog(base, x datum.Datum) (datum.Datum, error) {
	if err := checkLogArg(base); err != nil {
		return datum.Null, err
	}
	if err := checkLogArg(x); err != nil {
		return datum.Null, err
	}
	if datum.NumericIsNaN(base) || datum.NumericIsNaN(x) {
		return datum.NumericNaN(), nil
	}
	if base.IsNumericSpecial() || x.IsNumericSpecial() {
		switch {
		case base.IsNumericSpecial() && x.IsNumericSpecial():
			return datum.NumericNaN(), nil
		case x.IsNumericSpecial():
			return x, nil
		}
		return datum.NumericFromInt(0), nil
	}
	if datum.Compare(base, datum.NumericFromInt(1)) == 0 {
		return datum.Null, divByZero()
	}
	dw := lnDweight(x) - lnDweight(base)
	rs := clampRScale(max(minSigDigits-dw, base.NumericScale(), x.NumericScale()))
	ctx := apdContext(rs, dw+1)
	ctx.Precision += 10
	var lb, lx, r apd.Decimal
	if _, err := ctx.Ln(&lb, toAPD(base)); err != nil {
		return datum.Null, err
	}
	if _, err := ctx.Ln(&lx, toAPD(x)); err != nil {
		return datum.Null, err
	}
	if _, err := ctx.Quo(&r, &lx, &lb); err != nil {
		return datum.Null, err
	}
	return fromAPD(&r, rs)
}

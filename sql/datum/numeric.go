package datum

import (
	"math"
	"math/big"
	"strconv"

	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

// NUMERIC representation.
//
// A Numeric datum is coefficient * 10^-scale with scale >= 0 (the Postgres
// display scale: 1.50 has coefficient 150 and scale 2 and prints as "1.50").
// The coefficient lives in i when it fits an int64 (the fast path: no
// allocation for arithmetic on such values). Otherwise s holds the signed
// decimal digits of the coefficient ("-123456789012345678901234") and i is 0.
// The special values NaN, Infinity and -Infinity (Postgres 14+) are s =
// "NaN", "Infinity" and "-Infinity" with scale 0. The representation is
// canonical for a given (value, scale): a coefficient that fits an int64 is
// never stored in s.

const (
	numNaN    = "NaN"
	numPosInf = "Infinity"
	numNegInf = "-Infinity"
)

// numMaxDisplayScale is Postgres's NUMERIC_MAX_DISPLAY_SCALE.
const numMaxDisplayScale = 1000

// numMinSigDigits is Postgres's NUMERIC_MIN_SIG_DIGITS: division and the
// transcendental functions keep at least this many significant digits.
const numMinSigDigits = 16

// dec is the unpacked form of a number used by the arithmetic below.
type dec struct {
	coef    int64
	big     *big.Int // non-nil when the coefficient does not fit coef
	scale   int32
	special string // "", numNaN, numPosInf or numNegInf
}

// NumericNaN, NumericInf return the special NUMERIC values.
func NumericNaN() Datum { return Datum{kind: types.Numeric, s: numNaN} }

// NumericInf returns +Infinity (sign >= 0) or -Infinity as a NUMERIC.
func NumericInf(sign int) Datum {
	if sign < 0 {
		return Datum{kind: types.Numeric, s: numNegInf}
	}
	return Datum{kind: types.Numeric, s: numPosInf}
}

// NewNumericBig returns the decimal coef * 10^-scale for any coefficient.
// A negative scale multiplies the coefficient out.
func NewNumericBig(coef *big.Int, scale int32) Datum {
	return fromDec(dec{big: new(big.Int).Set(coef), scale: scale})
}

// NumericFromInt returns v as a NUMERIC with scale 0.
func NumericFromInt(v int64) Datum { return Datum{kind: types.Numeric, i: v} }

// IsNumericSpecial reports whether a NUMERIC is NaN or an infinity.
func (d Datum) IsNumericSpecial() bool { return d.kind == types.Numeric && isSpecialStr(d.s) }

// NumericBig returns the coefficient and scale of any NUMERIC (or integer)
// datum as a big integer. It returns nil for NaN and the infinities.
func (d Datum) NumericBig() (*big.Int, int32) {
	p := parts(d)
	if p.special != "" {
		return nil, 0
	}
	return p.bigCoef(), p.scale
}

// NumericScale returns the display scale of a NUMERIC.
func (d Datum) NumericScale() int32 { return d.x }

func isSpecialStr(s string) bool { return s == numNaN || s == numPosInf || s == numNegInf }

// parts unpacks a Numeric or integer datum.
func parts(d Datum) dec {
	if d.kind != types.Numeric {
		return dec{coef: d.i}
	}
	if d.s == "" {
		return dec{coef: d.i, scale: d.x}
	}
	if isSpecialStr(d.s) {
		return dec{special: d.s}
	}
	b, ok := new(big.Int).SetString(d.s, 10)
	if !ok {
		return dec{special: numNaN} // unreachable for datums built here
	}
	return dec{big: b, scale: d.x}
}

func (p dec) bigCoef() *big.Int {
	if p.big != nil {
		return p.big
	}
	return big.NewInt(p.coef)
}

func (p dec) sign() int {
	switch p.special {
	case numPosInf:
		return 1
	case numNegInf:
		return -1
	case numNaN:
		return 0
	}
	if p.big != nil {
		return p.big.Sign()
	}
	return cmpInt(p.coef, 0)
}

// fromDec packs p into a canonical datum.
func fromDec(p dec) Datum {
	if p.special != "" {
		return Datum{kind: types.Numeric, s: p.special}
	}
	if p.scale < 0 {
		if p.big == nil && -p.scale < 19 {
			if c, ok := mulOK(p.coef, pow10[-p.scale]); ok {
				return Datum{kind: types.Numeric, i: c}
			}
		}
		b := new(big.Int).Mul(p.bigCoef(), bigPow10(-p.scale))
		p = dec{big: b}
	}
	if p.big == nil {
		return Datum{kind: types.Numeric, i: p.coef, x: p.scale}
	}
	if p.big.IsInt64() {
		return Datum{kind: types.Numeric, i: p.big.Int64(), x: p.scale}
	}
	return Datum{kind: types.Numeric, s: p.big.String(), x: p.scale}
}

var bigTen = big.NewInt(10)

func bigPow10(n int32) *big.Int {
	if n < 19 {
		return big.NewInt(pow10[n])
	}
	return new(big.Int).Exp(bigTen, big.NewInt(int64(n)), nil)
}

// rescaleUp returns p with its scale raised to s (s >= p.scale), exactly.
func (p dec) rescaleUp(s int32) dec {
	if s == p.scale {
		return p
	}
	shift := s - p.scale
	if p.big == nil && shift < 19 {
		if c, ok := mulOK(p.coef, pow10[shift]); ok {
			return dec{coef: c, scale: s}
		}
	}
	return dec{big: new(big.Int).Mul(p.bigCoef(), bigPow10(shift)), scale: s}
}

// roundTo returns p rounded to scale s, half away from zero (Postgres's
// round_var). A negative s rounds to tens, hundreds, ...; the result then
// has scale 0.
func (p dec) roundTo(s int32) dec { return p.reduceTo(s, true) }

// truncTo returns p truncated toward zero to scale s.
func (p dec) truncTo(s int32) dec { return p.reduceTo(s, false) }

func (p dec) reduceTo(s int32, round bool) dec {
	if p.special != "" {
		return p
	}
	if s >= p.scale {
		if s < 0 {
			s = 0
		}
		return p.rescaleUp(s)
	}
	shift := p.scale - s
	out := s
	if out < 0 {
		out = 0
	}
	if p.big == nil && shift < 19 {
		div := pow10[shift]
		q, r := p.coef/div, p.coef%div
		if round {
			// |r| >= div/2 rounds away from zero; compare without overflow.
			ar := r
			if ar < 0 {
				ar = -ar
			}
			if ar >= div-ar {
				if p.coef < 0 {
					q--
				} else {
					q++
				}
			}
		}
		res := dec{coef: q, scale: 0}
		if s < 0 {
			return res.rescaleUp(-s).withScale(out)
		}
		return dec{coef: q, scale: out}
	}
	div := bigPow10(shift)
	q, r := new(big.Int).QuoRem(p.bigCoef(), div, new(big.Int))
	if round {
		r.Abs(r)
		r.Lsh(r, 1)
		if r.Cmp(div) >= 0 {
			if p.bigCoef().Sign() < 0 {
				q.Sub(q, big.NewInt(1))
			} else {
				q.Add(q, big.NewInt(1))
			}
		}
	}
	if s < 0 {
		q.Mul(q, bigPow10(-s))
	}
	return dec{big: q, scale: out}
}

// withScale relabels a scale-0 integer-valued dec (used after multiplying
// out a negative rounding scale).
func (p dec) withScale(s int32) dec {
	p.scale = s
	return p
}

// NumericAdd returns a + b. Operands may be NUMERIC or integer datums; the
// result scale is the larger input scale.
func NumericAdd(a, b Datum) (Datum, error) {
	// Fast path: int64 coefficients (integer datums have s == "" and, for
	// this purpose, scale 0).
	if a.s == "" && b.s == "" {
		x, y := a.i, b.i
		sa, sb := a.x, b.x
		if a.kind != types.Numeric {
			sa = 0
		}
		if b.kind != types.Numeric {
			sb = 0
		}
		ok := true
		switch {
		case sa < sb:
			ok = sb-sa < 19
			if ok {
				x, ok = mulOK(x, pow10[sb-sa])
			}
			sa = sb
		case sb < sa:
			ok = sa-sb < 19
			if ok {
				y, ok = mulOK(y, pow10[sa-sb])
			}
		}
		if c := x + y; ok && (c > x) == (y > 0) {
			return Datum{kind: types.Numeric, i: c, x: sa}, nil
		}
	}
	return numAddSub(parts(a), parts(b), false), nil
}

// NumericSub returns a - b.
func NumericSub(a, b Datum) (Datum, error) {
	return numAddSub(parts(a), parts(b), true), nil
}

func numAddSub(p, q dec, negate bool) Datum {
	if p.special != "" || q.special != "" {
		fa, fb := p.float(), q.float()
		if negate {
			fb = -fb
		}
		return numericFromSpecialFloat(fa + fb)
	}
	s := max(p.scale, q.scale)
	p, q = p.rescaleUp(s), q.rescaleUp(s)
	if p.big == nil && q.big == nil {
		bv := q.coef
		if negate {
			if bv != math.MinInt64 {
				c := p.coef - bv
				if (c < p.coef) == (bv > 0) {
					return Datum{kind: types.Numeric, i: c, x: s}
				}
			}
		} else if c := p.coef + bv; (c > p.coef) == (bv > 0) {
			return Datum{kind: types.Numeric, i: c, x: s}
		}
	}
	r := new(big.Int)
	if negate {
		r.Sub(p.bigCoef(), q.bigCoef())
	} else {
		r.Add(p.bigCoef(), q.bigCoef())
	}
	return fromDec(dec{big: r, scale: s})
}

// numericFromSpecialFloat maps the float result of arithmetic involving a
// NaN or infinity back to NUMERIC (finite results become 0).
func numericFromSpecialFloat(f float64) Datum {
	switch {
	case math.IsNaN(f):
		return NumericNaN()
	case math.IsInf(f, 1):
		return NumericInf(1)
	case math.IsInf(f, -1):
		return NumericInf(-1)
	}
	return NumericFromInt(0)
}

func (p dec) float() float64 {
	switch p.special {
	case numNaN:
		return math.NaN()
	case numPosInf:
		return math.Inf(1)
	case numNegInf:
		return math.Inf(-1)
	}
	if p.big == nil && p.scale == 0 {
		return float64(p.coef)
	}
	f, _ := strconv.ParseFloat(string(appendDec(nil, p)), 64)
	return f
}

// NumericMul returns a * b; the result scale is the sum of the scales.
func NumericMul(a, b Datum) (Datum, error) {
	p, q := parts(a), parts(b)
	if p.special != "" || q.special != "" {
		return numericFromSpecialFloat(p.float() * q.float()), nil
	}
	s := p.scale + q.scale
	if p.big == nil && q.big == nil {
		if c, ok := mulOK(p.coef, q.coef); ok {
			return Datum{kind: types.Numeric, i: c, x: s}, nil
		}
	}
	r := new(big.Int).Mul(p.bigCoef(), q.bigCoef())
	d := fromDec(dec{big: r, scale: s})
	if s > numMaxDisplayScale {
		d = fromDec(parts(d).roundTo(numMaxDisplayScale))
	}
	return d, nil
}

// errDivByZero is Postgres's division_by_zero error.
func errDivByZero() error { return sqlerr.New(sqlerr.DivisionByZero, "division by zero") }

// NumericDiv returns a / b with Postgres's result scale (select_div_scale:
// at least 16 significant digits and no less than either input's scale),
// rounded half away from zero.
func NumericDiv(a, b Datum) (Datum, error) {
	p, q := parts(a), parts(b)
	if q.special == "" && q.sign() == 0 {
		return Null, errDivByZero()
	}
	if p.special != "" || q.special != "" {
		return numericFromSpecialFloat(p.float() / q.float()), nil
	}
	return divScaled(p, q, divScale(p, q)), nil
}

// NumericDivTrunc returns the integer part of a / b (truncated toward zero,
// scale 0): Postgres's div(numeric, numeric).
func NumericDivTrunc(a, b Datum) (Datum, error) {
	p, q := parts(a), parts(b)
	if q.special == "" && q.sign() == 0 {
		return Null, errDivByZero()
	}
	if p.special != "" || q.special != "" {
		f := p.float() / q.float()
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			return NumericFromInt(0), nil
		}
		return numericFromSpecialFloat(f), nil
	}
	s := max(p.scale, q.scale)
	p, q = p.rescaleUp(s), q.rescaleUp(s)
	if p.big == nil && q.big == nil && q.coef != -1 {
		return NumericFromInt(p.coef / q.coef), nil
	}
	return fromDec(dec{big: new(big.Int).Quo(p.bigCoef(), q.bigCoef())}), nil
}

// divScaled returns p / q rounded half away from zero to scale rs.
func divScaled(p, q dec, rs int32) Datum {
	// p/q = (pc / qc) * 10^(qs - ps); we want round(p/q * 10^rs).
	shift := rs - p.scale + q.scale
	if p.big == nil && q.big == nil && shift >= 0 && shift < 19 {
		if n, ok := mulOK(p.coef, pow10[shift]); ok && q.coef != -1 {
			quo, rem := n/q.coef, n%q.coef
			if rem != 0 {
				ar, aq := rem, q.coef
				if ar < 0 {
					ar = -ar
				}
				if aq < 0 {
					aq = -aq
				}
				if ar >= aq-ar {
					if (n < 0) != (q.coef < 0) {
						quo--
					} else {
						quo++
					}
				}
			}
			return Datum{kind: types.Numeric, i: quo, x: rs}
		}
	}
	n := p.bigCoef()
	m := q.bigCoef()
	if shift >= 0 {
		n = new(big.Int).Mul(n, bigPow10(shift))
	} else {
		m = new(big.Int).Mul(m, bigPow10(-shift))
	}
	quo, rem := new(big.Int).QuoRem(n, m, new(big.Int))
	if rem.Sign() != 0 {
		rem.Abs(rem).Lsh(rem, 1)
		if rem.Cmp(new(big.Int).Abs(m)) >= 0 {
			if n.Sign() != m.Sign() {
				quo.Sub(quo, big.NewInt(1))
			} else {
				quo.Add(quo, big.NewInt(1))
			}
		}
	}
	return fromDec(dec{big: quo, scale: rs})
}

// divScale is Postgres's select_div_scale.
func divScale(p, q dec) int32 {
	w1, f1 := p.nbaseLead()
	w2, f2 := q.nbaseLead()
	qweight := w1 - w2
	if f1 <= f2 {
		qweight--
	}
	rs := numMinSigDigits - qweight*4
	rs = max(rs, p.scale, q.scale, 0)
	return min(rs, numMaxDisplayScale)
}

// nbaseLead returns the weight and value of the first non-zero base-10000
// digit of |p|, as Postgres's NumericVar holds it (weight 0 is the digit
// group just left of the decimal point). Zero gives (0, 0).
func (p dec) nbaseLead() (weight int32, first int64) {
	digits := p.absDigits()
	if digits == "0" {
		return 0, 0
	}
	// Exponent of the leading decimal digit.
	e := int32(len(digits)) - 1 - p.scale
	weight = floorDiv(e, 4)
	n := e - 4*weight + 1 // leading decimal digits in the first group
	for i := int32(0); i < n; i++ {
		first *= 10
		if int(i) < len(digits) {
			first += int64(digits[i] - '0')
		}
	}
	return weight, first
}

func floorDiv(a, b int32) int32 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// absDigits returns the decimal digits of |coefficient|.
func (p dec) absDigits() string {
	if p.big != nil {
		return new(big.Int).Abs(p.big).String()
	}
	if p.coef < 0 {
		return strconv.FormatUint(uint64(-(p.coef+1))+1, 10)
	}
	return strconv.FormatInt(p.coef, 10)
}

// NumericDivScale divides with an explicit result scale (rounded half away
// from zero). AVG uses it with the scale Postgres picks for sum/count.
func NumericDivScale(a, b Datum, scale int32) (Datum, error) {
	p, q := parts(a), parts(b)
	if q.special == "" && q.sign() == 0 {
		return Null, errDivByZero()
	}
	if p.special != "" || q.special != "" {
		return numericFromSpecialFloat(p.float() / q.float()), nil
	}
	return divScaled(p, q, scale), nil
}

// NumericMod returns a % b: the remainder of truncated division, with the
// sign of a and the larger input scale.
func NumericMod(a, b Datum) (Datum, error) {
	p, q := parts(a), parts(b)
	if q.special == "" && q.sign() == 0 {
		return Null, errDivByZero()
	}
	if p.special != "" || q.special != "" {
		if p.special != "" || q.special == numNaN {
			return NumericNaN(), nil
		}
		return a, nil // finite % ±Infinity = the finite value
	}
	s := max(p.scale, q.scale)
	p, q = p.rescaleUp(s), q.rescaleUp(s)
	if p.big == nil && q.big == nil {
		if q.coef == -1 {
			return Datum{kind: types.Numeric, x: s}, nil
		}
		return Datum{kind: types.Numeric, i: p.coef % q.coef, x: s}, nil
	}
	r := new(big.Int).Rem(p.bigCoef(), q.bigCoef())
	return fromDec(dec{big: r, scale: s}), nil
}

// NumericNeg returns -a.
func NumericNeg(a Datum) Datum {
	p := parts(a)
	switch p.special {
	case numNaN:
		return a
	case numPosInf:
		return NumericInf(-1)
	case numNegInf:
		return NumericInf(1)
	}
	if p.big == nil && p.coef != math.MinInt64 {
		return Datum{kind: types.Numeric, i: -p.coef, x: p.scale}
	}
	return fromDec(dec{big: new(big.Int).Neg(p.bigCoef()), scale: p.scale})
}

// NumericAbs returns |a|.
func NumericAbs(a Datum) Datum {
	p := parts(a)
	if p.sign() < 0 {
		return NumericNeg(a)
	}
	return fromDec(p)
}

// NumericSign returns -1, 0 or 1 (0 for NaN).
func NumericSign(a Datum) int { return parts(a).sign() }

// NumericIsNaN reports whether a is the NUMERIC NaN.
func NumericIsNaN(a Datum) bool { return a.kind == types.Numeric && a.s == numNaN }

// NumericRound rounds a to scale digits after the point, half away from
// zero. A negative scale rounds left of the point (round(1250, -2) = 1300);
// the result scale is max(scale, 0).
func NumericRound(a Datum, scale int32) Datum {
	scale = min(scale, numMaxDisplayScale)
	return fromDec(parts(a).roundTo(scale))
}

// NumericTrunc truncates a toward zero to scale digits after the point.
func NumericTrunc(a Datum, scale int32) Datum {
	scale = min(scale, numMaxDisplayScale)
	return fromDec(parts(a).truncTo(scale))
}

// NumericFloor returns the largest integer <= a (scale 0).
func NumericFloor(a Datum) Datum {
	p := parts(a)
	t := p.truncTo(0)
	if p.sign() < 0 && !decEqual(t, p) {
		d, _ := NumericSub(fromDec(t), NumericFromInt(1))
		return d
	}
	return fromDec(t)
}

// NumericCeil returns the smallest integer >= a (scale 0).
func NumericCeil(a Datum) Datum {
	p := parts(a)
	t := p.truncTo(0)
	if p.sign() > 0 && !decEqual(t, p) {
		d, _ := NumericAdd(fromDec(t), NumericFromInt(1))
		return d
	}
	return fromDec(t)
}

func decEqual(a, b dec) bool { return cmpDec(a, b) == 0 }

// NumericToInt converts to an integer, rounding half away from zero as
// Postgres's numeric-to-integer casts do. ok is false for NaN, infinities
// and values outside the int64 range.
func NumericToInt(a Datum) (v int64, ok bool) {
	p := parts(a)
	if p.special != "" {
		return 0, false
	}
	r := p.roundTo(0)
	if r.big != nil {
		if !r.big.IsInt64() {
			return 0, false
		}
		return r.big.Int64(), true
	}
	return r.coef, true
}

// NumericToFloat converts to the nearest float64.
func NumericToFloat(a Datum) float64 { return parts(a).float() }

// NumericFromFloat converts a float to NUMERIC as Postgres's float8_numeric
// does: through its decimal text with 15 significant digits (DBL_DIG), so
// 0.1::float8::numeric is 0.1. NaN and infinities map to the NUMERIC
// specials.
func NumericFromFloat(f float64, digits int) Datum {
	switch {
	case math.IsNaN(f):
		return NumericNaN()
	case math.IsInf(f, 1):
		return NumericInf(1)
	case math.IsInf(f, -1):
		return NumericInf(-1)
	}
	s := strconv.FormatFloat(f, 'e', digits-1, 64)
	d, err := parseNumeric(s)
	if err != nil {
		return NumericNaN() // unreachable: FormatFloat output always parses
	}
	// Strip trailing zeros, as %g does.
	p := parts(d)
	for p.scale > 0 {
		if p.big == nil {
			if p.coef%10 != 0 {
				break
			}
			p.coef /= 10
		} else {
			q, r := new(big.Int).QuoRem(p.big, bigTen, new(big.Int))
			if r.Sign() != 0 {
				break
			}
			p.big = q
		}
		p.scale--
	}
	return fromDec(p)
}

// NumericApplyTypmod rounds a to the scale of NUMERIC(p,s) and checks that
// it fits the precision: 22003 "numeric field overflow" otherwise.
// An unconstrained type (precision 0) returns a unchanged.
func NumericApplyTypmod(a Datum, t types.T) (Datum, error) {
	if t.Precision <= 0 {
		return a, nil
	}
	p := parts(a)
	if p.special == numNaN {
		return a, nil
	}
	if p.special != "" {
		return Null, sqlerr.New(sqlerr.NumericValueOutOfRange, "numeric field overflow").
			WithDetail("A field with precision %d, scale %d cannot hold an infinite value.", t.Precision, t.Scale)
	}
	r := p.roundTo(t.Scale)
	if r.sign() != 0 {
		intDigits := int32(len(r.absDigits())) - r.scale
		if intDigits > t.Precision-t.Scale {
			return Null, sqlerr.New(sqlerr.NumericValueOutOfRange, "numeric field overflow").
				WithDetail("A field with precision %d, scale %d must round to an absolute value less than %s%d.",
					t.Precision, t.Scale, "10^", t.Precision-t.Scale)
		}
	}
	return fromDec(r), nil
}

// cmpDec compares two unpacked numbers; NaN is greatest, then +Infinity.
func cmpDec(a, b dec) int {
	if a.special != "" || b.special != "" {
		return cmpInt(specialRank(a), specialRank(b))
	}
	if a.big == nil && b.big == nil {
		return cmpDecimal(decParts{a.coef, a.scale}, decParts{b.coef, b.scale})
	}
	s := max(a.scale, b.scale)
	return a.rescaleUp(s).bigCoef().Cmp(b.rescaleUp(s).bigCoef())
}

func specialRank(p dec) int64 {
	switch p.special {
	case numNaN:
		return 3
	case numPosInf:
		return 2
	case numNegInf:
		return -2
	}
	return int64(p.sign()) // unreachable when the other side is special and equal
}

// appendDec appends the text of a number with exactly its scale.
func appendDec(buf []byte, p dec) []byte {
	if p.special != "" {
		return append(buf, p.special...)
	}
	if p.big == nil && p.scale == 0 {
		return strconv.AppendInt(buf, p.coef, 10)
	}
	if p.sign() < 0 {
		buf = append(buf, '-')
	}
	digits := p.absDigits()
	s := int(p.scale)
	if len(digits) <= s {
		buf = append(buf, '0', '.')
		for i := len(digits); i < s; i++ {
			buf = append(buf, '0')
		}
		return append(buf, digits...)
	}
	buf = append(buf, digits[:len(digits)-s]...)
	if s > 0 {
		buf = append(buf, '.')
		buf = append(buf, digits[len(digits)-s:]...)
	}
	return buf
}

// canonical strips trailing fractional zeros (1.50 -> 1.5) for key encoding.
func (p dec) canonical() dec {
	if p.special != "" {
		return p
	}
	if p.big == nil {
		for p.scale > 0 && p.coef%10 == 0 {
			p.coef /= 10
			p.scale--
		}
		return p
	}
	b := new(big.Int).Set(p.big)
	r := new(big.Int)
	q := new(big.Int)
	for p.scale > 0 {
		q.QuoRem(b, bigTen, r)
		if r.Sign() != 0 {
			break
		}
		b.Set(q)
		p.scale--
	}
	p.big = b
	return parts(fromDec(p))
}

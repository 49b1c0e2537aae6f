package datum

import (
	"math/big"

	"github.com/freshet-db/freshet/sql/types"
)

// NumericSum is an exact running sum of NUMERIC or integer datums, for
// SUM and AVG: it accumulates in an int64 at the largest scale seen and
// switches to a big.Int only once that overflows, so that neither path
// converts through text per row. Sub undoes an Add (a retraction in an
// incrementally maintained aggregate). The zero value is an empty sum
// (Result returns 0).
//
// The result has the largest scale among the values currently in the sum
// (as when Postgres sums them from scratch): the count of values per scale
// is kept so that retracting the only 1.005 drops the result back to the
// scale of the rest.
//
// Special values follow Postgres: NaN absorbs everything; +Infinity plus
// -Infinity is NaN. Retracting an infinity is tracked by counting them, so
// that a sum returns to finite when the infinite rows are deleted.
type NumericSum struct {
	coef      int64
	big       *big.Int // non-nil once the coefficient left the int64 range
	scale     int32    // scale of coef/big: the largest scale ever added
	perScale  [8]int64 // number of current values with scale 0..7
	moreScale map[int32]int64
	nan       int64 // count of NaN inputs
	posInf    int64 // count of +Infinity inputs
	negInf    int64 // count of -Infinity inputs
}

// Add adds d (a non-NULL NUMERIC or integer datum).
func (s *NumericSum) Add(d Datum) { s.add(d, false) }

// Sub subtracts d, undoing an earlier Add(d).
func (s *NumericSum) Sub(d Datum) { s.add(d, true) }

func (s *NumericSum) add(d Datum, neg bool) {
	delta := int64(1)
	if neg {
		delta = -1
	}
	if d.kind == types.Numeric && d.s != "" {
		switch d.s {
		case numNaN:
			s.nan += delta
			return
		case numPosInf:
			s.posInf += delta
			return
		case numNegInf:
			s.negInf += delta
			return
		}
	}
	ds := int32(0)
	if d.kind == types.Numeric {
		ds = d.x
	}
	if int(ds) < len(s.perScale) {
		s.perScale[ds] += delta
	} else {
		if s.moreScale == nil {
			s.moreScale = map[int32]int64{}
		}
		s.moreScale[ds] += delta
		if s.moreScale[ds] == 0 {
			delete(s.moreScale, ds)
		}
	}
	if ds > s.scale {
		s.rescale(ds)
	}
	if s.big == nil && d.s == "" {
		v := d.i
		ok := true
		if ds < s.scale {
			if s.scale-ds < 19 {
				v, ok = mulOK(v, pow10[s.scale-ds])
			} else {
				ok = false
			}
		}
		if ok && neg {
			ok = v != -v || v == 0
			v = -v
		}
		if ok {
			if c := s.coef + v; (c > s.coef) == (v > 0) {
				s.coef = c
				return
			}
		}
	}
	// Slow path.
	if s.big == nil {
		s.big = big.NewInt(s.coef)
	}
	p := parts(d)
	v := p.rescaleUp(s.scale).bigCoef()
	if neg {
		s.big.Sub(s.big, v)
	} else {
		s.big.Add(s.big, v)
	}
	if s.big.IsInt64() {
		s.coef, s.big = s.big.Int64(), nil
	}
}

func (s *NumericSum) rescale(to int32) {
	shift := to - s.scale
	s.scale = to
	if s.big == nil && shift < 19 {
		if c, ok := mulOK(s.coef, pow10[shift]); ok {
			s.coef = c
			return
		}
	}
	if s.big == nil {
		s.big = big.NewInt(s.coef)
	}
	s.big.Mul(s.big, bigPow10(shift))
}

// resultScale is the largest scale among the current values.
func (s *NumericSum) resultScale() int32 {
	rs := int32(-1)
	for sc := range s.moreScale {
		rs = max(rs, sc)
	}
	if rs >= 0 {
		return rs
	}
	for i := len(s.perScale) - 1; i > 0; i-- {
		if s.perScale[i] != 0 {
			return int32(i)
		}
	}
	return 0
}

// Result returns the sum as a NUMERIC, with the largest scale among the
// values currently summed.
func (s *NumericSum) Result() Datum {
	switch {
	case s.nan > 0 || (s.posInf > 0 && s.negInf > 0):
		return NumericNaN()
	case s.posInf > 0:
		return NumericInf(1)
	case s.negInf > 0:
		return NumericInf(-1)
	}
	rs := s.resultScale()
	if s.big == nil {
		if rs == s.scale {
			return Datum{kind: types.Numeric, i: s.coef, x: s.scale}
		}
		// Exact: every current value has a scale <= rs.
		return fromDec(dec{coef: s.coef, scale: s.scale}.truncTo(rs))
	}
	return fromDec(dec{big: new(big.Int).Set(s.big), scale: s.scale}.truncTo(rs))
}

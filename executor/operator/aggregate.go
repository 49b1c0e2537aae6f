package operator

import (
	"math"
	"math/big"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/stream"
	"github.com/freshet-db/freshet/sql/types"
)

// AggFunc is an aggregate function.
type AggFunc uint8

// The aggregate functions, as in planner/plan.
const (
	CountStar AggFunc = iota
	Count
	Sum
	Avg
	Min
	Max
)

func (f AggFunc) String() string {
	return [...]string{"count(*)", "count", "sum", "avg", "min", "max"}[f]
}

// accumulator maintains one aggregate of one group incrementally: it sees
// each non-NULL argument value with the diff of its row, and computes the
// aggregate's current value on demand. Every accumulator is exact under
// retraction: adding a value with +d and later with -d restores its state.
type accumulator interface {
	add(v datum.Datum, d stream.Diff)
	result() (datum.Datum, error)
}

// newAccumulator returns a fresh accumulator for f over arguments of type
// arg with result type res. It fails with 0A000 for combinations the
// executor does not implement.
func newAccumulatorFactory(f AggFunc, arg, res types.T) (func() accumulator, error) {
	switch f {
	case Count:
		return func() accumulator { return &countAcc{} }, nil
	case Min, Max:
		isMax := f == Max
		return func() accumulator { return &extremeAcc{max: isMax, vals: map[string]extremeEntry{}} }, nil
	case Sum, Avg:
		avg := f == Avg
		switch {
		case arg.IsInteger():
			return func() accumulator { return &sumIntAcc{avg: avg, res: res} }, nil
		case arg.Family == types.Numeric:
			return func() accumulator { return &sumNumericAcc{avg: avg, scales: map[int32]int64{}} }, nil
		case arg.Family == types.Float4 || arg.Family == types.Float8:
			return func() accumulator { return &sumFloatAcc{avg: avg, res: res} }, nil
		}
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "aggregate %s(%s) is not supported", f, arg)
}

// countAcc is COUNT(x): the number of non-NULL values.
type countAcc struct{ n int64 }

func (a *countAcc) add(_ datum.Datum, d stream.Diff) { a.n += int64(d) }
func (a *countAcc) result() (datum.Datum, error)     { return datum.NewInt8(a.n), nil }

// sumIntAcc is SUM or AVG over integers, accumulated exactly in 128 bits.
// SUM(int2/int4) is int8 (22003 when it overflows); SUM(int8) and AVG are
// numeric.
type sumIntAcc struct {
	sum int128
	n   int64
	avg bool
	res types.T
}

func (a *sumIntAcc) add(v datum.Datum, d stream.Diff) {
	a.sum.addProduct(v.Int(), int64(d))
	a.n += int64(d)
}

func (a *sumIntAcc) result() (datum.Datum, error) { return intSumResult(a.sum, a.n, a.avg, a.res) }

// intSumResult is the value of SUM (or AVG) over n integers adding up to
// sum, with result type res.
func intSumResult(sum int128, n int64, avg bool, res types.T) (datum.Datum, error) {
	if n <= 0 {
		return datum.Null, nil
	}
	var total datum.Datum
	if v, ok := sum.int64(); ok {
		if res.Family == types.Int8 && !avg {
			return datum.NewInt8(v), nil
		}
		total = datum.NumericFromInt(v)
	} else {
		if res.Family == types.Int8 && !avg {
			return datum.Null, sqlerr.New(sqlerr.NumericValueOutOfRange, "bigint out of range")
		}
		total = datum.NewNumericBig(sum.big(), 0)
	}
	if !avg {
		return total, nil
	}
	return datum.NumericDiv(total, datum.NumericFromInt(n))
}

// sumNumericAcc is SUM or AVG over numerics: an exact big coefficient at
// the largest scale seen so far, the count of values per scale (the
// result's scale is the largest scale among the current values, as when
// Postgres sums from scratch), and counts of the special values.
type sumNumericAcc struct {
	coef            big.Int
	scale           int32
	scales          map[int32]int64
	nan, pinf, ninf int64
	n               int64
	avg             bool
	tmp             big.Int
}

var bigTen = big.NewInt(10)

func pow10Big(n int32) *big.Int {
	return new(big.Int).Exp(bigTen, big.NewInt(int64(n)), nil)
}

func (a *sumNumericAcc) add(v datum.Datum, d stream.Diff) {
	a.n += int64(d)
	if v.IsNumericSpecial() {
		switch {
		case datum.NumericIsNaN(v):
			a.nan += int64(d)
		case datum.NumericSign(v) > 0:
			a.pinf += int64(d)
		default:
			a.ninf += int64(d)
		}
		return
	}
	c, s := v.NumericBig()
	if s > a.scale {
		a.coef.Mul(&a.coef, pow10Big(s-a.scale))
		a.scale = s
	}
	a.tmp.Set(c)
	if s < a.scale {
		a.tmp.Mul(&a.tmp, pow10Big(a.scale-s))
	}
	if d != 1 {
		a.tmp.Mul(&a.tmp, big.NewInt(int64(d)))
	}
	a.coef.Add(&a.coef, &a.tmp)
	a.scales[s] += int64(d)
	if a.scales[s] == 0 {
		delete(a.scales, s)
	}
}

func (a *sumNumericAcc) result() (datum.Datum, error) {
	if a.n <= 0 {
		return datum.Null, nil
	}
	var sum datum.Datum
	switch {
	case a.nan > 0 || (a.pinf > 0 && a.ninf > 0):
		sum = datum.NumericNaN()
	case a.pinf > 0:
		sum = datum.NumericInf(1)
	case a.ninf > 0:
		sum = datum.NumericInf(-1)
	default:
		rs := int32(0)
		for s := range a.scales {
			rs = max(rs, s)
		}
		c := new(big.Int).Set(&a.coef)
		if rs < a.scale {
			// Exact: every current value has a scale <= rs.
			c.Quo(c, pow10Big(a.scale-rs))
		}
		sum = datum.NewNumericBig(c, rs)
	}
	if !a.avg {
		return sum, nil
	}
	return datum.NumericDiv(sum, datum.NumericFromInt(a.n))
}

// sumFloatAcc is SUM or AVG over floats. Finite values are accumulated
// exactly as a big integer count of 2^-1074 (the smallest subnormal), so
// the result is the correctly rounded exact sum whatever the order of
// insertions and retractions; infinities and NaNs are counted apart.
type sumFloatAcc struct {
	fixed           big.Int
	nan, pinf, ninf int64
	n               int64
	avg             bool
	res             types.T
	tmp             big.Int
}

func (a *sumFloatAcc) add(v datum.Datum, d stream.Diff) {
	a.n += int64(d)
	f := v.Float()
	switch {
	case math.IsNaN(f):
		a.nan += int64(d)
		return
	case math.IsInf(f, 1):
		a.pinf += int64(d)
		return
	case math.IsInf(f, -1):
		a.ninf += int64(d)
		return
	case f == 0:
		return
	}
	// f = mant * 2^exp exactly, with mant an integer of at most 53 bits.
	frac, exp := math.Frexp(f)
	mant := int64(math.Ldexp(frac, 53))
	exp -= 53
	shift := exp + 1074
	if shift < 0 {
		// A subnormal: its low mantissa bits are zero, so this is exact.
		mant >>= uint(-shift)
		shift = 0
	}
	a.tmp.SetInt64(mant)
	if d != 1 {
		a.tmp.Mul(&a.tmp, big.NewInt(int64(d)))
	}
	a.tmp.Lsh(&a.tmp, uint(shift))
	a.fixed.Add(&a.fixed, &a.tmp)
}

func (a *sumFloatAcc) result() (datum.Datum, error) {
	if a.n <= 0 {
		return datum.Null, nil
	}
	var sum float64
	switch {
	case a.nan > 0 || (a.pinf > 0 && a.ninf > 0):
		sum = math.NaN()
	case a.pinf > 0:
		sum = math.Inf(1)
	case a.ninf > 0:
		sum = math.Inf(-1)
	default:
		var f big.Float
		f.SetInt(&a.fixed)
		f.SetMantExp(&f, -1074)
		sum, _ = f.Float64()
	}
	if a.avg {
		sum /= float64(a.n)
	}
	if a.res.Family == types.Float4 {
		if !math.IsInf(sum, 0) && math.Abs(sum) > math.MaxFloat32 {
			return datum.Null, sqlerr.New(sqlerr.NumericValueOutOfRange, "value out of range: overflow")
		}
		return datum.NewFloat4(sum), nil
	}
	return datum.NewFloat8(sum), nil
}

// extremeAcc is MIN or MAX: the multiset of the group's values (exact
// encoding -> value and count) and a cached extreme, recomputed from the
// group's values only when the cached one is retracted.
type extremeAcc struct {
	max   bool
	vals  map[string]extremeEntry
	best  string
	valid bool
	buf   []byte
}

type extremeEntry struct {
	v datum.Datum
	n int64
}

// better reports whether (v, ev) beats (w, ew): by value, ties (equal
// values of different representation, 1.5 and 1.50) by encoding, so the
// choice is deterministic.
func (a *extremeAcc) better(v datum.Datum, ev string, w datum.Datum, ew string) bool {
	c := datum.Compare(v, w)
	if a.max {
		c = -c
	}
	if c != 0 {
		return c < 0
	}
	return ev < ew
}

func (a *extremeAcc) add(v datum.Datum, d stream.Diff) {
	a.buf = datum.EncodeRow(a.buf[:0], datum.Row{v})
	e, ok := a.vals[string(a.buf)]
	e.n += int64(d)
	switch {
	case e.n == 0:
		delete(a.vals, string(a.buf))
		if a.valid && a.best == string(a.buf) {
			a.valid = false
		}
		return
	case !ok:
		e.v = v
	}
	k := string(a.buf)
	a.vals[k] = e
	if d > 0 && a.valid && e.n > 0 && a.better(v, k, a.vals[a.best].v, a.best) {
		a.best = k
	}
	if len(a.vals) == 1 && e.n > 0 {
		a.best, a.valid = k, true
	}
}

func (a *extremeAcc) result() (datum.Datum, error) {
	if !a.valid {
		first := true
		for k, e := range a.vals {
			if e.n <= 0 {
				continue
			}
			if first || a.better(e.v, k, a.vals[a.best].v, a.best) {
				a.best, first = k, false
			}
		}
		if first {
			return datum.Null, nil
		}
		a.valid = true
	}
	if len(a.vals) == 0 {
		return datum.Null, nil
	}
	return a.vals[a.best].v, nil
}

// distinctAcc feeds an inner accumulator each distinct value (by SQL
// equality) once. Equal values may differ in representation (1.5 and
// 1.50); the one fed is the representation with the smallest exact
// encoding among those present, so that the result depends only on the
// current values, never on their history.
type distinctAcc struct {
	inner accumulator
	vals  map[string]*distinctEntry
	buf   []byte
}

type distinctEntry struct {
	reps []distinctRep // the representations present, with their counts
	fed  string        // encoding of the representation fed to inner, "" if none
	v    datum.Datum   // that representation
}

type distinctRep struct {
	enc string
	v   datum.Datum
	n   int64
}

func (a *distinctAcc) add(v datum.Datum, d stream.Diff) {
	a.buf = datum.EncodeKeyDatums(a.buf[:0], v)
	e, ok := a.vals[string(a.buf)]
	if !ok {
		e = &distinctEntry{}
		a.vals[string(a.buf)] = e
	}
	enc := string(datum.EncodeRow(nil, datum.Row{v}))
	found := false
	for i := range e.reps {
		if e.reps[i].enc == enc {
			e.reps[i].n += int64(d)
			found = true
			if e.reps[i].n == 0 {
				e.reps = append(e.reps[:i], e.reps[i+1:]...)
			}
			break
		}
	}
	if !found {
		e.reps = append(e.reps, distinctRep{enc: enc, v: v, n: int64(d)})
	}
	// The representation to feed: the smallest encoding with a positive
	// count.
	best := -1
	for i, r := range e.reps {
		if r.n > 0 && (best < 0 || r.enc < e.reps[best].enc) {
			best = i
		}
	}
	switch {
	case best < 0 && e.fed != "":
		a.inner.add(e.v, -1)
		e.fed = ""
	case best >= 0 && e.fed != e.reps[best].enc:
		if e.fed != "" {
			a.inner.add(e.v, -1)
		}
		e.fed, e.v = e.reps[best].enc, e.reps[best].v
		a.inner.add(e.v, 1)
	}
	if len(e.reps) == 0 {
		delete(a.vals, string(a.buf))
	}
}

func (a *distinctAcc) result() (datum.Datum, error) { return a.inner.result() }

package clickhouse

import (
	"math"
	"math/big"
	"time"

	"github.com/shopspring/decimal"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

// builder accumulates the values of one column of an INSERT block in the
// slice type clickhouse-go appends without reflection: []T, or []*T for a
// Nullable column.
type builder interface {
	add(d datum.Datum) error
	// values returns the slice to append to the batch column.
	values() any
	reset()
}

// vec is a builder of values of Go type T.
type vec[T any] struct {
	col      *column
	conv     func(datum.Datum) (T, error)
	nullable bool
	vals     []T
	ptrs     []*T
}

func (v *vec[T]) add(d datum.Datum) error {
	if d.IsNull() {
		if !v.nullable {
			return sqlerr.New(sqlerr.NotNullViolation,
				"null value in column %q violates the not-null constraint of its clickhouse type %s", v.col.name, v.col.typ)
		}
		v.ptrs = append(v.ptrs, nil)
		return nil
	}
	x, err := v.conv(d)
	if err != nil {
		return err
	}
	v.vals = append(v.vals, x)
	if v.nullable {
		// A later append may move vals; the pointer keeps the old array,
		// which holds the same value and is never written again.
		v.ptrs = append(v.ptrs, &v.vals[len(v.vals)-1])
	}
	return nil
}

func (v *vec[T]) values() any {
	if v.nullable {
		return v.ptrs
	}
	return v.vals
}

func (v *vec[T]) reset() {
	clear(v.ptrs)
	v.vals, v.ptrs = v.vals[:0], v.ptrs[:0]
}

func newVec[T any](c *column, conv func(datum.Datum) (T, error)) builder {
	return &vec[T]{col: c, conv: conv, nullable: c.typ.nullable}
}

// Range limits of the ClickHouse date and time types.
var (
	// Date and DateTime are unsigned days and seconds since 1970-01-01,
	// but servers before 20.x compute with dates only up to 2105-12-31
	// (later ones print larger values wrongly or wrap them).
	maxDateDays     int64 = time.Date(2105, 12, 31, 0, 0, 0, 0, time.UTC).Unix() / 86400
	maxDateTimeSecs int64 = time.Date(2105, 12, 31, 23, 59, 59, 0, time.UTC).Unix()
	// Date32 and DateTime64 (current servers) cover 1900-01-01 to
	// 2299-12-31; clickhouse-go encodes DateTime64 through nanoseconds,
	// which end at 2262-04-11.
	minDate32Days int64 = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).Unix() / 86400
	maxDate32Days int64 = time.Date(2299, 12, 31, 0, 0, 0, 0, time.UTC).Unix() / 86400
	minDT64Micros int64 = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	maxDT64Micros int64 = math.MaxInt64 / 1000
)

// newBuilder returns the builder of a view column for its ClickHouse type.
func newBuilder(c *column) (builder, error) {
	t := c.vt
	mismatch := func() (builder, error) {
		return nil, sqlerr.New(sqlerr.DatatypeMismatch,
			"cannot write %s column %q to clickhouse type %s", t, c.name, c.typ)
	}
	outOfRange := func(d datum.Datum) error {
		return sqlerr.New(sqlerr.NumericValueOutOfRange,
			"value %s of column %q is out of range for clickhouse type %s", datum.FormatText(d), c.name, c.typ)
	}
	switch c.typ.kind {
	case kUInt8, kBool:
		if t.Family != types.Bool {
			return mismatch()
		}
		if c.typ.kind == kBool {
			return newVec(c, func(d datum.Datum) (bool, error) { return d.Bool(), nil }), nil
		}
		return newVec(c, func(d datum.Datum) (uint8, error) {
			if d.Bool() {
				return 1, nil
			}
			return 0, nil
		}), nil
	case kInt16:
		if !t.IsInteger() {
			return mismatch()
		}
		return newVec(c, func(d datum.Datum) (int16, error) {
			if d.Int() < math.MinInt16 || d.Int() > math.MaxInt16 {
				return 0, outOfRange(d)
			}
			return int16(d.Int()), nil
		}), nil
	case kInt32:
		if !t.IsInteger() {
			return mismatch()
		}
		return newVec(c, func(d datum.Datum) (int32, error) {
			if d.Int() < math.MinInt32 || d.Int() > math.MaxInt32 {
				return 0, outOfRange(d)
			}
			return int32(d.Int()), nil
		}), nil
	case kInt64:
		if !t.IsInteger() {
			return mismatch()
		}
		return newVec(c, func(d datum.Datum) (int64, error) { return d.Int(), nil }), nil
	case kFloat32:
		if t.Family != types.Float4 && t.Family != types.Float8 {
			return mismatch()
		}
		return newVec(c, func(d datum.Datum) (float32, error) { return float32(d.Float()), nil }), nil
	case kFloat64:
		if t.Family != types.Float4 && t.Family != types.Float8 {
			return mismatch()
		}
		return newVec(c, func(d datum.Datum) (float64, error) { return d.Float(), nil }), nil
	case kDecimal:
		if t.Family != types.Numeric {
			return mismatch()
		}
		prec, scale := c.typ.precision, c.typ.scale
		return newVec(c, func(d datum.Datum) (decimal.Decimal, error) {
			v, ok := toDecimal(d, prec, scale)
			if !ok {
				return decimal.Decimal{}, outOfRange(d)
			}
			return v, nil
		}), nil
	case kString:
		switch t.Family {
		case types.Text, types.Varchar, types.JSONB, types.Bytea:
			return newVec(c, func(d datum.Datum) (string, error) { return d.Str(), nil }), nil
		case types.Interval, types.Numeric:
			return newVec(c, func(d datum.Datum) (string, error) { return datum.FormatText(d), nil }), nil
		}
		return mismatch()
	case kDate, kDate32:
		if t.Family != types.Date {
			return mismatch()
		}
		lo, hi := int64(0), maxDateDays
		if c.typ.kind == kDate32 {
			lo, hi = minDate32Days, maxDate32Days
		}
		return newVec(c, func(d datum.Datum) (time.Time, error) {
			if d.Days() < lo || d.Days() > hi {
				return time.Time{}, outOfRange(d)
			}
			return time.Unix(d.Days()*86400, 0).UTC(), nil
		}), nil
	case kDateTime:
		if t.Family != types.Timestamp && t.Family != types.TimestampTZ {
			return mismatch()
		}
		return newVec(c, func(d datum.Datum) (time.Time, error) {
			// Seconds, rounded down: DateTime has no fraction.
			sec := floorDiv(d.Micros(), 1_000_000)
			if sec < 0 || sec > maxDateTimeSecs {
				return time.Time{}, outOfRange(d)
			}
			return time.Unix(sec, 0).UTC(), nil
		}), nil
	case kDateTime64:
		if t.Family != types.Timestamp && t.Family != types.TimestampTZ {
			return mismatch()
		}
		return newVec(c, func(d datum.Datum) (time.Time, error) {
			if d.Micros() < minDT64Micros || d.Micros() > maxDT64Micros {
				return time.Time{}, outOfRange(d)
			}
			return time.UnixMicro(d.Micros()).UTC(), nil
		}), nil
	}
	return mismatch()
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

var bigTen = big.NewInt(10)

// pow10 returns 10^n for 0 <= n <= 18.
func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

// toDecimal converts a NUMERIC to a Decimal(prec, scale) value, rounding
// half away from zero to the scale (as Postgres rounds). ok is false when
// the value is NaN or infinite or has more than prec-scale integer digits.
func toDecimal(d datum.Datum, prec, scale int) (decimal.Decimal, bool) {
	if d.IsNumericSpecial() {
		return decimal.Decimal{}, false
	}
	if d.NumericFitsInt64() && prec <= 18 {
		coef, sc := d.Numeric()
		if v, ok := rescale64(coef, int(sc), scale); ok {
			if limit := pow10(prec); v <= -limit || v >= limit {
				return decimal.Decimal{}, false
			}
			return decimal.New(v, -int32(scale)), true
		}
	}
	coef, sc := d.NumericBig()
	if coef == nil {
		return decimal.Decimal{}, false
	}
	v := rescaleBig(coef, int(sc), scale)
	limit := new(big.Int).Exp(bigTen, big.NewInt(int64(prec)), nil)
	if new(big.Int).Abs(v).Cmp(limit) >= 0 {
		return decimal.Decimal{}, false
	}
	return decimal.NewFromBigInt(v, -int32(scale)), true
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// rescale64 returns coef*10^-from as a coefficient at scale to, rounding
// half away from zero; ok is false on overflow.
func rescale64(coef int64, from, to int) (int64, bool) {
	switch {
	case from == to:
		return coef, true
	case from < to:
		if to-from > 18 {
			return 0, false
		}
		m := pow10(to - from)
		if coef > math.MaxInt64/m || coef < math.MinInt64/m {
			return 0, false
		}
		return coef * m, true
	default:
		if from-to > 18 {
			return 0, false
		}
		m := pow10(from - to)
		q, r := coef/m, coef%m
		if abs64(r)*2 >= m { // r < m <= 10^18, so 2r does not overflow
			if coef < 0 {
				q--
			} else {
				q++
			}
		}
		return q, true
	}
}

// rescaleBig is rescale64 for any coefficient.
func rescaleBig(coef *big.Int, from, to int) *big.Int {
	v := new(big.Int).Set(coef)
	if from <= to {
		m := new(big.Int).Exp(bigTen, big.NewInt(int64(to-from)), nil)
		return v.Mul(v, m)
	}
	m := new(big.Int).Exp(bigTen, big.NewInt(int64(from-to)), nil)
	q, r := new(big.Int).QuoRem(v, m, new(big.Int))
	r.Abs(r).Lsh(r, 1)
	if r.Cmp(m) >= 0 {
		if v.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

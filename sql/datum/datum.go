package datum

import (
	"math"

	"github.com/freshet-db/freshet/sql/types"
)

// Datum is one SQL value. Its kind is the types.Family of the value;
// types.Unknown means NULL. The representation per family:
//
//	Bool                 i = 0 or 1
//	Int2, Int4, Int8     i
//	Float4, Float8       i = math.Float64bits(value)
//	Numeric              i = coefficient, x = scale (value = i * 10^-x);
//	                     s = big coefficient or NaN/Infinity (numeric.go)
//	Text, Varchar, JSONB s (JSONB holds normalized JSON text)
//	Bytea                s (raw bytes)
//	Date                 i = days since 1970-01-01
//	Timestamp(TZ)        i = microseconds since 1970-01-01 00:00:00 UTC
//	Interval             i = microseconds, x = days, y = months
type Datum struct {
	i    int64
	s    string
	x, y int32
	kind types.Family
}

// Null is the SQL NULL.
var Null = Datum{}

// Row is a tuple of datums. Rows are immutable once built.
type Row []Datum

// Constructors.

func NewBool(b bool) Datum {
	if b {
		return Datum{kind: types.Bool, i: 1}
	}
	return Datum{kind: types.Bool}
}
func NewInt2(v int64) Datum { return Datum{kind: types.Int2, i: v} }
func NewInt4(v int64) Datum { return Datum{kind: types.Int4, i: v} }
func NewInt8(v int64) Datum { return Datum{kind: types.Int8, i: v} }
func NewFloat4(v float64) Datum {
	return Datum{kind: types.Float4, i: int64(math.Float64bits(float64(float32(v))))}
}
func NewFloat8(v float64) Datum { return Datum{kind: types.Float8, i: int64(math.Float64bits(v))} }

// NewNumeric returns the decimal coef * 10^-scale. A negative scale
// multiplies the coefficient out (the display scale is then 0).
func NewNumeric(coef int64, scale int32) Datum {
	if scale < 0 {
		return fromDec(dec{coef: coef, scale: scale})
	}
	return Datum{kind: types.Numeric, i: coef, x: scale}
}
func NewText(s string) Datum    { return Datum{kind: types.Text, s: s} }
func NewVarchar(s string) Datum { return Datum{kind: types.Varchar, s: s} }
func NewJSONB(s string) Datum   { return Datum{kind: types.JSONB, s: s} }
func NewBytea(b string) Datum   { return Datum{kind: types.Bytea, s: b} }

// NewDate returns the date that is days after 1970-01-01.
func NewDate(days int64) Datum { return Datum{kind: types.Date, i: days} }

// NewTimestamp returns the timestamp micros after the Unix epoch.
func NewTimestamp(micros int64) Datum { return Datum{kind: types.Timestamp, i: micros} }

// NewTimestampTZ returns the instant micros after the Unix epoch.
func NewTimestampTZ(micros int64) Datum { return Datum{kind: types.TimestampTZ, i: micros} }

// NewInterval returns months + days + micros.
func NewInterval(months, days int32, micros int64) Datum {
	return Datum{kind: types.Interval, i: micros, x: days, y: months}
}

// NewInt returns an integer datum of the given integer family.
func NewInt(f types.Family, v int64) Datum { return Datum{kind: f, i: v} }

// Accessors. Each assumes the datum has a matching kind and is not NULL.

func (d Datum) Kind() types.Family { return d.kind }
func (d Datum) IsNull() bool       { return d.kind == types.Unknown }
func (d Datum) Bool() bool         { return d.i != 0 }
func (d Datum) Int() int64         { return d.i }
func (d Datum) Float() float64     { return math.Float64frombits(uint64(d.i)) }
func (d Datum) Str() string        { return d.s }

// Numeric returns the coefficient and scale of a decimal whose coefficient
// fits an int64; for larger values and NaN/Infinity (IsNumericSpecial) it
// returns coefficient 0: use NumericBig or the Numeric* functions then.
func (d Datum) Numeric() (coef int64, scale int32) { return d.i, d.x }

// NumericFitsInt64 reports whether Numeric() returns the exact coefficient.
func (d Datum) NumericFitsInt64() bool { return d.s == "" }

// Days returns the days since 1970-01-01 of a date.
func (d Datum) Days() int64 { return d.i }

// Micros returns the microseconds since the Unix epoch of a timestamp.
func (d Datum) Micros() int64 { return d.i }

// Interval returns the parts of an interval.
func (d Datum) Interval() (months, days int32, micros int64) { return d.y, d.x, d.i }

// Equal reports whether a and b are the same value (NULL equals NULL here:
// this is identity for consolidation and grouping, not SQL "=").
func Equal(a, b Datum) bool { return Compare(a, b) == 0 }

// RowsEqual reports whether two rows are identical datum by datum.
func RowsEqual(a, b Row) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if Compare(a[i], b[i]) != 0 {
			return false
		}
	}
	return true
}

// CompareRows orders rows lexicographically with Compare.
func CompareRows(a, b Row) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmpInt(int64(len(a)), int64(len(b)))
}

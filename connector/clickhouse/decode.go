package clickhouse

import (
	"math/big"
	"time"

	"github.com/shopspring/decimal"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

// scanner reads one column of a result row back into a datum of the view
// column's type.
type scanner interface {
	// dest is the pointer to pass to Rows.Scan.
	dest() any
	datum() (datum.Datum, error)
}

type scan[T any] struct {
	nullable bool
	v        T
	p        *T
	conv     func(T) (datum.Datum, error)
}

func (s *scan[T]) dest() any {
	if s.nullable {
		s.p = nil
		return &s.p
	}
	return &s.v
}

func (s *scan[T]) datum() (datum.Datum, error) {
	if s.nullable {
		if s.p == nil {
			return datum.Null, nil
		}
		return s.conv(*s.p)
	}
	return s.conv(s.v)
}

func newScan[T any](c *column, conv func(T) (datum.Datum, error)) scanner {
	return &scan[T]{nullable: c.typ.nullable, conv: conv}
}

func ok(d datum.Datum) (datum.Datum, error) { return d, nil }

// newScanner returns the scanner of a view column (the inverse of
// newBuilder).
func newScanner(c *column) (scanner, error) {
	t := c.vt
	switch c.typ.kind {
	case kUInt8:
		return newScan(c, func(v uint8) (datum.Datum, error) { return ok(datum.NewBool(v != 0)) }), nil
	case kBool:
		return newScan(c, func(v bool) (datum.Datum, error) { return ok(datum.NewBool(v)) }), nil
	case kInt16:
		return newScan(c, func(v int16) (datum.Datum, error) { return ok(datum.NewInt(t.Family, int64(v))) }), nil
	case kInt32:
		return newScan(c, func(v int32) (datum.Datum, error) { return ok(datum.NewInt(t.Family, int64(v))) }), nil
	case kInt64:
		return newScan(c, func(v int64) (datum.Datum, error) { return ok(datum.NewInt(t.Family, v)) }), nil
	case kFloat32:
		return newScan(c, func(v float32) (datum.Datum, error) { return ok(newFloat(t, float64(v))) }), nil
	case kFloat64:
		return newScan(c, func(v float64) (datum.Datum, error) { return ok(newFloat(t, v)) }), nil
	case kDecimal:
		return newScan(c, func(v decimal.Decimal) (datum.Datum, error) { return ok(fromDecimal(v, t)) }), nil
	case kString:
		return newScan(c, func(v string) (datum.Datum, error) { return fromString(v, t) }), nil
	case kDate, kDate32:
		return newScan(c, func(v time.Time) (datum.Datum, error) {
			return ok(datum.NewDate(floorDiv(v.Unix(), 86400)))
		}), nil
	case kDateTime, kDateTime64:
		mk := datum.NewTimestamp
		if t.Family == types.TimestampTZ {
			mk = datum.NewTimestampTZ
		}
		return newScan(c, func(v time.Time) (datum.Datum, error) {
			return ok(mk(v.Unix()*1_000_000 + int64(v.Nanosecond()/1000)))
		}), nil
	}
	return nil, sqlerr.New(sqlerr.DatatypeMismatch, "cannot read clickhouse type %s as %s", c.typ, t)
}

func newFloat(t types.T, v float64) datum.Datum {
	if t.Family == types.Float4 {
		return datum.NewFloat4(v)
	}
	return datum.NewFloat8(v)
}

// fromDecimal converts a Decimal read back to a NUMERIC with the view
// column's scale, or for unconstrained NUMERIC without trailing zeros
// (the display scale of the original value is not stored).
func fromDecimal(v decimal.Decimal, t types.T) datum.Datum {
	coef, exp := v.Coefficient(), v.Exponent()
	if exp > 0 {
		coef.Mul(coef, new(big.Int).Exp(bigTen, big.NewInt(int64(exp)), nil))
		exp = 0
	}
	scale := -exp
	if t.Precision == 0 {
		r := new(big.Int)
		for scale > 0 {
			q, m := new(big.Int).QuoRem(coef, bigTen, r)
			if m.Sign() != 0 {
				break
			}
			coef, scale = q, scale-1
		}
	}
	if coef.IsInt64() {
		return datum.NewNumeric(coef.Int64(), scale)
	}
	return datum.NewNumericBig(coef, scale)
}

func fromString(s string, t types.T) (datum.Datum, error) {
	switch t.Family {
	case types.Text:
		return datum.NewText(s), nil
	case types.Varchar:
		return datum.NewVarchar(s), nil
	case types.JSONB:
		return datum.NewJSONB(s), nil
	case types.Bytea:
		return datum.NewBytea(s), nil
	}
	return datum.ParseText(s, t)
}

package builtin

import (
	"math"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

// cannotCoerce is SQLSTATE 42846 (cannot_coerce).
const cannotCoerce sqlerr.Code = "42846"

// Cast converts d to type to with explicit-cast (CAST, ::) semantics:
// NUMERIC(p,s) rounds and may overflow (22003), integers are range checked
// (22003 "integer out of range"), float → integer rounds half to even and
// numeric → integer half away from zero (as Postgres), text parses with
// the target's input function, anything → text uses the output function
// (bool gives "true"/"false"), and VARCHAR(n) truncates silently.
func Cast(d datum.Datum, to types.T) (datum.Datum, error) {
	return cast(d, to, false)
}

// AssignCast converts d for storing in a column of type to (INSERT,
// UPDATE): like Cast, except that a string too long for VARCHAR(n) is an
// error (22001) unless the excess is spaces.
func AssignCast(d datum.Datum, to types.T) (datum.Datum, error) {
	return cast(d, to, true)
}

func cast(d datum.Datum, to types.T, assign bool) (datum.Datum, error) {
	if d.IsNull() {
		return datum.Null, nil
	}
	from := d.Kind()
	switch to.Family {
	case types.Unknown:
		return d, nil
	case types.Text, types.Varchar:
		var s string
		switch from {
		case types.Text, types.Varchar:
			s = d.Str()
		case types.Bool:
			s = "false"
			if d.Bool() {
				s = "true"
			}
		default:
			s = datum.FormatText(d)
		}
		if to.Family == types.Text {
			return datum.NewText(s), nil
		}
		if assign {
			return datum.VarcharInput(s, to.Precision)
		}
		return datum.NewVarchar(datum.TruncateVarchar(s, to.Precision)), nil
	}
	if from == types.Text || from == types.Varchar {
		return datum.ParseText(d.Str(), to)
	}
	if from == to.Family {
		switch from {
		case types.Numeric:
			return datum.NumericApplyTypmod(d, to)
		}
		return d, nil
	}
	switch to.Family {
	case types.Int2, types.Int4, types.Int8:
		return castToInt(d, to.Family)
	case types.Float4, types.Float8:
		return castToFloat(d, to.Family)
	case types.Numeric:
		return castToNumeric(d, to)
	case types.Bool:
		switch from {
		case types.Int4:
			return datum.NewBool(d.Int() != 0), nil
		case types.JSONB:
			return castFromJSONB(d, to)
		}
	case types.Date:
		switch from {
		case types.Timestamp, types.TimestampTZ:
			us := d.Micros()
			switch us {
			case datum.PosInfinity, datum.NegInfinity:
				return datum.NewDate(us), nil
			}
			days, _ := datum.SplitMicros(us)
			return datum.NewDate(days), nil
		}
	case types.Timestamp, types.TimestampTZ:
		mk := datum.NewTimestamp
		if to.Family == types.TimestampTZ {
			mk = datum.NewTimestampTZ
		}
		switch from {
		case types.Date:
			return dateToTimestamp(d.Days(), mk)
		case types.Timestamp, types.TimestampTZ:
			// The session time zone is UTC: the instant and the wall clock
			// coincide.
			return mk(d.Micros()), nil
		}
	}
	return datum.Null, sqlerr.New(cannotCoerce, "cannot cast type %s to %s", familyName(from), to)
}

func familyName(f types.Family) string { return types.T{Family: f}.String() }

func dateToTimestamp(days int64, mk func(int64) datum.Datum) (datum.Datum, error) {
	switch days {
	case datum.PosInfinity, datum.NegInfinity:
		return mk(days), nil
	}
	if days > math.MaxInt64/datum.MicrosPerDay || days < math.MinInt64/datum.MicrosPerDay ||
		!datum.TimestampInRange(days*datum.MicrosPerDay) {
		return datum.Null, sqlerr.New(sqlerr.DatetimeFieldOverflow, "date out of range for timestamp")
	}
	return mk(days * datum.MicrosPerDay), nil
}

// intOutOfRange is the 22003 error of an integer family.
func intOutOfRange(f types.Family) error {
	switch f {
	case types.Int2:
		return sqlerr.New(sqlerr.NumericValueOutOfRange, "smallint out of range")
	case types.Int4:
		return sqlerr.New(sqlerr.NumericValueOutOfRange, "integer out of range")
	}
	return sqlerr.New(sqlerr.NumericValueOutOfRange, "bigint out of range")
}

// checkInt returns v as an integer datum of family f, or 22003.
func checkInt(f types.Family, v int64) (datum.Datum, error) {
	lo, hi := datum.IntRange(f)
	if v < lo || v > hi {
		return datum.Null, intOutOfRange(f)
	}
	return datum.NewInt(f, v), nil
}

func castToInt(d datum.Datum, f types.Family) (datum.Datum, error) {
	switch d.Kind() {
	case types.Int2, types.Int4, types.Int8:
		return checkInt(f, d.Int())
	case types.Bool:
		if f == types.Int4 {
			if d.Bool() {
				return datum.NewInt4(1), nil
			}
			return datum.NewInt4(0), nil
		}
	case types.Float4, types.Float8:
		v := d.Float()
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return datum.Null, intOutOfRange(f)
		}
		r := math.RoundToEven(v)
		// float64(MaxInt64) rounds up to 2^63, which does not fit.
		if r < -9223372036854775808.0 || r >= 9223372036854775808.0 {
			return datum.Null, intOutOfRange(f)
		}
		return checkInt(f, int64(r))
	case types.Numeric:
		if datum.NumericIsNaN(d) {
			return datum.Null, sqlerr.New(sqlerr.FeatureNotSupported, "cannot convert NaN to %s", types.T{Family: f})
		}
		if d.IsNumericSpecial() {
			return datum.Null, sqlerr.New(sqlerr.FeatureNotSupported, "cannot convert infinity to %s", types.T{Family: f})
		}
		v, ok := datum.NumericToInt(d)
		if !ok {
			return datum.Null, intOutOfRange(f)
		}
		return checkInt(f, v)
	case types.JSONB:
		return castFromJSONB(d, types.T{Family: f})
	}
	return datum.Null, sqlerr.New(cannotCoerce, "cannot cast type %s to %s", familyName(d.Kind()), types.T{Family: f})
}

func floatOverflow() error {
	return sqlerr.New(sqlerr.NumericValueOutOfRange, "value out of range: overflow")
}

func floatUnderflow() error {
	return sqlerr.New(sqlerr.NumericValueOutOfRange, "value out of range: underflow")
}

func castToFloat(d datum.Datum, f types.Family) (datum.Datum, error) {
	var v float64
	switch d.Kind() {
	case types.Int2, types.Int4, types.Int8:
		v = float64(d.Int())
	case types.Float4, types.Float8:
		v = d.Float()
	case types.Numeric:
		v = datum.NumericToFloat(d)
		if math.IsInf(v, 0) && !d.IsNumericSpecial() {
			return datum.Null, sqlerr.New(sqlerr.NumericValueOutOfRange, "\"%s\" is out of range for type %s", datum.FormatText(d), types.T{Family: f})
		}
	case types.JSONB:
		return castFromJSONB(d, types.T{Family: f})
	default:
		return datum.Null, sqlerr.New(cannotCoerce, "cannot cast type %s to %s", familyName(d.Kind()), types.T{Family: f})
	}
	if f == types.Float4 {
		f32 := float32(v)
		if math.IsInf(float64(f32), 0) && !math.IsInf(v, 0) {
			return datum.Null, floatOverflow()
		}
		if f32 == 0 && v != 0 {
			return datum.Null, floatUnderflow()
		}
		return datum.NewFloat4(v), nil
	}
	return datum.NewFloat8(v), nil
}

func castToNumeric(d datum.Datum, to types.T) (datum.Datum, error) {
	var n datum.Datum
	switch d.Kind() {
	case types.Int2, types.Int4, types.Int8:
		n = datum.NumericFromInt(d.Int())
	case types.Float8:
		n = datum.NumericFromFloat(d.Float(), 15)
	case types.Float4:
		n = datum.NumericFromFloat(d.Float(), 6)
	case types.JSONB:
		return castFromJSONB(d, to)
	default:
		return datum.Null, sqlerr.New(cannotCoerce, "cannot cast type %s to %s", familyName(d.Kind()), to)
	}
	return datum.NumericApplyTypmod(n, to)
}

// castFromJSONB implements jsonb::numeric/int/float/bool, which Postgres
// allows for scalar numbers and booleans only.
func castFromJSONB(d datum.Datum, to types.T) (datum.Datum, error) {
	j, err := datum.ParseJSON(d.Str())
	if err != nil {
		return datum.Null, err
	}
	want := datum.JSONNumber
	if to.Family == types.Bool {
		want = datum.JSONBool
	}
	if j.Kind != want {
		return datum.Null, sqlerr.New(sqlerr.InvalidParameterValue, "cannot cast jsonb %s to type %s", jsonKindName(j.Kind), types.T{Family: to.Family})
	}
	if want == datum.JSONBool {
		return datum.NewBool(j.Bool), nil
	}
	n, err := datum.ParseNumeric(j.Str)
	if err != nil {
		return datum.Null, err
	}
	return cast(n, to, false)
}

// jsonKindName names a JSON kind as Postgres's cannotCastJsonbValue does.
func jsonKindName(k datum.JSONKind) string {
	switch k {
	case datum.JSONObject:
		return "object"
	case datum.JSONArray:
		return "array"
	case datum.JSONNull:
		return "null"
	case datum.JSONBool:
		return "boolean"
	case datum.JSONNumber:
		return "numeric"
	}
	return "string"
}

// sqlErrParam is a 22023 invalid_parameter_value error.
func sqlErrParam(format string, args ...any) *sqlerr.Error {
	return sqlerr.New(sqlerr.InvalidParameterValue, format, args...)
}

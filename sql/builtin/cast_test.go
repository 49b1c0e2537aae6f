package builtin

import (
	"fmt"
	"testing"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

type castCase struct {
	from arg
	to   types.T
	want string
	code sqlerr.Code
}

func (c castCase) sql() string { return fmt.Sprintf("SELECT CAST(%s AS %s)", c.from.sql(), c.to) }

// castCases were confirmed against Postgres 15 (TestCastsAgainstPostgres).
var castCases = []castCase{
	{in("32767"), types.Int2T, "32767", ""},
	{in("32768"), types.Int2T, "smallint out of range", outOfRange},
	{bi("2147483648"), types.Int4T, "integer out of range", outOfRange},
	{fl("2.5"), types.Int4T, "2", ""},
	{fl("3.5"), types.Int4T, "4", ""},
	{fl("-2.5"), types.Int4T, "-2", ""},
	{fl("1e10"), types.Int4T, "integer out of range", outOfRange},
	{fl("NaN"), types.Int8T, "bigint out of range", outOfRange},
	{fl("9223372036854775807"), types.Int8T, "bigint out of range", outOfRange},
	{nu("2.5"), types.Int4T, "3", ""},
	{nu("-2.5"), types.Int4T, "-3", ""},
	{nu("2.4999"), types.Int2T, "2", ""},
	{nu("99999999999999999999"), types.Int8T, "bigint out of range", outOfRange},
	{nu("NaN"), types.Int4T, "cannot convert NaN to integer", sqlerr.FeatureNotSupported},
	{in("5"), types.NumericOf(5, 2), "5.00", ""},
	{nu("1234.567"), types.NumericOf(6, 2), "1234.57", ""},
	{nu("12345.678"), types.NumericOf(6, 2), "numeric field overflow", outOfRange},
	{fl("0.1"), types.NumericT, "0.1", ""},
	{fl("1.0000000000000002"), types.NumericT, "1", ""},
	{fl("123456789.123456789"), types.NumericT, "123456789.123457", ""},
	{fl("1e20"), types.NumericT, "100000000000000000000", ""},
	{fl("Infinity"), types.NumericT, "Infinity", ""},
	{f4("0.1"), types.NumericT, "0.1", ""},
	{f4("0.1"), types.Float8T, "0.10000000149011612", ""},
	{fl("1e300"), types.Float4T, "value out of range: overflow", outOfRange},
	{fl("1e-300"), types.Float4T, "value out of range: underflow", outOfRange},
	{nu("1.5"), types.Float8T, "1.5", ""},
	{in("16777217"), types.Float4T, "1.6777216e+07", ""},
	{bo("t"), types.Int4T, "1", ""},
	{in("0"), types.BoolT, "f", ""},
	{in("-3"), types.BoolT, "t", ""},
	{bi("1"), types.BoolT, "cannot cast type bigint to boolean", cannotCoerce},
	{bo("t"), types.TextT, "true", ""},
	{in("42"), types.TextT, "42", ""},
	{nu("1.50"), types.TextT, "1.50", ""},
	{fl("1e100"), types.TextT, "1e+100", ""},
	{tx("abcdef"), types.VarcharOf(3), "abc", ""},
	{tx("héllo"), types.VarcharOf(2), "hé", ""},
	{in("12345"), types.VarcharOf(3), "123", ""},
	{tx(" 42 "), types.Int4T, "42", ""},
	{tx("4x"), types.Int4T, `invalid input syntax for type integer: "4x"`, sqlerr.InvalidTextRepresentation},
	{tx("yes"), types.BoolT, "t", ""},
	{vc("2024-02-03"), types.DateT, "2024-02-03", ""},
	{tx(`{"b":1,"a":[1,2]}`), types.JSONBT, `{"a": [1, 2], "b": 1}`, ""},
	{jb(`{"a": 1}`), types.TextT, `{"a": 1}`, ""},
	{jb(`12.5`), types.NumericT, "12.5", ""},
	{jb(`12.5`), types.Int4T, "13", ""},
	{jb(`true`), types.BoolT, "t", ""},
	{jb(`"x"`), types.Int4T, "cannot cast jsonb string to type integer", sqlerr.InvalidParameterValue},
	{dt("2024-02-03"), types.TimestampT, "2024-02-03 00:00:00", ""},
	{dt("2024-02-03"), types.TimestampTZT, "2024-02-03 00:00:00+00", ""},
	{ts("2024-02-03 04:05:06"), types.DateT, "2024-02-03", ""},
	{ts("1969-12-31 23:00:00"), types.DateT, "1969-12-31", ""},
	{tz("2024-02-03 04:05:06+00"), types.TimestampT, "2024-02-03 04:05:06", ""},
	{ts("2024-02-03 04:05:06"), types.TimestampTZT, "2024-02-03 04:05:06+00", ""},
	{iv("1 day 02:00:00"), types.TextT, "1 day 02:00:00", ""},
	{tx("1 hour"), types.IntervalT, "01:00:00", ""},
	{a(types.ByteaT, `\x6869`), types.TextT, `\x6869`, ""},
	{dt("2024-01-01"), types.Int4T, "cannot cast type date to integer", cannotCoerce},
	{null(types.Int4T), types.TextT, "NULL", ""},
}

func runCast(c castCase, assign bool) (datum.Datum, error) {
	var v datum.Datum
	if !c.from.null {
		var err error
		if v, err = datum.ParseText(c.from.text, c.from.typ); err != nil {
			return datum.Null, err
		}
	}
	if assign {
		return AssignCast(v, c.to)
	}
	return Cast(v, c.to)
}

func TestCast(t *testing.T) {
	for _, c := range castCases {
		d, err := runCast(c, false)
		if c.code != "" {
			if err == nil || sqlerr.GetCode(err) != c.code || err.Error() != c.want {
				t.Errorf("%s = %q, %v; want error %s %q", c.sql(), datum.FormatText(d), err, c.code, c.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: unexpected error %v", c.sql(), err)
			continue
		}
		if got := datum.FormatText(d); got != c.want {
			t.Errorf("%s = %q, want %q", c.sql(), got, c.want)
		}
		if !d.IsNull() && d.Kind() != c.to.Family {
			t.Errorf("%s: result kind %d, want %s", c.sql(), d.Kind(), c.to)
		}
		if !CanCast(c.from.typ, c.to) {
			t.Errorf("CanCast(%s, %s) = false, but the cast works", c.from.typ, c.to)
		}
	}
}

func TestAssignCast(t *testing.T) {
	tests := []castCase{
		{tx("abc"), types.VarcharOf(3), "abc", ""},
		{tx("abc   "), types.VarcharOf(3), "abc", ""},
		{tx("abcd"), types.VarcharOf(3), "value too long for type character varying(3)", sqlerr.StringDataRightTruncation},
		{in("1234"), types.VarcharOf(3), "value too long for type character varying(3)", sqlerr.StringDataRightTruncation},
		{nu("123.456"), types.NumericOf(5, 2), "123.46", ""},
		{nu("1234.5"), types.NumericOf(5, 2), "numeric field overflow", outOfRange},
		{bi("40000"), types.Int2T, "smallint out of range", outOfRange},
		{fl("2.5"), types.Int8T, "2", ""},
		{in("7"), types.Float8T, "7", ""},
	}
	for _, c := range tests {
		d, err := runCast(c, true)
		if c.code != "" {
			if err == nil || sqlerr.GetCode(err) != c.code || err.Error() != c.want {
				t.Errorf("assign %s to %s = %q, %v; want error %s %q", c.from.sql(), c.to, datum.FormatText(d), err, c.code, c.want)
			}
			continue
		}
		if err != nil || datum.FormatText(d) != c.want {
			t.Errorf("assign %s to %s = %q, %v; want %q", c.from.sql(), c.to, datum.FormatText(d), err, c.want)
		}
	}
}

func TestCastRules(t *testing.T) {
	tests := []struct {
		from, to                   types.T
		implicit, assign, explicit bool
	}{
		{types.Int2T, types.Int8T, true, true, true},
		{types.Int8T, types.Int4T, false, true, true},
		{types.Int4T, types.NumericT, true, true, true},
		{types.NumericT, types.Float8T, true, true, true},
		{types.Float8T, types.NumericT, false, true, true},
		{types.TextT, types.VarcharT, true, true, true},
		{types.VarcharT, types.TextT, true, true, true},
		{types.Int4T, types.TextT, false, true, true},
		{types.TextT, types.Int4T, false, false, true},
		{types.DateT, types.TimestampTZT, true, true, true},
		{types.TimestampTZT, types.DateT, false, true, true},
		{types.UnknownT, types.JSONBT, true, true, true},
		{types.BoolT, types.Int4T, false, false, true},
		{types.BoolT, types.Int8T, false, false, false},
		{types.DateT, types.IntervalT, false, false, false},
		{types.JSONBT, types.NumericT, false, false, true},
	}
	for _, tc := range tests {
		if got := CanCoerceImplicit(tc.from, tc.to); got != tc.implicit {
			t.Errorf("CanCoerceImplicit(%s, %s) = %v", tc.from, tc.to, got)
		}
		if got := CanAssign(tc.from, tc.to); got != tc.assign {
			t.Errorf("CanAssign(%s, %s) = %v", tc.from, tc.to, got)
		}
		if got := CanCast(tc.from, tc.to); got != tc.explicit {
			t.Errorf("CanCast(%s, %s) = %v", tc.from, tc.to, got)
		}
	}
}

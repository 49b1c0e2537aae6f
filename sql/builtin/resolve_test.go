package builtin

import (
	"testing"

	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

var (
	uT   = types.UnknownT
	i2T  = types.Int2T
	i4T  = types.Int4T
	i8T  = types.Int8T
	f4T  = types.Float4T
	f8T  = types.Float8T
	numT = types.NumericT
	txtT = types.TextT
	vcT  = types.VarcharT
)

// TestResolve checks the chosen overloads' result types against
// pg_typeof in Postgres 15.
func TestResolve(t *testing.T) {
	tests := []struct {
		name   string
		args   []types.T
		result types.T
		params []types.T // the expected parameter types, if checked
	}{
		{"+", []types.T{i4T, i8T}, i8T, []types.T{i8T, i8T}},
		{"+", []types.T{i2T, i2T}, i2T, nil},
		{"+", []types.T{i2T, i4T}, i4T, nil},
		{"+", []types.T{f4T, i4T}, f8T, nil},
		{"*", []types.T{i4T, numT}, numT, nil},
		{"+", []types.T{i4T, uT}, i4T, []types.T{i4T, i4T}},
		{"-", []types.T{i2T}, i2T, nil},
		{"/", []types.T{i2T, i2T}, i2T, nil},
		{"sqrt", []types.T{i4T}, f8T, nil},
		{"abs", []types.T{i2T}, i2T, nil},
		{"mod", []types.T{i2T, i4T}, i4T, nil},
		{"round", []types.T{i4T, i4T}, numT, nil},
		{"round", []types.T{i4T}, f8T, nil},
		{"greatest", []types.T{i4T, numT}, numT, []types.T{numT, numT}},
		{"date_trunc", []types.T{uT, types.DateT}, types.TimestampTZT, nil},
		{"date_trunc", []types.T{txtT, types.TimestampT}, types.TimestampT, nil},
		{"lower", []types.T{vcT}, txtT, []types.T{txtT}},
		{"||", []types.T{vcT, vcT}, txtT, nil},
		{"||", []types.T{uT, uT}, txtT, []types.T{txtT, txtT}},
		{"||", []types.T{txtT, i4T}, txtT, []types.T{txtT, i4T}},
		{"=", []types.T{types.DateT, types.TimestampTZT}, types.BoolT, []types.T{types.TimestampTZT, types.TimestampTZT}},
		{"=", []types.T{uT, txtT}, types.BoolT, []types.T{txtT, txtT}},
		{"like", []types.T{vcT, uT}, types.BoolT, []types.T{txtT, txtT}},
		{"concat", []types.T{i4T, uT, types.BoolT}, txtT, []types.T{i4T, txtT, types.BoolT}},
		{"->>", []types.T{types.JSONBT, uT}, txtT, []types.T{types.JSONBT, txtT}},
		{"->", []types.T{types.JSONBT, i4T}, types.JSONBT, nil},
		{"extract", []types.T{txtT, types.DateT}, numT, nil},
		{"date_part", []types.T{uT, types.TimestampTZT}, f8T, nil},
		{"now", nil, types.TimestampTZT, nil},
		{"NOW", nil, types.TimestampTZT, nil},
	}
	for _, tc := range tests {
		ov, err := Resolve(tc.name, tc.args)
		if err != nil {
			t.Errorf("Resolve(%s, %v): %v", tc.name, tc.args, err)
			continue
		}
		if ov.Result != tc.result {
			t.Errorf("Resolve(%s, %v) returns %s, want %s", tc.name, tc.args, ov.Result, tc.result)
		}
		for i, p := range tc.params {
			if got := paramType(ov, i); got != p {
				t.Errorf("Resolve(%s, %v) parameter %d is %s, want %s", tc.name, tc.args, i, got, p)
			}
		}
	}
}

func TestResolveErrors(t *testing.T) {
	tests := []struct {
		name string
		args []types.T
		code sqlerr.Code
		msg  string
		hint string
	}{
		{"+", []types.T{txtT, i4T}, undefFn, "operator does not exist: text + integer",
			"No operator matches the given name and argument types. You might need to add explicit type casts."},
		{"lower", []types.T{i4T}, undefFn, "function lower(integer) does not exist",
			"No function matches the given name and argument types. You might need to add explicit type casts."},
		{"nosuch", nil, undefFn, "function nosuch() does not exist", ""},
		{"substr", []types.T{txtT}, undefFn, "function substr(text) does not exist", ""},
		{"+", []types.T{uT, uT}, sqlerr.AmbiguousFunction, "operator is not unique: unknown + unknown",
			"Could not choose a best candidate operator. You might need to add explicit type casts."},
		{"like", []types.T{i4T, uT}, undefFn, "operator does not exist: integer ~~ unknown", ""},
	}
	for _, tc := range tests {
		_, err := Resolve(tc.name, tc.args)
		e := sqlerr.Find(err)
		if e == nil {
			t.Errorf("Resolve(%s, %v) = %v, want error %q", tc.name, tc.args, err, tc.msg)
			continue
		}
		if e.Code != tc.code || e.Message != tc.msg || (tc.hint != "" && e.Hint != tc.hint) {
			t.Errorf("Resolve(%s, %v) error %s %q hint %q, want %s %q hint %q", tc.name, tc.args, e.Code, e.Message, e.Hint, tc.code, tc.msg, tc.hint)
		}
	}
}

// TestCommonType checks select_common_type against pg_typeof of
// COALESCE/CASE in Postgres 15.
func TestCommonType(t *testing.T) {
	tests := []struct {
		in   []types.T
		want types.T
		err  string
	}{
		{[]types.T{i4T, numT}, numT, ""},
		{[]types.T{i8T, i4T}, i8T, ""},
		{[]types.T{f4T, numT}, f4T, ""},
		{[]types.T{i4T, f8T, numT}, f8T, ""},
		{[]types.T{vcT, txtT}, vcT, ""},
		{[]types.T{txtT, vcT}, txtT, ""},
		{[]types.T{types.VarcharOf(10), types.VarcharOf(10)}, types.VarcharOf(10), ""},
		{[]types.T{types.VarcharOf(10), types.VarcharOf(20)}, vcT, ""},
		{[]types.T{types.NumericOf(10, 2), types.NumericOf(10, 2)}, types.NumericOf(10, 2), ""},
		{[]types.T{types.NumericOf(10, 2), i4T}, numT, ""},
		{[]types.T{uT, i4T, uT}, i4T, ""},
		{[]types.T{uT, uT}, txtT, ""},
		{nil, txtT, ""},
		{[]types.T{types.DateT, types.TimestampTZT}, types.TimestampTZT, ""},
		{[]types.T{types.TimestampTZT, types.DateT}, types.TimestampTZT, ""},
		{[]types.T{txtT, i4T}, types.T{}, "CASE types text and integer cannot be matched"},
		{[]types.T{types.BoolT, i4T}, types.T{}, "CASE types boolean and integer cannot be matched"},
	}
	for _, tc := range tests {
		got, err := CommonType(tc.in...)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err || sqlerr.GetCode(err) != sqlerr.DatatypeMismatch {
				t.Errorf("CommonType(%v) = %s, %v; want error %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("CommonType(%v) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	if _, err := CommonTypeFor("UNION", txtT, i4T); err == nil || err.Error() != "UNION types text and integer cannot be matched" {
		t.Errorf("CommonTypeFor(UNION) error = %v", err)
	}
}

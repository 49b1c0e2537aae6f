package builtin

import (
	"regexp"
	"testing"
	"time"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

var stringCases = []exprCase{
	{fn: "lower", args: args(tx("HeLLo É")), want: "hello é"},
	{fn: "upper", args: args(lit("abc")), want: "ABC"},
	{fn: "upper", args: args(vc("abc")), want: "ABC"},
	{fn: "lower", args: args(in("1")), want: "function lower(integer) does not exist", code: undefFn},
	{fn: "length", args: args(tx("héllo")), want: "5"},
	{fn: "char_length", args: args(tx("héllo")), want: "5"},
	{fn: "octet_length", args: args(tx("héllo")), want: "6"},
	{fn: "length", args: args(null(types.TextT)), want: "NULL"},
	{fn: "substr", args: args(tx("hello"), in("2")), want: "ello"},
	{fn: "substr", args: args(tx("hello"), in("2"), in("3")), want: "ell"},
	{fn: "substring", args: args(tx("hello"), in("0"), in("3")), want: "he"},
	{fn: "substring", args: args(tx("hello"), in("-5"), in("3")), want: ""},
	{fn: "substr", args: args(tx("hello"), in("2"), in("-1")), want: "negative substring length not allowed", code: "22011"},
	{fn: "substr", args: args(tx("héllo"), in("2"), in("2")), want: "él"},
	{fn: "trim", args: args(tx("  x  ")), want: "x"},
	{fn: "btrim", args: args(tx("xxaxx"), tx("x")), want: "a"},
	{fn: "ltrim", args: args(tx("  x  ")), want: "x  "},
	{fn: "rtrim", args: args(tx("  x  ")), want: "  x"},
	{fn: "ltrim", args: args(tx("zzyx"), tx("yz")), want: "x"},
	{fn: "replace", args: args(tx("abcabc"), tx("b"), tx("XY")), want: "aXYcaXYc"},
	{fn: "replace", args: args(tx("abc"), tx(""), tx("X")), want: "abc"},
	{fn: "concat", args: args(tx("a"), null(types.TextT), in("1"), bo("t"), nu("1.50")), want: "a1t1.50"},
	{fn: "concat", args: args(lit("a"), null(types.UnknownT)), want: "a"},
	{fn: "concat_ws", args: args(lit(","), tx("a"), null(types.TextT), in("2")), want: "a,2"},
	{fn: "concat_ws", args: args(null(types.TextT), tx("a")), want: "NULL"},
	{fn: "left", args: args(tx("abcde"), in("2")), want: "ab"},
	{fn: "left", args: args(tx("abcde"), in("-2")), want: "abc"},
	{fn: "right", args: args(tx("abcde"), in("2")), want: "de"},
	{fn: "right", args: args(tx("abcde"), in("-2")), want: "cde"},
	{fn: "strpos", args: args(tx("héllo"), tx("l")), want: "3"},
	{fn: "strpos", args: args(tx("hello"), tx("z")), want: "0"},
	{fn: "split_part", args: args(tx("a,b,c"), tx(","), in("2")), want: "b"},
	{fn: "split_part", args: args(tx("a,b,c"), tx(","), in("-1")), want: "c"},
	{fn: "split_part", args: args(tx("a,b,c"), tx(","), in("4")), want: ""},
	{fn: "split_part", args: args(tx("a,b,c"), tx(","), in("0")), want: "field position must not be zero", code: sqlerr.InvalidParameterValue},
	{fn: "starts_with", args: args(tx("alphabet"), tx("alph")), want: "t"},
	{fn: "lpad", args: args(tx("hi"), in("5")), want: "   hi"},
	{fn: "lpad", args: args(tx("hi"), in("5"), tx("xy")), want: "xyxhi"},
	{fn: "lpad", args: args(tx("hello"), in("2")), want: "he"},
	{fn: "rpad", args: args(tx("hi"), in("5"), tx("xy")), want: "hixyx"},
	{fn: "reverse", args: args(tx("abç")), want: "çba"},
	{fn: "initcap", args: args(tx("hi THOMAS o'neil")), want: "Hi Thomas O'Neil"},
	{fn: "repeat", args: args(tx("ab"), in("3")), want: "ababab"},
	{fn: "repeat", args: args(tx("ab"), in("-1")), want: ""},
	{fn: "md5", args: args(tx("abc")), want: "900150983cd24fb0d6963f7d28e17f72"},
	{fn: "ascii", args: args(tx("A")), want: "65"},
	{fn: "chr", args: args(in("65")), want: "A"},
	{fn: "||", args: args(tx("a"), tx("b")), want: "ab"},
	{fn: "||", args: args(lit("a"), lit("b")), want: "ab"},
	{fn: "||", args: args(tx("a"), in("1")), want: "a1"},
	{fn: "||", args: args(nu("1.50"), tx("x")), want: "1.50x"},
	{fn: "||", args: args(tx("a"), null(types.TextT)), want: "NULL"},
	{fn: "||", args: args(in("1"), in("2")), want: "operator does not exist: integer || integer", code: undefFn},
	{fn: "like", args: args(tx("hello"), lit("h%o")), want: "t"},
	{fn: "like", args: args(tx("hello"), lit("h_llo")), want: "t"},
	{fn: "like", args: args(tx("hello"), lit("H%")), want: "f"},
	{fn: "like", args: args(tx("a%b"), lit(`a\%b`)), want: "t"},
	{fn: "like", args: args(tx("axb"), lit(`a\%b`)), want: "f"},
	{fn: "like", args: args(tx("héllo"), lit("h_llo")), want: "t"},
	{fn: "like", args: args(tx("abc"), lit("%%c")), want: "t"},
	{fn: "like", args: args(tx("abc"), lit(`ab\`)), want: "LIKE pattern must not end with escape character", code: "22025"},
	{fn: "not like", args: args(tx("hello"), lit("h%")), want: "f"},
	{fn: "ilike", args: args(tx("HeLLo"), lit("h%O")), want: "t"},
	{fn: "not ilike", args: args(tx("HeLLo"), lit("x%")), want: "t"},
	{fn: "like", args: args(null(types.TextT), lit("%")), want: "NULL"},
	{fn: "~", args: args(tx("foobar"), lit("o+b")), want: "t"},
	{fn: "~", args: args(tx("FOO"), lit("^foo$")), want: "f"},
	{fn: "~*", args: args(tx("FOO"), lit("^foo$")), want: "t"},
	{fn: "!~", args: args(tx("FOO"), lit("^foo$")), want: "t"},
	{fn: "!~*", args: args(tx("FOO"), lit("^foo$")), want: "f"},
	{fn: "~", args: args(tx("x"), lit("(")), want: "invalid regular expression: missing closing ): `(`", code: "2201B", pgDiffers: true},
}

var mathCases = []exprCase{
	{fn: "abs", args: args(in("-5")), want: "5"},
	{fn: "abs", args: args(in("-2147483648")), want: "integer out of range", code: outOfRange},
	{fn: "abs", args: args(nu("-1.50")), want: "1.50"},
	{fn: "abs", args: args(fl("-2.5")), want: "2.5"},
	{fn: "round", args: args(nu("2.5")), want: "3"},
	{fn: "round", args: args(nu("-2.5")), want: "-3"},
	{fn: "round", args: args(fl("2.5")), want: "2"},
	{fn: "round", args: args(fl("3.5")), want: "4"},
	{fn: "round", args: args(in("5")), want: "5"},
	{fn: "round", args: args(nu("1234.5678"), in("2")), want: "1234.57"},
	{fn: "round", args: args(nu("1234.5678"), in("-2")), want: "1200"},
	{fn: "round", args: args(nu("1.5"), in("3")), want: "1.500"},
	{fn: "round", args: args(lit("2.5")), want: "2"},
	{fn: "ceil", args: args(nu("-1.5")), want: "-1"},
	{fn: "ceil", args: args(nu("1.1")), want: "2"},
	{fn: "ceiling", args: args(fl("1.1")), want: "2"},
	{fn: "floor", args: args(nu("-1.5")), want: "-2"},
	{fn: "floor", args: args(fl("1.9")), want: "1"},
	{fn: "trunc", args: args(nu("-1.55"), in("1")), want: "-1.5"},
	{fn: "trunc", args: args(nu("1.99")), want: "1"},
	{fn: "trunc", args: args(fl("-1.9")), want: "-1"},
	{fn: "sqrt", args: args(fl("16")), want: "4"},
	{fn: "sqrt", args: args(in("2")), want: "1.4142135623730951"},
	{fn: "sqrt", args: args(fl("-1")), want: "cannot take square root of a negative number", code: "2201F"},
	{fn: "cbrt", args: args(fl("27")), want: "3", pgDiffers: true}, // glibc's cbrt gives 3.0000000000000004
	{fn: "power", args: args(fl("2"), fl("0.5")), want: "1.4142135623730951"},
	{fn: "pow", args: args(in("2"), in("3")), want: "8"},
	{fn: "exp", args: args(fl("0")), want: "1"},
	{fn: "ln", args: args(fl("1")), want: "0"},
	{fn: "ln", args: args(fl("0")), want: "cannot take logarithm of zero", code: "2201E"},
	{fn: "ln", args: args(fl("-1")), want: "cannot take logarithm of a negative number", code: "2201E"},
	{fn: "log", args: args(fl("100")), want: "2"},
	{fn: "log10", args: args(fl("1000")), want: "3"},
	{fn: "sqrt", args: args(nu("2")), want: "1.414213562373095"},
	{fn: "sqrt", args: args(nu("100")), want: "10.000000000000000"},
	{fn: "sqrt", args: args(nu("1e10")), want: "100000.00000000000"},
	{fn: "sqrt", args: args(nu("0.0001")), want: "0.01000000000000000"},
	{fn: "sqrt", args: args(nu("2.000000000000000000000")), want: "1.414213562373095048802"},
	{fn: "sqrt", args: args(nu("-1")), want: "cannot take square root of a negative number", code: "2201F"},
	{fn: "exp", args: args(nu("1")), want: "2.7182818284590452"},
	{fn: "exp", args: args(nu("100")), want: "26881171418161354484126255515800135873611119"},
	{fn: "exp", args: args(nu("-10")), want: "0.00004539992976248485"},
	{fn: "ln", args: args(nu("10")), want: "2.3025850929940457"},
	{fn: "ln", args: args(nu("1.0001")), want: "0.00009999500033330834"},
	{fn: "ln", args: args(nu("1e100")), want: "230.25850929940457"},
	{fn: "ln", args: args(nu("0")), want: "cannot take logarithm of zero", code: "2201E"},
	{fn: "log", args: args(nu("100")), want: "2.0000000000000000"},
	{fn: "log", args: args(in("2"), in("8")), want: "3.0000000000000000"},
	{fn: "log", args: args(nu("2"), nu("1000000")), want: "19.931568569324174"},
	{fn: "log10", args: args(nu("0.001")), want: "-3.0000000000000000"},
	{fn: "log", args: args(nu("1"), nu("10")), want: "division by zero", code: divZero},
	{fn: "mod", args: args(in("-7"), in("3")), want: "-1"},
	{fn: "mod", args: args(nu("7.5"), nu("2")), want: "1.5"},
	{fn: "mod", args: args(in("7"), in("0")), want: "division by zero", code: divZero},
	{fn: "div", args: args(nu("10.5"), nu("3")), want: "3"},
	{fn: "div", args: args(nu("-10.5"), nu("3")), want: "-3"},
	{fn: "sign", args: args(nu("-4.2")), want: "-1"},
	{fn: "sign", args: args(fl("0")), want: "0"},
	{fn: "pi", want: "3.141592653589793"},
	{fn: "greatest", args: args(in("1"), in("3"), in("2")), want: "3"},
	{fn: "greatest", args: args(in("1"), null(types.Int4T), nu("2.5")), want: "2.5"},
	{fn: "least", args: args(in("1"), null(types.Int4T), nu("2.5")), want: "1"},
	{fn: "least", args: args(lit("b"), lit("a")), want: "a"},
	{fn: "greatest", args: args(null(types.Int4T), null(types.Int4T)), want: "NULL"},
	{fn: "greatest", args: args(in("1"), tx("a")), want: "GREATEST types integer and text cannot be matched", code: sqlerr.DatatypeMismatch},
}

var dateTimeCases = []exprCase{
	{fn: "+", args: args(dt("2024-01-31"), in("1")), want: "2024-02-01"},
	{fn: "-", args: args(dt("2024-03-01"), in("1")), want: "2024-02-29"},
	{fn: "-", args: args(dt("2024-03-01"), dt("2024-01-01")), want: "60"},
	{fn: "+", args: args(dt("2024-01-31"), iv("1 month")), want: "2024-02-29 00:00:00"},
	{fn: "+", args: args(dt("2024-01-01"), lit("1 day")), want: "operator is not unique: date + unknown", code: sqlerr.AmbiguousFunction},
	{fn: "+", args: args(ts("2024-01-31 10:00:00"), iv("1 mon 1 day 01:00:00")), want: "2024-03-01 11:00:00"},
	{fn: "-", args: args(ts("2024-03-31 00:00:00"), iv("1 mon")), want: "2024-02-29 00:00:00"},
	{fn: "+", args: args(tz("2024-01-01 00:00:00+00"), iv("90 minutes")), want: "2024-01-01 01:30:00+00"},
	{fn: "-", args: args(ts("2024-01-02 03:00:00"), ts("2024-01-01 00:00:00")), want: "1 day 03:00:00"},
	{fn: "-", args: args(ts("2024-01-01 00:00:00"), ts("2024-01-02 03:00:00")), want: "-1 days -03:00:00"},
	{fn: "-", args: args(tz("2024-01-01 00:00:00+00"), tz("2023-12-31 23:59:59.5+00")), want: "00:00:00.5"},
	{fn: "+", args: args(iv("1 day"), iv("-02:00:00")), want: "1 day -02:00:00"},
	{fn: "-", args: args(iv("1 mon"), iv("1 day")), want: "1 mon -1 days"},
	{fn: "-", args: args(iv("1 day 02:00:00")), want: "-1 days -02:00:00"},
	{fn: "*", args: args(iv("1 day 01:00:00"), fl("2")), want: "2 days 02:00:00"},
	{fn: "*", args: args(iv("1 mon"), fl("1.5")), want: "1 mon 15 days"},
	{fn: "*", args: args(in("3"), iv("20 minutes")), want: "01:00:00"},
	{fn: "/", args: args(iv("1 day"), fl("4")), want: "06:00:00"},
	{fn: "/", args: args(iv("1 day"), fl("0")), want: "division by zero", code: divZero},
	{fn: "+", args: args(ts("294000-01-01 00:00:00"), iv("1000 years")), want: "timestamp out of range", code: sqlerr.DatetimeFieldOverflow, pgDiffers: true},
	{fn: "date_trunc", args: args(lit("hour"), ts("2024-05-06 07:08:09.5")), want: "2024-05-06 07:00:00"},
	{fn: "date_trunc", args: args(lit("day"), tz("2024-05-06 07:08:09+00")), want: "2024-05-06 00:00:00+00"},
	{fn: "date_trunc", args: args(lit("week"), ts("2024-05-09 07:08:09")), want: "2024-05-06 00:00:00"},
	{fn: "date_trunc", args: args(lit("month"), ts("2024-05-09 07:08:09")), want: "2024-05-01 00:00:00"},
	{fn: "date_trunc", args: args(lit("quarter"), ts("2024-05-09 07:08:09")), want: "2024-04-01 00:00:00"},
	{fn: "date_trunc", args: args(lit("YEAR"), ts("2024-05-09 07:08:09")), want: "2024-01-01 00:00:00"},
	{fn: "date_trunc", args: args(lit("decade"), ts("2024-05-09 07:08:09")), want: "2020-01-01 00:00:00"},
	{fn: "date_trunc", args: args(lit("century"), ts("2024-05-09 07:08:09")), want: "2001-01-01 00:00:00"},
	{fn: "date_trunc", args: args(lit("milliseconds"), ts("2024-05-09 07:08:09.123456")), want: "2024-05-09 07:08:09.123"},
	{fn: "date_trunc", args: args(lit("day"), dt("2024-05-09")), want: "2024-05-09 00:00:00+00"},
	{fn: "date_trunc", args: args(lit("hour"), iv("1 day 05:06:07")), want: "1 day 05:00:00"},
	{fn: "date_trunc", args: args(lit("fortnight"), ts("2024-05-09 07:08:09")), want: `unit "fortnight" not recognized for type timestamp without time zone`, code: sqlerr.InvalidParameterValue},
	{fn: "date_part", args: args(lit("year"), ts("2024-05-09 07:08:09")), want: "2024"},
	{fn: "date_part", args: args(lit("second"), ts("2024-05-09 07:08:09.5")), want: "9.5"},
	{fn: "date_part", args: args(lit("dow"), dt("2024-01-07")), want: "0"},
	{fn: "date_part", args: args(lit("hour"), dt("2024-01-07")), want: "0"},
	{fn: "date_part", args: args(lit("epoch"), tz("2024-01-01 00:00:00+00")), want: "1704067200"},
	{fn: "extract", args: args(lit("second"), ts("2024-01-01 00:00:05.123")), want: "5.123000"},
	{fn: "extract", args: args(lit("milliseconds"), ts("2024-01-01 00:00:05.123")), want: "5123.000"},
	{fn: "extract", args: args(lit("microseconds"), ts("2024-01-01 00:00:05.123")), want: "5123000"},
	{fn: "extract", args: args(lit("epoch"), ts("2024-01-01 00:00:05.5")), want: "1704067205.500000"},
	{fn: "extract", args: args(lit("epoch"), dt("2024-01-01")), want: "1704067200"},
	{fn: "extract", args: args(lit("epoch"), iv("1 day")), want: "86400.000000"},
	{fn: "extract", args: args(lit("epoch"), iv("1 year 1 mon")), want: "34149600.000000"},
	{fn: "extract", args: args(lit("year"), dt("2024-05-09")), want: "2024"},
	{fn: "extract", args: args(lit("month"), ts("2024-05-09 07:08:09")), want: "5"},
	{fn: "extract", args: args(lit("day"), tz("2024-05-09 07:08:09+00")), want: "9"},
	{fn: "extract", args: args(lit("hour"), ts("2024-05-09 07:08:09")), want: "7"},
	{fn: "extract", args: args(lit("minute"), ts("2024-05-09 07:08:09")), want: "8"},
	{fn: "extract", args: args(lit("isodow"), dt("2024-01-07")), want: "7"},
	{fn: "extract", args: args(lit("doy"), dt("2024-12-31")), want: "366"},
	{fn: "extract", args: args(lit("week"), dt("2024-12-30")), want: "1"},
	{fn: "extract", args: args(lit("week"), dt("2021-01-03")), want: "53"},
	{fn: "extract", args: args(lit("quarter"), dt("2024-05-09")), want: "2"},
	{fn: "extract", args: args(lit("decade"), dt("2024-05-09")), want: "202"},
	{fn: "extract", args: args(lit("century"), dt("2000-05-09")), want: "20"},
	{fn: "extract", args: args(lit("century"), dt("2001-05-09")), want: "21"},
	{fn: "extract", args: args(lit("millennium"), dt("2001-05-09")), want: "3"},
	{fn: "extract", args: args(lit("hour"), iv("1 day 25:00:00")), want: "25"},
	{fn: "extract", args: args(lit("month"), iv("14 mons")), want: "2"},
	{fn: "extract", args: args(lit("hour"), dt("2024-05-09")), want: `unit "hour" not supported for type date`, code: sqlerr.FeatureNotSupported},
	{fn: "to_timestamp", args: args(fl("1704067205.5")), want: "2024-01-01 00:00:05.5+00"},
	{fn: "to_timestamp", args: args(in("0")), want: "1970-01-01 00:00:00+00"},
	{fn: "make_date", args: args(in("2024"), in("2"), in("29")), want: "2024-02-29"},
	{fn: "make_date", args: args(in("2023"), in("2"), in("29")), want: "date field value out of range: 2023-02-29", code: sqlerr.DatetimeFieldOverflow},
	{fn: "make_timestamp", args: args(in("2024"), in("2"), in("29"), in("10"), in("11"), fl("12.5")), want: "2024-02-29 10:11:12.5"},
	{fn: "age", args: args(ts("2024-03-01 00:00:00"), ts("2023-01-31 12:00:00")), want: "1 year 1 mon 12:00:00"},
	{fn: "age", args: args(ts("2023-01-31 12:00:00"), ts("2024-03-01 00:00:00")), want: "-1 years -1 mons -12:00:00"},
}

var jsonCases = []exprCase{
	{fn: "->", args: args(jb(`{"a": {"b": 1}}`), lit("a")), want: `{"b": 1}`},
	{fn: "->>", args: args(jb(`{"a": "x\"y"}`), lit("a")), want: `x"y`},
	{fn: "->>", args: args(jb(`{"a": null}`), lit("a")), want: "NULL"},
	{fn: "->", args: args(jb(`{"a": null}`), lit("a")), want: "null"},
	{fn: "->", args: args(jb(`{"a": 1}`), lit("b")), want: "NULL"},
	{fn: "->", args: args(jb(`[1, [2, 3]]`), in("1")), want: "[2, 3]"},
	{fn: "->>", args: args(jb(`[1, 2.50]`), in("-1")), want: "2.50"},
	{fn: "->", args: args(jb(`[1]`), in("5")), want: "NULL"},
	{fn: "->", args: args(jb(`[1]`), lit("a")), want: "NULL"},
	{fn: "jsonb_typeof", args: args(jb(`{"a": 1}`)), want: "object"},
	{fn: "jsonb_typeof", args: args(jb(`1.5`)), want: "number"},
	{fn: "jsonb_typeof", args: args(jb(`null`)), want: "null"},
	{fn: "jsonb_array_length", args: args(jb(`[1, 2]`)), want: "2"},
	{fn: "jsonb_build_object", args: args(lit("b"), in("1"), lit("a"), tx("x")), want: `{"a": "x", "b": 1}`},
	{fn: "jsonb_build_array", args: args(in("1"), null(types.TextT), bo("t"), tx("s")), want: `[1, null, true, "s"]`},
	{fn: "to_jsonb", args: args(tz("2024-01-01 00:00:00+00")), want: `"2024-01-01T00:00:00+00:00"`},
}

func TestStringFunctions(t *testing.T) { runExprCases(t, stringCases) }
func TestMathFunctions(t *testing.T)   { runExprCases(t, mathCases) }
func TestDateTime(t *testing.T)        { runExprCases(t, dateTimeCases) }
func TestJSONB(t *testing.T)           { runExprCases(t, jsonCases) }

func TestVolatileFunctions(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	before := time.Now().UnixMicro()
	for _, name := range []string{"now", "current_timestamp", "transaction_timestamp", "statement_timestamp", "clock_timestamp", "current_date", "random", "gen_random_uuid", "localtimestamp"} {
		ov, err := Resolve(name, nil)
		if err != nil {
			t.Fatalf("Resolve(%s): %v", name, err)
		}
		if !ov.Volatile {
			t.Errorf("%s is not marked volatile", name)
		}
		d, err := ov.Fn(nil)
		if err != nil || d.Kind() != ov.Result.Family {
			t.Fatalf("%s() = %v, %v", name, d, err)
		}
		switch name {
		case "now", "current_timestamp":
			if us := d.Micros(); us < before || us > time.Now().UnixMicro() {
				t.Errorf("%s() = %s, not the current time", name, datum.FormatText(d))
			}
		case "random":
			if f := d.Float(); f < 0 || f >= 1 {
				t.Errorf("random() = %v", f)
			}
		case "gen_random_uuid":
			if !uuid.MatchString(d.Str()) {
				t.Errorf("gen_random_uuid() = %q", d.Str())
			}
		}
	}
	if ov, _ := Resolve("lower", []types.T{types.TextT}); ov.Volatile || !ov.Strict {
		t.Errorf("lower: Volatile %v Strict %v", ov.Volatile, ov.Strict)
	}
	if ov, _ := Resolve("concat", []types.T{types.TextT}); ov.Strict {
		t.Errorf("concat must not be strict")
	}
}

package builtin

import (
	"testing"

	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

func si(s string) arg { return a(types.Int2T, s) }
func in(s string) arg { return a(types.Int4T, s) }
func bi(s string) arg { return a(types.Int8T, s) }
func fl(s string) arg { return a(types.Float8T, s) }
func f4(s string) arg { return a(types.Float4T, s) }
func nu(s string) arg { return a(types.NumericT, s) }
func tx(s string) arg { return a(types.TextT, s) }
func vc(s string) arg { return a(types.VarcharT, s) }
func dt(s string) arg { return a(types.DateT, s) }
func ts(s string) arg { return a(types.TimestampT, s) }
func tz(s string) arg { return a(types.TimestampTZT, s) }
func iv(s string) arg { return a(types.IntervalT, s) }
func jb(s string) arg { return a(types.JSONBT, s) }
func bo(s string) arg { return a(types.BoolT, s) }

func args(xs ...arg) []arg { return xs }

const (
	outOfRange = sqlerr.NumericValueOutOfRange
	divZero    = sqlerr.DivisionByZero
	undefFn    = sqlerr.UndefinedFunction
)

func allExprCases() []exprCase {
	var all []exprCase
	for _, t := range [][]exprCase{arithmeticCases, comparisonCases, stringCases, mathCases, dateTimeCases, jsonCases} {
		all = append(all, t...)
	}
	return all
}

var arithmeticCases = []exprCase{
	{fn: "+", args: args(in("1"), in("2")), want: "3"},
	{fn: "+", args: args(in("2147483647"), in("1")), want: "integer out of range", code: outOfRange},
	{fn: "+", args: args(si("32767"), si("1")), want: "smallint out of range", code: outOfRange},
	{fn: "+", args: args(bi("9223372036854775807"), bi("1")), want: "bigint out of range", code: outOfRange},
	{fn: "+", args: args(in("2147483647"), bi("1")), want: "2147483648"},
	{fn: "-", args: args(in("-2147483648"), in("1")), want: "integer out of range", code: outOfRange},
	{fn: "-", args: args(bi("-9223372036854775808"), bi("1")), want: "bigint out of range", code: outOfRange},
	{fn: "*", args: args(in("65536"), in("65536")), want: "integer out of range", code: outOfRange},
	{fn: "*", args: args(bi("4294967296"), bi("4294967296")), want: "bigint out of range", code: outOfRange},
	{fn: "*", args: args(in("-3"), in("7")), want: "-21"},
	{fn: "/", args: args(in("7"), in("2")), want: "3"},
	{fn: "/", args: args(in("-7"), in("2")), want: "-3"},
	{fn: "/", args: args(in("7"), in("0")), want: "division by zero", code: divZero},
	{fn: "/", args: args(in("-2147483648"), in("-1")), want: "integer out of range", code: outOfRange},
	{fn: "/", args: args(bi("-9223372036854775808"), bi("-1")), want: "bigint out of range", code: outOfRange},
	{fn: "%", args: args(in("-7"), in("3")), want: "-1"},
	{fn: "%", args: args(in("7"), in("0")), want: "division by zero", code: divZero},
	{fn: "%", args: args(bi("-9223372036854775808"), bi("-1")), want: "0"},
	{fn: "-", args: args(in("5")), want: "-5"},
	{fn: "-", args: args(in("-2147483648")), want: "integer out of range", code: outOfRange},
	{fn: "+", args: args(in("1"), null(types.Int4T)), want: "NULL"},
	{fn: "+", args: args(in("1"), lit("2")), want: "3"},
	{fn: "+", args: args(in("1"), lit("x")), want: `invalid input syntax for type integer: "x"`, code: sqlerr.InvalidTextRepresentation},
	{fn: "+", args: args(in("1"), nu("2.5")), want: "3.5"},
	{fn: "+", args: args(in("1"), fl("2.5")), want: "3.5"},
	{fn: "+", args: args(nu("0.1"), nu("0.2")), want: "0.3"},
	{fn: "+", args: args(fl("0.1"), fl("0.2")), want: "0.30000000000000004"},
	{fn: "-", args: args(nu("1.50"), nu("0.5")), want: "1.00"},
	{fn: "*", args: args(nu("1.5"), nu("1.25")), want: "1.875"},
	{fn: "*", args: args(nu("99999999999999999999"), nu("99999999999999999999")), want: "9999999999999999999800000000000000000001"},
	{fn: "+", args: args(nu("9223372036854775807"), nu("1")), want: "9223372036854775808"},
	{fn: "/", args: args(nu("1"), nu("3")), want: "0.33333333333333333333"},
	{fn: "/", args: args(in("1"), nu("3")), want: "0.33333333333333333333"},
	{fn: "/", args: args(nu("10.00"), in("4")), want: "2.5000000000000000"},
	{fn: "/", args: args(nu("1"), nu("30000")), want: "0.000033333333333333333333"},
	{fn: "/", args: args(nu("123456789.123"), nu("0.001")), want: "123456789123.00000000"},
	{fn: "/", args: args(nu("99999999999999999999"), nu("7")), want: "14285714285714285714"},
	{fn: "/", args: args(nu("-2"), nu("3")), want: "-0.66666666666666666667"},
	{fn: "/", args: args(nu("1"), nu("0")), want: "division by zero", code: divZero},
	{fn: "%", args: args(nu("10.5"), nu("3")), want: "1.5"},
	{fn: "%", args: args(nu("-10.5"), nu("3")), want: "-1.5"},
	{fn: "/", args: args(fl("1"), fl("0")), want: "division by zero", code: divZero},
	{fn: "/", args: args(fl("1"), fl("3")), want: "0.3333333333333333"},
	{fn: "*", args: args(fl("1e300"), fl("1e300")), want: "value out of range: overflow", code: outOfRange},
	{fn: "*", args: args(fl("1e-300"), fl("1e-300")), want: "value out of range: underflow", code: outOfRange},
	{fn: "+", args: args(fl("Infinity"), fl("1")), want: "Infinity"},
	{fn: "-", args: args(fl("Infinity"), fl("Infinity")), want: "NaN"},
	{fn: "+", args: args(f4("1.5"), f4("0.25")), want: "1.75"},
	{fn: "+", args: args(f4("0.1"), f4("0.2")), want: "0.3"},
	{fn: "^", args: args(fl("2"), fl("10")), want: "1024"},
	{fn: "^", args: args(fl("0"), fl("-1")), want: "zero raised to a negative power is undefined", code: "2201F"},
	{fn: "&", args: args(in("12"), in("10")), want: "8"},
	{fn: "|", args: args(in("12"), in("10")), want: "14"},
	{fn: "#", args: args(in("12"), in("10")), want: "6"},
	{fn: "~", args: args(in("5")), want: "-6"},
	{fn: "<<", args: args(in("1"), in("4")), want: "16"},
	{fn: ">>", args: args(in("-16"), in("2")), want: "-4"},
	{fn: "+", args: args(tx("a"), in("1")), want: "operator does not exist: text + integer", code: undefFn},
	{fn: "-", args: args(tx("a")), want: "operator does not exist: - text", code: undefFn},
	{fn: "+", args: args(lit("1"), lit("2")), want: "operator is not unique: unknown + unknown", code: sqlerr.AmbiguousFunction},
}

var comparisonCases = []exprCase{
	{fn: "=", args: args(in("1"), bi("1")), want: "t"},
	{fn: "=", args: args(in("1"), nu("1.0")), want: "t"},
	{fn: "<", args: args(nu("1.5"), fl("1.6")), want: "t"},
	{fn: "=", args: args(fl("NaN"), fl("NaN")), want: "t"},
	{fn: ">", args: args(fl("NaN"), fl("Infinity")), want: "t"},
	{fn: "<>", args: args(tx("a"), vc("a")), want: "f"},
	{fn: "<", args: args(tx("a"), tx("b")), want: "t"},
	{fn: "=", args: args(tx("a"), lit("a")), want: "t"},
	{fn: "=", args: args(tx("1"), in("1")), want: "operator does not exist: text = integer", code: undefFn},
	{fn: "=", args: args(in("1"), null(types.UnknownT)), want: "NULL"},
	{fn: "<", args: args(dt("2024-01-01"), ts("2024-01-01 00:00:01")), want: "t"},
	{fn: "=", args: args(ts("2024-01-01 00:00:00"), tz("2024-01-01 00:00:00+00")), want: "t"},
	{fn: "=", args: args(iv("1 mon"), iv("30 days")), want: "t"},
	{fn: ">", args: args(iv("1 day"), iv("23 hours")), want: "t"},
	{fn: "=", args: args(bo("t"), lit("true")), want: "t"},
	{fn: "<", args: args(bo("f"), bo("t")), want: "t"},
	{fn: "=", args: args(jb(`{"a":1, "b":2}`), jb(`{"b":2,"a":1}`)), want: "t"},
	{fn: ">=", args: args(nu("2"), in("2")), want: "t"},
	{fn: "=", args: args(jb(`{"a": 1.0}`), jb(`{"a": 1}`)), want: "t"},
	{fn: "<", args: args(jb(`{"b": 1}`), jb(`{"a": 1, "b": 0}`)), want: "t"},
	{fn: "<", args: args(jb(`{"b": 1}`), jb(`{"c": 0}`)), want: "t"},
	{fn: ">", args: args(jb(`[]`), jb(`true`)), want: "f"},
	{fn: ">", args: args(jb(`[0]`), jb(`true`)), want: "t"},
	{fn: ">", args: args(jb(`[1, 2]`), jb(`true`)), want: "t"},
	{fn: ">", args: args(jb(`{}`), jb(`[1, 2]`)), want: "t"},
	{fn: "<", args: args(jb(`"b"`), jb(`{}`)), want: "t"},
	{fn: ">", args: args(jb(`true`), jb(`1000`)), want: "t"},
	{fn: ">", args: args(jb(`1`), jb(`"z"`)), want: "t"},
	{fn: ">", args: args(jb(`"a"`), jb(`null`)), want: "t"},
	{fn: "<", args: args(jb(`[1, 2]`), jb(`[3]`)), want: "f"},
	{fn: "<", args: args(jb(`[1, "a"]`), jb(`[1, 2]`)), want: "t"},
	{fn: ">", args: args(jb(`{"a": []}`), jb(`[1, 2, 3]`)), want: "t"},
	{fn: "<", args: args(jb(`[[1]]`), jb(`[{}]`)), want: "t"},
	{fn: "<>", args: args(nu("NaN"), nu("NaN")), want: "f"},
}

func TestArithmetic(t *testing.T) { runExprCases(t, arithmeticCases) }
func TestComparison(t *testing.T) { runExprCases(t, comparisonCases) }

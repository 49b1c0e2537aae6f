package datum

import (
	"math"
	"math/big"
	"testing"

	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

// The expected values were computed by Postgres 15 (SELECT a + b, ...).
func TestNumericArithmetic(t *testing.T) {
	ops := map[string]func(a, b Datum) (Datum, error){
		"+": NumericAdd, "-": NumericSub, "*": NumericMul, "/": NumericDiv, "%": NumericMod, "div": NumericDivTrunc,
	}
	tests := []struct{ a, op, b, want string }{
		{"1.5", "+", "2.25", "3.75"},
		{"0.1", "+", "0.2", "0.3"},
		{"1.50", "-", "1.5", "0.00"},
		{"9223372036854775807", "+", "1", "9223372036854775808"},
		{"-9223372036854775808", "-", "1", "-9223372036854775809"},
		{"-9223372036854775808", "-", "-9223372036854775808", "0"},
		{"99999999999999999999.99", "+", "0.01", "100000000000000000000.00"},
		{"100000000000000000000", "-", "99999999999999999999", "1"},
		{"1.5", "*", "1.25", "1.875"},
		{"-0.5", "*", "0.5", "-0.25"},
		{"3037000500", "*", "3037000500", "9223372037000250000"},
		{"123456789012345678901234567890", "*", "0.1", "12345678901234567890123456789.0"},
		{"1", "/", "3", "0.33333333333333333333"},
		{"10.00", "/", "4", "2.5000000000000000"},
		{"2", "/", "3", "0.66666666666666666667"},
		{"-2", "/", "3", "-0.66666666666666666667"},
		{"1", "/", "30000", "0.000033333333333333333333"},
		{"123456789.123", "/", "0.001", "123456789123.00000000"},
		{"99999999999999999999", "/", "7", "14285714285714285714"},
		{"1", "/", "7000000000000000000000", "0.0000000000000000000001428571428571428571"},
		{"1e-30", "/", "3", "0.000000000000000000000000000000333333333333333333"},
		{"10.5", "%", "3", "1.5"},
		{"-10.5", "%", "3", "-1.5"},
		{"123456789012345678901234567890", "%", "7", "0"},
		{"1", "/", "7e30", "0.000000000000000000000000000000142857142857142857"},
		{"10.5", "div", "3", "3"},
		{"-10.5", "div", "3", "-3"},
		{"NaN", "+", "1", "NaN"},
		{"Infinity", "+", "1", "Infinity"},
		{"Infinity", "-", "Infinity", "NaN"},
		{"Infinity", "*", "-2", "-Infinity"},
		{"1", "/", "Infinity", "0"},
	}
	for _, tc := range tests {
		a, b := mustNumeric(t, tc.a), mustNumeric(t, tc.b)
		got, err := ops[tc.op](a, b)
		if err != nil {
			t.Errorf("%s %s %s: %v", tc.a, tc.op, tc.b, err)
			continue
		}
		if FormatText(got) != tc.want {
			t.Errorf("%s %s %s = %s, want %s", tc.a, tc.op, tc.b, FormatText(got), tc.want)
		}
	}
	for _, op := range []string{"/", "%", "div"} {
		_, err := ops[op](mustNumeric(t, "1"), mustNumeric(t, "0.00"))
		if sqlerr.GetCode(err) != sqlerr.DivisionByZero || err.Error() != "division by zero" {
			t.Errorf("1 %s 0: error %v", op, err)
		}
	}
}

// TestNumericArithmeticMatchesBig checks + - * on random operands, small
// and big, against math/big rationals.
func TestNumericArithmeticMatchesBig(t *testing.T) {
	r := testRand(t)
	for i := 0; i < 20000; i++ {
		a := randDatum(r, types.Numeric, r.IntN(3) == 0)
		b := randDatum(r, types.Numeric, r.IntN(3) == 0)
		if a.IsNumericSpecial() || b.IsNumericSpecial() {
			continue
		}
		ra, _ := new(big.Rat).SetString(FormatText(a))
		rb, _ := new(big.Rat).SetString(FormatText(b))
		check := func(op string, got Datum, want *big.Rat, scale int32) {
			t.Helper()
			rg, _ := new(big.Rat).SetString(FormatText(got))
			if rg.Cmp(want) != 0 || got.NumericScale() != scale {
				t.Fatalf("%s %s %s = %s, want %s (scale %d)", FormatText(a), op, FormatText(b), FormatText(got), want.FloatString(int(scale)), scale)
			}
		}
		s := max(a.NumericScale(), b.NumericScale())
		sum, _ := NumericAdd(a, b)
		check("+", sum, new(big.Rat).Add(ra, rb), s)
		diff, _ := NumericSub(a, b)
		check("-", diff, new(big.Rat).Sub(ra, rb), s)
		prod, _ := NumericMul(a, b)
		check("*", prod, new(big.Rat).Mul(ra, rb), a.NumericScale()+b.NumericScale())
	}
}

func TestNumericRounding(t *testing.T) {
	tests := []struct {
		in    string
		scale int32
		round string
		trunc string
	}{
		{"2.5", 0, "3", "2"},
		{"-2.5", 0, "-3", "-2"},
		{"1234.5678", 2, "1234.57", "1234.56"},
		{"1234.5678", -2, "1200", "1200"},
		{"1250", -2, "1300", "1200"},
		{"-1250", -2, "-1300", "-1200"},
		{"1.5", 3, "1.500", "1.500"},
		{"0.0005", 3, "0.001", "0.000"},
		{"99999999999999999999.5", 0, "100000000000000000000", "99999999999999999999"},
		{"-123456789012345678901234.56789", 3, "-123456789012345678901234.568", "-123456789012345678901234.567"},
		{"NaN", 2, "NaN", "NaN"},
	}
	for _, tc := range tests {
		d := mustNumeric(t, tc.in)
		if got := FormatText(NumericRound(d, tc.scale)); got != tc.round {
			t.Errorf("round(%s, %d) = %s, want %s", tc.in, tc.scale, got, tc.round)
		}
		if got := FormatText(NumericTrunc(d, tc.scale)); got != tc.trunc {
			t.Errorf("trunc(%s, %d) = %s, want %s", tc.in, tc.scale, got, tc.trunc)
		}
	}
	for _, tc := range []struct{ in, floor, ceil string }{
		{"1.5", "1", "2"}, {"-1.5", "-2", "-1"}, {"2.000", "2", "2"}, {"-0.1", "-1", "0"},
		{"123456789012345678901.1", "123456789012345678901", "123456789012345678902"},
	} {
		d := mustNumeric(t, tc.in)
		if got := FormatText(NumericFloor(d)); got != tc.floor {
			t.Errorf("floor(%s) = %s, want %s", tc.in, got, tc.floor)
		}
		if got := FormatText(NumericCeil(d)); got != tc.ceil {
			t.Errorf("ceil(%s) = %s, want %s", tc.in, got, tc.ceil)
		}
	}
}

func TestNumericConversions(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"2.5", 3, true}, {"-2.5", -3, true}, {"2.49", 2, true},
		{"9223372036854775807", math.MaxInt64, true}, {"9223372036854775807.5", 0, false},
		{"-9223372036854775808.4", math.MinInt64, true}, {"NaN", 0, false},
	} {
		got, ok := NumericToInt(mustNumeric(t, tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("NumericToInt(%s) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	for _, tc := range []struct {
		f      float64
		digits int
		want   string
	}{
		{0.1, 15, "0.1"}, {1.0 / 3, 15, "0.333333333333333"}, {1e20, 15, "100000000000000000000"},
		{-1.5e-10, 15, "-0.00000000015"}, {123456789.123456789, 15, "123456789.123457"},
		{float64(float32(0.1)), 6, "0.1"}, {math.Inf(-1), 15, "-Infinity"}, {0, 15, "0"},
	} {
		if got := FormatText(NumericFromFloat(tc.f, tc.digits)); got != tc.want {
			t.Errorf("NumericFromFloat(%v, %d) = %s, want %s", tc.f, tc.digits, got, tc.want)
		}
	}
	if got := NumericToFloat(mustNumeric(t, "12345678901234567890.5")); got != 12345678901234567890.5 {
		t.Errorf("NumericToFloat = %v", got)
	}
}

func TestNumericTypmod(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		typ      types.T
		detail   string
	}{
		{"12.345", "12.35", types.NumericOf(5, 2), ""},
		{"999.995", "", types.NumericOf(5, 2), "A field with precision 5, scale 2 must round to an absolute value less than 10^3."},
		{"0.001", "0.00", types.NumericOf(5, 2), ""},
		{"-99999", "-99999", types.NumericOf(5, 0), ""},
		{"123456789012345678901234567890", "123456789012345678901234567890", types.NumericT, ""},
		{"Infinity", "", types.NumericOf(5, 2), "A field with precision 5, scale 2 cannot hold an infinite value."},
		{"NaN", "NaN", types.NumericOf(5, 2), ""},
	} {
		got, err := NumericApplyTypmod(mustNumeric(t, tc.in), tc.typ)
		if tc.detail != "" {
			e := sqlerr.Find(err)
			if e == nil || e.Code != sqlerr.NumericValueOutOfRange || e.Message != "numeric field overflow" || e.Detail != tc.detail {
				t.Errorf("%s::%s: error %v (%+v), want detail %q", tc.in, tc.typ, err, e, tc.detail)
			}
			continue
		}
		if err != nil || FormatText(got) != tc.want {
			t.Errorf("%s::%s = %s, %v; want %s", tc.in, tc.typ, FormatText(got), err, tc.want)
		}
	}
}

// TestNumericAddNoAlloc pins the SUM fast path: adding int64-sized
// numerics allocates nothing.
func TestNumericAddNoAlloc(t *testing.T) {
	acc := NewNumeric(0, 2)
	x := NewNumeric(12345, 2)
	y := NewNumeric(5, 1) // different scale
	allocs := testing.AllocsPerRun(1000, func() {
		acc, _ = NumericAdd(acc, x)
		acc, _ = NumericAdd(acc, y)
		acc, _ = NumericAdd(acc, NewInt8(3))
	})
	if allocs != 0 {
		t.Errorf("NumericAdd allocates %v times per run on the int64 path", allocs)
	}
}

func BenchmarkNumericSum(b *testing.B) {
	vals := []Datum{NewNumeric(12345, 2), NewNumeric(-999, 2), NewNumeric(5, 1)}
	acc := NumericFromInt(0)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		acc, _ = NumericAdd(acc, vals[i%len(vals)])
	}
	_ = acc
}

func BenchmarkNumericSumBig(b *testing.B) {
	big1, _ := ParseNumeric("123456789012345678901234567890.12")
	acc := NumericFromInt(0)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		acc, _ = NumericAdd(acc, big1)
	}
	_ = acc
}

func TestNumericSum(t *testing.T) {
	r := testRand(t)
	for round := 0; round < 200; round++ {
		var acc NumericSum
		want := NumericFromInt(0)
		var added []Datum
		for i := 0; i < 50; i++ {
			d := randDatum(r, types.Numeric, r.IntN(3) == 0)
			if r.IntN(4) == 0 {
				d = randDatum(r, types.Int8, false)
			}
			if d.IsNumericSpecial() {
				continue
			}
			acc.Add(d)
			added = append(added, d)
			want, _ = NumericAdd(want, d)
		}
		if got := acc.Result(); FormatText(got) != FormatText(want) {
			t.Fatalf("NumericSum = %s, want %s", FormatText(got), FormatText(want))
		}
		// Retract half; the sum must equal the sum of the rest, with the
		// scale of the rest.
		rest := NumericFromInt(0)
		for i, d := range added {
			if i%2 == 0 {
				acc.Sub(d)
			} else {
				rest, _ = NumericAdd(rest, d)
			}
		}
		if got := acc.Result(); FormatText(got) != FormatText(rest) {
			t.Fatalf("after retractions NumericSum = %s, want %s", FormatText(got), FormatText(rest))
		}
	}
	var s NumericSum
	s.Add(NumericInf(1))
	s.Add(NumericFromInt(1))
	if got := FormatText(s.Result()); got != "Infinity" {
		t.Errorf("sum with Infinity = %s", got)
	}
	s.Add(NumericInf(-1))
	if got := FormatText(s.Result()); got != "NaN" {
		t.Errorf("Infinity + -Infinity = %s", got)
	}
	s.Sub(NumericInf(1))
	s.Sub(NumericInf(-1))
	if got := FormatText(s.Result()); got != "1" {
		t.Errorf("after retracting the infinities = %s", got)
	}
}

func BenchmarkNumericSumAccumulator(b *testing.B) {
	vals := []Datum{NewNumeric(12345, 2), NewNumeric(-999, 2), NewNumeric(5, 1)}
	var acc NumericSum
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		acc.Add(vals[i%len(vals)])
	}
}

func BenchmarkNumericSumAccumulatorBig(b *testing.B) {
	big1, _ := ParseNumeric("123456789012345678901234567890.12")
	var acc NumericSum
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		acc.Add(big1)
	}
}

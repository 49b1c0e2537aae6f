package operator

import (
	"math"
	"testing"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

func newAcc(t *testing.T, f AggFunc, arg, res types.T) accumulator {
	t.Helper()
	mk, err := newAccumulatorFactory(f, arg, res)
	if err != nil {
		t.Fatal(err)
	}
	return mk()
}

// Float sums are exact under retraction: adding 1e308 and 1 and then
// removing 1e308 leaves exactly 1 (a running float64 sum would say 0).
func TestSumFloatExactUnderRetraction(t *testing.T) {
	a := newAcc(t, Sum, types.Float8T, types.Float8T)
	big, one, tiny := datum.NewFloat8(1e308), datum.NewFloat8(1), datum.NewFloat8(math.SmallestNonzeroFloat64)
	a.add(big, 1)
	a.add(one, 1)
	a.add(tiny, 3)
	a.add(big, -1)
	v, err := a.result()
	if err != nil || v.Float() != 1 {
		t.Fatalf("sum = %v, %v; want 1", v.Float(), err)
	}
	a.add(one, -1)
	if v, _ := a.result(); v.Float() != 3*math.SmallestNonzeroFloat64 {
		t.Fatalf("sum of subnormals = %g", v.Float())
	}
	a.add(tiny, -3)
	if v, _ := a.result(); !v.IsNull() {
		t.Fatalf("sum of nothing = %v, want NULL", v)
	}
	// Infinities and NaN are counted apart and retract cleanly.
	a.add(datum.NewFloat8(math.Inf(1)), 1)
	a.add(datum.NewFloat8(math.Inf(-1)), 1)
	if v, _ := a.result(); !math.IsNaN(v.Float()) {
		t.Fatalf("inf + -inf = %v", v.Float())
	}
	a.add(datum.NewFloat8(math.Inf(-1)), -1)
	if v, _ := a.result(); !math.IsInf(v.Float(), 1) {
		t.Fatalf("inf = %v", v.Float())
	}
}

func TestSumIntTypes(t *testing.T) {
	// sum(int4) is bigint and fails with 22003 beyond it; sum(int8) is
	// numeric and exact beyond int64.
	a := newAcc(t, Sum, types.Int4T, types.Int8T)
	a.add(datum.NewInt4(math.MaxInt64), 1)
	a.add(datum.NewInt4(1), 1)
	if _, err := a.result(); sqlerr.GetCode(err) != sqlerr.NumericValueOutOfRange {
		t.Fatalf("overflowing sum(int4): %v", err)
	}
	b := newAcc(t, Sum, types.Int8T, types.NumericT)
	b.add(datum.NewInt8(math.MaxInt64), 2)
	v, err := b.result()
	if err != nil || datum.FormatText(v) != "18446744073709551614" {
		t.Fatalf("sum(int8) = %s, %v", datum.FormatText(v), err)
	}
	b.add(datum.NewInt8(math.MaxInt64), -1)
	if v, _ := b.result(); datum.FormatText(v) != "9223372036854775807" {
		t.Fatalf("sum(int8) after retraction = %s", datum.FormatText(v))
	}
	// avg(int) is numeric with Postgres's scale.
	c := newAcc(t, Avg, types.Int4T, types.NumericT)
	c.add(datum.NewInt4(1), 1)
	c.add(datum.NewInt4(2), 1)
	if v, _ := c.result(); datum.FormatText(v) != "1.5000000000000000" {
		t.Fatalf("avg(1, 2) = %s", datum.FormatText(v))
	}
}

func TestMinMaxUnderDeletion(t *testing.T) {
	a := newAcc(t, Max, types.Int8T, types.Int8T)
	for _, v := range []int64{3, 9, 9, 1} {
		a.add(datum.NewInt8(v), 1)
	}
	step := func(del int64, want string) {
		t.Helper()
		a.add(datum.NewInt8(del), -1)
		v, _ := a.result()
		got := "NULL"
		if !v.IsNull() {
			got = datum.FormatText(v)
		}
		if got != want {
			t.Fatalf("after deleting %d: max = %s, want %s", del, got, want)
		}
	}
	step(9, "9")
	step(9, "3")
	step(3, "1")
	step(1, "NULL")
}

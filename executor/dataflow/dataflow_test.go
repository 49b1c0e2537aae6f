package dataflow

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/freshet-db/freshet/executor/internal/testutil"
	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/stream"
	"github.com/freshet-db/freshet/sql/types"
)

// ordersPlan is SELECT c.name, count(*), sum(o.amount) FROM orders o JOIN
// customers c ON o.cust = c.id WHERE o.amount > 0 GROUP BY c.name.
func ordersPlan(fn *testutil.Funcs) plan.Node {
	orders := &plan.Get{ID: 10, Name: "orders", Cols: int8Schema("id", "cust", "amount")}
	customers := &plan.Get{ID: 11, Name: "customers", Cols: plan.Schema{{Name: "id", Type: types.Int8T}, {Name: "name", Type: types.TextT}}}
	filtered := &plan.Filter{Input: orders, Pred: &plan.Call{Fn: fn.Lt, Args: []plan.Expr{&plan.Const{Value: datum.NewInt8(0), Typ: types.Int8T}, i8(2, "amount")}}}
	join := &plan.Join{Left: filtered, Right: customers, Kind: plan.InnerJoin,
		LeftKeys: []plan.Expr{i8(1, "cust")}, RightKeys: []plan.Expr{i8(0, "id")},
		Cols: append(int8Schema("id", "cust", "amount"), customers.Cols...)}
	return &plan.Reduce{Input: join,
		GroupKeys: []plan.Expr{&plan.ColRef{Index: 4, Typ: types.TextT, Name: "name"}},
		Aggs: []plan.Aggregate{
			{Func: plan.CountStar, Typ: types.Int8T},
			{Func: plan.Sum, Arg: i8(2, "amount"), Typ: types.NumericT},
		},
		Cols: plan.Schema{{Name: "name", Type: types.TextT}, {Name: "count", Type: types.Int8T}, {Name: "sum", Type: types.NumericT}}}
}

func row(vals ...any) datum.Row {
	r := make(datum.Row, len(vals))
	for i, v := range vals {
		switch v := v.(type) {
		case int:
			r[i] = datum.NewInt8(int64(v))
		case string:
			r[i] = datum.NewText(v)
		case nil:
			r[i] = datum.Null
		}
	}
	return r
}

func TestExplain(t *testing.T) {
	df, err := Build(ordersPlan(testutil.NewFuncs()))
	if err != nil {
		t.Fatal(err)
	}
	want := `Reduce group=[#4(name)] aggs=[count(*), sum(#2(amount))] state=groups
  Join inner arrange left=[#1(cust)] right=[#0(id)]
    Filter (0 < #2(amount))
      Get orders (relation 10)
    Get customers (relation 11)
`
	if got := df.Explain(); got != want {
		t.Errorf("Explain:\n%s\nwant:\n%s", got, want)
	}
	if got := df.Inputs(); len(got) != 2 || got[0] != 10 || got[1] != 11 {
		t.Errorf("Inputs = %v", got)
	}
}

func TestStepLifecycle(t *testing.T) {
	df, err := Build(ordersPlan(testutil.NewFuncs()))
	if err != nil {
		t.Fatal(err)
	}
	up := func(r datum.Row, d stream.Diff) stream.Update { return stream.Update{Row: r, Diff: d} }
	// Hydration.
	out, err := df.Step(1, map[plan.RelationID][]stream.Update{
		10: {up(row(1, 1, 5), 1), up(row(2, 1, 7), 1), up(row(3, 2, -1), 1)},
		11: {up(row(1, "ann"), 1), up(row(2, "bob"), 1)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := testutil.FormatUpdates(out), "('ann', 2, 12) +1"; got != want {
		t.Errorf("hydration output %q, want %q", got, want)
	}
	// One transaction: an order moves from ann to bob.
	out, err = df.Step(2, map[plan.RelationID][]stream.Update{
		10: {up(row(2, 1, 7), -1), up(row(2, 2, 7), 1)},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "('ann', 1, 5) +1\n('ann', 2, 12) -1\n('bob', 1, 7) +1"
	if got := testutil.FormatUpdates(out); got != want {
		t.Errorf("step output:\n%s\nwant:\n%s", got, want)
	}
	for _, u := range out {
		if u.Time != 2 {
			t.Errorf("update %v has time %d, want 2", u, u.Time)
		}
	}
	if got := testutil.FormatUpdates(df.Output().Sorted()); got != "('ann', 1, 5) +1\n('bob', 1, 7) +1" {
		t.Errorf("output collection:\n%s", got)
	}
	// Timestamps must not go back.
	if _, err := df.Step(1, nil); sqlerr.GetCode(err) != sqlerr.Internal {
		t.Errorf("earlier timestamp: %v", err)
	}
	// Stats account for every operator and the output.
	st := df.Stats()
	if len(st) != 6 || st[len(st)-1].Operator != "Output" {
		t.Fatalf("Stats: %+v", st)
	}
	if st[0].RowsOut != 5 || st[4].StateBytes == 0 {
		t.Errorf("Stats: %+v", st)
	}
}

func TestErrorsAreData(t *testing.T) {
	fn := testutil.NewFuncs()
	get := &plan.Get{ID: 1, Name: "t", Cols: int8Schema("a", "b")}
	root := &plan.Project{Input: get, Cols: int8Schema("q"),
		Exprs: []plan.Expr{&plan.Call{Fn: fn.Div, Args: []plan.Expr{i8(0, "a"), i8(1, "b")}}}}
	df, err := Build(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := df.Step(1, map[plan.RelationID][]stream.Update{1: {{Row: row(6, 3), Diff: 1}, {Row: row(1, 0), Diff: 1}}}); err != nil {
		t.Fatal(err)
	}
	err = df.Errors()
	if sqlerr.GetCode(err) != sqlerr.DivisionByZero || err.Error() != "division by zero" {
		t.Fatalf("Errors() = %v, want division by zero", err)
	}
	// Deleting the offending row retracts the error.
	if _, err := df.Step(2, map[plan.RelationID][]stream.Update{1: {{Row: row(1, 0), Diff: -1}}}); err != nil {
		t.Fatal(err)
	}
	if err := df.Errors(); err != nil {
		t.Fatalf("Errors() after retraction = %v", err)
	}
	if got := testutil.FormatUpdates(df.Output().Sorted()); got != "(2) +1" {
		t.Errorf("output %q", got)
	}
}

func TestEvaluate(t *testing.T) {
	fn := testutil.NewFuncs()
	tables := map[plan.RelationID][]datum.Row{
		10: {row(1, 1, 5), row(2, 1, 7), row(3, 2, 4)},
		11: {row(1, "ann"), row(2, "bob")},
	}
	read := func(id plan.RelationID) ([]datum.Row, error) { return tables[id], nil }
	rows, err := Evaluate(context.Background(), ordersPlan(fn), read)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, testutil.FormatRow(r))
	}
	if s := strings.Join(sortedStrings(got), " "); s != "('ann', 2, 12) ('bob', 1, 4)" {
		t.Errorf("Evaluate = %s", s)
	}
	// Multiplicities are expanded.
	rows, err = Evaluate(context.Background(), &plan.Get{ID: 1, Cols: int8Schema("a")}, func(plan.RelationID) ([]datum.Row, error) {
		return []datum.Row{row(1), row(1)}, nil
	})
	if err != nil || len(rows) != 2 {
		t.Errorf("Evaluate duplicates: %v %v", rows, err)
	}
	// A row error fails the query.
	bad := &plan.Project{Input: &plan.Get{ID: 1, Cols: int8Schema("a")}, Cols: int8Schema("q"),
		Exprs: []plan.Expr{&plan.Call{Fn: fn.Div, Args: []plan.Expr{i8(0, "a"), &plan.Const{Value: datum.NewInt8(0), Typ: types.Int8T}}}}}
	one := func(plan.RelationID) ([]datum.Row, error) { return []datum.Row{row(1)}, nil }
	if _, err := Evaluate(context.Background(), bad, one); sqlerr.GetCode(err) != sqlerr.DivisionByZero {
		t.Errorf("Evaluate 1/0: %v", err)
	}
	// A read error is returned as is.
	boom := errors.New("boom")
	if _, err := Evaluate(context.Background(), bad, func(plan.RelationID) ([]datum.Row, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("Evaluate read error: %v", err)
	}
}

func TestEvaluateCancellation(t *testing.T) {
	// A cross join of 3000 x 3000 rows: long enough to be cancelled
	// while it runs.
	var rows []datum.Row
	for i := 0; i < 3000; i++ {
		rows = append(rows, row(i))
	}
	cross := &plan.Join{Left: &plan.Get{ID: 1, Cols: int8Schema("a")}, Right: &plan.Get{ID: 2, Cols: int8Schema("b")},
		Kind: plan.InnerJoin, Cols: int8Schema("a", "b")}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Evaluate(ctx, cross, func(plan.RelationID) ([]datum.Row, error) { return rows, nil })
	if sqlerr.GetCode(err) != sqlerr.QueryCanceled {
		t.Fatalf("cancelled Evaluate: %v, want 57014", err)
	}
}

func TestBuildErrors(t *testing.T) {
	get := &plan.Get{ID: 1, Cols: int8Schema("a")}
	cases := []struct {
		name string
		n    plan.Node
		code sqlerr.Code
	}{
		{"column out of range", &plan.Filter{Input: get, Pred: &plan.ColRef{Index: 3, Typ: types.BoolT}}, sqlerr.Internal},
		{"parameter", &plan.Filter{Input: get, Pred: &plan.Param{Index: 1, Typ: types.BoolT}}, sqlerr.Internal},
		{"sum of text", &plan.Reduce{Input: &plan.Get{ID: 1, Cols: plan.Schema{{Name: "s", Type: types.TextT}}},
			Aggs: []plan.Aggregate{{Func: plan.Sum, Arg: &plan.ColRef{Index: 0, Typ: types.TextT}, Typ: types.TextT}}}, sqlerr.FeatureNotSupported},
		{"nil plan", nil, sqlerr.Internal},
	}
	for _, c := range cases {
		_, err := Build(c.n)
		if sqlerr.GetCode(err) != c.code {
			t.Errorf("%s: Build error %v, want code %s", c.name, err, c.code)
		}
	}
}

func sortedStrings(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

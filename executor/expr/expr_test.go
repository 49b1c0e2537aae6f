package expr

import (
	"testing"

	"github.com/freshet-db/freshet/executor/internal/testutil"
	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

var (
	tru  = &plan.Const{Value: datum.NewBool(true), Typ: types.BoolT}
	fls  = &plan.Const{Value: datum.NewBool(false), Typ: types.BoolT}
	null = &plan.Const{Value: datum.Null, Typ: types.BoolT}
)

func i8(v int64) *plan.Const { return &plan.Const{Value: datum.NewInt8(v), Typ: types.Int8T} }
func nullInt() *plan.Const   { return &plan.Const{Value: datum.Null, Typ: types.Int8T} }

func show(d datum.Datum) string {
	if d.IsNull() {
		return "NULL"
	}
	return datum.FormatText(d)
}

func eval(t *testing.T, e plan.Expr, row datum.Row) (string, error) {
	t.Helper()
	f, err := Compile(e)
	if err != nil {
		t.Fatalf("compile %s: %v", e, err)
	}
	v, err := f.Eval(row)
	return show(v), err
}

func TestThreeValuedLogic(t *testing.T) {
	vals := map[string]plan.Expr{"t": tru, "f": fls, "n": null}
	// The truth tables of SQL's AND and OR (Postgres).
	and := map[string]string{"tt": "t", "tf": "f", "tn": "NULL", "ft": "f", "ff": "f", "fn": "f", "nt": "NULL", "nf": "f", "nn": "NULL"}
	or := map[string]string{"tt": "t", "tf": "t", "tn": "t", "ft": "t", "ff": "f", "fn": "NULL", "nt": "t", "nf": "NULL", "nn": "NULL"}
	for k, want := range and {
		got, err := eval(t, &plan.And{Args: []plan.Expr{vals[k[:1]], vals[k[1:]]}}, nil)
		if err != nil || got != want {
			t.Errorf("%c AND %c = %s (%v), want %s", k[0], k[1], got, err, want)
		}
	}
	for k, want := range or {
		got, err := eval(t, &plan.Or{Args: []plan.Expr{vals[k[:1]], vals[k[1:]]}}, nil)
		if err != nil || got != want {
			t.Errorf("%c OR %c = %s (%v), want %s", k[0], k[1], got, err, want)
		}
	}
	for k, want := range map[string]string{"t": "f", "f": "t", "n": "NULL"} {
		if got, _ := eval(t, &plan.Not{Arg: vals[k]}, nil); got != want {
			t.Errorf("NOT %s = %s, want %s", k, got, want)
		}
	}
}

func TestInListNullSemantics(t *testing.T) {
	cases := []struct {
		x    plan.Expr
		list []plan.Expr
		in   string
		out  string // NOT IN
	}{
		{i8(1), []plan.Expr{i8(1), i8(2)}, "t", "f"},
		{i8(3), []plan.Expr{i8(1), i8(2)}, "f", "t"},
		{i8(1), []plan.Expr{i8(1), nullInt()}, "t", "f"},
		// 3 NOT IN (1, NULL) is NULL, not true: the classic trap.
		{i8(3), []plan.Expr{i8(1), nullInt()}, "NULL", "NULL"},
		{nullInt(), []plan.Expr{i8(1)}, "NULL", "NULL"},
	}
	for _, c := range cases {
		in, err := eval(t, &plan.InList{Arg: c.x, List: c.list}, nil)
		if err != nil || in != c.in {
			t.Errorf("%s IN %v = %s (%v), want %s", c.x, c.list, in, err, c.in)
		}
		out, err := eval(t, &plan.InList{Arg: c.x, List: c.list, Negated: true}, nil)
		if err != nil || out != c.out {
			t.Errorf("%s NOT IN %v = %s (%v), want %s", c.x, c.list, out, err, c.out)
		}
	}
}

func TestLazyAndStrict(t *testing.T) {
	fn := testutil.NewFuncs()
	divZero := &plan.Call{Fn: fn.Div, Args: []plan.Expr{i8(1), i8(0)}}
	isDivZero := func(err error) bool { return sqlerr.GetCode(err) == sqlerr.DivisionByZero }

	// CASE and COALESCE do not evaluate branches they do not take.
	got, err := eval(t, &plan.Case{Whens: []plan.When{{Cond: tru, Then: i8(7)}}, Else: divZero, Typ: types.Int8T}, nil)
	if err != nil || got != "7" {
		t.Errorf("CASE WHEN true THEN 7 ELSE 1/0 = %s, %v", got, err)
	}
	got, err = eval(t, &plan.Case{Whens: []plan.When{{Cond: null, Then: divZero}}, Else: i8(2), Typ: types.Int8T}, nil)
	if err != nil || got != "2" {
		t.Errorf("CASE WHEN NULL THEN 1/0 ELSE 2 = %s, %v", got, err)
	}
	got, err = eval(t, &plan.Coalesce{Args: []plan.Expr{i8(3), divZero}, Typ: types.Int8T}, nil)
	if err != nil || got != "3" {
		t.Errorf("coalesce(3, 1/0) = %s, %v", got, err)
	}
	got, err = eval(t, &plan.Coalesce{Args: []plan.Expr{nullInt(), nullInt()}, Typ: types.Int8T}, nil)
	if err != nil || got != "NULL" {
		t.Errorf("coalesce(NULL, NULL) = %s, %v", got, err)
	}
	// AND stops at false.
	if got, err = eval(t, &plan.And{Args: []plan.Expr{fls, &plan.Call{Fn: fn.Eq, Args: []plan.Expr{divZero, i8(1)}}}}, nil); err != nil || got != "f" {
		t.Errorf("false AND 1/0 = 1: %s, %v", got, err)
	}
	// Errors are reported with their SQLSTATE.
	if _, err = eval(t, divZero, nil); !isDivZero(err) {
		t.Errorf("1/0: %v", err)
	}
	// Strict functions return NULL for NULL arguments without running.
	got, err = eval(t, &plan.Call{Fn: fn.Div, Args: []plan.Expr{nullInt(), i8(0)}}, nil)
	if err != nil || got != "NULL" {
		t.Errorf("NULL/0 = %s, %v", got, err)
	}
	got, err = eval(t, &plan.Call{Fn: fn.Plus, Args: []plan.Expr{&plan.ColRef{Index: 1, Typ: types.Int8T}, i8(1)}}, datum.Row{datum.Null, datum.NewInt8(41)})
	if err != nil || got != "42" {
		t.Errorf("#1 + 1 = %s, %v", got, err)
	}
	// IS [NOT] NULL.
	if got, _ = eval(t, &plan.IsNull{Arg: nullInt()}, nil); got != "t" {
		t.Errorf("NULL IS NULL = %s", got)
	}
	if got, _ = eval(t, &plan.IsNull{Arg: i8(1), Negated: true}, nil); got != "t" {
		t.Errorf("1 IS NOT NULL = %s", got)
	}
}

func TestCompileErrors(t *testing.T) {
	if _, err := Compile(&plan.Param{Index: 1, Typ: types.Int8T}); sqlerr.GetCode(err) != sqlerr.Internal {
		t.Errorf("Param: got %v, want an internal error", err)
	}
	if _, err := Compile(&plan.Call{Fn: nil}); sqlerr.GetCode(err) != sqlerr.Internal {
		t.Errorf("Call without function: got %v, want an internal error", err)
	}
	if _, err := Compile(nil); err == nil {
		t.Errorf("nil expression compiled")
	}
}

func TestColumnAndConstDoNotAllocate(t *testing.T) {
	col, _ := Compile(&plan.ColRef{Index: 0, Typ: types.Int8T})
	k, _ := Compile(i8(3))
	row := datum.Row{datum.NewInt8(1)}
	if n := testing.AllocsPerRun(100, func() { _, _ = col(row); _, _ = k(row) }); n != 0 {
		t.Errorf("column and constant evaluation allocate %v times", n)
	}
}

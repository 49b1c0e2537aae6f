package expr

import (
	"fmt"

	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/sql/builtin"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
)

// Evaluator computes the value of a compiled expression over one row.
// Errors are the data errors of evaluation (22012 division by zero, 22003,
// 22P02, ...), as *sqlerr.Error wherever the function reports one.
type Evaluator func(row datum.Row) (datum.Datum, error)

// Eval evaluates the expression over row.
func (f Evaluator) Eval(row datum.Row) (datum.Datum, error) { return f(row) }

// Compile turns e into an Evaluator. It fails with an internal error on
// expressions that must not reach the executor (unsubstituted parameters,
// calls without an implementation).
func Compile(e plan.Expr) (Evaluator, error) {
	switch e := e.(type) {
	case *plan.ColRef:
		if e.Index < 0 {
			return nil, sqlerr.New(sqlerr.Internal, "invalid column reference %s", e)
		}
		i := e.Index
		return func(row datum.Row) (datum.Datum, error) { return row[i], nil }, nil
	case *plan.Const:
		v := e.Value
		return func(datum.Row) (datum.Datum, error) { return v, nil }, nil
	case *plan.Param:
		return nil, sqlerr.New(sqlerr.Internal, "parameter $%d was not substituted before execution", e.Index)
	case *plan.Call:
		return compileCall(e)
	case *plan.And:
		return compileAnd(e.Args)
	case *plan.Or:
		return compileOr(e.Args)
	case *plan.Not:
		return compileNot(e)
	case *plan.IsNull:
		return compileIsNull(e)
	case *plan.Case:
		return compileCase(e)
	case *plan.Coalesce:
		return compileCoalesce(e)
	case *plan.InList:
		return compileInList(e)
	case *plan.Cast:
		return compileCast(e)
	case nil:
		return nil, sqlerr.New(sqlerr.Internal, "cannot compile a nil expression")
	}
	return nil, sqlerr.New(sqlerr.Internal, "cannot compile expression of type %T", e)
}

// CompileAll compiles each of es.
func CompileAll(es []plan.Expr) ([]Evaluator, error) {
	out := make([]Evaluator, len(es))
	for i, e := range es {
		f, err := Compile(e)
		if err != nil {
			return nil, err
		}
		out[i] = f
	}
	return out, nil
}

func compileCall(e *plan.Call) (Evaluator, error) {
	if e.Fn == nil || e.Fn.Fn == nil {
		return nil, sqlerr.New(sqlerr.Internal, "function call %s has no implementation", callName(e.Fn))
	}
	args, err := CompileAll(e.Args)
	if err != nil {
		return nil, err
	}
	fn, strict := e.Fn.Fn, e.Fn.Strict
	buf := make([]datum.Datum, len(args))
	switch len(args) {
	case 1:
		a := args[0]
		return func(row datum.Row) (datum.Datum, error) {
			v, err := a(row)
			if err != nil {
				return datum.Null, err
			}
			if strict && v.IsNull() {
				return datum.Null, nil
			}
			buf[0] = v
			return fn(buf)
		}, nil
	case 2:
		a, b := args[0], args[1]
		return func(row datum.Row) (datum.Datum, error) {
			x, err := a(row)
			if err != nil {
				return datum.Null, err
			}
			if strict && x.IsNull() {
				// Postgres evaluates every argument of a strict function
				// before checking for NULL, so an error in b still shows.
				if _, err := b(row); err != nil {
					return datum.Null, err
				}
				return datum.Null, nil
			}
			y, err := b(row)
			if err != nil {
				return datum.Null, err
			}
			if strict && y.IsNull() {
				return datum.Null, nil
			}
			buf[0], buf[1] = x, y
			return fn(buf)
		}, nil
	}
	return func(row datum.Row) (datum.Datum, error) {
		sawNull := false
		for i, a := range args {
			v, err := a(row)
			if err != nil {
				return datum.Null, err
			}
			sawNull = sawNull || v.IsNull()
			buf[i] = v
		}
		if strict && sawNull {
			return datum.Null, nil
		}
		return fn(buf)
	}, nil
}

func callName(o *builtin.Overload) string {
	if o == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%q", o.Name)
}

var (
	dTrue  = datum.NewBool(true)
	dFalse = datum.NewBool(false)
)

// compileAnd: false if any argument is false, else NULL if any is NULL,
// else true. Evaluation stops at the first false.
func compileAnd(es []plan.Expr) (Evaluator, error) {
	args, err := CompileAll(es)
	if err != nil {
		return nil, err
	}
	return func(row datum.Row) (datum.Datum, error) {
		sawNull := false
		for _, a := range args {
			v, err := a(row)
			if err != nil {
				return datum.Null, err
			}
			if v.IsNull() {
				sawNull = true
			} else if !v.Bool() {
				return dFalse, nil
			}
		}
		if sawNull {
			return datum.Null, nil
		}
		return dTrue, nil
	}, nil
}

// compileOr: true if any argument is true, else NULL if any is NULL, else
// false. Evaluation stops at the first true.
func compileOr(es []plan.Expr) (Evaluator, error) {
	args, err := CompileAll(es)
	if err != nil {
		return nil, err
	}
	return func(row datum.Row) (datum.Datum, error) {
		sawNull := false
		for _, a := range args {
			v, err := a(row)
			if err != nil {
				return datum.Null, err
			}
			if v.IsNull() {
				sawNull = true
			} else if v.Bool() {
				return dTrue, nil
			}
		}
		if sawNull {
			return datum.Null, nil
		}
		return dFalse, nil
	}, nil
}

func compileNot(e *plan.Not) (Evaluator, error) {
	a, err := Compile(e.Arg)
	if err != nil {
		return nil, err
	}
	return func(row datum.Row) (datum.Datum, error) {
		v, err := a(row)
		if err != nil || v.IsNull() {
			return datum.Null, err
		}
		return datum.NewBool(!v.Bool()), nil
	}, nil
}

func compileIsNull(e *plan.IsNull) (Evaluator, error) {
	a, err := Compile(e.Arg)
	if err != nil {
		return nil, err
	}
	neg := e.Negated
	return func(row datum.Row) (datum.Datum, error) {
		v, err := a(row)
		if err != nil {
			return datum.Null, err
		}
		return datum.NewBool(v.IsNull() != neg), nil
	}, nil
}

func compileCase(e *plan.Case) (Evaluator, error) {
	conds := make([]Evaluator, len(e.Whens))
	thens := make([]Evaluator, len(e.Whens))
	for i, w := range e.Whens {
		var err error
		if conds[i], err = Compile(w.Cond); err != nil {
			return nil, err
		}
		if thens[i], err = Compile(w.Then); err != nil {
			return nil, err
		}
	}
	var els Evaluator
	if e.Else != nil {
		var err error
		if els, err = Compile(e.Else); err != nil {
			return nil, err
		}
	}
	return func(row datum.Row) (datum.Datum, error) {
		for i, c := range conds {
			v, err := c(row)
			if err != nil {
				return datum.Null, err
			}
			if !v.IsNull() && v.Bool() {
				return thens[i](row)
			}
		}
		if els == nil {
			return datum.Null, nil
		}
		return els(row)
	}, nil
}

func compileCoalesce(e *plan.Coalesce) (Evaluator, error) {
	args, err := CompileAll(e.Args)
	if err != nil {
		return nil, err
	}
	return func(row datum.Row) (datum.Datum, error) {
		for _, a := range args {
			v, err := a(row)
			if err != nil {
				return datum.Null, err
			}
			if !v.IsNull() {
				return v, nil
			}
		}
		return datum.Null, nil
	}, nil
}

// compileInList implements x IN (a, b, ...) as x = a OR x = b OR ...: true
// on a match; otherwise NULL if x or any element is NULL; otherwise false.
// NOT IN is the negation of that (so NOT IN with a NULL element is never
// true).
func compileInList(e *plan.InList) (Evaluator, error) {
	arg, err := Compile(e.Arg)
	if err != nil {
		return nil, err
	}
	list, err := CompileAll(e.List)
	if err != nil {
		return nil, err
	}
	onMatch, onMiss := dTrue, dFalse
	if e.Negated {
		onMatch, onMiss = dFalse, dTrue
	}
	return func(row datum.Row) (datum.Datum, error) {
		x, err := arg(row)
		if err != nil {
			return datum.Null, err
		}
		sawNull := x.IsNull()
		for _, l := range list {
			v, err := l(row)
			if err != nil {
				return datum.Null, err
			}
			if v.IsNull() {
				sawNull = true
				continue
			}
			if !x.IsNull() && datum.Compare(x, v) == 0 {
				return onMatch, nil
			}
		}
		if sawNull {
			return datum.Null, nil
		}
		return onMiss, nil
	}, nil
}

func compileCast(e *plan.Cast) (Evaluator, error) {
	a, err := Compile(e.Arg)
	if err != nil {
		return nil, err
	}
	to := e.To
	return func(row datum.Row) (datum.Datum, error) {
		v, err := a(row)
		if err != nil || v.IsNull() {
			return datum.Null, err
		}
		return builtin.Cast(v, to)
	}, nil
}

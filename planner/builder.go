package planner

import (
	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/sql/builtin"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// maxViewDepth bounds the nesting of plain views (and CTEs) inlined into one
// query, so that a cycle cannot recurse forever.
const maxViewDepth = 64

// builder holds the state of planning one statement.
type builder struct {
	cat *catalog.Catalog
	// params are the types of $1..$n: declared by the client, or inferred.
	params []types.T
	// paramRefs are every Param expression made, so that their types can be
	// settled once the whole statement has been seen.
	paramRefs []*plan.Param
	// forView is set when planning the query of a view: parameters and
	// volatile functions are refused.
	forView bool
	// ctes is the stack of WITH clauses in scope, innermost last.
	ctes []map[string]*cte
	// depth counts the views and CTEs being inlined.
	depth int
	// corrUnit is the correlation-key relation K of the subquery about to
	// be planned: the first FROM clause planned takes it as its first item.
	corrUnit *unit
}

// cte is one common table expression of a WITH clause.
type cte struct {
	name    string
	query   ast.ResultSetNode
	columns []string
	// ctes is the WITH stack at its definition (a CTE sees the earlier ones).
	ctes []map[string]*cte
}

func newBuilder(cat *catalog.Catalog, paramTypes []types.T) *builder {
	return &builder{cat: cat, params: append([]types.T(nil), paramTypes...)}
}

// finishParams gives every Param expression its settled type and returns the
// parameter types.
func (b *builder) finishParams() []types.T {
	for _, p := range b.paramRefs {
		if p.Typ.Family == types.Unknown && p.Index <= len(b.params) {
			p.Typ = b.params[p.Index-1]
		}
	}
	if len(b.params) == 0 {
		return nil
	}
	return b.params
}

// param returns the expression for $n.
func (b *builder) param(n int) (plan.Expr, error) {
	if b.forView {
		return nil, sqlerr.New(sqlerr.UndefinedParameter, "there is no parameter $%d", n)
	}
	if n < 1 || n > 65535 {
		return nil, sqlerr.New(sqlerr.UndefinedParameter, "there is no parameter $%d", n)
	}
	for len(b.params) < n {
		b.params = append(b.params, types.UnknownT)
	}
	p := &plan.Param{Index: n, Typ: b.params[n-1]}
	b.paramRefs = append(b.paramRefs, p)
	return p, nil
}

// setParamType records the type inferred for $n (the first inference wins).
func (b *builder) setParamType(n int, t types.T) {
	if n >= 1 && n <= len(b.params) && b.params[n-1].Family == types.Unknown {
		b.params[n-1] = t
	}
}

// isUnknown reports whether e has no type yet: an untyped string
// literal, a NULL literal or a parameter whose type is not known.
func isUnknown(e plan.Expr) bool { return e.Type().Family == types.Unknown }

// sameType reports whether a value of type from can be used where to is
// expected without a cast: equal families where to has no modifier.
func sameType(from, to types.T) bool {
	if from == to {
		return true
	}
	return from.Family == to.Family && to.Precision == 0 && to.Scale == 0
}

// coerce converts e to type to as an implicit coercion chosen by function
// resolution: untyped literals are parsed as to (so that a bad literal is an
// error now, as in Postgres), unknown parameters take type to, anything else
// gets a plan.Cast (folded when e is constant).
func (b *builder) coerce(e plan.Expr, to types.T) (plan.Expr, error) {
	if to.Family == types.Unknown || sameType(e.Type(), to) {
		return e, nil
	}
	switch e := e.(type) {
	case *plan.Const:
		if e.Value.IsNull() {
			return &plan.Const{Value: datum.Null, Typ: to}, nil
		}
		if e.Typ.Family == types.Unknown {
			d, err := datum.ParseText(e.Value.Str(), to)
			if err != nil {
				return nil, err
			}
			return &plan.Const{Value: d, Typ: to}, nil
		}
		if d, err := builtin.Cast(e.Value, to); err == nil {
			return &plan.Const{Value: d, Typ: to}, nil
		}
	case *plan.Param:
		if e.Typ.Family == types.Unknown {
			// A parameter takes the type without modifiers; the cast
			// below applies them.
			b.setParamType(e.Index, types.T{Family: to.Family})
			p := &plan.Param{Index: e.Index, Typ: b.params[e.Index-1]}
			b.paramRefs = append(b.paramRefs, p)
			if sameType(p.Typ, to) {
				return p, nil
			}
			return &plan.Cast{Arg: p, To: to}, nil
		}
	}
	return &plan.Cast{Arg: e, To: to}, nil
}

// resolveUnknown gives an expression still untyped its default type, text,
// as Postgres does for an unknown literal that reaches an output column or
// an operator that did not decide its type.
func (b *builder) resolveUnknown(e plan.Expr) (plan.Expr, error) {
	if !isUnknown(e) {
		return e, nil
	}
	if p, ok := e.(*plan.Param); ok {
		// An unused-by-context parameter stays unknown: the client decides.
		return p, nil
	}
	return b.coerce(e, types.TextT)
}

// call resolves the function or operator name over args and returns the call
// with each argument coerced to the overload's parameter type.
func (b *builder) call(name string, args []plan.Expr) (plan.Expr, error) {
	ts := make([]types.T, len(args))
	for i, a := range args {
		ts[i] = a.Type()
	}
	ov, err := builtin.Resolve(name, ts)
	if err != nil {
		return nil, err
	}
	if ov.Volatile && b.forView {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported,
			"function %s() is not supported in views: its value changes over time", name)
	}
	out := make([]plan.Expr, len(args))
	for i, a := range args {
		want := argType(ov, i)
		if out[i], err = b.coerce(a, want); err != nil {
			return nil, err
		}
	}
	c := &plan.Call{Fn: ov, Args: out}
	return foldCall(c), nil
}

// argType is the declared type of argument i of ov (variadic aware).
func argType(ov *builtin.Overload, i int) types.T {
	if i < len(ov.Args) {
		return ov.Args[i]
	}
	if ov.Variadic && len(ov.Args) > 0 {
		return ov.Args[len(ov.Args)-1]
	}
	return types.UnknownT
}

// foldCall evaluates an immutable call whose arguments are all constants.
// Errors (division by zero, overflow) are left for run time, where they
// surface only if the expression is evaluated.
func foldCall(c *plan.Call) plan.Expr {
	if c.Fn.Volatile || c.Fn.Fn == nil {
		return c
	}
	vals := make([]datum.Datum, len(c.Args))
	for i, a := range c.Args {
		k, ok := a.(*plan.Const)
		if !ok {
			return c
		}
		if k.Value.IsNull() && c.Fn.Strict {
			return &plan.Const{Value: datum.Null, Typ: c.Fn.Result}
		}
		vals[i] = k.Value
	}
	d, err := c.Fn.Fn(vals)
	if err != nil {
		return c
	}
	return &plan.Const{Value: d, Typ: c.Fn.Result}
}

// commonType is the type that every expression of a CASE, COALESCE, IN
// list or set operation column converts to.
func commonType(es []plan.Expr) (types.T, error) {
	ts := make([]types.T, 0, len(es))
	for _, e := range es {
		ts = append(ts, e.Type())
	}
	return unify(ts)
}

// unify returns the common type of ts; all Unknown unifies to text.
func unify(ts []types.T) (types.T, error) {
	known := make([]types.T, 0, len(ts))
	for _, t := range ts {
		if t.Family != types.Unknown {
			known = append(known, t)
		}
	}
	if len(known) == 0 {
		return types.TextT, nil
	}
	return builtin.CommonType(known...)
}

// requireBool checks that e is boolean (or coerces an unknown literal to
// boolean) for the named clause, like Postgres's "argument of WHERE must be
// type boolean" check.
func (b *builder) requireBool(e plan.Expr, clause string) (plan.Expr, error) {
	if isUnknown(e) {
		return b.coerce(e, types.BoolT)
	}
	if e.Type().Family != types.Bool {
		return nil, sqlerr.New(sqlerr.DatatypeMismatch,
			"argument of %s must be type boolean, not type %s", clause, e.Type())
	}
	return e, nil
}

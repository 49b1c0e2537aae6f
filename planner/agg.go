package planner

import (
	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// clauseAggArgs is the clause name of aggregate arguments, where another
// aggregate is a nesting error.
const clauseAggArgs = "aggregate function arguments"

// grouping describes the output of a Reduce to the expressions bound over
// it: which input expressions are its group keys and where each aggregate
// call of the query landed.
type grouping struct {
	input   *scope
	keys    []plan.Expr // over input
	keyStrs []string
	// aggs maps each aggregate call of the query to its column.
	aggs map[*ast.AggregateFuncExpr]int
}

// groupedRef binds n over the output of a Reduce when n is an aggregate
// call or an expression equal to a group key. ok is false when n is neither
// and must be bound from its parts.
func (b *builder) groupedRef(s *scope, n ast.ExprNode) (e plan.Expr, ok bool, err error) {
	g := s.grouped
	switch n := n.(type) {
	case *ast.AggregateFuncExpr:
		i, found := g.aggs[n]
		if !found {
			return nil, true, sqlerr.New(sqlerr.Internal, "aggregate %s was not collected", n.F)
		}
		return s.colRef(i), true, nil
	case ast.ValueExpr, *ast.ParenthesesExpr:
		return nil, false, nil
	}
	if len(g.keys) > 0 && !containsAgg(n) {
		if e, err := b.trialExpr(g.input, n); err == nil {
			str := e.String()
			for i, k := range g.keyStrs {
				if k == str {
					return s.colRef(i), true, nil
				}
			}
		}
	}
	if c, isCol := n.(*ast.ColumnNameExpr); isCol {
		i, err := g.input.resolve(c.Name.Table.O, c.Name.Name.O)
		if err != nil {
			return nil, true, err
		}
		col := g.input.cols[i]
		return nil, true, sqlerr.New(sqlerr.GroupingError,
			"column %q must appear in the GROUP BY clause or be used in an aggregate function", qualName(col.table, col.name))
	}
	return nil, false, nil
}

// trialExpr binds n without leaving a trace on the statement's parameters
// (nor on the subqueries joined for the clause).
func (b *builder) trialExpr(s *scope, n ast.ExprNode) (plan.Expr, error) {
	params := append([]types.T(nil), b.params...)
	refs := len(b.paramRefs)
	var joins, width int
	if s.apply != nil {
		joins, width = len(s.apply.joins), s.apply.width
	}
	e, err := b.expr(s, n)
	b.params, b.paramRefs = params, b.paramRefs[:refs]
	if s.apply != nil {
		s.apply.joins, s.apply.width = s.apply.joins[:joins], width
	}
	return e, err
}

// aggCollector finds the aggregate calls of an expression, not looking into
// subqueries (which have their own) nor into aggregate arguments (nesting is
// reported when the arguments are bound).
type aggCollector struct {
	aggs []*ast.AggregateFuncExpr
}

func (c *aggCollector) Enter(n ast.Node) (ast.Node, bool) {
	switch n := n.(type) {
	case *ast.AggregateFuncExpr:
		c.aggs = append(c.aggs, n)
		return n, true
	case *ast.SubqueryExpr, *ast.ExistsSubqueryExpr, *ast.WindowFuncExpr:
		return n, true
	}
	return n, false
}

func (c *aggCollector) Leave(n ast.Node) (ast.Node, bool) { return n, true }

func collectAggs(c *aggCollector, n ast.Node) {
	if n != nil {
		n.Accept(c)
	}
}

func containsAgg(n ast.ExprNode) bool {
	var c aggCollector
	collectAggs(&c, n)
	return len(c.aggs) > 0
}

// aggregate binds one aggregate call over the Reduce input.
func (b *builder) aggregate(in *scope, n *ast.AggregateFuncExpr) (plan.Aggregate, error) {
	argScope := *in
	argScope.clause = clauseAggArgs
	switch n.F {
	case ast.AggFuncCount, ast.AggFuncSum, ast.AggFuncAvg, ast.AggFuncMin, ast.AggFuncMax:
	default:
		return plan.Aggregate{}, sqlerr.New(sqlerr.FeatureNotSupported, "aggregate function %s is not supported", n.F)
	}
	if n.Order != nil {
		return plan.Aggregate{}, sqlerr.New(sqlerr.FeatureNotSupported, "ORDER BY in aggregate calls is not supported")
	}
	if len(n.Args) != 1 {
		return plan.Aggregate{}, sqlerr.New(sqlerr.UndefinedFunction,
			"function %s with %d arguments does not exist", n.F, len(n.Args))
	}
	arg, err := b.expr(&argScope, n.Args[0])
	if err != nil {
		return plan.Aggregate{}, err
	}
	if n.F == ast.AggFuncCount {
		// COUNT(*) arrives as COUNT(1); any non-NULL constant counts rows.
		if k, ok := arg.(*plan.Const); ok && !k.Value.IsNull() && !n.Distinct {
			return plan.Aggregate{Func: plan.CountStar, Typ: types.Int8T}, nil
		}
		if arg, err = b.resolveUnknown(arg); err != nil {
			return plan.Aggregate{}, err
		}
		return plan.Aggregate{Func: plan.Count, Arg: arg, Distinct: n.Distinct, Typ: types.Int8T}, nil
	}
	if isUnknown(arg) {
		if _, isParam := arg.(*plan.Param); isParam || n.F == ast.AggFuncSum || n.F == ast.AggFuncAvg {
			return plan.Aggregate{}, sqlerr.New(sqlerr.AmbiguousFunction, "function %s(unknown) is not unique", n.F)
		}
		if arg, err = b.resolveUnknown(arg); err != nil {
			return plan.Aggregate{}, err
		}
	}
	t := arg.Type()
	agg := plan.Aggregate{Arg: arg, Distinct: n.Distinct}
	switch n.F {
	case ast.AggFuncSum:
		agg.Func = plan.Sum
		switch t.Family {
		case types.Int2, types.Int4:
			agg.Typ = types.Int8T
		case types.Int8, types.Numeric:
			agg.Typ = types.NumericT
		case types.Float4, types.Float8, types.Interval:
			agg.Typ = types.T{Family: t.Family}
		}
	case ast.AggFuncAvg:
		agg.Func = plan.Avg
		switch t.Family {
		case types.Int2, types.Int4, types.Int8, types.Numeric:
			agg.Typ = types.NumericT
		case types.Float4, types.Float8:
			agg.Typ = types.Float8T
		case types.Interval:
			agg.Typ = types.IntervalT
		}
	case ast.AggFuncMin, ast.AggFuncMax:
		agg.Func = plan.Min
		if n.F == ast.AggFuncMax {
			agg.Func = plan.Max
		}
		switch t.Family {
		case types.JSONB:
		default:
			agg.Typ = t
		}
	}
	if agg.Typ.Family == types.Unknown {
		return plan.Aggregate{}, sqlerr.New(sqlerr.UndefinedFunction, "function %s(%s) does not exist", n.F, t).
			WithHint("No function matches the given name and argument types. You might need to add explicit type casts.")
	}
	return agg, nil
}

// planGrouping adds a Reduce over input for the query's GROUP BY keys and
// aggregate calls, and returns the scope of its output.
func (b *builder) planGrouping(input plan.Node, in *scope, keys []plan.Expr, calls []*ast.AggregateFuncExpr) (plan.Node, *scope, error) {
	g := &grouping{input: in, aggs: map[*ast.AggregateFuncExpr]int{}}
	out := &scope{outer: in.outer, grouped: g}
	for _, k := range keys {
		str := k.String()
		dup := false
		for _, s := range g.keyStrs {
			dup = dup || s == str
		}
		if dup {
			continue
		}
		g.keys = append(g.keys, k)
		g.keyStrs = append(g.keyStrs, str)
		col := scopeCol{name: "?column?", typ: k.Type(), nullable: true}
		if c, ok := k.(*plan.ColRef); ok {
			col = in.cols[c.Index]
			col.hidden = false
		}
		out.cols = append(out.cols, col)
	}
	var aggs []plan.Aggregate
	seen := map[string]int{}
	for _, call := range calls {
		a, err := b.aggregate(in, call)
		if err != nil {
			return nil, nil, err
		}
		key := a.String()
		if i, ok := seen[key]; ok {
			g.aggs[call] = i
			continue
		}
		seen[key] = len(out.cols)
		g.aggs[call] = len(out.cols)
		aggs = append(aggs, a)
		// Aggregate columns are reached through g.aggs, never by name.
		out.cols = append(out.cols, scopeCol{name: call.F, typ: a.Typ, nullable: true, hidden: true})
	}
	red := &plan.Reduce{Input: input, GroupKeys: g.keys, Aggs: aggs, Cols: out.schema()}
	return red, out, nil
}

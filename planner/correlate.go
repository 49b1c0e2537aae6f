package planner

import (
	"errors"

	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// Subqueries are decorrelated as they are planned. A subquery that reads
// columns C of its enclosing query's row is planned over one extra FROM
// item, K = distinct(project_C(outer)), whose columns stand for the outer
// ones; the subquery is thereby computed once per distinct value of C (its
// aggregates grouped by K, its LIMIT per K), and its result, keyed by K,
// is joined back to the outer rows on C = K:
//
//   - a scalar subquery by a left join (no row: NULL, or for an aggregate
//     without GROUP BY its value over no rows, such as count = 0);
//   - EXISTS in an expression by a left join with distinct K and a marker;
//   - EXISTS, NOT EXISTS and IN as WHERE conditions by semi and anti joins.
//
// A scalar subquery must return at most one row by construction (Postgres
// checks at run time, which a maintained view cannot). Known gap: an outer
// row whose correlated value is NULL never matches K, so the subquery is
// taken as empty for it; that differs from Postgres only when the
// subquery's conditions are true for a NULL outer value (IS NULL,
// COALESCE, OR ...).

// correlatedRef is the "error" by which name resolution reports a
// reference from a subquery to column index of the enclosing scope sink.
type correlatedRef struct {
	sink  *scope
	index int
}

func (e *correlatedRef) Error() string { return "correlated reference to an outer column" }

// applyState gathers the subqueries bound in the expressions of one clause:
// each becomes a left join of the clause's node with the subquery result,
// whose columns follow the node's.
type applyState struct {
	node  plan.Node // the clause's input, before the joins
	base  int       // its number of columns
	width int       // columns added by the joins so far
	joins []pendingJoin
}

type pendingJoin struct {
	right        plan.Node
	lkeys, rkeys []plan.Expr
}

func newApply(node plan.Node) *applyState {
	return &applyState{node: node, base: len(node.Schema())}
}

// withApply returns a copy of s that binds subqueries into st.
func withApply(s *scope, st *applyState, clause string) *scope {
	c := *s
	c.apply = st
	c.clause = clause
	return &c
}

// join adds the pending joins to node (which must be st.node or a Filter
// over it) and returns the result.
func (st *applyState) join(node plan.Node) plan.Node {
	for _, j := range st.joins {
		cols := append(append(plan.Schema(nil), node.Schema()...), j.right.Schema()...)
		for i := len(node.Schema()); i < len(cols); i++ {
			cols[i].Nullable = true
		}
		node = &plan.Join{Left: node, Right: j.right, LeftKeys: j.lkeys, RightKeys: j.rkeys,
			Kind: plan.LeftJoin, Cols: cols}
	}
	st.joins = nil
	return node
}

// planCorrelated plans q as a subquery of the rows of outerNode (whose
// columns s describes). It returns the subquery's result, whose first
// len(cols) columns are the correlation keys K, the values of outer columns
// cols (indexes into s).
func (b *builder) planCorrelated(q ast.ResultSetNode, s *scope, outerNode plan.Node) (*relResult, []int, error) {
	var cols []int
	for {
		sink := *s
		sink.corrSink = true
		sink.apply = nil
		b.corrUnit = nil
		if len(cols) > 0 {
			if _, isSetOp := q.(*ast.SetOprStmt); isSetOp {
				return nil, nil, sqlerr.New(sqlerr.FeatureNotSupported, "correlated set operations are not supported")
			}
			exprs := make([]plan.Expr, len(cols))
			ks := &scope{}
			for i, c := range cols {
				exprs[i] = s.colRef(c)
				col := s.cols[c]
				col.hidden, col.corr = true, true
				ks.cols = append(ks.cols, col)
			}
			k := &plan.Distinct{Input: &plan.Project{Input: outerNode, Exprs: exprs, Cols: ks.schema()}}
			b.corrUnit = &unit{node: k, scope: ks}
		}
		params := append([]types.T(nil), b.params...)
		refs := len(b.paramRefs)
		r, err := b.planResultSet(q, &sink)
		b.corrUnit = nil
		var cr *correlatedRef
		if errors.As(err, &cr) && cr.sink == &sink {
			for _, c := range cols {
				if c == cr.index {
					// The reference is from a place K does not reach, such
					// as a derived table in the subquery's FROM clause.
					return nil, nil, sqlerr.New(sqlerr.FeatureNotSupported,
						"outer references from a derived table inside a subquery are not supported")
				}
			}
			cols = append(cols, cr.index)
			b.params, b.paramRefs = params, b.paramRefs[:refs]
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if r.corr != len(cols) {
			return nil, nil, sqlerr.New(sqlerr.FeatureNotSupported, "this correlated subquery is not supported")
		}
		return r, cols, nil
	}
}

// scalarSubquery binds (SELECT ...) used as a value.
func (b *builder) scalarSubquery(s *scope, n *ast.SubqueryExpr) (plan.Expr, error) {
	st := s.apply
	if st == nil {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "subqueries are not supported in %s", clauseName(s))
	}
	r, cols, err := b.planCorrelated(n.Query, s, st.node)
	if err != nil {
		return nil, err
	}
	nK := len(cols)
	node, err := b.limitInDataflow(r)
	if err != nil {
		return nil, err
	}
	sch := node.Schema()
	if len(sch) != nK+1 {
		return nil, sqlerr.New(sqlerr.SyntaxError, "subquery must return only one column")
	}
	if !r.singleRow {
		// Postgres fails at run time (21000) when such a subquery returns
		// several rows; a maintained view cannot, so only subqueries that
		// return at most one row by construction are accepted.
		return nil, sqlerr.New(sqlerr.FeatureNotSupported,
			"scalar subqueries must return at most one row by construction (an aggregate without GROUP BY, or LIMIT 1)")
	}
	exprs := make([]plan.Expr, 0, nK+2)
	var lkeys, rkeys []plan.Expr
	for i := range nK + 1 {
		exprs = append(exprs, &plan.ColRef{Index: i, Typ: sch[i].Type, Name: sch[i].Name})
		if i < nK {
			lkeys = append(lkeys, s.colRef(cols[i]))
			rkeys = append(rkeys, &plan.ColRef{Index: i, Typ: sch[i].Type, Name: sch[i].Name})
		}
	}
	exprs = append(exprs, boolConst(true))
	outCols := append(append(plan.Schema(nil), sch...), plan.Column{Name: "?marker?", Type: types.BoolT})
	right := newProject(node, exprs, outCols)
	start := st.base + st.width
	st.joins = append(st.joins, pendingJoin{right: right, lkeys: lkeys, rkeys: rkeys})
	st.width += nK + 2
	val := &plan.ColRef{Index: start + nK, Typ: sch[nK].Type, Name: sch[nK].Name}
	if r.emptyRow == nil || nK == 0 {
		return val, nil
	}
	if k, ok := r.emptyRow[0].(*plan.Const); ok && k.Value.IsNull() {
		return val, nil
	}
	def := mapCols(r.emptyRow[0], func(c *plan.ColRef) plan.Expr { return s.colRef(cols[c.Index]) })
	marker := &plan.ColRef{Index: start + nK + 1, Typ: types.BoolT, Name: "?marker?"}
	return &plan.Case{Whens: []plan.When{{Cond: &plan.IsNull{Arg: marker}, Then: def}}, Else: val, Typ: val.Typ}, nil
}

// existsExpr binds [NOT] EXISTS (SELECT ...) used as a value.
func (b *builder) existsExpr(s *scope, n *ast.ExistsSubqueryExpr, negated bool) (plan.Expr, error) {
	st := s.apply
	if st == nil {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "subqueries are not supported in %s", clauseName(s))
	}
	sq, ok := n.Sel.(*ast.SubqueryExpr)
	if !ok {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "EXISTS (%T) is not supported", n.Sel)
	}
	keys, cols, err := b.existsKeys(sq.Query, s, st.node)
	if err != nil {
		return nil, err
	}
	nK := len(cols)
	sch := keys.Schema()
	exprs := make([]plan.Expr, 0, nK+1)
	var lkeys, rkeys []plan.Expr
	for i := range nK {
		ref := &plan.ColRef{Index: i, Typ: sch[i].Type, Name: sch[i].Name}
		exprs = append(exprs, ref)
		lkeys = append(lkeys, s.colRef(cols[i]))
		rkeys = append(rkeys, ref)
	}
	exprs = append(exprs, boolConst(true))
	outCols := append(append(plan.Schema(nil), sch...), plan.Column{Name: "?marker?", Type: types.BoolT})
	right := newProject(keys, exprs, outCols)
	start := st.base + st.width
	st.joins = append(st.joins, pendingJoin{right: right, lkeys: lkeys, rkeys: rkeys})
	st.width += nK + 1
	marker := &plan.ColRef{Index: start + nK, Typ: types.BoolT, Name: "?marker?"}
	return &plan.IsNull{Arg: marker, Negated: !negated}, nil
}

// existsKeys plans the subquery of an EXISTS and returns the distinct
// correlation keys of its rows (no columns at all when uncorrelated).
func (b *builder) existsKeys(q ast.ResultSetNode, s *scope, outerNode plan.Node) (plan.Node, []int, error) {
	r, cols, err := b.planCorrelated(q, s, outerNode)
	if err != nil {
		return nil, nil, err
	}
	node, err := b.limitInDataflow(r)
	if err != nil {
		return nil, nil, err
	}
	sch := node.Schema()
	exprs := make([]plan.Expr, len(cols))
	for i := range cols {
		exprs[i] = &plan.ColRef{Index: i, Typ: sch[i].Type, Name: sch[i].Name}
	}
	keys := &plan.Distinct{Input: newProject(node, exprs, append(plan.Schema(nil), sch[:len(cols)]...))}
	return keys, cols, nil
}

func clauseName(s *scope) string {
	if s.clause == "" {
		return "this context"
	}
	return s.clause
}

// containsSubquery reports whether n has a subquery outside of nested
// subqueries' own clauses.
func containsSubquery(n ast.Node) bool {
	var v subqueryFinder
	n.Accept(&v)
	return v.found
}

type subqueryFinder struct{ found bool }

func (v *subqueryFinder) Enter(n ast.Node) (ast.Node, bool) {
	switch n.(type) {
	case *ast.SubqueryExpr, *ast.ExistsSubqueryExpr:
		v.found = true
		return n, true
	}
	return n, v.found
}

func (v *subqueryFinder) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// emptyValues computes, for a correlated scalar aggregate (no GROUP BY),
// the value of each output item over no input rows, as expressions over the
// K columns 0..nK-1: aggregate columns become count = 0 or NULL.
func emptyValues(items []plan.Expr, nK int, red *plan.Reduce) ([]plan.Expr, bool) {
	ok := true
	out := make([]plan.Expr, len(items))
	for i, e := range items {
		out[i] = mapCols(e, func(c *plan.ColRef) plan.Expr {
			switch j := c.Index - nK; {
			case c.Index < nK:
				return c
			case j < len(red.Aggs):
				a := red.Aggs[j]
				if a.Func == plan.Count || a.Func == plan.CountStar {
					return &plan.Const{Value: datum.NewInt8(0), Typ: types.Int8T}
				}
				return nullConst(a.Typ)
			}
			ok = false
			return c
		})
	}
	return out, ok
}

// inSubquery binds x [NOT] IN (SELECT y ...) used as a value, with SQL's
// three-valued result: true if some y = x; otherwise NULL if the subquery
// has rows and x or some y is NULL; otherwise false. Two left joins supply
// the facts: the distinct (K, y) matching (C, x), and per K the counts of
// rows and of non-NULL y.
func (b *builder) inSubquery(s *scope, n *ast.PatternInExpr) (plan.Expr, error) {
	st := s.apply
	if st == nil {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "subqueries are not supported in %s", clauseName(s))
	}
	sq, ok := n.Sel.(*ast.SubqueryExpr)
	if !ok {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "IN (%T) is not supported", n.Sel)
	}
	x, err := b.expr(s, n.Expr)
	if err != nil {
		return nil, err
	}
	r, cols, err := b.planCorrelated(sq.Query, s, st.node)
	if err != nil {
		return nil, err
	}
	sub, err := b.limitInDataflow(r)
	if err != nil {
		return nil, err
	}
	nK := len(cols)
	sch := sub.Schema()
	if len(sch) != nK+1 {
		return nil, sqlerr.New(sqlerr.SyntaxError, "subquery has too many columns")
	}
	t, err := unify([]types.T{x.Type(), sch[nK].Type})
	if err != nil {
		return nil, err
	}
	if x, err = b.coerce(x, t); err != nil {
		return nil, err
	}
	y, err := b.coerce(&plan.ColRef{Index: nK, Typ: sch[nK].Type, Name: sch[nK].Name}, t)
	if err != nil {
		return nil, err
	}
	kRefs := make([]plan.Expr, nK)
	for i := range nK {
		kRefs[i] = &plan.ColRef{Index: i, Typ: sch[i].Type, Name: sch[i].Name}
	}
	outerKeys := make([]plan.Expr, nK)
	for i, c := range cols {
		outerKeys[i] = s.colRef(c)
	}

	// Matches: distinct (K, y), keyed by (K, y) = (C, x).
	matchCols := append(append(plan.Schema(nil), sch[:nK]...),
		plan.Column{Name: sch[nK].Name, Type: t, Nullable: true}, plan.Column{Name: "?marker?", Type: types.BoolT})
	matchExprs := append(append([]plan.Expr(nil), kRefs...), y, boolConst(true))
	matches := &plan.Distinct{Input: newProject(sub, matchExprs, matchCols)}
	start := st.base + st.width
	yKey := &plan.ColRef{Index: nK, Typ: t, Name: sch[nK].Name}
	st.joins = append(st.joins, pendingJoin{right: matches,
		lkeys: append(append([]plan.Expr(nil), outerKeys...), x),
		rkeys: append(append([]plan.Expr(nil), kRefs...), yKey)})
	st.width += nK + 2
	matched := &plan.ColRef{Index: start + nK + 1, Typ: types.BoolT, Name: "?marker?"}

	// Counts per K: rows and non-NULL ys.
	countCols := append(append(plan.Schema(nil), sch[:nK]...),
		plan.Column{Name: "count", Type: types.Int8T}, plan.Column{Name: "count", Type: types.Int8T})
	counts := &plan.Reduce{Input: sub, GroupKeys: kRefs,
		Aggs: []plan.Aggregate{{Func: plan.CountStar, Typ: types.Int8T},
			{Func: plan.Count, Arg: &plan.ColRef{Index: nK, Typ: sch[nK].Type, Name: sch[nK].Name}, Typ: types.Int8T}},
		Cols: countCols}
	start = st.base + st.width
	st.joins = append(st.joins, pendingJoin{right: counts, lkeys: outerKeys, rkeys: kRefs})
	st.width += nK + 2
	rows := &plan.ColRef{Index: start + nK, Typ: types.Int8T, Name: "count"}
	nonNull := &plan.ColRef{Index: start + nK + 1, Typ: types.Int8T, Name: "count"}

	zero := &plan.Const{Value: datum.NewInt8(0), Typ: types.Int8T}
	noRows, err := b.call("=", []plan.Expr{&plan.Coalesce{Args: []plan.Expr{rows, zero}, Typ: types.Int8T}, zero})
	if err != nil {
		return nil, err
	}
	someNull, err := b.call(">", []plan.Expr{rows, nonNull})
	if err != nil {
		return nil, err
	}
	var e plan.Expr = &plan.Case{
		Whens: []plan.When{
			{Cond: &plan.IsNull{Arg: matched, Negated: true}, Then: boolConst(true)},
			{Cond: noRows, Then: boolConst(false)},
			{Cond: &plan.Or{Args: []plan.Expr{isNull(x), someNull}}, Then: nullConst(types.BoolT)},
		},
		Else: boolConst(false),
		Typ:  types.BoolT,
	}
	if n.Not {
		e = &plan.Not{Arg: e}
	}
	return e, nil
}

package planner

import (
	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
)

// isSubqueryPredicate reports whether a WHERE conjunct is one the planner
// turns into a semi or anti join: x IN (SELECT ...), [NOT] EXISTS (...).
func isSubqueryPredicate(n ast.ExprNode) bool {
	switch n := n.(type) {
	case *ast.PatternInExpr:
		// NOT IN has NULL semantics an anti join lacks: it is planned as
		// an expression (inSubquery).
		return n.Sel != nil && !n.Not
	case *ast.ExistsSubqueryExpr:
		return true
	case *ast.ParenthesesExpr:
		return isSubqueryPredicate(n.Expr)
	case *ast.UnaryOperationExpr:
		if n.Op == opcode.Not || n.Op == opcode.Not2 {
			_, ok := n.V.(*ast.ExistsSubqueryExpr)
			return ok
		}
	}
	return false
}

// subqueryPredicate filters node (with scope s) by an uncorrelated subquery
// predicate: x IN (SELECT y ...) is a semi join on x = y, EXISTS a semi
// join without keys, NOT EXISTS an anti join without keys.
func (b *builder) subqueryPredicate(node plan.Node, s *scope, n ast.ExprNode) (plan.Node, error) {
	switch n := n.(type) {
	case *ast.ParenthesesExpr:
		return b.subqueryPredicate(node, s, n.Expr)
	case *ast.UnaryOperationExpr:
		ex := n.V.(*ast.ExistsSubqueryExpr)
		return b.existsJoin(node, s, ex, !ex.Not)
	case *ast.ExistsSubqueryExpr:
		return b.existsJoin(node, s, n, n.Not)
	case *ast.PatternInExpr:
		sq, ok := n.Sel.(*ast.SubqueryExpr)
		if !ok {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "IN (%T) is not supported", n.Sel)
		}
		x, err := b.expr(s, n.Expr)
		if err != nil {
			return nil, err
		}
		r, cols, err := b.planCorrelated(sq.Query, s, node)
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
		lkeys, rkeys := []plan.Expr{x}, []plan.Expr{y}
		for i, c := range cols {
			lkeys = append(lkeys, s.colRef(c))
			rkeys = append(rkeys, &plan.ColRef{Index: i, Typ: sch[i].Type, Name: sch[i].Name})
		}
		return &plan.Join{Left: node, Right: sub, LeftKeys: lkeys, RightKeys: rkeys,
			Kind: plan.SemiJoin, Cols: node.Schema()}, nil
	}
	return nil, sqlerr.New(sqlerr.Internal, "unexpected subquery predicate %T", n)
}

func (b *builder) existsJoin(node plan.Node, s *scope, ex *ast.ExistsSubqueryExpr, negated bool) (plan.Node, error) {
	sq, ok := ex.Sel.(*ast.SubqueryExpr)
	if !ok {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "EXISTS (%T) is not supported", ex.Sel)
	}
	keys, cols, err := b.existsKeys(sq.Query, s, node)
	if err != nil {
		return nil, err
	}
	kind := plan.SemiJoin
	if negated {
		kind = plan.AntiJoin
	}
	j := &plan.Join{Left: node, Right: keys, Kind: kind, Cols: node.Schema()}
	sch := keys.Schema()
	for i, c := range cols {
		j.LeftKeys = append(j.LeftKeys, s.colRef(c))
		j.RightKeys = append(j.RightKeys, &plan.ColRef{Index: i, Typ: sch[i].Type, Name: sch[i].Name})
	}
	return j, nil
}

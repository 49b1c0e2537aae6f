package planner

import (
	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// planSetOp plans UNION, INTERSECT and EXCEPT (and their ALL forms).
func (b *builder) planSetOp(st *ast.SetOprStmt, outer *scope) (*relResult, error) {
	return b.planSetOprList(st.SelectList, st.With, st.OrderBy, st.Limit, outer)
}

func (b *builder) planSetOprList(list *ast.SetOprSelectList, with *ast.WithClause,
	orderBy *ast.OrderByClause, limit *ast.Limit, outer *scope) (*relResult, error) {
	pop, err := b.pushWith(with)
	if err != nil {
		return nil, err
	}
	defer pop()
	if list.With != nil {
		popInner, err := b.pushWith(list.With)
		if err != nil {
			return nil, err
		}
		defer popInner()
	}
	if orderBy == nil && limit == nil {
		orderBy, limit = list.OrderBy, list.Limit
	}
	// INTERSECT binds tighter than UNION and EXCEPT, which associate left.
	type term struct {
		op   ast.SetOprType
		node plan.Node
	}
	var terms []term
	for i, sel := range list.Selects {
		node, op, err := b.setOprInput(sel, outer)
		if err != nil {
			return nil, err
		}
		if i > 0 && op == nil {
			return nil, sqlerr.New(sqlerr.SyntaxError, "set operation without an operator")
		}
		if i > 0 && (*op == ast.Intersect || *op == ast.IntersectAll) {
			last := &terms[len(terms)-1]
			if last.node, err = b.setOp(*op, last.node, node); err != nil {
				return nil, err
			}
			continue
		}
		t := term{node: node}
		if i > 0 {
			t.op = *op
		}
		terms = append(terms, t)
	}
	node := terms[0].node
	for _, t := range terms[1:] {
		if node, err = b.setOp(t.op, node, t.node); err != nil {
			return nil, err
		}
	}
	res := &relResult{node: node, visible: len(node.Schema()), limit: -1}
	if orderBy != nil {
		out := scopeFor("", node)
		out.clause = "ORDER BY"
		items := make([]selItem, len(out.cols))
		exprs := make([]plan.Expr, len(out.cols))
		for i, c := range out.cols {
			items[i] = selItem{col: i, name: c.name}
			exprs[i] = out.colRef(i)
		}
		for _, o := range orderBy.Items {
			col, err := b.orderColumn(out, o.Expr, items, exprs)
			if err != nil {
				return nil, err
			}
			if col < 0 {
				return nil, sqlerr.New(sqlerr.FeatureNotSupported, "invalid UNION/INTERSECT/EXCEPT ORDER BY clause").
					WithDetail("Only result column names can be used, not expressions or functions.")
			}
			res.order = append(res.order, plan.SortKey{Col: col, Desc: o.Desc, NullsFirst: o.Desc})
		}
	}
	if err := b.limit(limit, res); err != nil {
		return nil, err
	}
	return res, nil
}

// setOprInput plans one operand of a set operation and returns the operator
// before it (nil for the first).
func (b *builder) setOprInput(n ast.Node, outer *scope) (plan.Node, *ast.SetOprType, error) {
	switch n := n.(type) {
	case *ast.SelectStmt:
		r, err := b.planSelect(n, outer, true)
		if err != nil {
			return nil, nil, err
		}
		node, err := b.limitInDataflow(r)
		return node, n.AfterSetOperator, err
	case *ast.SetOprSelectList:
		r, err := b.planSetOprList(n, nil, nil, nil, outer)
		if err != nil {
			return nil, nil, err
		}
		node, err := b.limitInDataflow(r)
		return node, n.AfterSetOperator, err
	}
	return nil, nil, sqlerr.New(sqlerr.FeatureNotSupported, "set operation input %T is not supported", n)
}

// setOp combines two inputs with the Z-set operators:
//
//	UNION ALL      a + b
//	UNION          distinct(a + b)
//	EXCEPT ALL     threshold(a - b)
//	EXCEPT         threshold(distinct(a) - distinct(b))
//	INTERSECT ALL  a - threshold(a - b)
//	INTERSECT      distinct(a - threshold(a - b))
func (b *builder) setOp(op ast.SetOprType, l, r plan.Node) (plan.Node, error) {
	ls, rs := l.Schema(), r.Schema()
	if len(ls) != len(rs) {
		return nil, sqlerr.New(sqlerr.SyntaxError, "each %s query must have the same number of columns", setOpName(op))
	}
	ts := make([]types.T, len(ls))
	for i := range ls {
		t, err := unify([]types.T{ls[i].Type, rs[i].Type})
		if err != nil {
			return nil, sqlerr.New(sqlerr.DatatypeMismatch, "%s types %s and %s cannot be matched",
				setOpName(op), ls[i].Type, rs[i].Type)
		}
		ts[i] = t
	}
	var err error
	if l, err = b.castColumns(l, ts, nil); err != nil {
		return nil, err
	}
	if r, err = b.castColumns(r, ts, nil); err != nil {
		return nil, err
	}
	switch op {
	case ast.UnionAll:
		return unionOf(l, r), nil
	case ast.Union:
		return &plan.Distinct{Input: unionOf(l, r)}, nil
	case ast.ExceptAll:
		return &plan.Threshold{Input: unionOf(l, &plan.Negate{Input: r})}, nil
	case ast.Except:
		return &plan.Threshold{Input: unionOf(&plan.Distinct{Input: l}, &plan.Negate{Input: &plan.Distinct{Input: r}})}, nil
	case ast.IntersectAll:
		return intersectAll(l, r), nil
	case ast.Intersect:
		return &plan.Distinct{Input: intersectAll(l, r)}, nil
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "set operation %v is not supported", op)
}

func intersectAll(l, r plan.Node) plan.Node {
	lMinusR := &plan.Threshold{Input: unionOf(l, &plan.Negate{Input: r})}
	return unionOf(l, &plan.Negate{Input: lMinusR})
}

// unionOf is UNION ALL, flattening a left-deep chain into one Union.
func unionOf(l, r plan.Node) plan.Node {
	if u, ok := l.(*plan.Union); ok {
		return &plan.Union{Branches: append(append([]plan.Node(nil), u.Branches...), r)}
	}
	return &plan.Union{Branches: []plan.Node{l, r}}
}

func setOpName(op ast.SetOprType) string {
	switch op {
	case ast.Intersect, ast.IntersectAll:
		return "INTERSECT"
	case ast.Except, ast.ExceptAll:
		return "EXCEPT"
	}
	return "UNION"
}

// castColumns converts n's columns to types ts, typing untyped literals of
// a select list in place. names, when given, renames the columns (the
// right input of a set operation takes the left one's names).
func (b *builder) castColumns(n plan.Node, ts []types.T, names plan.Schema) (plan.Node, error) {
	sch := n.Schema()
	same := true
	for i, c := range sch {
		same = same && c.Type == ts[i] && (names == nil || names[i].Name == c.Name)
	}
	if same {
		return n, nil
	}
	cols := make(plan.Schema, len(sch))
	exprs := make([]plan.Expr, len(sch))
	var input plan.Node = n
	if p, ok := n.(*plan.Project); ok {
		input = p
		copy(exprs, p.Exprs)
		input = p.Input
	} else {
		for i, c := range sch {
			exprs[i] = &plan.ColRef{Index: i, Typ: c.Type, Name: c.Name}
		}
	}
	for i, c := range sch {
		e, err := b.coerce(exprs[i], ts[i])
		if err != nil {
			return nil, err
		}
		exprs[i] = e
		cols[i] = plan.Column{Name: c.Name, Type: ts[i], Nullable: c.Nullable}
		if names != nil {
			cols[i].Name = names[i].Name
		}
	}
	return &plan.Project{Input: input, Exprs: exprs, Cols: cols}, nil
}

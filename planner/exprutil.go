package planner

import (
	"github.com/freshet-db/freshet/planner/plan"
)

// mapCols returns a copy of e in which every column reference is replaced
// by f(ref). Nodes without column references are shared, not copied.
func mapCols(e plan.Expr, f func(*plan.ColRef) plan.Expr) plan.Expr {
	switch e := e.(type) {
	case *plan.ColRef:
		return f(e)
	case *plan.Call:
		return &plan.Call{Fn: e.Fn, Args: mapList(e.Args, f)}
	case *plan.And:
		return &plan.And{Args: mapList(e.Args, f)}
	case *plan.Or:
		return &plan.Or{Args: mapList(e.Args, f)}
	case *plan.Not:
		return &plan.Not{Arg: mapCols(e.Arg, f)}
	case *plan.IsNull:
		return &plan.IsNull{Arg: mapCols(e.Arg, f), Negated: e.Negated}
	case *plan.Case:
		whens := make([]plan.When, len(e.Whens))
		for i, w := range e.Whens {
			whens[i] = plan.When{Cond: mapCols(w.Cond, f), Then: mapCols(w.Then, f)}
		}
		return &plan.Case{Whens: whens, Else: mapCols(e.Else, f), Typ: e.Typ}
	case *plan.Coalesce:
		return &plan.Coalesce{Args: mapList(e.Args, f), Typ: e.Typ}
	case *plan.InList:
		return &plan.InList{Arg: mapCols(e.Arg, f), List: mapList(e.List, f), Negated: e.Negated}
	case *plan.Cast:
		return &plan.Cast{Arg: mapCols(e.Arg, f), To: e.To, Assign: e.Assign}
	}
	return e
}

func mapList(es []plan.Expr, f func(*plan.ColRef) plan.Expr) []plan.Expr {
	out := make([]plan.Expr, len(es))
	for i, e := range es {
		out[i] = mapCols(e, f)
	}
	return out
}

// shiftCols adds delta to every column index of e.
func shiftCols(e plan.Expr, delta int) plan.Expr {
	if delta == 0 {
		return e
	}
	return mapCols(e, func(c *plan.ColRef) plan.Expr {
		return &plan.ColRef{Index: c.Index + delta, Typ: c.Typ, Name: c.Name}
	})
}

// remapCols renumbers the column references of e through m (old → new).
func remapCols(e plan.Expr, m map[int]int) plan.Expr {
	return mapCols(e, func(c *plan.ColRef) plan.Expr {
		return &plan.ColRef{Index: m[c.Index], Typ: c.Typ, Name: c.Name}
	})
}

// colsOf returns the set of column indexes e reads.
func colsOf(e plan.Expr) map[int]bool {
	out := map[int]bool{}
	plan.Walk(e, func(x plan.Expr) bool {
		if c, ok := x.(*plan.ColRef); ok {
			out[c.Index] = true
		}
		return true
	})
	return out
}

// conjuncts splits a predicate into its top-level AND terms.
func conjuncts(e plan.Expr) []plan.Expr {
	if a, ok := e.(*plan.And); ok {
		var out []plan.Expr
		for _, x := range a.Args {
			out = append(out, conjuncts(x)...)
		}
		return out
	}
	return []plan.Expr{e}
}

// andOf combines predicates with AND; nil when there are none.
func andOf(es []plan.Expr) plan.Expr {
	switch len(es) {
	case 0:
		return nil
	case 1:
		return es[0]
	}
	return &plan.And{Args: es}
}

// filter puts a Filter with the conjunction of preds over n (n itself if
// there are none).
func filter(n plan.Node, preds []plan.Expr) plan.Node {
	kept := preds[:0:0]
	for _, p := range preds {
		if k, ok := p.(*plan.Const); ok && !k.Value.IsNull() && k.Value.Bool() {
			continue // always true
		}
		kept = append(kept, p)
	}
	preds = kept
	if p, ok := n.(*plan.Project); ok && len(preds) > 0 {
		// Push the predicates that only read plain columns below a
		// projection (of a view, derived table or CTE).
		var pushed, rest []plan.Expr
		for _, pred := range preds {
			if e, ok := throughProject(p, pred); ok {
				pushed = append(pushed, e)
			} else {
				rest = append(rest, pred)
			}
		}
		if len(pushed) > 0 {
			n = newProject(filter(p.Input, pushed), p.Exprs, p.Cols)
			preds = rest
		}
	}
	if p := andOf(preds); p != nil {
		if f, ok := n.(*plan.Filter); ok {
			return &plan.Filter{Input: f.Input, Pred: andOf(append(conjuncts(f.Pred), preds...))}
		}
		return &plan.Filter{Input: n, Pred: p}
	}
	return n
}

// newProject returns a projection of input. A projection that only renames
// or reorders the columns of a projection below it is merged into it; one
// that returns input unchanged is omitted.
func newProject(input plan.Node, exprs []plan.Expr, cols plan.Schema) plan.Node {
	if isIdentity(input.Schema(), exprs, cols) {
		return input
	}
	if p, ok := input.(*plan.Project); ok {
		simple := true
		for _, e := range exprs {
			if _, isRef := e.(*plan.ColRef); !isRef {
				if _, isConst := e.(*plan.Const); !isConst {
					simple = false
				}
			}
		}
		if simple {
			merged := make([]plan.Expr, len(exprs))
			for i, e := range exprs {
				merged[i] = mapCols(e, func(c *plan.ColRef) plan.Expr { return p.Exprs[c.Index] })
			}
			return newProject(p.Input, merged, cols)
		}
	}
	return &plan.Project{Input: input, Exprs: exprs, Cols: cols}
}

// isIdentity reports whether exprs over a row of schema in return that row
// with the same column names.
func isIdentity(in plan.Schema, exprs []plan.Expr, cols plan.Schema) bool {
	if len(in) != len(exprs) {
		return false
	}
	for i, e := range exprs {
		c, ok := e.(*plan.ColRef)
		if !ok || c.Index != i || in[i].Name != cols[i].Name || in[i].Type != cols[i].Type {
			return false
		}
	}
	return true
}

// throughProject rewrites pred over p's output into a predicate over p's
// input. It fails if pred reads an output computed by anything but a column
// reference or a constant (substituting it would duplicate work, or change
// the meaning of a volatile call).
func throughProject(p *plan.Project, pred plan.Expr) (plan.Expr, bool) {
	ok := true
	out := mapCols(pred, func(c *plan.ColRef) plan.Expr {
		if c.Index >= len(p.Exprs) {
			ok = false
			return c
		}
		switch e := p.Exprs[c.Index].(type) {
		case *plan.ColRef, *plan.Const:
			return e
		}
		ok = false
		return c
	})
	return out, ok
}

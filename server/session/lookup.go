package session

import (
	"slices"

	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/server/coord"
	"github.com/freshet-db/freshet/sql/datum"
)

// pointLookups finds the relations a plan reads only through an equality
// filter on some of their columns (`WHERE sku = 'x'` on a view, a primary
// key on a table), so the read can fetch just those rows instead of the
// whole relation. A relation read more than once in the plan is left
// alone: its other reads need all of it. The filter itself stays in the
// plan, so the answer does not depend on this optimisation.
func pointLookups(root plan.Node) map[plan.RelationID]coord.Lookup {
	uses := map[plan.RelationID]int{}
	var found map[plan.RelationID]coord.Lookup
	var walk func(plan.Node)
	walk = func(n plan.Node) {
		if g, ok := n.(*plan.Get); ok {
			uses[g.ID]++
		}
		if f, ok := n.(*plan.Filter); ok {
			if g, ok := f.Input.(*plan.Get); ok {
				if lk, ok := equalities(f.Pred); ok {
					if found == nil {
						found = map[plan.RelationID]coord.Lookup{}
					}
					found[g.ID] = lk
				}
			}
		}
		for _, in := range n.Inputs() {
			walk(in)
		}
	}
	walk(root)
	for id := range found {
		if uses[id] != 1 {
			delete(found, id)
		}
	}
	return found
}

// equalities extracts `column = constant` conjuncts, ordered by column.
func equalities(pred plan.Expr) (coord.Lookup, bool) {
	conj := []plan.Expr{pred}
	if a, ok := pred.(*plan.And); ok {
		conj = a.Args
	}
	type eq struct {
		col int
		val datum.Datum
	}
	var eqs []eq
	for _, c := range conj {
		call, ok := c.(*plan.Call)
		if !ok || call.Fn.Name != "=" || len(call.Args) != 2 {
			continue
		}
		col, k1 := call.Args[0].(*plan.ColRef)
		val, k2 := call.Args[1].(*plan.Const)
		if !k1 || !k2 {
			col, k1 = call.Args[1].(*plan.ColRef)
			val, k2 = call.Args[0].(*plan.Const)
		}
		if k1 && k2 && !slices.ContainsFunc(eqs, func(e eq) bool { return e.col == col.Index }) {
			eqs = append(eqs, eq{col.Index, val.Value})
		}
	}
	if len(eqs) == 0 {
		return coord.Lookup{}, false
	}
	slices.SortFunc(eqs, func(a, b eq) int { return a.col - b.col })
	var lk coord.Lookup
	for _, e := range eqs {
		lk.Cols = append(lk.Cols, e.col)
		lk.Key = append(lk.Key, e.val)
	}
	return lk, true
}

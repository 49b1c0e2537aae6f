package dataflow

import (
	"github.com/freshet-db/freshet/executor/expr"
	"github.com/freshet-db/freshet/executor/operator"
	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/sql/sqlerr"
)

// render translates the plan tree under n into operators appended to
// df.nodes (children before parents) and returns n's node index.
func (df *Dataflow) render(n plan.Node) (int, error) {
	var ins []int
	for _, c := range n.Inputs() {
		i, err := df.render(c)
		if err != nil {
			return 0, err
		}
		ins = append(ins, i)
	}
	op, err := renderOp(n)
	if err != nil {
		return 0, err
	}
	nd := &node{op: op, inputs: ins}
	if g, ok := n.(*plan.Get); ok {
		nd.get, nd.rel = true, g.ID
		if !df.seen[g.ID] {
			df.seen[g.ID] = true
			df.inputs = append(df.inputs, g.ID)
		}
	}
	df.nodes = append(df.nodes, nd)
	return len(df.nodes) - 1, nil
}

func renderOp(n plan.Node) (operator.Operator, error) {
	switch n := n.(type) {
	case *plan.Get:
		return operator.NewInput(n.Name), nil
	case *plan.Values:
		return operator.NewValues(n.Rows), nil
	case *plan.Filter:
		pred, err := compile(n.Pred, width(n.Input))
		if err != nil {
			return nil, err
		}
		return operator.NewFilter(pred, n.Pred.String()), nil
	case *plan.Project:
		w := width(n.Input)
		evs := make([]expr.Evaluator, len(n.Exprs))
		descs := make([]string, len(n.Exprs))
		for i, e := range n.Exprs {
			ev, err := compile(e, w)
			if err != nil {
				return nil, err
			}
			evs[i], descs[i] = ev, e.String()
		}
		return operator.NewProject(evs, descs), nil
	case *plan.Join:
		return renderJoin(n)
	case *plan.Reduce:
		return renderReduce(n)
	case *plan.Distinct:
		return operator.NewDistinct(), nil
	case *plan.Union:
		if len(n.Inputs()) == 0 {
			return nil, sqlerr.New(sqlerr.Internal, "union without inputs")
		}
		return operator.NewUnion(), nil
	case *plan.Negate:
		return operator.NewNegate(), nil
	case *plan.Threshold:
		return operator.NewThreshold(), nil
	case *plan.TopK:
		return renderTopK(n)
	}
	return nil, sqlerr.New(sqlerr.Internal, "cannot render plan node %T", n)
}

func width(n plan.Node) int { return len(n.Schema()) }

// compile compiles e after checking that its column references fit rows
// of width w.
func compile(e plan.Expr, w int) (expr.Evaluator, error) {
	var bad *plan.ColRef
	plan.Walk(e, func(x plan.Expr) bool {
		if c, ok := x.(*plan.ColRef); ok && (c.Index < 0 || c.Index >= w) && bad == nil {
			bad = c
		}
		return true
	})
	if bad != nil {
		return nil, sqlerr.New(sqlerr.Internal, "column reference %s out of range for a row of %d columns", bad, w)
	}
	return expr.Compile(e)
}

func renderJoin(n *plan.Join) (operator.Operator, error) {
	if len(n.LeftKeys) != len(n.RightKeys) {
		return nil, sqlerr.New(sqlerr.Internal, "join with %d left keys and %d right keys", len(n.LeftKeys), len(n.RightKeys))
	}
	lw, rw := width(n.Left), width(n.Right)
	spec := operator.JoinSpec{LeftWidth: lw, RightWidth: rw}
	switch n.Kind {
	case plan.InnerJoin:
		spec.Kind = operator.InnerJoin
	case plan.LeftJoin:
		spec.Kind = operator.LeftJoin
	case plan.RightJoin:
		spec.Kind = operator.RightJoin
	case plan.FullJoin:
		spec.Kind = operator.FullJoin
	case plan.SemiJoin:
		spec.Kind = operator.SemiJoin
	case plan.AntiJoin:
		spec.Kind = operator.AntiJoin
	default:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "join kind %d is not supported", n.Kind)
	}
	for i := range n.LeftKeys {
		l, err := compile(n.LeftKeys[i], lw)
		if err != nil {
			return nil, err
		}
		r, err := compile(n.RightKeys[i], rw)
		if err != nil {
			return nil, err
		}
		spec.LeftKeys = append(spec.LeftKeys, l)
		spec.RightKeys = append(spec.RightKeys, r)
		spec.LeftKeyDescs = append(spec.LeftKeyDescs, n.LeftKeys[i].String())
		spec.RightKeyDescs = append(spec.RightKeyDescs, n.RightKeys[i].String())
	}
	if n.Residual != nil {
		res, err := compile(n.Residual, lw+rw)
		if err != nil {
			return nil, err
		}
		spec.Residual, spec.ResidualDesc = res, n.Residual.String()
	}
	return operator.NewJoin(spec), nil
}

func renderReduce(n *plan.Reduce) (operator.Operator, error) {
	w := width(n.Input)
	keys := make([]expr.Evaluator, len(n.GroupKeys))
	descs := make([]string, len(n.GroupKeys))
	for i, k := range n.GroupKeys {
		ev, err := compile(k, w)
		if err != nil {
			return nil, err
		}
		keys[i], descs[i] = ev, k.String()
	}
	aggs := make([]operator.AggSpec, len(n.Aggs))
	for i, a := range n.Aggs {
		spec := operator.AggSpec{Distinct: a.Distinct, Result: a.Typ}
		switch a.Func {
		case plan.CountStar:
			spec.Func = operator.CountStar
		case plan.Count:
			spec.Func = operator.Count
		case plan.Sum:
			spec.Func = operator.Sum
		case plan.Avg:
			spec.Func = operator.Avg
		case plan.Min:
			spec.Func = operator.Min
		case plan.Max:
			spec.Func = operator.Max
		default:
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "aggregate function %d is not supported", a.Func)
		}
		desc := spec.Func.String()
		if spec.Func != operator.CountStar {
			if a.Arg == nil {
				return nil, sqlerr.New(sqlerr.Internal, "aggregate %s without an argument", desc)
			}
			ev, err := compile(a.Arg, w)
			if err != nil {
				return nil, err
			}
			spec.Arg, spec.ArgType = ev, a.Arg.Type()
			if a.Distinct {
				desc += "(DISTINCT " + a.Arg.String() + ")"
			} else {
				desc += "(" + a.Arg.String() + ")"
			}
		}
		spec.Desc = desc
		aggs[i] = spec
	}
	return operator.NewReduce(keys, descs, aggs)
}

func renderTopK(n *plan.TopK) (operator.Operator, error) {
	w := width(n.Input)
	order := make([]operator.SortKey, len(n.Order))
	for i, o := range n.Order {
		if o.Col < 0 || o.Col >= w {
			return nil, sqlerr.New(sqlerr.Internal, "sort column %d out of range for a row of %d columns", o.Col, w)
		}
		order[i] = operator.SortKey{Col: o.Col, Desc: o.Desc, NullsFirst: o.NullsFirst}
	}
	for _, c := range n.GroupCols {
		if c < 0 || c >= w {
			return nil, sqlerr.New(sqlerr.Internal, "group column %d out of range for a row of %d columns", c, w)
		}
	}
	if n.Offset < 0 {
		return nil, sqlerr.New(sqlerr.Internal, "negative offset %d", n.Offset)
	}
	return operator.NewTopK(n.GroupCols, order, n.Limit, n.Offset), nil
}

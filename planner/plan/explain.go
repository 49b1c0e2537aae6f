package plan

import (
	"fmt"
	"strings"
)

// Explain renders a query as a deterministic indented tree, one node per
// line, children indented by two spaces under their parent, e.g.
//
//	Project [#0(a), (#1(b) * 2)]
//	  Filter (#0(a) > 1)
//	    Get t
//
// Lines for ORDER BY, LIMIT and hidden columns come first when present.
func Explain(q *Query) string {
	var sb strings.Builder
	if len(q.OrderBy) > 0 {
		fmt.Fprintf(&sb, "Order %s\n", sortKeys(q.OrderBy))
	}
	if q.LimitParam != 0 || q.OffsetParam != 0 || q.Limit >= 0 || q.Offset > 0 {
		fmt.Fprintf(&sb, "Limit %s offset %s\n",
			limitString(q.Limit, q.LimitParam), limitString(q.Offset, q.OffsetParam))
	}
	if q.Root != nil && q.Visible != len(q.Root.Schema()) {
		fmt.Fprintf(&sb, "Visible %d\n", q.Visible)
	}
	writeNode(&sb, q.Root, 0)
	return sb.String()
}

// ExplainNode renders one plan tree like Explain.
func ExplainNode(n Node) string {
	var sb strings.Builder
	writeNode(&sb, n, 0)
	return sb.String()
}

func limitString(v int64, param int) string {
	switch {
	case param != 0:
		return fmt.Sprintf("$%d", param)
	case v < 0:
		return "all"
	}
	return fmt.Sprint(v)
}

func sortKeys(keys []SortKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		s := fmt.Sprintf("#%d", k.Col)
		if k.Desc {
			s += " desc"
		}
		if k.NullsFirst != k.Desc {
			if k.NullsFirst {
				s += " nulls first"
			} else {
				s += " nulls last"
			}
		}
		parts[i] = s
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func writeNode(sb *strings.Builder, n Node, depth int) {
	sb.WriteString(strings.Repeat("  ", depth))
	if n == nil {
		sb.WriteString("<nil>\n")
		return
	}
	sb.WriteString(nodeLine(n))
	sb.WriteByte('\n')
	for _, c := range n.Inputs() {
		writeNode(sb, c, depth+1)
	}
}

// nodeLine is the one-line description of n without its inputs.
func nodeLine(n Node) string {
	switch n := n.(type) {
	case *Get:
		return "Get " + n.Name
	case *Values:
		rows := make([]string, len(n.Rows))
		for i, r := range n.Rows {
			vals := make([]string, len(r))
			for j, d := range r {
				vals[j] = (&Const{Value: d, Typ: n.Cols[j].Type}).String()
			}
			rows[i] = "(" + strings.Join(vals, ", ") + ")"
		}
		return "Values " + strings.Join(rows, ", ")
	case *Filter:
		return "Filter " + n.Pred.String()
	case *Project:
		return "Project [" + joinExprs(n.Exprs, ", ") + "]"
	case *Join:
		s := "Join " + n.Kind.String()
		if len(n.LeftKeys) > 0 {
			keys := make([]string, len(n.LeftKeys))
			for i := range n.LeftKeys {
				keys[i] = n.LeftKeys[i].String() + " = " + n.RightKeys[i].String()
			}
			s += " keys [" + strings.Join(keys, ", ") + "]"
		}
		if n.Residual != nil {
			s += " residual " + n.Residual.String()
		}
		return s
	case *Reduce:
		aggs := make([]string, len(n.Aggs))
		for i, a := range n.Aggs {
			aggs[i] = a.String()
		}
		return "Reduce keys [" + joinExprs(n.GroupKeys, ", ") + "] aggs [" + strings.Join(aggs, ", ") + "]"
	case *Distinct:
		return "Distinct"
	case *Union:
		return "Union"
	case *Negate:
		return "Negate"
	case *Threshold:
		return "Threshold"
	case *TopK:
		s := "TopK"
		if len(n.GroupCols) > 0 {
			s += fmt.Sprintf(" group %v", n.GroupCols)
		}
		s += " order " + sortKeys(n.Order)
		s += " limit " + limitString(n.Limit, 0)
		if n.Offset > 0 {
			s += fmt.Sprintf(" offset %d", n.Offset)
		}
		return s
	}
	return fmt.Sprintf("%T", n)
}

// String renders an aggregate as "sum(#1)", "count(distinct #0)" or
// "count(*)", with its result type.
func (a Aggregate) String() string {
	if a.Func == CountStar {
		return "count(*)"
	}
	arg := ""
	if a.Arg != nil {
		arg = a.Arg.String()
	}
	if a.Distinct {
		arg = "distinct " + arg
	}
	return a.Func.String() + "(" + arg + ")::" + a.Typ.String()
}

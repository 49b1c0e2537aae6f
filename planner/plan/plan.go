// Package plan defines the relational plans the planner produces and the
// executor renders into dataflows: nodes and scalar expressions, as plain
// data, with a deterministic tree printer (used by EXPLAIN and golden tests).
//
// Every node has an output Schema. Column references (ColRef) index into the
// output of the node's input (for Join: left columns then right columns).
package plan

import (
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/types"
)

// Column is one output column of a node.
type Column struct {
	Name     string
	Type     types.T
	Nullable bool
}

// Schema is the list of output columns of a node.
type Schema []Column

// Types returns the column types.
func (s Schema) Types() []types.T {
	ts := make([]types.T, len(s))
	for i, c := range s {
		ts[i] = c.Type
	}
	return ts
}

// Node is a relational operator.
type Node interface {
	Schema() Schema
	Inputs() []Node
	node()
}

// RelationID identifies a catalog relation (table or view) read by Get.
type RelationID uint64

// Get reads a whole catalog relation: a table, a source table, or a
// materialized view's output.
type Get struct {
	ID   RelationID
	Name string
	Cols Schema
}

// Values is a constant relation (VALUES, SELECT without FROM). Every row
// has multiplicity one.
type Values struct {
	Rows []datum.Row
	Cols Schema
}

// Filter keeps the rows for which Pred is true (not false, not NULL).
type Filter struct {
	Input Node
	Pred  Expr
}

// Project computes Exprs over each input row.
type Project struct {
	Input Node
	Exprs []Expr
	Cols  Schema
}

// JoinKind is the kind of a join.
type JoinKind uint8

const (
	InnerJoin JoinKind = iota
	LeftJoin
	RightJoin
	FullJoin
	// SemiJoin keeps left rows with at least one match (EXISTS / IN).
	SemiJoin
	// AntiJoin keeps left rows with no match (NOT EXISTS).
	AntiJoin
)

func (k JoinKind) String() string {
	return [...]string{"inner", "left", "right", "full", "semi", "anti"}[k]
}

// Join is an equi-join: rows l, r match when LeftKeys[i](l) = RightKeys[i](r)
// for every i (SQL equality: NULL keys never match) and Residual (if any,
// over the concatenated row l ++ r) is true. With no keys it is a cross
// join. The output is l ++ r (left columns first); Semi and Anti joins
// output only l.
type Join struct {
	Left, Right         Node
	LeftKeys, RightKeys []Expr // over the left and right input rows
	Residual            Expr   // over l ++ r, may be nil
	Kind                JoinKind
	Cols                Schema
}

// AggFunc is an aggregate function.
type AggFunc uint8

const (
	CountStar AggFunc = iota
	Count
	Sum
	Avg
	Min
	Max
)

func (f AggFunc) String() string {
	return [...]string{"count(*)", "count", "sum", "avg", "min", "max"}[f]
}

// Aggregate is one aggregate computed by Reduce.
type Aggregate struct {
	Func     AggFunc
	Arg      Expr // over the input row; nil for CountStar
	Distinct bool
	Typ      types.T // result type
}

// Reduce groups its input by GroupKeys and computes Aggs per group. Output:
// the group key values, then one column per aggregate. With no GroupKeys it
// is a scalar aggregate: exactly one output row, even over empty input
// (COUNT = 0, others NULL).
type Reduce struct {
	Input     Node
	GroupKeys []Expr
	Aggs      []Aggregate
	Cols      Schema
}

// Distinct removes duplicate rows (every multiplicity becomes one).
type Distinct struct {
	Input Node
}

// Union is the multiset sum (UNION ALL) of its inputs, which share a
// schema. UNION is Distinct over Union.
type Union struct {
	Branches []Node
}

// Negate flips the sign of every update (for EXCEPT ALL: a - b).
type Negate struct {
	Input Node
}

// Threshold keeps rows with a positive multiplicity (EXCEPT, INTERSECT).
type Threshold struct {
	Input Node
}

// SortKey is one ORDER BY term over the input row.
type SortKey struct {
	Col        int
	Desc       bool
	NullsFirst bool
}

// TopK keeps, per group of GroupCols, the first Limit rows after Offset
// in Order. Limit < 0 means no limit. Used for ORDER BY ... LIMIT inside
// views; reads sort their results outside the dataflow instead.
type TopK struct {
	Input     Node
	GroupCols []int
	Order     []SortKey
	Limit     int64
	Offset    int64
}

func (n *Get) Schema() Schema       { return n.Cols }
func (n *Values) Schema() Schema    { return n.Cols }
func (n *Filter) Schema() Schema    { return n.Input.Schema() }
func (n *Project) Schema() Schema   { return n.Cols }
func (n *Join) Schema() Schema      { return n.Cols }
func (n *Reduce) Schema() Schema    { return n.Cols }
func (n *Distinct) Schema() Schema  { return n.Input.Schema() }
func (n *Union) Schema() Schema     { return n.Branches[0].Schema() }
func (n *Negate) Schema() Schema    { return n.Input.Schema() }
func (n *Threshold) Schema() Schema { return n.Input.Schema() }
func (n *TopK) Schema() Schema      { return n.Input.Schema() }

func (n *Get) Inputs() []Node       { return nil }
func (n *Values) Inputs() []Node    { return nil }
func (n *Filter) Inputs() []Node    { return []Node{n.Input} }
func (n *Project) Inputs() []Node   { return []Node{n.Input} }
func (n *Join) Inputs() []Node      { return []Node{n.Left, n.Right} }
func (n *Reduce) Inputs() []Node    { return []Node{n.Input} }
func (n *Distinct) Inputs() []Node  { return []Node{n.Input} }
func (n *Union) Inputs() []Node     { return n.Branches }
func (n *Negate) Inputs() []Node    { return []Node{n.Input} }
func (n *Threshold) Inputs() []Node { return []Node{n.Input} }
func (n *TopK) Inputs() []Node      { return []Node{n.Input} }

func (*Get) node()       {}
func (*Values) node()    {}
func (*Filter) node()    {}
func (*Project) node()   {}
func (*Join) node()      {}
func (*Reduce) node()    {}
func (*Distinct) node()  {}
func (*Union) node()     {}
func (*Negate) node()    {}
func (*Threshold) node() {}
func (*TopK) node()      {}

// Query is a planned SELECT: the relational plan and, for reads, the final
// ordering, limit and offset applied to the result outside the dataflow.
type Query struct {
	Root    Node
	OrderBy []SortKey
	Limit   int64 // -1: none
	Offset  int64
	// Visible is the number of leading output columns shown to the client;
	// the columns after it exist only to sort by (ORDER BY of an expression
	// not in the select list).
	Visible int
	// LimitParam and OffsetParam, when not zero, name the 1-based $n
	// parameter that supplies LIMIT or OFFSET when the statement is bound
	// (Limit and Offset are then ignored).
	LimitParam, OffsetParam int
	// Params holds the types of the statement's $1..$n parameters, as
	// declared by the client or inferred from their use (types.Unknown if
	// neither).
	Params []types.T
}

// Relations returns the IDs of the catalog relations a plan reads, each
// once, in first-seen order.
func Relations(n Node) []RelationID {
	var ids []RelationID
	seen := map[RelationID]bool{}
	var walk func(Node)
	walk = func(n Node) {
		if g, ok := n.(*Get); ok && !seen[g.ID] {
			seen[g.ID] = true
			ids = append(ids, g.ID)
		}
		for _, c := range n.Inputs() {
			walk(c)
		}
	}
	walk(n)
	return ids
}

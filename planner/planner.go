package planner

import (
	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// PlanQuery plans a SELECT or set operation for reading. paramTypes gives
// the types the client declared for $1..$n (types.Unknown where not given);
// the returned Query.Params holds them completed by inference.
func PlanQuery(cat *catalog.Catalog, q ast.ResultSetNode, paramTypes []types.T) (_ *plan.Query, err error) {
	defer recoverInternal(&err)
	b := newBuilder(cat, paramTypes)
	r, err := b.planResultSet(q, nil)
	if err != nil {
		return nil, err
	}
	return &plan.Query{
		Root:        r.node,
		OrderBy:     r.order,
		Limit:       r.limit,
		Offset:      r.offset,
		LimitParam:  r.limitParam,
		OffsetParam: r.offsetParam,
		Visible:     r.visible,
		Params:      b.finishParams(),
	}, nil
}

// PlanView plans the defining query of a view or materialized view named
// name: parameters and volatile functions are refused, an ORDER BY without
// LIMIT is dropped (a view is a set) and ORDER BY with LIMIT becomes a
// TopK. columns, when given, renames the output columns.
func PlanView(cat *catalog.Catalog, name string, q ast.ResultSetNode, columns []string) (_ *plan.Query, err error) {
	defer recoverInternal(&err)
	b := newBuilder(cat, nil)
	b.forView = true
	r, err := b.planResultSet(q, nil)
	if err != nil {
		return nil, err
	}
	node, err := b.limitInDataflow(r)
	if err != nil {
		return nil, err
	}
	if len(columns) > 0 {
		sch := node.Schema()
		if len(columns) > len(sch) {
			return nil, sqlerr.New(sqlerr.SyntaxError, "CREATE VIEW specifies more column names than columns")
		}
		cols := make([]catalog.Column, len(sch))
		for i, c := range sch {
			cols[i].Name = c.Name
			if i < len(columns) {
				cols[i].Name = columns[i]
			}
		}
		node = renameColumns(node, cols)
	}
	seen := map[string]bool{}
	for _, c := range node.Schema() {
		if seen[c.Name] && c.Name != "?column?" {
			return nil, sqlerr.New(sqlerr.DuplicateColumn, "column %q specified more than once", c.Name)
		}
		seen[c.Name] = true
	}
	return &plan.Query{Root: node, Limit: -1, Visible: len(node.Schema())}, nil
}

// Explain renders a planned query as an indented tree.
func Explain(q *plan.Query) string { return plan.Explain(q) }

// recoverInternal turns a panic while planning (a planner bug: user input
// must never cause one) into an internal error for the statement, so that
// the server survives it.
func recoverInternal(err *error) {
	if r := recover(); r != nil {
		*err = sqlerr.New(sqlerr.Internal, "internal error while planning: %v", r)
	}
}

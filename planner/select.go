package planner

import (
	"math"

	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/parse"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// relResult is a planned query block before its ORDER BY and LIMIT are
// applied: the node's first visible columns are the result, the rest are
// hidden columns to sort by.
type relResult struct {
	node plan.Node
	// corr is the number of leading correlation-key columns of a
	// correlated subquery; emptyRow, for a correlated aggregate without
	// GROUP BY, gives its visible values (after the keys) over no rows.
	corr     int
	emptyRow []plan.Expr
	// singleRow is set when the query returns at most one row (per
	// correlation key): a scalar subquery must not return more.
	singleRow               bool
	visible                 int
	order                   []plan.SortKey
	limit, offset           int64 // limit -1: none
	limitParam, offsetParam int
}

// planResultSet plans a SELECT or a set operation.
func (b *builder) planResultSet(q ast.ResultSetNode, outer *scope) (*relResult, error) {
	switch q := q.(type) {
	case *ast.SelectStmt:
		return b.planSelect(q, outer, false)
	case *ast.SetOprStmt:
		return b.planSetOp(q, outer)
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "query %T is not supported", q)
}

// subquery plans a query used as a relation (a derived table, CTE, view or
// set operation input): ORDER BY matters only with LIMIT, which becomes a
// TopK; hidden sort columns are projected away.
func (b *builder) subquery(q ast.ResultSetNode, outer *scope) (plan.Node, error) {
	r, err := b.planResultSet(q, outer)
	if err != nil {
		return nil, err
	}
	return b.limitInDataflow(r)
}

// limitInDataflow turns r's LIMIT/OFFSET into a TopK (dropping an ORDER BY
// without one) and returns the visible columns.
func (b *builder) limitInDataflow(r *relResult) (plan.Node, error) {
	if r.limitParam != 0 || r.offsetParam != 0 {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "LIMIT and OFFSET parameters are supported only in the outermost query")
	}
	node := r.node
	if r.limit >= 0 || r.offset > 0 {
		topK := &plan.TopK{Input: node, Order: r.order, Limit: r.limit, Offset: r.offset}
		for i := range r.corr {
			topK.GroupCols = append(topK.GroupCols, i)
		}
		node = topK
	}
	return visibleOnly(node, r.visible), nil
}

// visibleOnly projects away the hidden columns after the first n.
func visibleOnly(node plan.Node, n int) plan.Node {
	sch := node.Schema()
	if len(sch) == n {
		return node
	}
	exprs := make([]plan.Expr, n)
	for i := range n {
		exprs[i] = &plan.ColRef{Index: i, Typ: sch[i].Type, Name: sch[i].Name}
	}
	return newProject(node, exprs, append(plan.Schema(nil), sch[:n]...))
}

// pushWith brings the CTEs of a WITH clause into scope and returns the
// function that removes them.
func (b *builder) pushWith(w *ast.WithClause) (func(), error) {
	saved := b.ctes
	if w == nil {
		return func() {}, nil
	}
	if w.IsRecursive {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "WITH RECURSIVE is not supported")
	}
	level := map[string]*cte{}
	b.ctes = append(append([]map[string]*cte(nil), saved...), level)
	for _, c := range w.CTEs {
		name := c.Name.O
		if _, dup := level[name]; dup {
			b.ctes = saved
			return nil, sqlerr.New(sqlerr.DuplicateTable, "WITH query name %q specified more than once", name)
		}
		def := &cte{name: name, query: c.Query.Query, ctes: append([]map[string]*cte(nil), b.ctes...)}
		// The definition sees the CTEs before it, not itself or later ones.
		prior := map[string]*cte{}
		for k, v := range level {
			prior[k] = v
		}
		def.ctes[len(def.ctes)-1] = prior
		for _, col := range c.ColNameList {
			def.columns = append(def.columns, col.O)
		}
		level[name] = def
	}
	return func() { b.ctes = saved }, nil
}

// selItem is one select-list column: an expression, or a column of the
// FROM clause expanded from * (col >= 0).
type selItem struct {
	node ast.ExprNode
	col  int
	name string
}

// planSelect plans one SELECT block. keepUnknown leaves untyped literals
// of the select list untyped (for set operations, which type them by
// unifying their inputs).
func (b *builder) planSelect(sel *ast.SelectStmt, outer *scope, keepUnknown bool) (*relResult, error) {
	pop, err := b.pushWith(sel.With)
	if err != nil {
		return nil, err
	}
	defer pop()
	if err := checkSelectSupported(sel); err != nil {
		return nil, err
	}

	// FROM and WHERE. A correlated subquery's FROM clause starts with the
	// correlation keys K (columns 0..nK-1).
	var node plan.Node
	var in *scope
	if sel.From == nil {
		node, in = &plan.Values{Rows: []datum.Row{{}}}, &scope{outer: outer}
		if k := b.corrUnit; k != nil {
			b.corrUnit = nil
			node, in = k.node, &scope{cols: k.scope.cols, outer: outer}
		}
		if sel.Where != nil {
			if node, err = b.whereWithSubqueries(node, in, []ast.ExprNode{sel.Where}); err != nil {
				return nil, err
			}
		}
	} else if node, in, err = b.planFrom(sel.From.TableRefs, sel.Where, outer); err != nil {
		return nil, err
	}
	nK := 0
	for nK < len(in.cols) && in.cols[nK].corr {
		nK++
	}

	items, err := expandItems(sel.Fields.Fields, in)
	if err != nil {
		return nil, err
	}

	// Aggregation.
	var coll aggCollector
	for _, it := range items {
		if it.node != nil {
			collectAggs(&coll, it.node)
		}
	}
	if sel.Having != nil {
		collectAggs(&coll, sel.Having.Expr)
	}
	if sel.OrderBy != nil {
		for _, o := range sel.OrderBy.Items {
			collectAggs(&coll, o.Expr)
		}
	}
	ps := in
	grouped := sel.GroupBy != nil || len(coll.aggs) > 0 || sel.Having != nil
	if grouped {
		keys, err := b.groupKeys(sel.GroupBy, items, in)
		if err != nil {
			return nil, err
		}
		// A correlated subquery is computed per correlation key.
		corrKeys := make([]plan.Expr, 0, nK+len(keys))
		for i := range nK {
			corrKeys = append(corrKeys, in.colRef(i))
		}
		if node, ps, err = b.planGrouping(node, in, append(corrKeys, keys...), coll.aggs); err != nil {
			return nil, err
		}
		if sel.Having != nil {
			st := newApply(node)
			e, err := b.expr(withApply(ps, st, "HAVING"), sel.Having.Expr)
			if err != nil {
				return nil, err
			}
			if e, err = b.requireBool(e, "HAVING"); err != nil {
				return nil, err
			}
			node = filter(st.join(node), conjuncts(e))
		}
	}
	red, _ := node.(*plan.Reduce)

	// The select list, after the correlation keys.
	st := newApply(node)
	ss := withApply(ps, st, "SELECT")
	exprs := make([]plan.Expr, 0, nK+len(items))
	cols := make(plan.Schema, 0, nK+len(items))
	for i := range nK {
		ref := ps.colRef(i)
		exprs = append(exprs, ref)
		cols = append(cols, plan.Column{Name: ref.Name, Type: ref.Typ, Nullable: true})
	}
	for _, it := range items {
		e, err := b.item(ss, it)
		if err != nil {
			return nil, err
		}
		if !keepUnknown {
			if e, err = b.resolveUnknown(e); err != nil {
				return nil, err
			}
		}
		exprs = append(exprs, e)
		cols = append(cols, plan.Column{Name: it.name, Type: e.Type(), Nullable: nullable(e, ss)})
	}
	res := &relResult{visible: len(exprs), limit: -1, corr: nK}
	if nK > 0 && grouped && sel.GroupBy == nil && sel.Having == nil && red != nil {
		vals, ok := emptyValues(exprs[nK:], nK, red)
		if !ok {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "this correlated aggregate subquery is not supported")
		}
		res.emptyRow = vals
	}

	// ORDER BY.
	if sel.OrderBy != nil {
		os := withApply(ps, st, "ORDER BY")
		for _, o := range sel.OrderBy.Items {
			col, err := b.orderColumn(os, o.Expr, items, exprs[nK:])
			if err != nil {
				return nil, err
			}
			if col >= 0 {
				col += nK
			} else {
				if sel.Distinct {
					return nil, sqlerr.New(sqlerr.InvalidColumnReference,
						"for SELECT DISTINCT, ORDER BY expressions must appear in select list")
				}
				e, err := b.expr(os, o.Expr)
				if err != nil {
					return nil, err
				}
				if e, err = b.resolveUnknown(e); err != nil {
					return nil, err
				}
				col = len(exprs)
				exprs = append(exprs, e)
				cols = append(cols, plan.Column{Name: "?column?", Type: e.Type(), Nullable: true})
			}
			res.order = append(res.order, plan.SortKey{Col: col, Desc: o.Desc, NullsFirst: o.Desc})
		}
	}
	node = newProject(st.join(node), exprs, cols)
	if sel.Distinct {
		node = &plan.Distinct{Input: node}
	}
	res.node = node
	if err := b.limit(sel.Limit, res); err != nil {
		return nil, err
	}
	scalarAgg := grouped && sel.GroupBy == nil
	limitOne := sel.Limit != nil && sel.Limit.Count != nil && res.limitParam == 0 && res.limit >= 0 && res.limit <= 1
	res.singleRow = scalarAgg || limitOne || sel.From == nil
	return res, nil
}

// checkSelectSupported rejects SELECT features Freshet does not plan.
func checkSelectSupported(sel *ast.SelectStmt) error {
	switch {
	case sel.Kind == ast.SelectStmtKindValues:
		return sqlerr.New(sqlerr.FeatureNotSupported, "VALUES is not supported")
	case sel.Kind == ast.SelectStmtKindTable:
		return sqlerr.New(sqlerr.FeatureNotSupported, "TABLE is not supported")
	case sel.WindowSpecs != nil:
		return sqlerr.New(sqlerr.FeatureNotSupported, "window functions are not supported")
	case sel.LockInfo != nil && sel.LockInfo.LockType != ast.SelectLockNone:
		return sqlerr.New(sqlerr.FeatureNotSupported, "SELECT ... FOR UPDATE/SHARE is not supported")
	case sel.SelectIntoOpt != nil:
		return sqlerr.New(sqlerr.FeatureNotSupported, "SELECT ... INTO is not supported")
	case sel.GroupBy != nil && sel.GroupBy.Rollup:
		return sqlerr.New(sqlerr.FeatureNotSupported, "GROUP BY ... WITH ROLLUP is not supported")
	}
	return nil
}

// expandItems expands * and t.* and names the select-list columns.
func expandItems(fields []*ast.SelectField, in *scope) ([]selItem, error) {
	var items []selItem
	for _, f := range fields {
		if f.WildCard != nil {
			table := f.WildCard.Table.O
			if table == "" && len(in.cols) == 0 {
				return nil, sqlerr.New(sqlerr.SyntaxError, "SELECT * with no tables specified is not valid")
			}
			if table != "" && !in.hasTable(table) {
				return nil, sqlerr.New(sqlerr.UndefinedTable, "missing FROM-clause entry for table %q", table)
			}
			order := starOrder(in)
			if table != "" {
				order = starOrder(&scope{cols: in.cols})
			}
			for _, i := range order {
				c := in.cols[i]
				if (table == "" && !c.hidden) || (table != "" && c.table == table && !c.corr) {
					items = append(items, selItem{col: i, name: c.name})
				}
			}
			continue
		}
		name := f.AsName.O
		if name == "" {
			name = columnName(f.Expr)
		}
		items = append(items, selItem{node: f.Expr, col: -1, name: name})
	}
	return items, nil
}

// item binds a select-list item.
func (b *builder) item(s *scope, it selItem) (plan.Expr, error) {
	if it.node != nil {
		return b.expr(s, it.node)
	}
	if s.grouped == nil {
		return s.colRef(it.col), nil
	}
	g := s.grouped
	want := g.input.colRef(it.col).String()
	for i, k := range g.keyStrs {
		if k == want {
			return s.colRef(i), nil
		}
	}
	c := g.input.cols[it.col]
	return nil, sqlerr.New(sqlerr.GroupingError,
		"column %q must appear in the GROUP BY clause or be used in an aggregate function", qualName(c.table, c.name))
}

// nullable is a conservative guess whether e can be NULL.
func nullable(e plan.Expr, s *scope) bool {
	switch e := e.(type) {
	case *plan.Const:
		return e.Value.IsNull()
	case *plan.ColRef:
		if e.Index < len(s.cols) {
			return s.cols[e.Index].nullable
		}
	}
	return true
}

// columnName is the name Postgres gives an unaliased select-list column.
func columnName(n ast.ExprNode) string {
	switch n := n.(type) {
	case *ast.ColumnNameExpr:
		return n.Name.Name.O
	case *ast.ParenthesesExpr:
		return columnName(n.Expr)
	case *ast.AggregateFuncExpr:
		return n.F
	case *ast.CaseExpr:
		return "case"
	case *ast.FuncCallExpr:
		if typeName, arg, ok := parse.CastTarget(n); ok {
			if name := columnName(arg); name != "?column?" {
				return name
			}
			if t, err := typeByName(typeName); err == nil {
				return internalTypeName(t)
			}
			return "?column?"
		}
		if field, _, ok := parse.ExtractField(n); ok && field != "" {
			return "extract"
		}
		switch n.FnName.L {
		case "ifnull":
			return "coalesce"
		case "concat", "date_add", "date_sub":
			// a || b; x + INTERVAL n UNIT.
			return "?column?"
		}
		return n.FnName.L
	}
	return "?column?"
}

// internalTypeName is the pg_type name Postgres uses as the column name of
// a cast literal ('1'::int is named int4).
func internalTypeName(t types.T) string {
	switch t.Family {
	case types.Bool:
		return "bool"
	case types.Int2:
		return "int2"
	case types.Int4:
		return "int4"
	case types.Int8:
		return "int8"
	case types.Float4:
		return "float4"
	case types.Float8:
		return "float8"
	case types.Varchar:
		return "varchar"
	case types.TimestampTZ:
		return "timestamptz"
	}
	return t.String()
}

// groupKeys binds the GROUP BY items over the FROM scope: ordinals and
// output-column names refer to select-list items, other names to input
// columns first as in Postgres.
func (b *builder) groupKeys(gb *ast.GroupByClause, items []selItem, in *scope) ([]plan.Expr, error) {
	if gb == nil {
		return nil, nil
	}
	gs := *in
	gs.clause = "GROUP BY"
	var keys []plan.Expr
	for _, it := range gb.Items {
		n := it.Expr
		if pos, ok := ordinal(n); ok {
			if pos < 1 || pos > len(items) {
				return nil, sqlerr.New(sqlerr.InvalidColumnReference, "GROUP BY position %d is not in select list", pos)
			}
			sel := items[pos-1]
			if sel.node == nil {
				keys = append(keys, in.colRef(sel.col))
				continue
			}
			n = sel.node
		} else if c, ok := n.(*ast.ColumnNameExpr); ok && c.Name.Table.O == "" {
			if _, err := in.resolve("", c.Name.Name.O); err != nil {
				for _, sel := range items {
					if sel.node != nil && sel.name == c.Name.Name.O {
						n = sel.node
						break
					}
				}
			}
		}
		e, err := b.expr(&gs, n)
		if err != nil {
			return nil, err
		}
		if e, err = b.resolveUnknown(e); err != nil {
			return nil, err
		}
		keys = append(keys, e)
	}
	return keys, nil
}

// ordinal reports whether n is an integer constant (a column position).
func ordinal(n ast.ExprNode) (int, bool) {
	if p, ok := n.(*ast.PositionExpr); ok && p.P == nil {
		return p.N, true
	}
	v, ok := n.(ast.ValueExpr)
	if !ok {
		return 0, false
	}
	if _, isParam := n.(ast.ParamMarkerExpr); isParam {
		return 0, false
	}
	switch x := v.GetValue().(type) {
	case int64:
		return int(x), true
	case uint64:
		return -1, true
	}
	return 0, false
}

// orderColumn finds the select-list column an ORDER BY item names: by
// position, by output name, or by being the same expression. It returns -1
// when the item must be computed as a hidden column.
func (b *builder) orderColumn(s *scope, n ast.ExprNode, items []selItem, exprs []plan.Expr) (int, error) {
	if pos, ok := ordinal(n); ok {
		if pos < 1 || pos > len(items) {
			return 0, sqlerr.New(sqlerr.InvalidColumnReference, "ORDER BY position %d is not in select list", pos)
		}
		return pos - 1, nil
	}
	if c, ok := n.(*ast.ColumnNameExpr); ok && c.Name.Table.O == "" {
		found := -1
		for i, it := range items {
			if it.name != c.Name.Name.O {
				continue
			}
			if found >= 0 && exprs[found].String() != exprs[i].String() {
				return 0, sqlerr.New(sqlerr.AmbiguousColumn, "ORDER BY %q is ambiguous", c.Name.Name.O)
			}
			if found < 0 {
				found = i
			}
		}
		if found >= 0 {
			return found, nil
		}
	}
	e, err := b.trialExpr(s, n)
	if err != nil {
		return 0, err
	}
	if e, err = b.resolveUnknown(e); err == nil {
		str := e.String()
		for i := range items {
			if exprs[i].String() == str {
				return i, nil
			}
		}
	}
	return -1, nil
}

// limit records LIMIT and OFFSET (constants or parameters) in r.
func (b *builder) limit(l *ast.Limit, r *relResult) error {
	if l == nil {
		return nil
	}
	var err error
	if l.Count != nil {
		if r.limit, r.limitParam, err = b.limitValue(l.Count, "LIMIT"); err != nil {
			return err
		}
	}
	if l.Offset != nil {
		if r.offset, r.offsetParam, err = b.limitValue(l.Offset, "OFFSET"); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) limitValue(n ast.ExprNode, clause string) (int64, int, error) {
	if p, ok := n.(ast.ParamMarkerExpr); ok {
		idx := parse.ParamIndex(p)
		if _, err := b.param(idx); err != nil {
			return 0, 0, err
		}
		b.setParamType(idx, types.Int8T)
		return 0, idx, nil
	}
	if v, ok := n.(ast.ValueExpr); ok {
		switch x := v.GetValue().(type) {
		case int64:
			if x < 0 {
				return 0, 0, sqlerr.New(sqlerr.Code("2201W"), "%s must not be negative", clause)
			}
			return x, 0, nil
		case uint64:
			if x > math.MaxInt64 {
				return 0, 0, sqlerr.New(sqlerr.NumericValueOutOfRange, "bigint out of range")
			}
			return int64(x), 0, nil
		case nil:
			if clause == "LIMIT" {
				return -1, 0, nil
			}
			return 0, 0, nil
		}
	}
	return 0, 0, sqlerr.New(sqlerr.FeatureNotSupported, "%s must be an integer constant or a parameter", clause)
}

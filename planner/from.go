package planner

import (
	"slices"

	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/sql/parse"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
)

// unit is one relation of a FROM clause that joins reorder as a whole: a
// table, view, subquery, or outer join.
type unit struct {
	node   plan.Node
	scope  *scope
	offset int // position of its first column in the FROM clause's scope
}

// fromBuilder flattens a FROM clause into units and the predicates that
// relate them (inner join conditions and WHERE), then joins the units.
type fromBuilder struct {
	b     *builder
	outer *scope
	units []*unit
	all   *scope      // every unit's columns, in FROM order
	preds []plan.Expr // over all
}

// planFrom plans the FROM clause ref together with the WHERE predicate
// where (nil if none). The result's columns are those of the FROM clause in
// order; where has been applied (pushed down where possible).
func (b *builder) planFrom(ref ast.ResultSetNode, where ast.ExprNode, outer *scope) (plan.Node, *scope, error) {
	fb := &fromBuilder{b: b, outer: outer, all: &scope{outer: outer}}
	var star []int
	if k := b.corrUnit; k != nil {
		b.corrUnit = nil
		star = fb.add(k.node, k.scope)
	}
	order, err := fb.flatten(ref)
	if err != nil {
		return nil, nil, err
	}
	fb.all.star = append(star, order...)
	if where != nil {
		ws := *fb.all
		ws.clause = "WHERE"
		var subs, deferred []ast.ExprNode
		for _, c := range splitAST(where) {
			if isSubqueryPredicate(c) {
				subs = append(subs, c)
				continue
			}
			if containsSubquery(c) {
				deferred = append(deferred, c)
				continue
			}
			e, err := b.expr(&ws, c)
			if err != nil {
				return nil, nil, err
			}
			if e, err = b.requireBool(e, "WHERE"); err != nil {
				return nil, nil, err
			}
			fb.preds = append(fb.preds, conjuncts(e)...)
		}
		node, s, err := fb.join()
		if err != nil {
			return nil, nil, err
		}
		for _, c := range subs {
			if node, err = b.subqueryPredicate(node, s, c); err != nil {
				return nil, nil, err
			}
		}
		if len(deferred) > 0 {
			if node, err = b.whereWithSubqueries(node, s, deferred); err != nil {
				return nil, nil, err
			}
		}
		return node, s, nil
	}
	return fb.join()
}

// splitAST splits a WHERE clause into its top-level AND terms.
func splitAST(e ast.ExprNode) []ast.ExprNode {
	switch x := e.(type) {
	case *ast.BinaryOperationExpr:
		if x.Op == opcode.LogicAnd {
			return append(splitAST(x.L), splitAST(x.R)...)
		}
	case *ast.ParenthesesExpr:
		return splitAST(x.Expr)
	}
	return []ast.ExprNode{e}
}

// flatten adds the units of ref and the conditions of its inner joins. It
// returns the columns that * expands to, in order (FROM-scope positions):
// as in Postgres, a join's USING columns come first, then the other columns
// of its left and right sides.
func (fb *fromBuilder) flatten(ref ast.ResultSetNode) ([]int, error) {
	switch r := ref.(type) {
	case *ast.TableSource:
		node, s, err := fb.b.tableSource(r, fb.outer)
		if err != nil {
			return nil, err
		}
		return fb.add(node, s), nil
	case *ast.Join:
		if r.Right == nil {
			return fb.flatten(r.Left)
		}
		// NATURAL JOIN leaves Tp zero: it is an inner join.
		if r.Tp == ast.LeftJoin || r.Tp == ast.RightJoin {
			node, s, err := fb.b.outerJoin(r, fb.outer)
			if err != nil {
				return nil, err
			}
			return fb.add(node, s), nil
		}
		start := len(fb.all.cols)
		lo, err := fb.flatten(r.Left)
		if err != nil {
			return nil, err
		}
		mid := len(fb.all.cols)
		ro, err := fb.flatten(r.Right)
		if err != nil {
			return nil, err
		}
		sub := &scope{cols: fb.all.cols[start:], outer: fb.outer}
		preds, pairs, err := fb.b.joinCondition(r, sub, mid-start)
		if err != nil {
			return nil, err
		}
		for _, p := range preds {
			fb.preds = append(fb.preds, shiftCols(p, start))
		}
		for i := range pairs {
			pairs[i][0] += start
			pairs[i][1] += start
		}
		return usingOrder(lo, ro, pairs, 0), nil
	case *ast.SelectStmt, *ast.SetOprStmt:
		return nil, sqlerr.New(sqlerr.SyntaxError, "subquery in FROM must have an alias")
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "FROM item %T is not supported", ref)
}

// usingOrder is the * order of a join: the merged USING columns (side 0:
// the left copies, 1: the right ones), then the rest of the left order and
// of the right order.
func usingOrder(lo, ro []int, pairs [][2]int, side int) []int {
	merged := map[int]bool{}
	var out []int
	for _, p := range pairs {
		merged[p[0]], merged[p[1]] = true, true
		out = append(out, p[side])
	}
	for _, i := range append(append([]int(nil), lo...), ro...) {
		if !merged[i] {
			out = append(out, i)
		}
	}
	return out
}

// starOrder is the * order of s's columns.
func starOrder(s *scope) []int {
	if s.star != nil {
		return s.star
	}
	out := make([]int, len(s.cols))
	for i := range out {
		out[i] = i
	}
	return out
}

// add appends a unit and returns its * order in the FROM scope.
func (fb *fromBuilder) add(node plan.Node, s *scope) []int {
	offset := len(fb.all.cols)
	fb.units = append(fb.units, &unit{node: node, scope: s, offset: offset})
	fb.all.cols = append(fb.all.cols, s.cols...)
	order := starOrder(s)
	out := make([]int, len(order))
	for i, c := range order {
		out[i] = c + offset
	}
	return out
}

// joinCondition binds the ON / USING / NATURAL condition of join r over s,
// whose first nLeft columns come from the left side. USING and NATURAL
// hide the right-hand copies of their columns from unqualified names.
//
// It also returns the USING column pairs (left, right positions in s).
func (b *builder) joinCondition(r *ast.Join, s *scope, nLeft int) ([]plan.Expr, [][2]int, error) {
	var preds []plan.Expr
	if r.On != nil {
		cs := *s
		cs.clause = "JOIN conditions"
		e, err := b.expr(&cs, r.On.Expr)
		if err != nil {
			return nil, nil, err
		}
		if e, err = b.requireBool(e, "JOIN/ON"); err != nil {
			return nil, nil, err
		}
		preds = append(preds, conjuncts(e)...)
	}
	var names []string
	var pairs [][2]int
	for _, c := range r.Using {
		names = append(names, c.Name.O)
	}
	if r.NaturalJoin {
		// The common columns, in the left side's order.
		for _, lc := range s.cols[:nLeft] {
			if lc.hidden || lc.corr {
				continue
			}
			for _, rc := range s.cols[nLeft:] {
				if !rc.hidden && !rc.corr && lc.name == rc.name {
					names = append(names, lc.name)
					break
				}
			}
		}
	}
	for _, name := range names {
		left := &scope{cols: s.cols[:nLeft]}
		right := &scope{cols: s.cols[nLeft:]}
		li, err := left.find("", name)
		if err != nil {
			return nil, nil, usingError(err, name, "left")
		}
		ri, err := right.find("", name)
		if err != nil {
			return nil, nil, usingError(err, name, "right")
		}
		ri += nLeft
		eq, err := b.call("=", []plan.Expr{s.colRef(li), s.colRef(ri)})
		if err != nil {
			return nil, nil, err
		}
		preds = append(preds, eq)
		s.cols[ri].hidden = true
		pairs = append(pairs, [2]int{li, ri})
	}
	return preds, pairs, nil
}

func usingError(err error, name, side string) error {
	if e, ok := err.(*sqlerr.Error); ok && e.Code == sqlerr.UndefinedColumn {
		return sqlerr.New(sqlerr.UndefinedColumn, "column %q specified in USING clause does not exist in %s table", name, side)
	}
	return err
}

// outerJoin plans a LEFT or RIGHT join; its sides are planned on their own
// (predicates cannot move across an outer join freely).
func (b *builder) outerJoin(r *ast.Join, outer *scope) (plan.Node, *scope, error) {
	left, ls, err := b.planFrom(r.Left, nil, outer)
	if err != nil {
		return nil, nil, err
	}
	right, rs, err := b.planFrom(r.Right, nil, outer)
	if err != nil {
		return nil, nil, err
	}
	s := concatScopes(ls, rs)
	nLeft := len(ls.cols)
	if r.On == nil && len(r.Using) == 0 && !r.NaturalJoin {
		return nil, nil, sqlerr.New(sqlerr.SyntaxError, "outer join requires a join condition")
	}
	preds, pairs, err := b.joinCondition(r, s, nLeft)
	if err != nil {
		return nil, nil, err
	}
	kind, side := plan.LeftJoin, 0
	if r.Tp == ast.RightJoin {
		kind, side = plan.RightJoin, 1
		// The merged USING column is the right one's: hide the left copy.
		for _, p := range pairs {
			s.cols[p[0]].hidden, s.cols[p[1]].hidden = true, false
		}
	}
	ro := starOrder(rs)
	for i := range ro {
		ro[i] += nLeft
	}
	s.star = usingOrder(starOrder(ls), ro, pairs, side)
	// The nullable side's columns become nullable.
	for i := range s.cols {
		if (kind == plan.LeftJoin && i >= nLeft) || (kind == plan.RightJoin && i < nLeft) {
			s.cols[i].nullable = true
		}
	}
	var lkeys, rkeys, residual, pushLeft, pushRight []plan.Expr
	for _, p := range preds {
		cols := colsOf(p)
		onLeft, onRight := sideOf(cols, nLeft)
		switch {
		case onRight && !onLeft && kind == plan.LeftJoin:
			pushRight = append(pushRight, shiftCols(p, -nLeft))
		case onLeft && !onRight && kind == plan.RightJoin:
			pushLeft = append(pushLeft, p)
		default:
			if l, rr, ok := equiKey(p, func(i int) bool { return i < nLeft }); ok {
				lkeys = append(lkeys, l)
				rkeys = append(rkeys, shiftCols(rr, -nLeft))
				continue
			}
			residual = append(residual, p)
		}
	}
	j := &plan.Join{
		Left: filter(left, pushLeft), Right: filter(right, pushRight),
		LeftKeys: lkeys, RightKeys: rkeys, Residual: andOf(residual),
		Kind: kind, Cols: s.schema(),
	}
	return j, s, nil
}

// sideOf reports whether cols include columns left of split and right of it.
func sideOf(cols map[int]bool, split int) (left, right bool) {
	for c := range cols {
		if c < split {
			left = true
		} else {
			right = true
		}
	}
	return left, right
}

// equiKey recognises "l = r" where l reads only columns for which inLeft is
// true and r only the others (or the reverse), both reading some column.
// It returns the two sides, left first.
func equiKey(p plan.Expr, inLeft func(int) bool) (l, r plan.Expr, ok bool) {
	c, isCall := p.(*plan.Call)
	if !isCall || c.Fn.Name != "=" || len(c.Args) != 2 {
		return nil, nil, false
	}
	side := func(e plan.Expr) int { // 1 left, 2 right, 0 none, 3 both
		s := 0
		for i := range colsOf(e) {
			if inLeft(i) {
				s |= 1
			} else {
				s |= 2
			}
		}
		return s
	}
	a, b := side(c.Args[0]), side(c.Args[1])
	switch {
	case a == 1 && b == 2:
		return c.Args[0], c.Args[1], true
	case a == 2 && b == 1:
		return c.Args[1], c.Args[0], true
	}
	return nil, nil, false
}

// join joins the units, choosing the order greedily: starting from the
// first, it next takes the first unit linked to the joined ones by an
// equality, so that no cross product is built while an equi-join is
// possible. Each predicate is applied as low as it can be.
func (fb *fromBuilder) join() (plan.Node, *scope, error) {
	if len(fb.units) == 0 {
		return nil, nil, sqlerr.New(sqlerr.Internal, "empty FROM clause")
	}
	unitOf := make([]int, len(fb.all.cols))
	for ui, u := range fb.units {
		for i := range u.scope.cols {
			unitOf[u.offset+i] = ui
		}
	}
	type pred struct {
		e     plan.Expr
		units map[int]bool
		done  bool
	}
	fb.preds = propagateConstants(fb.preds)
	preds := make([]*pred, len(fb.preds))
	var top []plan.Expr // predicates without columns
	for i, e := range fb.preds {
		us := map[int]bool{}
		for c := range colsOf(e) {
			us[unitOf[c]] = true
		}
		preds[i] = &pred{e: e, units: us}
	}
	// Single-unit predicates filter the unit.
	for ui, u := range fb.units {
		var local []plan.Expr
		for _, p := range preds {
			if len(p.units) == 1 && p.units[ui] {
				local = append(local, shiftCols(p.e, -u.offset))
				p.done = true
			}
		}
		u.node = filter(u.node, local)
	}
	for _, p := range preds {
		if len(p.units) == 0 {
			top = append(top, p.e)
			p.done = true
		}
	}
	// Start from the first unit a condition restricts by itself (likely
	// the most selective), else the first one.
	first := 0
	for ui, u := range fb.units {
		if _, ok := u.node.(*plan.Filter); ok {
			first = ui
			break
		}
	}
	joined := map[int]bool{first: true}
	node := fb.units[first].node
	// layout[i] is the global column at position i of node.
	var layout []int
	for i := range fb.units[first].scope.cols {
		layout = append(layout, fb.units[first].offset+i)
	}
	linked := func(ui int) bool {
		for _, p := range preds {
			if p.done || !p.units[ui] {
				continue
			}
			other := false
			for u := range p.units {
				if u != ui && joined[u] {
					other = true
				}
			}
			if other {
				if _, _, ok := equiKey(p.e, func(c int) bool { return unitOf[c] != ui }); ok {
					return true
				}
			}
		}
		return false
	}
	for len(joined) < len(fb.units) {
		next := -1
		for ui := range fb.units {
			if !joined[ui] && linked(ui) {
				next = ui
				break
			}
		}
		if next < 0 {
			for ui := range fb.units {
				if !joined[ui] {
					next = ui
					break
				}
			}
		}
		u := fb.units[next]
		joined[next] = true
		pos := map[int]int{}
		for i, g := range layout {
			pos[g] = i
		}
		nLeft := len(layout)
		for i := range u.scope.cols {
			pos[u.offset+i] = nLeft + i
			layout = append(layout, u.offset+i)
		}
		var lkeys, rkeys, residual []plan.Expr
		for _, p := range preds {
			if p.done || !p.units[next] {
				continue
			}
			ready := true
			for x := range p.units {
				ready = ready && joined[x]
			}
			if !ready {
				continue
			}
			p.done = true
			e := remapCols(p.e, pos)
			if l, r, ok := equiKey(e, func(c int) bool { return c < nLeft }); ok {
				lkeys = append(lkeys, l)
				rkeys = append(rkeys, shiftCols(r, -nLeft))
				continue
			}
			residual = append(residual, e)
		}
		cols := make(plan.Schema, len(layout))
		for i, g := range layout {
			c := fb.all.cols[g]
			cols[i] = plan.Column{Name: c.name, Type: c.typ, Nullable: c.nullable}
		}
		node = &plan.Join{Left: node, Right: u.node, LeftKeys: lkeys, RightKeys: rkeys,
			Residual: andOf(residual), Kind: plan.InnerJoin, Cols: cols}
	}
	// Restore FROM order if the join order changed it.
	identity := true
	for i, g := range layout {
		identity = identity && i == g
	}
	if !identity {
		pos := map[int]int{}
		for i, g := range layout {
			pos[g] = i
		}
		exprs := make([]plan.Expr, len(layout))
		for g := range layout {
			c := fb.all.cols[g]
			exprs[g] = &plan.ColRef{Index: pos[g], Typ: c.typ, Name: c.name}
		}
		node = &plan.Project{Input: node, Exprs: exprs, Cols: fb.all.schema()}
	}
	return filter(node, top), fb.all, nil
}

// tableSource plans one FROM item: a table, view, CTE or subquery.
func (b *builder) tableSource(ts *ast.TableSource, outer *scope) (plan.Node, *scope, error) {
	alias := ts.AsName.O
	switch src := ts.Source.(type) {
	case *ast.TableName:
		name := src.Name.O
		if alias == "" {
			alias = name
		}
		node, err := b.namedRelation(src)
		if err != nil {
			return nil, nil, err
		}
		return node, scopeFor(alias, node), nil
	case *ast.SelectStmt, *ast.SetOprStmt:
		if alias == "" {
			return nil, nil, sqlerr.New(sqlerr.SyntaxError, "subquery in FROM must have an alias").
				WithHint("For example, FROM (SELECT ...) [AS] foo.")
		}
		node, err := b.subquery(src.(ast.ResultSetNode), outer)
		if err != nil {
			return nil, nil, err
		}
		return node, scopeFor(alias, node), nil
	case *ast.Join:
		// A parenthesised join: plan it as one unit.
		node, s, err := b.planFrom(src, nil, outer)
		if err != nil {
			return nil, nil, err
		}
		if alias != "" {
			return nil, nil, sqlerr.New(sqlerr.FeatureNotSupported, "aliases on joins are not supported")
		}
		return node, s, nil
	}
	return nil, nil, sqlerr.New(sqlerr.FeatureNotSupported, "FROM item %T is not supported", ts.Source)
}

// namedRelation plans a reference to a CTE, table, view or materialized view.
func (b *builder) namedRelation(tn *ast.TableName) (plan.Node, error) {
	name := tn.Name.O
	schema := tn.Schema.O
	if schema == "" {
		for i := len(b.ctes) - 1; i >= 0; i-- {
			if c, ok := b.ctes[i][name]; ok {
				return b.inlineCTE(c)
			}
		}
	}
	full := name
	if schema != "" && schema != "public" {
		full = schema + "." + name
	}
	rel, err := b.cat.Resolve(full)
	if err != nil {
		return nil, err
	}
	switch rel.Kind {
	case catalog.View:
		return b.inlineView(rel)
	default:
		return getRelation(rel), nil
	}
}

// getRelation reads a stored relation.
func getRelation(rel *catalog.Relation) *plan.Get {
	cols := make(plan.Schema, len(rel.Columns))
	for i, c := range rel.Columns {
		cols[i] = plan.Column{Name: c.Name, Type: c.Type, Nullable: !c.NotNull}
	}
	return &plan.Get{ID: plan.RelationID(rel.ID), Name: rel.Name, Cols: cols}
}

// inlineView plans a plain view's query in place of its name.
func (b *builder) inlineView(rel *catalog.Relation) (plan.Node, error) {
	if b.depth >= maxViewDepth {
		return nil, sqlerr.New(sqlerr.InvalidObjectDefinition, "infinite recursion detected in view %q", rel.Name)
	}
	stmts, err := parse.Parse(rel.Query)
	if err != nil {
		return nil, err
	}
	if len(stmts) != 1 {
		return nil, sqlerr.New(sqlerr.Internal, "view %q has %d defining statements", rel.Name, len(stmts))
	}
	st, ok := stmts[0].(*parse.TiDB)
	if !ok {
		return nil, sqlerr.New(sqlerr.Internal, "view %q is not defined by a query", rel.Name)
	}
	q, ok := st.Node.(ast.ResultSetNode)
	if !ok {
		return nil, sqlerr.New(sqlerr.Internal, "view %q is not defined by a query", rel.Name)
	}
	saved := b.ctes
	b.ctes = nil
	b.depth++
	node, err := b.subquery(q, nil)
	b.depth--
	b.ctes = saved
	if err != nil {
		return nil, err
	}
	return renameColumns(node, rel.Columns), nil
}

// renameColumns gives node's output the catalog's column names.
func renameColumns(node plan.Node, cols []catalog.Column) plan.Node {
	sch := node.Schema()
	if len(sch) != len(cols) {
		return node
	}
	same := true
	for i := range sch {
		same = same && sch[i].Name == cols[i].Name
	}
	if same {
		return node
	}
	exprs := make([]plan.Expr, len(sch))
	out := make(plan.Schema, len(sch))
	for i, c := range sch {
		exprs[i] = &plan.ColRef{Index: i, Typ: c.Type, Name: c.Name}
		out[i] = plan.Column{Name: cols[i].Name, Type: c.Type, Nullable: c.Nullable}
	}
	return newProject(node, exprs, out)
}

// inlineCTE plans a CTE's query in place of its name (each reference gets
// its own copy of the plan).
func (b *builder) inlineCTE(c *cte) (plan.Node, error) {
	if b.depth >= maxViewDepth {
		return nil, sqlerr.New(sqlerr.InvalidObjectDefinition, "infinite recursion detected in WITH query %q", c.name)
	}
	saved := b.ctes
	b.ctes = c.ctes
	b.depth++
	node, err := b.subquery(c.query, nil)
	b.depth--
	b.ctes = saved
	if err != nil {
		return nil, err
	}
	if len(c.columns) > 0 {
		if len(c.columns) > len(node.Schema()) {
			return nil, sqlerr.New(sqlerr.InvalidColumnReference,
				"WITH query %q has %d columns available but %d columns specified", c.name, len(node.Schema()), len(c.columns))
		}
		cols := make([]catalog.Column, len(node.Schema()))
		for i, col := range node.Schema() {
			cols[i].Name = col.Name
			if i < len(c.columns) {
				cols[i].Name = c.columns[i]
			}
		}
		node = renameColumns(node, cols)
	}
	return node, nil
}

// whereWithSubqueries filters node by WHERE conditions that contain
// subqueries, joined in first. The subqueries' columns stay in the output,
// after s's columns.
func (b *builder) whereWithSubqueries(node plan.Node, s *scope, conds []ast.ExprNode) (plan.Node, error) {
	st := newApply(node)
	ws := withApply(s, st, "WHERE")
	var preds []plan.Expr
	for _, c := range conds {
		e, err := b.expr(ws, c)
		if err != nil {
			return nil, err
		}
		if e, err = b.requireBool(e, "WHERE"); err != nil {
			return nil, err
		}
		preds = append(preds, conjuncts(e)...)
	}
	return filter(st.join(node), preds), nil
}

// propagateConstants adds, for every comparison of a column with a
// constant (a = 7, a < 3), the same comparison for each column equated to
// it by the other predicates (a = b, b = c), so that each relation of a
// join is filtered before joining. Equalities between columns of the same
// type are exactly value equality, so the copies hold whenever the
// originals do.
func propagateConstants(preds []plan.Expr) []plan.Expr {
	// Union-find over column indexes.
	parent := map[int]int{}
	var find func(int) int
	find = func(i int) int {
		p, ok := parent[i]
		if !ok || p == i {
			return i
		}
		r := find(p)
		parent[i] = r
		return r
	}
	refs := map[int]*plan.ColRef{}
	for _, p := range preds {
		c, ok := p.(*plan.Call)
		if !ok || c.Fn.Name != "=" || len(c.Args) != 2 {
			continue
		}
		l, lok := c.Args[0].(*plan.ColRef)
		r, rok := c.Args[1].(*plan.ColRef)
		if !lok || !rok || l.Typ != r.Typ || l.Index == r.Index {
			continue
		}
		refs[l.Index], refs[r.Index] = l, r
		parent[find(l.Index)] = find(r.Index)
	}
	if len(refs) == 0 {
		return preds
	}
	cols := make([]int, 0, len(refs))
	for i := range refs {
		cols = append(cols, i)
	}
	slices.Sort(cols)
	seen := map[string]bool{}
	for _, p := range preds {
		seen[p.String()] = true
	}
	out := preds
	for _, p := range preds {
		c, ok := p.(*plan.Call)
		if !ok || len(c.Args) != 2 {
			continue
		}
		switch c.Fn.Name {
		case "=", "<>", "<", "<=", ">", ">=":
		default:
			continue
		}
		col, colOK := c.Args[0].(*plan.ColRef)
		_, constOK := c.Args[1].(*plan.Const)
		if !colOK || !constOK || refs[col.Index] == nil {
			continue
		}
		root := find(col.Index)
		for _, i := range cols {
			if i == col.Index || find(i) != root {
				continue
			}
			cp := &plan.Call{Fn: c.Fn, Args: []plan.Expr{refs[i], c.Args[1]}}
			if !seen[cp.String()] {
				seen[cp.String()] = true
				out = append(out, cp)
			}
		}
	}
	return out
}

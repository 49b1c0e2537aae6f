package planner

import (
	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/sql/builtin"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// Insert is a planned INSERT: Rows produces full rows of Table, in its
// column order, already converted to the column types (NULL for columns
// the statement does not name).
type Insert struct {
	Table  *catalog.Relation
	Rows   plan.Node
	Params []types.T
}

// Update is a planned UPDATE: Rows produces, for every row to change, the
// old row followed by the new row (2n columns for a table of n).
type Update struct {
	Table  *catalog.Relation
	Rows   plan.Node
	Params []types.T
}

// Delete is a planned DELETE: Rows produces the rows to delete.
type Delete struct {
	Table  *catalog.Relation
	Rows   plan.Node
	Params []types.T
}

// PlanInsert plans INSERT INTO t [(cols)] VALUES ... | SELECT ....
func PlanInsert(cat *catalog.Catalog, s *ast.InsertStmt, paramTypes []types.T) (_ *Insert, err error) {
	defer recoverInternal(&err)
	switch {
	case s.IsReplace:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "REPLACE is not supported")
	case len(s.OnDuplicate) > 0:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "ON DUPLICATE KEY UPDATE is not supported")
	case s.Setlist:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "INSERT ... SET is not supported")
	case s.IgnoreErr:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "INSERT IGNORE is not supported")
	}
	b := newBuilder(cat, paramTypes)
	rel, _, err := b.targetTable(s.Table, "insert into")
	if err != nil {
		return nil, err
	}
	// Target columns: the named ones, or all in order.
	var targets []int
	if len(s.Columns) == 0 {
		for i := range rel.Columns {
			targets = append(targets, i)
		}
	} else {
		seen := map[int]bool{}
		for _, c := range s.Columns {
			i := rel.ColumnIndex(c.Name.O)
			if i < 0 {
				return nil, sqlerr.New(sqlerr.UndefinedColumn, "column %q of relation %q does not exist", c.Name.O, rel.Name)
			}
			if seen[i] {
				return nil, sqlerr.New(sqlerr.DuplicateColumn, "column %q specified more than once", c.Name.O)
			}
			seen[i] = true
			targets = append(targets, i)
		}
	}
	var rows plan.Node
	if s.Select != nil {
		rows, err = b.insertSelect(rel, targets, s.Select)
	} else {
		rows, err = b.insertValues(rel, targets, s.Lists)
	}
	if err != nil {
		return nil, err
	}
	return &Insert{Table: rel, Rows: rows, Params: b.finishParams()}, nil
}

// targetTable resolves the single table an INSERT, UPDATE or DELETE
// changes, and the name it is referred to by.
func (b *builder) targetTable(refs *ast.TableRefsClause, verb string) (*catalog.Relation, string, error) {
	if refs == nil || refs.TableRefs == nil || refs.TableRefs.Right != nil {
		return nil, "", sqlerr.New(sqlerr.FeatureNotSupported, "statements that change several tables are not supported")
	}
	ts, ok := refs.TableRefs.Left.(*ast.TableSource)
	if !ok {
		return nil, "", sqlerr.New(sqlerr.FeatureNotSupported, "statements that change several tables are not supported")
	}
	tn, ok := ts.Source.(*ast.TableName)
	if !ok {
		return nil, "", sqlerr.New(sqlerr.FeatureNotSupported, "cannot %s a subquery", verb)
	}
	name := tn.Name.O
	if tn.Schema.O != "" && tn.Schema.O != "public" {
		name = tn.Schema.O + "." + name
	}
	rel, err := b.cat.Resolve(name)
	if err != nil {
		return nil, "", err
	}
	if rel.Kind != catalog.Table {
		return nil, "", sqlerr.New(sqlerr.WrongObjectType, "cannot %s %s %q", verb, rel.Kind, rel.Name)
	}
	alias := ts.AsName.O
	if alias == "" {
		alias = tn.Name.O
	}
	return rel, alias, nil
}

// insertValues plans a VALUES list: a constant Values node when every value
// is a constant, otherwise a union of one-row projections.
func (b *builder) insertValues(rel *catalog.Relation, targets []int, lists [][]ast.ExprNode) (plan.Node, error) {
	empty := &scope{clause: "VALUES"}
	cols := tableSchema(rel)
	var exprRows [][]plan.Expr
	allConst := true
	for _, list := range lists {
		if len(list) > len(targets) {
			return nil, sqlerr.New(sqlerr.SyntaxError, "INSERT has more expressions than target columns")
		}
		if len(list) < len(targets) {
			return nil, sqlerr.New(sqlerr.SyntaxError, "INSERT has more target columns than expressions")
		}
		row := make([]plan.Expr, len(rel.Columns))
		for i, c := range rel.Columns {
			row[i] = nullConst(c.Type)
		}
		for j, n := range list {
			col := targets[j]
			if _, isDefault := n.(*ast.DefaultExpr); isDefault {
				continue
			}
			e, err := b.expr(empty, n)
			if err != nil {
				return nil, err
			}
			if row[col], err = b.assign(e, rel.Columns[col]); err != nil {
				return nil, err
			}
			if _, ok := row[col].(*plan.Const); !ok {
				allConst = false
			}
		}
		exprRows = append(exprRows, row)
	}
	if allConst {
		rows := make([]datum.Row, len(exprRows))
		for i, r := range exprRows {
			rows[i] = make(datum.Row, len(r))
			for j, e := range r {
				rows[i][j] = e.(*plan.Const).Value
			}
		}
		return &plan.Values{Rows: rows, Cols: cols}, nil
	}
	one := &plan.Values{Rows: []datum.Row{{}}}
	var inputs []plan.Node
	for _, r := range exprRows {
		inputs = append(inputs, &plan.Project{Input: one, Exprs: r, Cols: cols})
	}
	if len(inputs) == 1 {
		return inputs[0], nil
	}
	return &plan.Union{Branches: inputs}, nil
}

// insertSelect plans INSERT ... SELECT.
func (b *builder) insertSelect(rel *catalog.Relation, targets []int, q ast.ResultSetNode) (plan.Node, error) {
	src, err := b.subquery(q, nil)
	if err != nil {
		return nil, err
	}
	sch := src.Schema()
	if len(sch) > len(targets) {
		return nil, sqlerr.New(sqlerr.SyntaxError, "INSERT has more expressions than target columns")
	}
	if len(sch) < len(targets) {
		return nil, sqlerr.New(sqlerr.SyntaxError, "INSERT has more target columns than expressions")
	}
	exprs := make([]plan.Expr, len(rel.Columns))
	for i, c := range rel.Columns {
		exprs[i] = nullConst(c.Type)
	}
	for j, col := range targets {
		ref := &plan.ColRef{Index: j, Typ: sch[j].Type, Name: sch[j].Name}
		if exprs[col], err = b.assign(ref, rel.Columns[col]); err != nil {
			return nil, err
		}
	}
	return &plan.Project{Input: src, Exprs: exprs, Cols: tableSchema(rel)}, nil
}

func tableSchema(rel *catalog.Relation) plan.Schema {
	return getRelation(rel).Cols
}

// assign converts e for storing in column c with Postgres's assignment
// rules; constants are converted now.
func (b *builder) assign(e plan.Expr, c catalog.Column) (plan.Expr, error) {
	to := c.Type
	from := e.Type()
	if from == to {
		return e, nil
	}
	if isUnknown(e) {
		if k, ok := e.(*plan.Const); ok && !k.Value.IsNull() {
			d, err := datum.ParseText(k.Value.Str(), types.T{Family: to.Family})
			if err != nil {
				return nil, err
			}
			if d, err = builtin.AssignCast(d, to); err != nil {
				return nil, err
			}
			return &plan.Const{Value: d, Typ: to}, nil
		}
		out, err := b.coerce(e, to)
		if err != nil {
			return nil, err
		}
		if c, ok := out.(*plan.Cast); ok {
			c.Assign = true
		}
		return out, nil
	}
	if !builtin.CanAssign(from, to) {
		return nil, sqlerr.New(sqlerr.DatatypeMismatch, "column %q is of type %s but expression is of type %s", c.Name, to, from).
			WithHint("You will need to rewrite or cast the expression.")
	}
	if k, ok := e.(*plan.Const); ok {
		d, err := builtin.AssignCast(k.Value, to)
		if err != nil {
			return nil, err
		}
		return &plan.Const{Value: d, Typ: to}, nil
	}
	if sameType(from, to) && to.Precision == 0 && to.Scale == 0 {
		return e, nil
	}
	return &plan.Cast{Arg: e, To: to, Assign: true}, nil
}

// PlanUpdate plans UPDATE t SET col = expr, ... [WHERE ...].
func PlanUpdate(cat *catalog.Catalog, s *ast.UpdateStmt, paramTypes []types.T) (_ *Update, err error) {
	defer recoverInternal(&err)
	switch {
	case s.MultipleTable:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "UPDATE of several tables is not supported")
	case s.Order != nil || s.Limit != nil:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "UPDATE ... ORDER BY / LIMIT is not supported")
	case s.With != nil:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "WITH in UPDATE is not supported")
	}
	b := newBuilder(cat, paramTypes)
	rel, alias, err := b.targetTable(s.TableRefs, "update")
	if err != nil {
		return nil, err
	}
	node, sc, err := b.dmlSource(rel, alias, s.Where)
	if err != nil {
		return nil, err
	}
	n := len(rel.Columns)
	exprs := make([]plan.Expr, 2*n)
	for i := range n {
		exprs[i] = sc.colRef(i)
		exprs[n+i] = sc.colRef(i)
	}
	set := map[int]bool{}
	us := *sc
	us.clause = "UPDATE"
	for _, a := range s.List {
		if a.Column.Table.O != "" && a.Column.Table.O != alias {
			return nil, sqlerr.New(sqlerr.UndefinedColumn, "column %q of relation %q does not exist",
				a.Column.Table.O+"."+a.Column.Name.O, rel.Name)
		}
		i := rel.ColumnIndex(a.Column.Name.O)
		if i < 0 {
			return nil, sqlerr.New(sqlerr.UndefinedColumn, "column %q of relation %q does not exist", a.Column.Name.O, rel.Name)
		}
		if set[i] {
			return nil, sqlerr.New(sqlerr.SyntaxError, "multiple assignments to same column %q", a.Column.Name.O)
		}
		set[i] = true
		if _, isDefault := a.Expr.(*ast.DefaultExpr); isDefault {
			exprs[n+i] = nullConst(rel.Columns[i].Type)
			continue
		}
		e, err := b.expr(&us, a.Expr)
		if err != nil {
			return nil, err
		}
		if exprs[n+i], err = b.assign(e, rel.Columns[i]); err != nil {
			return nil, err
		}
	}
	cols := tableSchema(rel)
	cols = append(append(plan.Schema(nil), cols...), cols...)
	return &Update{Table: rel, Rows: &plan.Project{Input: node, Exprs: exprs, Cols: cols}, Params: b.finishParams()}, nil
}

// dmlSource reads the target table filtered by where.
func (b *builder) dmlSource(rel *catalog.Relation, alias string, where ast.ExprNode) (plan.Node, *scope, error) {
	var node plan.Node = getRelation(rel)
	sc := scopeFor(alias, node)
	if where != nil {
		ws := *sc
		ws.clause = "WHERE"
		var deferred []ast.ExprNode
		for _, c := range splitAST(where) {
			if isSubqueryPredicate(c) {
				var err error
				if node, err = b.subqueryPredicate(node, sc, c); err != nil {
					return nil, nil, err
				}
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
			node = filter(node, conjuncts(e))
		}
		if len(deferred) > 0 {
			var err error
			if node, err = b.whereWithSubqueries(node, sc, deferred); err != nil {
				return nil, nil, err
			}
			node = visibleOnly(node, len(rel.Columns))
		}
	}
	return node, sc, nil
}

// PlanDelete plans DELETE FROM t [WHERE ...].
func PlanDelete(cat *catalog.Catalog, s *ast.DeleteStmt, paramTypes []types.T) (_ *Delete, err error) {
	defer recoverInternal(&err)
	switch {
	case s.IsMultiTable:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "DELETE from several tables is not supported")
	case s.Order != nil || s.Limit != nil:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "DELETE ... ORDER BY / LIMIT is not supported")
	case s.With != nil:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "WITH in DELETE is not supported")
	}
	b := newBuilder(cat, paramTypes)
	rel, alias, err := b.targetTable(s.TableRefs, "delete from")
	if err != nil {
		return nil, err
	}
	node, _, err := b.dmlSource(rel, alias, s.Where)
	if err != nil {
		return nil, err
	}
	return &Delete{Table: rel, Rows: node, Params: b.finishParams()}, nil
}

package session

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/planner"
	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/server/pgwire"
	"github.com/freshet-db/freshet/server/sources"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/parse"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

// statement is one prepared statement. It is planned against the catalog
// lazily (on Describe or Execute) and re-planned when the catalog has
// changed since, so a plan never outlives the catalog it was made for.
type statement struct {
	s          *Session
	ast        parse.Statement
	paramTypes []types.T // declared by the client

	// implicit marks the statements of a multi-statement simple query,
	// which run as one implicit transaction (as in Postgres); last is set
	// on the final one, whose success commits it.
	implicit, last bool

	planned    bool
	catVersion uint64
	params     []types.T
	cols       []pgwire.Column
	run        func(ctx context.Context, params []datum.Datum) (pgwire.Result, error)
}

var _ pgwire.Statement = (*statement)(nil)

func (st *statement) ParamTypes() []types.T {
	if err := st.prepare(); err != nil {
		return st.paramTypes
	}
	return st.params
}

func (st *statement) Columns() []pgwire.Column {
	if err := st.prepare(); err != nil {
		return nil
	}
	return st.cols
}

// Execute runs the statement. Any error inside a transaction block fails
// the block.
func (st *statement) Execute(ctx context.Context, params []datum.Datum) (res pgwire.Result, err error) {
	s := st.s
	if s.tx == txFailed && !isTxEnd(st.ast) {
		return nil, sqlerr.New(sqlerr.InFailedSQLTransaction,
			"current transaction is aborted, commands ignored until end of transaction block")
	}
	if st.implicit && s.tx == txIdle {
		s.begin()
		s.implicit = true
	}
	defer func() {
		switch {
		case err != nil && s.implicit:
			// An error aborts the whole implicit transaction.
			s.rollback()
		case err != nil:
			s.Fail()
		case st.last && s.implicit:
			if cerr := s.commit(ctx); cerr != nil {
				res, err = nil, cerr
			}
		}
	}()
	if err := st.prepare(); err != nil {
		return nil, err
	}
	return st.run(ctx, params)
}

func isTxEnd(st parse.Statement) bool {
	tc, ok := st.(*parse.TxControl)
	return ok && (tc.Op == parse.TxCommit || tc.Op == parse.TxRollback)
}

// prepare plans the statement if it has not been planned against the
// current catalog.
func (st *statement) prepare() error {
	cat := st.s.coord.Catalog()
	if st.planned && st.catVersion == cat.Version {
		return nil
	}
	st.params = st.paramTypes
	st.cols = nil
	if err := st.plan(cat); err != nil {
		st.planned = false
		return err
	}
	st.planned, st.catVersion = true, cat.Version
	return nil
}

// plan decides what the statement does; it sets st.run, st.cols and
// st.params.
func (st *statement) plan(cat *catalog.Catalog) error {
	s := st.s
	switch n := st.ast.(type) {
	case *parse.TiDB:
		return st.planTiDB(cat, n)
	case *parse.CreateTable:
		return st.planCreateTable(cat, n)
	case *parse.CreateMaterializedView:
		return st.planCreateView(cat, n.Name, n.Query, n.QueryText, n.Columns, n.SQL, catalog.MaterializedView, n.IfNotExists, n.OrReplace)
	case *parse.Drop:
		return st.planDrop(n)
	case *parse.CreateSource:
		st.planCreateSource(n)
	case *parse.CreateSink:
		return st.planCreateSink(n)
	case *parse.Show:
		return st.planShow(cat, n)
	case *parse.ShowVar:
		return st.planShowVar(n)
	case *parse.SetVar:
		st.run = func(ctx context.Context, _ []datum.Datum) (pgwire.Result, error) {
			if n.Reset {
				s.reset(n.Name)
				return tagResult("RESET"), nil
			}
			if err := s.set(n.Name, n.Value); err != nil {
				return nil, err
			}
			return tagResult("SET"), nil
		}
	case *parse.TxControl:
		st.run = func(ctx context.Context, _ []datum.Datum) (pgwire.Result, error) {
			return s.txControl(ctx, n.Op)
		}
	case *parse.Explain:
		return st.planExplain(cat, n)
	case *parse.Discard:
		st.run = func(context.Context, []datum.Datum) (pgwire.Result, error) {
			s.reset("all")
			return tagResult("DISCARD ALL"), nil
		}
	case *parse.Subscribe:
		return st.planSubscribe(cat, n)
	case *parse.Copy:
		return st.planCopy(cat, n)
	case *parse.DeclareCursor:
		return st.planDeclare(cat, n)
	case *parse.Fetch:
		return st.planFetch(n)
	case *parse.CloseCursor:
		return st.planCloseCursor(n)
	case *parse.Deallocate:
		st.run = func(context.Context, []datum.Datum) (pgwire.Result, error) {
			tag := "DEALLOCATE"
			if n.All {
				tag = "DEALLOCATE ALL"
			}
			return &deallocResult{rowsResult: tagResult(tag), name: n.Name, all: n.All}, nil
		}
	default:
		return sqlerr.New(sqlerr.FeatureNotSupported, "statement is not supported: %s", firstWords(st.ast.Text()))
	}
	return nil
}

// planCreateSource registers a source (its tables named by the connector,
// FOR TABLES renames kept in the options) and starts it.
func (st *statement) planCreateSource(n *parse.CreateSource) {
	s := st.s
	st.run = func(ctx context.Context, _ []datum.Datum) (pgwire.Result, error) {
		if err := s.ddlAllowed("CREATE SOURCE"); err != nil {
			return nil, err
		}
		opts := maps.Clone(n.Options)
		if opts == nil {
			opts = map[string]string{}
		}
		if len(n.Tables) > 0 {
			m := make([][2]string, len(n.Tables))
			for i, t := range n.Tables {
				m[i] = [2]string{t.Upstream, catalog.Normalize(t.Name)}
			}
			opts["tables"] = sources.EncodeTables(m)
		}
		if err := s.sources.Create(ctx, catalog.Normalize(n.Name), n.Connector, opts, n.SQL, n.IfNotExists); err != nil {
			return nil, err
		}
		return tagResult("CREATE SOURCE"), nil
	}
}

func firstWords(sql string) string {
	f := strings.Fields(sql)
	if len(f) > 3 {
		f = f[:3]
	}
	return strings.ToUpper(strings.Join(f, " "))
}

func (st *statement) planTiDB(cat *catalog.Catalog, t *parse.TiDB) error {
	switch n := t.Node.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt:
		q, err := planner.PlanQuery(cat, n.(ast.ResultSetNode), st.paramTypes)
		if err != nil {
			return err
		}
		st.params = q.Params
		st.cols = queryColumns(cat, q)
		st.run = func(ctx context.Context, params []datum.Datum) (pgwire.Result, error) {
			rows, err := st.s.query(ctx, q, params)
			if err != nil {
				return nil, err
			}
			return &rowsResult{rows: rows}, nil
		}
	case *ast.InsertStmt:
		p, err := planner.PlanInsert(cat, n, st.paramTypes)
		if err != nil {
			return err
		}
		st.params = p.Params
		st.run = func(ctx context.Context, params []datum.Datum) (pgwire.Result, error) {
			return st.s.insert(ctx, p, params)
		}
	case *ast.UpdateStmt:
		p, err := planner.PlanUpdate(cat, n, st.paramTypes)
		if err != nil {
			return err
		}
		st.params = p.Params
		st.run = func(ctx context.Context, params []datum.Datum) (pgwire.Result, error) {
			return st.s.update(ctx, p, params)
		}
	case *ast.DeleteStmt:
		p, err := planner.PlanDelete(cat, n, st.paramTypes)
		if err != nil {
			return err
		}
		st.params = p.Params
		st.run = func(ctx context.Context, params []datum.Datum) (pgwire.Result, error) {
			return st.s.delete(ctx, p, params)
		}
	case *ast.CreateViewStmt:
		var cols []string
		for _, c := range n.Cols {
			cols = append(cols, c.O)
		}
		q, ok := n.Select.(ast.ResultSetNode)
		if !ok || n.Select.Text() == "" {
			return sqlerr.New(sqlerr.FeatureNotSupported, "CREATE VIEW needs a SELECT")
		}
		return st.planCreateView(cat, n.ViewName.Name.O, q, n.Select.Text(), cols, t.SQL, catalog.View, false, n.OrReplace)
	default:
		return sqlerr.New(sqlerr.FeatureNotSupported, "statement is not supported: %s", firstWords(t.SQL))
	}
	return nil
}

// queryColumns describes the visible columns of a query, naming the table
// column each comes from when it is a plain column of a Get (drivers use
// this for metadata).
func queryColumns(cat *catalog.Catalog, q *plan.Query) []pgwire.Column {
	schema := q.Root.Schema()
	n := q.Visible
	if n == 0 || n > len(schema) {
		n = len(schema)
	}
	cols := make([]pgwire.Column, n)
	for i := range n {
		cols[i] = pgwire.Column{Name: schema[i].Name, Type: schema[i].Type}
	}
	return cols
}

func (s *Session) ddlAllowed(what string) error {
	if s.tx != txIdle && !s.implicit {
		return sqlerr.New(sqlerr.ActiveSQLTransaction, "%s cannot run inside a transaction block", what)
	}
	return nil
}

func (st *statement) planCreateTable(cat *catalog.Catalog, n *parse.CreateTable) error {
	rel, err := planner.PlanCreateTable(cat, n)
	if err != nil {
		return err
	}
	rel.SQL = n.SQL
	rel.AppendOnly = n.AppendOnly
	st.run = func(ctx context.Context, _ []datum.Datum) (pgwire.Result, error) {
		if err := st.s.ddlAllowed("CREATE TABLE"); err != nil {
			return nil, err
		}
		r := *rel
		if _, err := st.s.coord.Create(ctx, &r, n.Node.IfNotExists); err != nil {
			return nil, err
		}
		return tagResult("CREATE TABLE"), nil
	}
	return nil
}

func (st *statement) planCreateView(cat *catalog.Catalog, name string, q ast.ResultSetNode, queryText string, cols []string,
	sql string, kind catalog.Kind, ifNotExists, orReplace bool) error {
	if orReplace {
		return sqlerr.New(sqlerr.FeatureNotSupported, "CREATE OR REPLACE is not supported yet: drop the view and create it again")
	}
	name = catalog.Normalize(name)
	pq, err := planner.PlanView(cat, name, q, cols)
	if err != nil {
		return err
	}
	rel := &catalog.Relation{Name: name, Kind: kind, SQL: sql, Query: queryText}
	for _, c := range pq.Root.Schema()[:visible(pq)] {
		rel.Columns = append(rel.Columns, catalog.Column{Name: c.Name, Type: c.Type})
	}
	for _, id := range directDependencies(cat, q) {
		rel.DependsOn = append(rel.DependsOn, id)
	}
	tag := "CREATE VIEW"
	if kind == catalog.MaterializedView {
		tag = "CREATE MATERIALIZED VIEW"
	}
	st.run = func(ctx context.Context, _ []datum.Datum) (pgwire.Result, error) {
		if err := st.s.ddlAllowed(tag); err != nil {
			return nil, err
		}
		r := *rel
		if _, err := st.s.coord.Create(ctx, &r, ifNotExists); err != nil {
			return nil, err
		}
		return tagResult(tag), nil
	}
	return nil
}

func visible(q *plan.Query) int {
	if q.Visible == 0 || q.Visible > len(q.Root.Schema()) {
		return len(q.Root.Schema())
	}
	return q.Visible
}

// directDependencies lists the catalog relations a view's query names
// (views are inlined by the planner, so the plan alone would miss them).
func directDependencies(cat *catalog.Catalog, q ast.ResultSetNode) []catalog.ID {
	var ids []catalog.ID
	seen := map[catalog.ID]bool{}
	for _, name := range tableNames(q) {
		if r, ok := cat.Lookup(catalog.Normalize(name)); ok && !seen[r.ID] {
			seen[r.ID] = true
			ids = append(ids, r.ID)
		}
	}
	return ids
}

func (st *statement) planDrop(n *parse.Drop) error {
	var kind catalog.Kind
	var tag string
	switch n.Kind {
	case parse.KindTable:
		kind, tag = catalog.Table, "DROP TABLE"
	case parse.KindView:
		kind, tag = catalog.View, "DROP VIEW"
	case parse.KindMaterializedView:
		kind, tag = catalog.MaterializedView, "DROP MATERIALIZED VIEW"
	case parse.KindSink:
		return st.planDropSink(n)
	case parse.KindSource:
		st.run = func(ctx context.Context, _ []datum.Datum) (pgwire.Result, error) {
			if err := st.s.ddlAllowed("DROP SOURCE"); err != nil {
				return nil, err
			}
			for _, name := range n.Names {
				if err := st.s.sources.Drop(ctx, catalog.Normalize(name), n.IfExists, n.Cascade); err != nil {
					return nil, err
				}
			}
			return tagResult("DROP SOURCE"), nil
		}
		return nil
	default:
		return sqlerr.New(sqlerr.FeatureNotSupported, "DROP of this kind of object is not supported")
	}
	st.run = func(ctx context.Context, _ []datum.Datum) (pgwire.Result, error) {
		if err := st.s.ddlAllowed(tag); err != nil {
			return nil, err
		}
		for _, name := range n.Names {
			dropped, err := st.s.coord.Drop(ctx, catalog.Normalize(name), kind, n.IfExists, n.Cascade)
			if err != nil {
				return nil, err
			}
			st.s.droppedRelations(dropped)
		}
		return tagResult(tag), nil
	}
	return nil
}

func (st *statement) planShowVar(n *parse.ShowVar) error {
	s := st.s
	name := normalizeVar(n.Name)
	if name == "all" {
		st.cols = textColumns("name", "setting", "description")
		st.run = func(context.Context, []datum.Datum) (pgwire.Result, error) {
			var rows [][]string
			for _, v := range s.sortedVars() {
				rows = append(rows, []string{displayName(v), s.vars[v].value, ""})
			}
			return &rowsResult{rows: textRows(rows...), tag: "SHOW"}, nil
		}
		return nil
	}
	if _, err := s.get(name); err != nil {
		return err
	}
	st.cols = textColumns(name)
	st.run = func(context.Context, []datum.Datum) (pgwire.Result, error) {
		v, err := s.get(name)
		if err != nil {
			return nil, err
		}
		return &rowsResult{rows: textRows([]string{v}), tag: "SHOW"}, nil
	}
	return nil
}

func (st *statement) planShow(cat *catalog.Catalog, n *parse.Show) error {
	list := func(kind catalog.Kind) {
		st.cols = textColumns("name")
		st.run = func(context.Context, []datum.Datum) (pgwire.Result, error) {
			var rows [][]string
			for _, r := range st.s.coord.Catalog().Relations() {
				if r.Kind == kind {
					rows = append(rows, []string{r.Name})
				}
			}
			sortRows(rows)
			return &rowsResult{rows: textRows(rows...), tag: "SHOW"}, nil
		}
	}
	switch n.What {
	case "tables":
		list(catalog.Table)
	case "views":
		list(catalog.View)
	case "materialized views":
		list(catalog.MaterializedView)
	case "sinks":
		st.planShowSinks()
	case "sources":
		st.cols = textColumns("name", "connector", "state", "reason", "upstream", "confirmed", "lag_bytes", "lag_ms",
			"snapshot_rows", "rows_per_second", "errors")
		st.run = func(context.Context, []datum.Datum) (pgwire.Result, error) {
			var rows [][]string
			for _, s := range st.s.sources.Statuses() {
				rows = append(rows, []string{s.Name, s.Connector, s.State, s.Reason, s.Upstream, s.Confirmed,
					fmt.Sprint(s.LagBytes), fmt.Sprint(s.Lag.Milliseconds()), fmt.Sprint(s.SnapshotRows),
					fmt.Sprintf("%.1f", s.RowsPerSecond), fmt.Sprint(s.Errors)})
			}
			return &rowsResult{rows: textRows(rows...), tag: "SHOW"}, nil
		}
	case "columns":
		rel, err := cat.Resolve(catalog.Normalize(n.Name))
		if err != nil {
			return err
		}
		st.cols = textColumns("name", "type", "nullable", "key")
		st.run = func(context.Context, []datum.Datum) (pgwire.Result, error) {
			var rows [][]string
			for i, c := range rel.Columns {
				key := ""
				for _, k := range rel.PrimaryKey {
					if k == i {
						key = "primary key"
					}
				}
				rows = append(rows, []string{c.Name, c.Type.String(), fmt.Sprint(!c.NotNull), key})
			}
			return &rowsResult{rows: textRows(rows...), tag: "SHOW"}, nil
		}
	case "create table", "create view", "create materialized view":
		rel, err := cat.Resolve(catalog.Normalize(n.Name))
		if err != nil {
			return err
		}
		want := map[string]catalog.Kind{"create table": catalog.Table, "create view": catalog.View,
			"create materialized view": catalog.MaterializedView}[n.What]
		if rel.Kind != want {
			return sqlerr.New(sqlerr.WrongObjectType, "%q is not a %s", rel.Name, want)
		}
		st.cols = textColumns("name", "create_sql")
		st.run = func(context.Context, []datum.Datum) (pgwire.Result, error) {
			return &rowsResult{rows: textRows([]string{rel.Name, rel.SQL}), tag: "SHOW"}, nil
		}
	default:
		return sqlerr.New(sqlerr.FeatureNotSupported, "SHOW %s is not supported", strings.ToUpper(n.What))
	}
	return nil
}

func (st *statement) planExplain(cat *catalog.Catalog, n *parse.Explain) error {
	st.cols = textColumns("QUERY PLAN")
	if n.MaterializedView != "" {
		name := catalog.Normalize(n.MaterializedView)
		if _, err := cat.Resolve(name); err != nil {
			return err
		}
		st.run = func(context.Context, []datum.Datum) (pgwire.Result, error) {
			text, err := st.s.coord.ExplainView(name)
			if err != nil {
				return nil, err
			}
			return &rowsResult{rows: lines(text), tag: "EXPLAIN"}, nil
		}
		return nil
	}
	q, ok := n.Query.(ast.ResultSetNode)
	if !ok || n.Analyze {
		return sqlerr.New(sqlerr.FeatureNotSupported, "EXPLAIN supports queries and materialized views only")
	}
	pq, err := planner.PlanQuery(cat, q, st.paramTypes)
	if err != nil {
		return err
	}
	st.params = pq.Params
	text := planner.Explain(pq)
	st.run = func(context.Context, []datum.Datum) (pgwire.Result, error) {
		return &rowsResult{rows: lines(text), tag: "EXPLAIN"}, nil
	}
	return nil
}

func lines(text string) []datum.Row {
	var rows [][]string
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		rows = append(rows, []string{l})
	}
	return textRows(rows...)
}

func (s *Session) txControl(ctx context.Context, op parse.TxOp) (pgwire.Result, error) {
	switch op {
	case parse.TxBegin:
		if s.implicit {
			// BEGIN inside a multi-statement query opens a real block.
			s.implicit = false
			return tagResult("BEGIN"), nil
		}
		if s.tx != txIdle {
			// Postgres warns and stays in the block.
			return tagResult("BEGIN"), nil
		}
		s.begin()
		return tagResult("BEGIN"), nil
	case parse.TxCommit:
		if s.tx == txFailed {
			s.rollback()
			return tagResult("ROLLBACK"), nil
		}
		if err := s.commit(ctx); err != nil {
			s.rollback()
			return nil, err
		}
		return tagResult("COMMIT"), nil
	default:
		s.rollback()
		return tagResult("ROLLBACK"), nil
	}
}

// tableNames lists the relation names a query mentions (CTE names too: a
// CTE that shadows a relation only adds a harmless dependency).
func tableNames(n ast.Node) []string {
	v := &tableNameCollector{}
	n.Accept(v)
	return v.names
}

type tableNameCollector struct{ names []string }

func (v *tableNameCollector) Enter(n ast.Node) (ast.Node, bool) {
	if t, ok := n.(*ast.TableName); ok {
		v.names = append(v.names, t.Name.O)
	}
	return n, false
}

func (v *tableNameCollector) Leave(n ast.Node) (ast.Node, bool) { return n, true }

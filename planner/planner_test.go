package planner

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/sql/parse"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// TestBuild runs the golden files in testdata/: exec-ddl creates tables
// and views in a test catalog; build plans a statement and prints the plan
// (or the error with its SQLSTATE). Run with -rewrite to regenerate.
func TestBuild(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		cat := catalog.New()
		datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
			switch td.Cmd {
			case "exec-ddl":
				var err error
				cat, err = execDDL(cat, td.Input)
				if err != nil {
					return errorString(err)
				}
				return ""
			case "build":
				var params []types.T
				for _, a := range td.CmdArgs {
					if a.Key != "params" {
						continue
					}
					for _, v := range a.Vals {
						pt, ok := types.ByName(v)
						if !ok && v != "unknown" {
							t.Fatalf("%s: unknown type %q", td.Pos, v)
						}
						params = append(params, pt)
					}
				}
				out, err := buildString(cat, td.Input, params)
				if err != nil {
					return errorString(err)
				}
				return out
			}
			t.Fatalf("%s: unknown command %q", td.Pos, td.Cmd)
			return ""
		})
	})
}

func errorString(err error) string {
	var e *sqlerr.Error
	if errors.As(err, &e) {
		return fmt.Sprintf("error (%s): %s\n", e.Code, e.Message)
	}
	return fmt.Sprintf("error: %v\n", err)
}

// execDDL applies CREATE TABLE / VIEW / MATERIALIZED VIEW statements to a
// clone of cat.
func execDDL(cat *catalog.Catalog, sql string) (*catalog.Catalog, error) {
	stmts, err := parse.Parse(sql)
	if err != nil {
		return cat, err
	}
	next := cat.Clone()
	for _, st := range stmts {
		var rel *catalog.Relation
		switch st := st.(type) {
		case *parse.CreateTable:
			if rel, err = PlanCreateTable(next, st); err != nil {
				return cat, err
			}
		case *parse.CreateMaterializedView:
			q, err := PlanView(next, st.Name, st.Query, st.Columns)
			if err != nil {
				return cat, err
			}
			rel = &catalog.Relation{Name: st.Name, Kind: catalog.MaterializedView, Query: st.QueryText,
				Columns: viewColumns(q), SQL: st.SQL}
		case *parse.TiDB:
			cv, ok := st.Node.(*ast.CreateViewStmt)
			if !ok {
				return cat, fmt.Errorf("exec-ddl: unsupported statement %T", st.Node)
			}
			text := st.SQL[strings.Index(strings.ToLower(st.SQL), " as ")+4:]
			var cols []string
			for _, c := range cv.Cols {
				cols = append(cols, c.O)
			}
			q, err := PlanView(next, cv.ViewName.Name.O, cv.Select.(ast.ResultSetNode), cols)
			if err != nil {
				return cat, err
			}
			rel = &catalog.Relation{Name: cv.ViewName.Name.O, Kind: catalog.View, Query: text,
				Columns: viewColumns(q), SQL: st.SQL}
		default:
			return cat, fmt.Errorf("exec-ddl: unsupported statement %T", st)
		}
		if _, err := next.Add(rel); err != nil {
			return cat, err
		}
	}
	return next, nil
}

func viewColumns(q *plan.Query) []catalog.Column {
	var cols []catalog.Column
	for _, c := range q.Root.Schema()[:q.Visible] {
		cols = append(cols, catalog.Column{Name: c.Name, Type: c.Type, NotNull: !c.Nullable})
	}
	return cols
}

// buildString plans one statement and renders the result.
func buildString(cat *catalog.Catalog, sql string, params []types.T) (string, error) {
	stmts, err := parse.Parse(sql)
	if err != nil {
		return "", err
	}
	if len(stmts) != 1 {
		return "", fmt.Errorf("build: want one statement, got %d", len(stmts))
	}
	var sb strings.Builder
	switch st := stmts[0].(type) {
	case *parse.CreateTable:
		rel, err := PlanCreateTable(cat, st)
		if err != nil {
			return "", err
		}
		describeRelation(&sb, rel)
		return sb.String(), nil
	case *parse.CreateMaterializedView:
		q, err := PlanView(cat, st.Name, st.Query, st.Columns)
		if err != nil {
			return "", err
		}
		describeQuery(&sb, q)
		return sb.String(), nil
	case *parse.TiDB:
		switch n := st.Node.(type) {
		case ast.ResultSetNode:
			q, err := PlanQuery(cat, n, params)
			if err != nil {
				return "", err
			}
			describeQuery(&sb, q)
		case *ast.InsertStmt:
			ins, err := PlanInsert(cat, n, params)
			if err != nil {
				return "", err
			}
			describeDML(&sb, "insert", ins.Table, ins.Rows, ins.Params)
		case *ast.UpdateStmt:
			up, err := PlanUpdate(cat, n, params)
			if err != nil {
				return "", err
			}
			describeDML(&sb, "update", up.Table, up.Rows, up.Params)
		case *ast.DeleteStmt:
			del, err := PlanDelete(cat, n, params)
			if err != nil {
				return "", err
			}
			describeDML(&sb, "delete", del.Table, del.Rows, del.Params)
		case *ast.CreateViewStmt:
			q, err := PlanView(cat, n.ViewName.Name.O, n.Select.(ast.ResultSetNode), nil)
			if err != nil {
				return "", err
			}
			describeQuery(&sb, q)
		default:
			return "", fmt.Errorf("build: unsupported statement %T", n)
		}
		return sb.String(), nil
	}
	return "", fmt.Errorf("build: unsupported statement %T", stmts[0])
}

func describeRelation(sb *strings.Builder, rel *catalog.Relation) {
	fmt.Fprintf(sb, "%s %s", rel.Kind, rel.Name)
	if rel.AppendOnly {
		sb.WriteString(" append-only")
	}
	sb.WriteByte('\n')
	for i, c := range rel.Columns {
		fmt.Fprintf(sb, "  %s %s", c.Name, c.Type)
		if c.NotNull {
			sb.WriteString(" not null")
		}
		for _, k := range rel.PrimaryKey {
			if k == i {
				sb.WriteString(" primary key")
			}
		}
		sb.WriteByte('\n')
	}
}

func describeQuery(sb *strings.Builder, q *plan.Query) {
	cols := q.Root.Schema()
	parts := make([]string, q.Visible)
	for i := range q.Visible {
		parts[i] = cols[i].Name + " " + cols[i].Type.String()
	}
	fmt.Fprintf(sb, "columns: %s\n", strings.Join(parts, ", "))
	writeParams(sb, q.Params)
	sb.WriteString(plan.Explain(q))
}

func writeParams(sb *strings.Builder, params []types.T) {
	if len(params) == 0 {
		return
	}
	ps := make([]string, len(params))
	for i, p := range params {
		ps[i] = fmt.Sprintf("$%d %s", i+1, p)
	}
	fmt.Fprintf(sb, "params: %s\n", strings.Join(ps, ", "))
}

func describeDML(sb *strings.Builder, verb string, rel *catalog.Relation, rows plan.Node, params []types.T) {
	fmt.Fprintf(sb, "%s %s\n", verb, rel.Name)
	writeParams(sb, params)
	sb.WriteString(plan.ExplainNode(rows))
}

package planner

import (
	"errors"
	"testing"

	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/sql/parse"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

func testCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	cat, err := execDDL(catalog.New(), `
		CREATE TABLE t (a INT, b TEXT, c NUMERIC(10,2), d TIMESTAMPTZ, e BIGINT);
		CREATE TABLE "Mixed" ("Col" INT, low INT);`)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func planQuery(t *testing.T, cat *catalog.Catalog, sql string, params []types.T) (*plan.Query, error) {
	t.Helper()
	stmts, err := parse.Parse(sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	st, ok := stmts[0].(*parse.TiDB)
	if !ok {
		t.Fatalf("%s: not a query", sql)
	}
	q, ok := st.Node.(ast.ResultSetNode)
	if !ok {
		t.Fatalf("%s: not a query", sql)
	}
	return PlanQuery(cat, q, params)
}

// TestParamInference checks the types inferred for $n from their context.
func TestParamInference(t *testing.T) {
	cat := testCatalog(t)
	cases := []struct {
		sql      string
		declared []types.T
		want     []types.T
	}{
		{"SELECT a FROM t WHERE a = $1", nil, []types.T{types.Int4T}},
		{"SELECT a FROM t WHERE $1 = a", nil, []types.T{types.Int4T}},
		{"SELECT $1 + 1", nil, []types.T{types.Int4T}},
		{"SELECT a FROM t LIMIT $1 OFFSET $2", nil, []types.T{types.Int8T, types.Int8T}},
		{"SELECT a FROM t WHERE b = $2", nil, []types.T{types.UnknownT, types.TextT}},
		{"SELECT a FROM t WHERE c < $1 AND d > $2", nil, []types.T{types.NumericT, types.TimestampTZT}},
		{"SELECT a FROM t WHERE a = $1", []types.T{types.Int8T}, []types.T{types.Int8T}},
		{"SELECT a FROM t WHERE a IN ($1, $2)", nil, []types.T{types.Int4T, types.Int4T}},
		{"SELECT a FROM t WHERE b LIKE $1", nil, []types.T{types.TextT}},
		{"SELECT COALESCE(e, $1) FROM t", nil, []types.T{types.Int8T}},
		{"SELECT $1", nil, []types.T{types.UnknownT}},
	}
	for _, c := range cases {
		q, err := planQuery(t, cat, c.sql, c.declared)
		if err != nil {
			t.Errorf("%s: %v", c.sql, err)
			continue
		}
		if len(q.Params) != len(c.want) {
			t.Errorf("%s: params %v, want %v", c.sql, q.Params, c.want)
			continue
		}
		for i := range c.want {
			if q.Params[i] != c.want[i] {
				t.Errorf("%s: $%d is %s, want %s", c.sql, i+1, q.Params[i], c.want[i])
			}
		}
	}
}

// TestParamExprTypes checks that every Param in the plan carries the
// statement's final type for it, even where it was bound before the type
// was known.
func TestParamExprTypes(t *testing.T) {
	cat := testCatalog(t)
	q, err := planQuery(t, cat, "SELECT a FROM t WHERE a = $1 OR e = $1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if q.Params[0] != types.Int4T {
		t.Fatalf("$1 is %s, want integer", q.Params[0])
	}
	var walk func(plan.Node)
	walk = func(n plan.Node) {
		if f, ok := n.(*plan.Filter); ok {
			plan.Walk(f.Pred, func(e plan.Expr) bool {
				if p, ok := e.(*plan.Param); ok && p.Typ != types.Int4T {
					t.Errorf("param $%d typed %s in %s", p.Index, p.Typ, f.Pred)
				}
				return true
			})
		}
		for _, c := range n.Inputs() {
			walk(c)
		}
	}
	walk(q.Root)
}

// TestNameResolution covers case folding, quoting and qualification.
func TestNameResolution(t *testing.T) {
	cat := testCatalog(t)
	cases := []struct {
		sql     string
		code    sqlerr.Code // "" for success
		columns string
	}{
		{"SELECT A, T.B FROM T", "", "a b"},
		{`SELECT "Col", low FROM "Mixed"`, "", "Col low"},
		{`SELECT col FROM "Mixed"`, sqlerr.UndefinedColumn, ""},
		{`SELECT a FROM mixed`, sqlerr.UndefinedTable, ""},
		{"SELECT t.a FROM t AS x", sqlerr.UndefinedTable, ""},
		{"SELECT x.a FROM t AS x", "", "a"},
		{"SELECT a AS total, count(*) FROM t GROUP BY total", "", "total count"},
		{"SELECT sum(a), max(b), a + 1, b FROM t GROUP BY a, b", "", "sum max ?column? b"},
		{"SELECT CAST(a AS TEXT), '1'::int, a::bigint AS z FROM t", "", "a int4 z"},
		{"SELECT coalesce(a, 0), nullif(a, 1), CASE WHEN true THEN 1 END FROM t", "", "coalesce nullif case"},
		{"SELECT x.a FROM t x, t y", "", "a"},
		{"SELECT a FROM t x, t y", sqlerr.AmbiguousColumn, ""},
		{"SELECT a FROM t, (SELECT a FROM t) s", sqlerr.AmbiguousColumn, ""},
		{"SELECT s.a FROM t, (SELECT a FROM t) s", "", "a"},
	}
	for _, c := range cases {
		q, err := planQuery(t, cat, c.sql, nil)
		if c.code != "" {
			var e *sqlerr.Error
			if !errors.As(err, &e) || e.Code != c.code {
				t.Errorf("%s: got %v, want error %s", c.sql, err, c.code)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.sql, err)
			continue
		}
		var names string
		for i, col := range q.Root.Schema()[:q.Visible] {
			if i > 0 {
				names += " "
			}
			names += col.Name
		}
		if names != c.columns {
			t.Errorf("%s: columns %q, want %q", c.sql, names, c.columns)
		}
	}
}

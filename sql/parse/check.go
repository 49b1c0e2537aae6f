package parse

import (
	"strings"

	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/test_driver"
)

// ParamIndex returns the Postgres parameter number ($n, 1-based) of a
// parameter marker in a statement returned by Parse, or 0 if p did not
// come from Parse.
func ParamIndex(p ast.ParamMarkerExpr) int {
	m, ok := p.(*test_driver.ParamMarkerExpr)
	if !ok || m.Order < 0 {
		return 0
	}
	return m.Order + 1
}

// checker numbers parameter markers and rejects the silent misparses the
// rewriter is meant to prevent (COMPAT §1.1), so that a statement never
// runs with a meaning the user did not write.
type checker struct {
	sql    string
	toks   []token
	rw     *rewritten
	err    error
	joinIn []*ast.Join
}

func check(sql string, toks []token, rw *rewritten, node ast.StmtNode) error {
	c := &checker{sql: sql, toks: toks, rw: rw}
	node.Accept(c)
	return c.err
}

func (c *checker) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

func (c *checker) Enter(n ast.Node) (ast.Node, bool) {
	if c.err != nil {
		return n, true
	}
	switch x := n.(type) {
	case *test_driver.ParamMarkerExpr:
		num, ok := c.rw.params[x.Offset]
		if !ok {
			c.fail(sqlerr.New(sqlerr.Internal, "parameter marker at offset %d has no number", x.Offset))
			break
		}
		x.SetOrder(num - 1)
	case *ast.Join:
		// "a FULL JOIN b" silently parses as "a AS full CROSS JOIN b".
		if x.Tp == ast.CrossJoin && x.Right != nil {
			if ts := rightmostSource(x.Left); ts != nil && ts.AsName.L == "full" {
				c.fail(sqlerr.New(sqlerr.FeatureNotSupported, "FULL JOIN is not supported yet"))
			}
		}
	case *ast.ColumnNameExpr:
		// "$1" must never reach TiDB as a column name.
		if name := x.Name.Name.O; strings.HasPrefix(name, "$") && len(name) > 1 && strings.Trim(name[1:], "0123456789") == "" {
			c.fail(sqlerr.New(sqlerr.SyntaxError, "syntax error at or near %q", name))
		}
	}
	return n, false
}

func (c *checker) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// rightmostSource returns the table source at the right edge of a join
// tree.
func rightmostSource(n ast.ResultSetNode) *ast.TableSource {
	for {
		switch x := n.(type) {
		case *ast.TableSource:
			return x
		case *ast.Join:
			if x.Right == nil {
				n = x.Left
			} else {
				n = x.Right
			}
		default:
			return nil
		}
	}
}

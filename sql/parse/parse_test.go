package parse

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"
)

// TestParse runs the golden files in testdata/parse. Directive:
//
//	parse
//	<sql>
//	----
//	<one block per statement, or the error>
//
// Rewrite the expected output with -rewrite.
func TestParse(t *testing.T) {
	datadriven.Walk(t, "testdata/parse", func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "parse":
				return describeParse(d.Input)
			default:
				t.Fatalf("unknown directive %q", d.Cmd)
				return ""
			}
		})
	})
}

// describeParse renders what Parse returns for sql.
func describeParse(sql string) string {
	stmts, err := Parse(sql)
	if err != nil {
		return describeError(err) + "\n"
	}
	if len(stmts) == 0 {
		return "(no statements)\n"
	}
	var sb strings.Builder
	for _, s := range stmts {
		sb.WriteString(describe(s))
	}
	return sb.String()
}

func describeError(err error) string {
	e := sqlerr.Find(err)
	if e == nil {
		return fmt.Sprintf("error (no code): %v", err)
	}
	return fmt.Sprintf("error %s: %s (position %d)", e.Code, e.Message, e.Position)
}

func restore(n ast.Node) string {
	var sb strings.Builder
	flags := format.RestoreStringSingleQuotes | format.RestoreKeyWordUppercase |
		format.RestoreNameDoubleQuotes | format.RestoreStringWithoutCharset
	if err := n.Restore(format.NewRestoreCtx(flags, &sb)); err != nil {
		return "restore error: " + err.Error()
	}
	return sb.String()
}

// paramLister collects the $n of each parameter marker in walk order.
type paramLister struct{ ns []string }

func (p *paramLister) Enter(n ast.Node) (ast.Node, bool) {
	if m, ok := n.(ast.ParamMarkerExpr); ok {
		p.ns = append(p.ns, fmt.Sprintf("$%d", ParamIndex(m)))
	}
	return n, false
}
func (p *paramLister) Leave(n ast.Node) (ast.Node, bool) { return n, true }

func params(n ast.Node, num int) string {
	if num == 0 {
		return ""
	}
	l := &paramLister{}
	n.Accept(l)
	return fmt.Sprintf("params: %d [%s]\n", num, strings.Join(l.ns, " "))
}

func describe(s Statement) string {
	var sb strings.Builder
	switch x := s.(type) {
	case *TiDB:
		fmt.Fprintf(&sb, "tidb %T: %s\n", x.Node, restore(x.Node))
		sb.WriteString(params(x.Node, x.NumParams))
	case *CreateTable:
		fmt.Fprintf(&sb, "create table %s append_only=%v\n", x.Node.Table.Name.O, x.AppendOnly)
		for i, c := range x.Node.Cols {
			fmt.Fprintf(&sb, "  column %s %s\n", c.Name.Name.O, x.ColumnType(x.Node.Cols[i]))
		}
		fmt.Fprintf(&sb, "  tidb: %s\n", restore(x.Node))
	case *CreateMaterializedView:
		fmt.Fprintf(&sb, "create materialized view %s or_replace=%v if_not_exists=%v columns=%v\n", x.Name, x.OrReplace, x.IfNotExists, x.Columns)
		fmt.Fprintf(&sb, "  query: %s\n  query text: %s\n", restore(x.Query), x.QueryText)
	case *Drop:
		fmt.Fprintf(&sb, "drop %s %v if_exists=%v cascade=%v\n", x.Kind, x.Names, x.IfExists, x.Cascade)
	case *Show:
		fmt.Fprintf(&sb, "show %q name=%q\n", x.What, x.Name)
	case *ShowVar:
		fmt.Fprintf(&sb, "show var %q\n", x.Name)
	case *SetVar:
		fmt.Fprintf(&sb, "set var %q value=%q local=%v reset=%v\n", x.Name, x.Value, x.Local, x.Reset)
	case *Explain:
		fmt.Fprintf(&sb, "explain analyze=%v verbose=%v", x.Analyze, x.Verbose)
		switch {
		case x.MaterializedView != "":
			fmt.Fprintf(&sb, " materialized view %s\n", x.MaterializedView)
		case x.Query != nil:
			fmt.Fprintf(&sb, " %T: %s\n", x.Query, restore(x.Query))
			sb.WriteString(params(x.Query, x.NumParams))
		default:
			fmt.Fprintf(&sb, "\n  %s", describe(x.Stmt))
		}
	case *CreateSource:
		fmt.Fprintf(&sb, "create source %s if_not_exists=%v connector=%s options=%v tables=%v\n", x.Name, x.IfNotExists, x.Connector, x.Options, x.Tables)
	case *CreateSink:
		fmt.Fprintf(&sb, "create sink %s if_not_exists=%v from=%s connector=%s options=%v\n", x.Name, x.IfNotExists, x.From, x.Connector, x.Options)
	case *Subscribe:
		fmt.Fprintf(&sb, "subscribe name=%q options=%v", x.Name, x.Options)
		if x.Query != nil {
			fmt.Fprintf(&sb, " query: %s (text %q)", restore(x.Query), x.QueryText)
		}
		sb.WriteString("\n")
	case *Copy:
		fmt.Fprintf(&sb, "copy to stdout options=%v\n  %s", x.Options, describe(x.Query))
	case *DeclareCursor:
		fmt.Fprintf(&sb, "declare %s hold=%v\n  %s", x.Name, x.Hold, describe(x.Query))
	case *Fetch:
		fmt.Fprintf(&sb, "fetch %d from %s options=%v\n", x.Count, x.Cursor, x.Options)
	case *CloseCursor:
		fmt.Fprintf(&sb, "close name=%q all=%v\n", x.Name, x.All)
	case *TxControl:
		fmt.Fprintf(&sb, "tx %s read_only=%v isolation=%q\n", x.Op, x.ReadOnly, x.Isolation)
	case *Discard:
		fmt.Fprintf(&sb, "discard %s\n", x.What)
	case *Deallocate:
		fmt.Fprintf(&sb, "deallocate name=%q all=%v\n", x.Name, x.All)
	default:
		fmt.Fprintf(&sb, "%T\n", s)
	}
	return sb.String()
}

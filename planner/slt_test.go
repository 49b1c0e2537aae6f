package planner

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/sql/parse"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// sltDir holds the sqllogictest corpus shared by the team.
const sltDir = "/work/shared/sqllogictest"

// sltRecord is one statement or query of a sqllogictest file.
type sltRecord struct {
	line    int
	query   bool // query (else statement)
	wantErr bool // statement error
	sql     string
}

// readSLT reads the records of a .test file that run for engine "mysql".
func readSLT(path string) ([]sltRecord, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []sltRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var block []string
	start, lineNo := 0, 0
	flush := func() {
		defer func() { block = nil }()
		skip := false
		i := 0
		for ; i < len(block); i++ {
			fields := strings.Fields(block[i])
			if len(fields) < 2 || (fields[0] != "skipif" && fields[0] != "onlyif") {
				break
			}
			if (fields[0] == "skipif") == (fields[1] == "mysql") {
				skip = true
			}
		}
		if skip || i >= len(block) {
			return
		}
		head := strings.Fields(block[i])
		if len(head) == 0 {
			return
		}
		rec := sltRecord{line: start + i}
		switch head[0] {
		case "statement":
			rec.wantErr = len(head) > 1 && head[1] == "error"
		case "query":
			rec.query = true
		default:
			return // halt, hash-threshold, ...
		}
		var sqlLines []string
		for _, l := range block[i+1:] {
			if l == "----" {
				break
			}
			sqlLines = append(sqlLines, l)
		}
		rec.sql = strings.Join(sqlLines, "\n")
		out = append(out, rec)
	}
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		if strings.TrimSpace(line) == "" {
			if len(block) > 0 {
				flush()
			}
			continue
		}
		if len(block) == 0 {
			start = lineNo
		}
		block = append(block, line)
	}
	if len(block) > 0 {
		flush()
	}
	return out, sc.Err()
}

// sltResult counts how the queries of one file planned.
type sltResult struct {
	queries, planned int
	failures         map[string][]int // category → lines
}

// runSLT applies the DDL of a file to a fresh catalog and plans every
// query (and INSERT) it must run.
func runSLT(t *testing.T, path string) sltResult {
	recs, err := readSLT(path)
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.New()
	res := sltResult{failures: map[string][]int{}}
	fail := func(line int, err error) {
		cat := category(err)
		res.failures[cat] = append(res.failures[cat], line)
	}
	for _, r := range recs {
		if r.wantErr {
			continue
		}
		stmts, err := parse.Parse(r.sql)
		if err != nil || len(stmts) != 1 {
			if r.query {
				res.queries++
				fail(r.line, fmt.Errorf("parse: %v", err))
			}
			continue
		}
		switch st := stmts[0].(type) {
		case *parse.CreateTable:
			rel, err := PlanCreateTable(cat, st)
			if err != nil {
				fail(r.line, err)
				continue
			}
			next := cat.Clone()
			if _, err := next.Add(rel); err != nil {
				fail(r.line, err)
				continue
			}
			cat = next
		case *parse.Drop:
			next := cat.Clone()
			for _, name := range st.Names {
				if rel, ok := next.Lookup(name); ok {
					next.Remove(rel.ID)
				}
			}
			cat = next
		case *parse.TiDB:
			switch n := st.Node.(type) {
			case ast.ResultSetNode:
				if r.query {
					res.queries++
				}
				if _, err := PlanQuery(cat, n, nil); err != nil {
					fail(r.line, err)
				} else if r.query {
					res.planned++
				}
			case *ast.InsertStmt:
				if _, err := PlanInsert(cat, n, nil); err != nil {
					fail(r.line, err)
				}
			case *ast.CreateViewStmt:
				q, err := PlanView(cat, n.ViewName.Name.O, n.Select.(ast.ResultSetNode), nil)
				if err != nil {
					fail(r.line, err)
					continue
				}
				text := r.sql[strings.Index(strings.ToLower(r.sql), " as ")+4:]
				next := cat.Clone()
				if _, err := next.Add(&catalog.Relation{Name: n.ViewName.Name.O, Kind: catalog.View,
					Query: text, Columns: viewColumns(q), SQL: r.sql}); err != nil {
					fail(r.line, err)
					continue
				}
				cat = next
			case *ast.DropTableStmt:
				next := cat.Clone()
				for _, tn := range n.Tables {
					if rel, ok := next.Lookup(tn.Name.O); ok {
						next.Remove(rel.ID)
					}
				}
				cat = next
			}
		}
	}
	return res
}

var digits = regexp.MustCompile(`[0-9]+`)

// category names the kind of a planning error: its SQLSTATE and message
// with numbers and quoted names blanked.
func category(err error) string {
	var e *sqlerr.Error
	msg := err.Error()
	code := "?????"
	if errors.As(err, &e) {
		code = string(e.Code)
		msg = e.Message
	}
	msg = regexp.MustCompile(`"[^"]*"`).ReplaceAllString(msg, `"…"`)
	return code + " " + digits.ReplaceAllString(msg, "N")
}

// TestSQLLogicTestPlans plans every query of select1..select5.test and
// reports how many plan (with -v) and the failure categories; all must plan.
func TestSQLLogicTestPlans(t *testing.T) {
	if _, err := os.Stat(sltDir); err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	minPlanned := map[string]float64{
		"select1.test": 1, "select2.test": 1, "select3.test": 1, "select4.test": 1, "select5.test": 1,
	}
	for i := 1; i <= 5; i++ {
		name := fmt.Sprintf("select%d.test", i)
		t.Run(name, func(t *testing.T) {
			res := runSLT(t, filepath.Join(sltDir, name))
			t.Logf("%s: %d/%d queries planned", name, res.planned, res.queries)
			cats := make([]string, 0, len(res.failures))
			for c := range res.failures {
				cats = append(cats, c)
			}
			sort.Slice(cats, func(a, b int) bool { return len(res.failures[cats[a]]) > len(res.failures[cats[b]]) })
			for _, c := range cats {
				lines := res.failures[c]
				if len(lines) > 5 {
					lines = lines[:5]
				}
				t.Logf("  %5d × %s (lines %v)", len(res.failures[c]), c, lines)
			}
			if res.queries == 0 {
				t.Fatalf("no queries read")
			}
			if got := float64(res.planned) / float64(res.queries); got < minPlanned[name] {
				t.Errorf("%s: planned %.1f%% of queries, want at least %.1f%%", name, 100*got, 100*minPlanned[name])
			}
		})
	}
}

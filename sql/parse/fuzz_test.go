package parse

import (
	"runtime"
	"testing"
	"time"

	"github.com/freshet-db/freshet/sql/sqlerr"
)

// FuzzParse checks that Parse never panics and returns either statements
// or a categorized *sqlerr.Error. Run with go test -fuzz FuzzParse; the
// seed corpus runs with every go test.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"SELECT a, b FROM t WHERE x = $1 LIMIT $2",
		"SELECT x::int[], CAST(y AS numeric(10,2)), E'a\\nb', $q$x$q$",
		"SELECT a FROM t WHERE a IS DISTINCT FROM b AND c ~* 'x' ORDER BY a NULLS FIRST",
		"CREATE MATERIALIZED VIEW v AS SELECT 1; DROP VIEW v CASCADE",
		"CREATE TABLE t (a bigint, b text[]) APPEND ONLY",
		"SHOW ALL; SET x TO 1; BEGIN READ ONLY; COMMIT",
		"SELECT ARRAY[1,2][1], (f(x)).y, a = ANY(b) FROM generate_series(1, 3) g",
		"SELECT 'unterminated", "/* nested /* */", "SELECT $0", "SELECT ((((", ")",
		"EXPLAIN (ANALYZE, VERBOSE) SELECT 1", "SELECT INTERVAL '1 day' PRECEDING",
		"COPY (SUBSCRIBE (SELECT a FROM t)) TO STDOUT WITH (FORMAT csv)",
		"DECLARE c CURSOR FOR SUBSCRIBE mv; FETCH 10 c WITH (timeout = '1s'); CLOSE c",
		"CREATE SOURCE s FROM LOAD GENERATOR ECOMMERCE (SCALE 1); CREATE SINK k FROM v INTO CLICKHOUSE CONNECTION 'x' TABLE 'y'",
		"SELECT a FROM t OFFSET $1 LIMIT $2", "SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS v(x, y)",
		"SELECT count(*) FILTER (WHERE a > 0), sum(b) FILTER (WHERE c) FROM t", "SELECT * FROM unnest(x) u JOIN generate_series(1, 2) g ON true",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		type result struct {
			stmts []Statement
			err   error
		}
		done := make(chan result, 1)
		go func() {
			s, e := Parse(sql)
			done <- result{s, e}
		}()
		var res result
		select {
		case res = <-done:
		case <-time.After(10 * time.Second):
			buf := make([]byte, 1<<20)
			t.Fatalf("Parse(%q) did not return:\n%s", sql, buf[:runtime.Stack(buf, true)])
		}
		stmts, err := res.stmts, res.err
		if err != nil {
			e := sqlerr.Find(err)
			if e == nil {
				t.Fatalf("Parse(%q): error without SQLSTATE: %v", sql, err)
			}
			if e.Code.Class() == "XX" {
				t.Fatalf("Parse(%q): internal error %v", sql, err)
			}
			if stmts != nil {
				t.Fatalf("Parse(%q): statements and an error", sql)
			}
			return
		}
		for _, s := range stmts {
			if s == nil {
				t.Fatalf("Parse(%q): nil statement", sql)
			}
		}
	})
}

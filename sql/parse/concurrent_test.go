package parse

import (
	"sync"
	"testing"
)

// TestParseConcurrent parses from several goroutines at once (run with
// -race): parsers are pooled, never shared.
func TestParseConcurrent(t *testing.T) {
	queries := []string{
		"SELECT a FROM t WHERE b = $2 AND c = $1",
		"CREATE TABLE t (a bigint, b numeric(10,2)) APPEND ONLY",
		"CREATE MATERIALIZED VIEW v AS SELECT a, count(*) FROM t GROUP BY a",
		"SELECT x::int FROM t WHERE y !~ '^pg_' ORDER BY 1 LIMIT $1",
	}
	want := make([]string, len(queries))
	for i, q := range queries {
		want[i] = describeParse(q)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for n := 0; n < 50; n++ {
				i := (g + n) % len(queries)
				if got := describeParse(queries[i]); got != want[i] {
					t.Errorf("goroutine %d: %q parsed as\n%s\nwant\n%s", g, queries[i], got, want[i])
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

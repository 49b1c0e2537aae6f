package parse

import (
	"strings"
	"testing"
	"time"

	"github.com/freshet-db/freshet/sql/sqlerr"
)

// TestLongInputs feeds large and deeply nested statements: Parse must
// stay near-linear (no quadratic rewrites) and fail only with categorized
// errors (54000 for expressions nested beyond maxInsertSpan).
func TestLongInputs(t *testing.T) {
	for name, sql := range map[string]string{
		"parens":   "SELECT " + strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000),
		"openers":  "SELECT " + strings.Repeat("(", 20000),
		"casts":    "SELECT 1" + strings.Repeat("::int", 5000),
		"distinct": "SELECT " + strings.Repeat("a IS DISTINCT FROM b AND ", 3000) + "true",
		"qs":       "SELECT " + strings.Repeat("?,", 5000) + "1",
		"commas":   "SELECT a FROM " + strings.Repeat("t,", 5000) + "t",
		"tilde":    "SELECT " + strings.Repeat("a ~ ", 5000) + "b",
		"H":        strings.Repeat("H", 100000),
		"subs":     "SELECT a" + strings.Repeat("[1]", 3000),
		"anys":     "SELECT " + strings.Repeat("a = ANY(b) AND ", 3000) + "true",
		"case":     "SELECT " + strings.Repeat("CASE WHEN ", 3000),
		"semis":    strings.Repeat(";", 100000),
		"selects":  strings.Repeat("SELECT 1;", 5000),
		"calls":    "SELECT " + strings.Repeat("f(x), ", 10000) + "1 FROM t",
		"fromfns":  "SELECT 1 FROM " + strings.Repeat("f(x), ", 3000) + "t",
		"plus":     "SELECT " + strings.Repeat("a + ", 5000) + "b IS DISTINCT FROM c",
	} {
		start := time.Now()
		_, err := Parse(sql)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: Parse took %v", name, d)
		}
		if err != nil {
			if e := sqlerr.Find(err); e == nil || e.Code.Class() == "XX" {
				t.Errorf("%s: uncategorized error %v", name, err)
			}
		}
	}
}

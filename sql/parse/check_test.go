package parse

import (
	"testing"

	"github.com/freshet-db/freshet/sql/sqlerr"
)

// TestCheckRejectsMisparses feeds the AST check statements parsed by TiDB
// directly (bypassing the rewriter, which normally prevents them) and
// expects the silent misparses of COMPAT.md §1.1 to be rejected.
func TestCheckRejectsMisparses(t *testing.T) {
	for _, tc := range []struct {
		sql  string
		code sqlerr.Code
	}{
		{"SELECT * FROM a FULL JOIN b", sqlerr.FeatureNotSupported},
		{"SELECT * FROM x, a FULL JOIN b", sqlerr.FeatureNotSupported},
		{"SELECT $1 FROM t", sqlerr.SyntaxError},
		{"SELECT a FROM t WHERE b = $12", sqlerr.SyntaxError},
		{"SELECT * FROM a JOIN b ON true", ""},
		{"SELECT a FROM t WHERE b = ?", ""},
	} {
		nodes, _, err := newParser().ParseSQL(tc.sql)
		if err != nil {
			t.Fatalf("%s: TiDB: %v", tc.sql, err)
		}
		rw := &rewritten{params: map[int]int{26: 1}}
		err = check(tc.sql, nil, rw, nodes[0])
		if got := sqlerr.Find(err); tc.code == "" && err != nil || tc.code != "" && (got == nil || got.Code != tc.code) {
			t.Errorf("%s: got %v, want code %q", tc.sql, err, tc.code)
		}
	}
}

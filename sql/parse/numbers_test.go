package parse

import (
	"strings"
	"testing"

	"github.com/freshet-db/freshet/sql/sqlerr"
)

// TestNumericLiterals checks that numeric literals of every length and
// shape up to 100 characters parse without an internal error (TiDB's
// decimal driver panics on long ones; the rewriter must route around it).
func TestNumericLiterals(t *testing.T) {
	for total := 1; total <= 100; total++ {
		for ip := 0; ip <= total; ip++ {
			for _, d := range []string{"0", "1", "9"} {
				s := strings.Repeat(d, ip)
				if ip < total {
					s += "." + strings.Repeat(d, total-ip-1)
				}
				if s == "." || s == "" {
					continue
				}
				_, err := Parse("SELECT " + s)
				if e := sqlerr.Find(err); e != nil && e.Code == sqlerr.Internal {
					t.Fatalf("%s: %v", s, err)
				}
			}
		}
	}
}

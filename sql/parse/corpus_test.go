package parse

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/freshet-db/freshet/sql/sqlerr"
)

// clientQueriesPath is the shared fixture of real client queries
// (COMPAT.md §3), relative to this package's directory.
const clientQueriesPath = "../../../shared/client-queries.json"

type clientQuery struct {
	Client string `json:"client"`
	SQL    string `json:"sql"`
}

func loadClientQueries(t *testing.T) []clientQuery {
	data, err := os.ReadFile(clientQueriesPath)
	if os.IsNotExist(err) {
		t.Skipf("%s not found; skipping the client corpus", clientQueriesPath)
	}
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var all []clientQuery
	for _, group := range []string{"captured", "transcribed", "shape"} {
		var qs []clientQuery
		if err := json.Unmarshal(doc[group], &qs); err != nil {
			t.Fatalf("%s: %v", group, err)
		}
		all = append(all, qs...)
	}
	return all
}

// TestClientCorpus parses every captured client query. Each must either
// parse or fail with a categorized (non-XX) *sqlerr.Error; which ones
// parse, and the TiDB text each rewrites to, is recorded in
// testdata/corpus/client-queries (update with -rewrite; review the diff).
func TestClientCorpus(t *testing.T) {
	qs := loadClientQueries(t)
	var sb strings.Builder
	ok := 0
	for i, q := range qs {
		stmts, err := Parse(q.SQL)
		first := strings.Join(strings.Fields(q.SQL), " ")
		if len(first) > 70 {
			first = first[:70]
		}
		if err != nil {
			e := sqlerr.Find(err)
			if e == nil || e.Code.Class() == "XX" {
				t.Errorf("query %d (%s): uncategorized error %v", i, q.Client, err)
				continue
			}
			fmt.Fprintf(&sb, "%3d %-20s FAIL %s %s | %s\n", i, q.Client, e.Code, e.Message, first)
			continue
		}
		ok++
		kinds := make([]string, len(stmts))
		for j, s := range stmts {
			kinds[j] = fmt.Sprintf("%T", s)
		}
		fmt.Fprintf(&sb, "%3d %-20s ok   %s | %s\n", i, q.Client, strings.Join(kinds, ","), first)
		for _, s := range stmts {
			if x, ok := s.(*TiDB); ok {
				fmt.Fprintf(&sb, "    %s\n", restore(x.Node))
			}
		}
	}
	fmt.Fprintf(&sb, "parsed %d of %d\n", ok, len(qs))
	got := sb.String()
	datadriven.RunTest(t, filepath.Join("testdata", "corpus", "client-queries"), func(t *testing.T, d *datadriven.TestData) string {
		return got
	})
}

package parse

import (
	"sort"
	"testing"
)

func sortedWords(m map[string]bool) []string {
	var ws []string
	for w := range m {
		ws = append(ws, w)
	}
	sort.Strings(ws)
	return ws
}

// TestKeywordLists keeps the rewriter's word lists honest against the TiDB
// grammar: every listed word really is rejected by TiDB where the list
// says, and the rewrite really makes it acceptable.
func TestKeywordLists(t *testing.T) {
	p := newParser()
	for _, w := range sortedWords(aliasQuote) {
		if _, _, err := p.ParseSQL("SELECT 1 AS " + w); err == nil {
			t.Errorf("aliasQuote: TiDB accepts %q as an alias; drop it from the list", w)
		}
		if _, err := Parse("SELECT 1 AS " + w); err != nil {
			t.Errorf("SELECT 1 AS %s: %v", w, err)
		}
	}
	for _, w := range sortedWords(identQuote) {
		if _, _, err := p.ParseSQL("SELECT " + w + " FROM t"); err == nil {
			t.Errorf("identQuote: TiDB accepts column %q; drop it from the list", w)
		}
		if _, err := Parse("SELECT " + w + " FROM t"); err != nil {
			t.Errorf("SELECT %s FROM t: %v", w, err)
		}
	}
	for _, w := range sortedWords(ignoreSpaceFuncs) {
		arg := "a"
		switch w {
		case "cast":
			arg = "a AS int"
		case "extract":
			arg = "year FROM a"
		case "now", "curdate", "curtime", "sysdate", "session_user", "system_user":
			arg = ""
		case "date_add", "date_sub":
			arg = "a, INTERVAL 1 DAY"
		case "adddate", "mid", "subdate", "substr", "substring":
			arg = "a, 1"
		case "position":
			arg = "'a' IN a"
		}
		if _, err := Parse("SELECT " + w + " (" + arg + ") FROM t"); err != nil {
			t.Errorf("SELECT %s (...): %v", w, err)
		}
	}
}

package parse

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/freshet-db/freshet/sql/sqlerr"
)

// sltDir holds the shared sqllogictest sample (COMPAT.md §5).
const sltDir = "../../../shared/sqllogictest"

// sltRecord is one statement or query of a sqllogictest file.
type sltRecord struct {
	line      int
	sql       string
	wantError bool
}

// readSLT extracts the SQL records of a sqllogictest file as the engine
// named "mysql" would run them (COMPAT.md §5.3).
func readSLT(t *testing.T, path string) []sltRecord {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []sltRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var block []string
	var blockLine, lineNo int
	flush := func() {
		defer func() { block = nil }()
		skip := false
		for len(block) > 0 {
			fields := strings.Fields(block[0])
			if len(fields) >= 2 && (fields[0] == "skipif" || fields[0] == "onlyif") {
				if (fields[0] == "skipif") == (fields[1] == "mysql") {
					skip = true
				}
				block = block[1:]
				blockLine++
				continue
			}
			break
		}
		if skip || len(block) == 0 {
			return
		}
		fields := strings.Fields(block[0])
		if len(fields) == 0 || fields[0] != "statement" && fields[0] != "query" {
			return
		}
		var sqlLines []string
		for _, l := range block[1:] {
			if l == "----" {
				break
			}
			sqlLines = append(sqlLines, l)
		}
		recs = append(recs, sltRecord{
			line:      blockLine,
			sql:       strings.Join(sqlLines, "\n"),
			wantError: fields[0] == "statement" && len(fields) > 1 && fields[1] == "error",
		})
	}
	for sc.Scan() {
		lineNo++
		l := sc.Text()
		if strings.HasPrefix(l, "#") {
			continue
		}
		if strings.TrimSpace(l) == "" {
			flush()
			continue
		}
		if i := strings.Index(l, " #"); i >= 0 && len(block) == 0 {
			l = l[:i]
		}
		if len(block) == 0 {
			blockLine = lineNo
		}
		block = append(block, l)
	}
	flush()
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestSQLLogicTestCorpus checks that every statement and query of
// select1-5.test and the random/ sample parses into exactly one statement
// (set SLT_GLOB to check other files of the sample).
func TestSQLLogicTestCorpus(t *testing.T) {
	globs := []string{"select*.test", "random/*/*.test"}
	if g := os.Getenv("SLT_GLOB"); g != "" {
		globs = []string{g} // e.g. SLT_GLOB='index/*/*/*.test'
	}
	var files []string
	for _, g := range globs {
		m, _ := filepath.Glob(filepath.Join(sltDir, g))
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Skipf("no sqllogictest files in %s", sltDir)
	}
	total := 0
	for _, path := range files {
		recs := readSLT(t, path)
		if len(recs) == 0 {
			t.Errorf("%s: no records", path)
		}
		failures := 0
		for _, r := range recs {
			total++
			stmts, err := Parse(r.sql)
			if err != nil {
				if e := sqlerr.Find(err); e == nil || e.Code.Class() == "XX" {
					t.Errorf("%s:%d: uncategorized error %v", path, r.line, err)
				}
				if !r.wantError {
					failures++
					if failures <= 10 {
						t.Errorf("%s:%d: %v\n%s", path, r.line, err, r.sql)
					}
				}
				continue
			}
			if len(stmts) != 1 {
				t.Errorf("%s:%d: %d statements", path, r.line, len(stmts))
			}
		}
		if failures > 10 {
			t.Errorf("%s: %d records failed to parse", path, failures)
		}
	}
	t.Logf("%d records parsed", total)
}

package logictest

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/freshet-db/freshet/internal/testpg"
)

var (
	flagRewrite      = flag.Bool("rewrite", false, "rewrite the expected output of .slt files with what the server returns (Freshet; PostgreSQL with -pg)")
	flagAddr         = flag.String("addr", "", "run the .slt files against the server at host:port or a postgres:// URL instead of a fresh Freshet per file")
	flagEngine       = flag.String("engine", "freshet", "engine name for skipif/onlyif when running with -addr")
	flagPG           = flag.Bool("pg", false, "run the .slt files against PostgreSQL only (TestLogic is skipped); with -rewrite, take expected output from PostgreSQL")
	flagRetryTimeout = flag.Duration("retry-timeout", 10*time.Second, "how long a retry query waits for its expected result")
	flagQueryTimeout = flag.Duration("query-timeout", 30*time.Second, "timeout of one record")
	flagSLTDir       = flag.String("slt-dir", "../../../shared/sqllogictest", "directory of SQLite's sqllogictest corpus")
	flagSLTFiles     = flag.String("slt-files", "select1.test,select2.test,select3.test,select4.test,select5.test,evidence/*.test", "comma-separated globs, relative to -slt-dir, of the corpus files TestSQLite runs")
	flagSLTStrict    = flag.Bool("slt-strict", false, "TestSQLite fails on every failing record, ignoring the known-failures list")
	flagRewriteKnown = flag.Bool("rewrite-known", false, "TestSQLite rewrites testdata/sqlite-known-failures.txt with the records that fail now")
)

const (
	logicDir        = "../testdata/logic"
	knownFailures   = "testdata/sqlite-known-failures.txt"
	maxReportedFail = 10
)

// pg is the PostgreSQL server the runner's own tests and TestLogicPostgres
// share; each file gets a database of its own.
var pg testpg.Shared

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if err := pg.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "logictest: stopping postgres:", err)
	}
	os.Exit(code)
}

// freshetDSN is the connection string of a Freshet server at addr.
func freshetDSN(addr string) string {
	return "postgres://freshet@" + addr + "/freshet?sslmode=disable"
}

func newRunner(dsn, engine string) *Runner {
	return &Runner{
		DSN:          dsn,
		Engine:       engine,
		QueryTimeout: *flagQueryTimeout,
		RetryTimeout: *flagRetryTimeout,
	}
}

func parseFile(t testing.TB, path string, format Format) *File {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f *File
	if format == SQLite {
		f, err = ParseSQLite(path, string(text))
	} else {
		f, err = ParseSLT(path, string(text))
	}
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// runSLT runs one .slt file against dsn, reports its failures on t and
// rewrites it if asked to.
func runSLT(t *testing.T, path, dsn, engine string, rewrite bool) {
	f := parseFile(t, path, SLT)
	r := newRunner(dsn, engine)
	r.Rewrite = rewrite
	if engine == "postgresql" && f.PGViews {
		r.MapSQL = materializedAsPlain
	}
	res, err := r.Run(context.Background(), f, SLT)
	if err != nil {
		t.Fatal(err)
	}
	for _, fl := range res.Failures {
		t.Error(fl)
	}
	t.Logf("%s: %d passed, %d failed, %d skipped", filepath.Base(path), res.Passed, res.Failed, res.Skipped)
	if rewrite {
		if err := os.WriteFile(path, []byte(res.Rewritten), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func logicFiles(t *testing.T) []string {
	files, err := filepath.Glob(filepath.Join(logicDir, "*.slt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .slt files in %s (%v)", logicDir, err)
	}
	return files
}

// TestLogic runs every server/testdata/logic/*.slt file against a fresh
// Freshet server (or the server named by -addr).
func TestLogic(t *testing.T) {
	if *flagPG {
		t.Skip("-pg: running against PostgreSQL only")
	}
	for _, path := range logicFiles(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".slt")
		t.Run(name, func(t *testing.T) {
			if *flagAddr != "" {
				dsn := *flagAddr
				if !strings.Contains(dsn, "://") {
					dsn = freshetDSN(dsn)
				}
				runSLT(t, path, dsn, *flagEngine, *flagRewrite)
				return
			}
			t.Parallel()
			runSLT(t, path, startFreshet(t), "freshet", *flagRewrite)
		})
	}
}

// TestLogicPostgres validates the .slt files that use plain SQL against a
// real PostgreSQL: their expected output must be PostgreSQL's. Files marked
// "# postgres: materialized views as views" run with plain views instead
// of materialized ones.
func TestLogicPostgres(t *testing.T) {
	for _, path := range logicFiles(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".slt")
		t.Run(name, func(t *testing.T) {
			if parseFile(t, path, SLT).FreshetOnly {
				t.Skip("# freshet-only")
			}
			t.Parallel()
			dsn := pg.Get(t).NewDatabase(t)
			runSLT(t, path, dsn, "postgresql", *flagRewrite && *flagPG)
		})
	}
}

// materializedAsPlain turns materialized views into plain views, which
// PostgreSQL evaluates from scratch on every read: the recomputation that
// defines a materialized view's correct contents.
func materializedAsPlain(sql string) string {
	return strings.ReplaceAll(sql, "MATERIALIZED VIEW", "VIEW")
}

// TestRunnerPostgres checks that the runner accepts a file exercising its
// whole grammar when the server behaves.
func TestRunnerPostgres(t *testing.T) {
	dsn := pg.Get(t).NewDatabase(t)
	f := parseFile(t, "testdata/runner/grammar.slt", SLT)
	res, err := newRunner(dsn, "postgresql").Run(context.Background(), f, SLT)
	if err != nil {
		t.Fatal(err)
	}
	for _, fl := range res.Failures {
		t.Error(fl)
	}
	if res.Skipped != 2 {
		t.Errorf("skipped %d records, want 2 (skipif postgresql, onlyif freshet)", res.Skipped)
	}
	if res.Passed == 0 {
		t.Error("no record passed")
	}
}

// markedLines returns the lines of the records that follow a "# fails"
// comment.
func markedLines(t *testing.T, f *File) []int {
	var want []int
	for _, rec := range f.Records {
		if rec.Line >= 2 && strings.TrimSpace(f.Lines[rec.Line-2]) == "# fails" {
			want = append(want, rec.Line)
		}
	}
	if len(want) == 0 {
		t.Fatalf("%s has no record marked # fails", f.Path)
	}
	return want
}

func failedLines(res Result) []int {
	var got []int
	for _, fl := range res.Failures {
		got = append(got, fl.Line)
	}
	sort.Ints(got)
	return got
}

// TestRunnerDetectsFailures checks that the runner reports exactly the
// records that do not behave as written.
func TestRunnerDetectsFailures(t *testing.T) {
	dsn := pg.Get(t).NewDatabase(t)
	f := parseFile(t, "testdata/runner/failing.slt", SLT)
	r := newRunner(dsn, "postgresql")
	r.RetryTimeout = 200 * time.Millisecond
	res, err := r.Run(context.Background(), f, SLT)
	if err != nil {
		t.Fatal(err)
	}
	if want, got := markedLines(t, f), failedLines(res); !slices.Equal(want, got) {
		for _, fl := range res.Failures {
			t.Log(fl)
		}
		t.Fatalf("failing records at lines %v, want %v", got, want)
	}
}

// TestRunnerSQLitePostgres runs a file of the SQLite format on PostgreSQL.
func TestRunnerSQLitePostgres(t *testing.T) {
	dsn := pg.Get(t).NewDatabase(t)
	f := parseFile(t, "testdata/runner/sqlite.test", SQLite)
	res, err := newRunner(dsn, "mysql").Run(context.Background(), f, SQLite)
	if err != nil {
		t.Fatal(err)
	}
	if want, got := markedLines(t, f), failedLines(res); !slices.Equal(want, got) {
		for _, fl := range res.Failures {
			t.Log(fl)
		}
		t.Fatalf("failing records at lines %v, want %v", got, want)
	}
	if res.Skipped != 2 {
		t.Errorf("skipped %d records, want 2", res.Skipped)
	}
}

// TestRewrite checks that -rewrite replaces expected output, and only that.
func TestRewrite(t *testing.T) {
	dsn := pg.Get(t).NewDatabase(t)
	in := `# a comment
statement ok
CREATE TABLE r (a INT, b TEXT)

statement ok
INSERT INTO r VALUES (2, 'x'), (1, NULL)

query IT rowsort
SELECT a, b FROM r
----
5 wrong
6 rows

query I
SELECT count(*) FROM r

query error pgcode 42P01
SELECT * FROM nope
`
	want := `# a comment
statement ok
CREATE TABLE r (a INT, b TEXT)

statement ok
INSERT INTO r VALUES (2, 'x'), (1, NULL)

query IT rowsort
SELECT a, b FROM r
----
1 NULL
2 x

query I
SELECT count(*) FROM r
----
2

query error pgcode 42P01
SELECT * FROM nope
`
	f, err := ParseSLT("rewrite.slt", in)
	if err != nil {
		t.Fatal(err)
	}
	r := newRunner(dsn, "postgresql")
	r.Rewrite = true
	res, err := r.Run(context.Background(), f, SLT)
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 0 {
		t.Errorf("failures while rewriting: %v", res.Failures)
	}
	if res.Rewritten != want {
		t.Errorf("rewritten file:\n%s\nwant:\n%s", res.Rewritten, want)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"statement maybe\nSELECT 1\n", "usage: statement"},
		{"statement ok\n", "has no SQL"},
		{"query\nSELECT 1\n", "needs column types"},
		{"query I sideways\nSELECT 1\n", "unknown query option"},
		{"statement error pgcode 123 x\nSELECT 1\n", "5-character SQLSTATE"},
		{"statement error (\nSELECT 1\n", "bad error regexp"},
		{"frobnicate\n", "unknown record"},
		{"skipif postgresql\nconnection a\n", "skipif/onlyif before"},
		{"protocol binary\n", "usage: protocol"},
	} {
		_, err := ParseSLT("x.slt", tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseSLT(%q) = %v, want error containing %q", tc.in, err, tc.want)
		}
	}
}

func TestParseSLT(t *testing.T) {
	f, err := ParseSLT("p.slt", "# freshet-only\n\nquery IT colnames,rowsort retry\nSELECT 1,\n# inner comment\n  'a'\n----\n1 a\n\nstatement error pgcode 42601 syntax error at .*\nSELEC\n")
	if err != nil {
		t.Fatal(err)
	}
	if !f.FreshetOnly || len(f.Records) != 2 {
		t.Fatalf("FreshetOnly=%v records=%d", f.FreshetOnly, len(f.Records))
	}
	q := f.Records[0]
	if q.Kind != Query || q.Types != "IT" || q.Sort != RowSort || !q.ColNames || !q.Retry || q.Simple ||
		q.SQL != "SELECT 1,\n  'a'" || !slices.Equal(q.Expected, []string{"1 a"}) || q.Line != 3 {
		t.Errorf("query record = %+v", q)
	}
	s := f.Records[1]
	if s.Kind != Statement || !s.ExpectError || s.ErrCode != "42601" || s.ErrRegexp.String() != "syntax error at .*" {
		t.Errorf("statement record = %+v", s)
	}
}

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		v    []byte
		typ  byte
		slt  string
		sqlt string
	}{
		{nil, 'T', "NULL", "NULL"},
		{[]byte{}, 'T', "·", "(empty)"},
		{[]byte("a\tb\xc3\xa9"), 'T', "a\tb\xc3\xa9", "a@b@@"},
		{[]byte("42"), 'I', "42", "42"},
		{[]byte("-2.7"), 'I', "-2.7", "-2"},
		{[]byte("t"), 'I', "t", "1"},
		{[]byte("12abc"), 'I', "12abc", "12"},
		{[]byte("abc"), 'I', "abc", "0"},
		{[]byte("0.0625"), 'R', "0.063", "0.062"}, // SQLite rounds exact halves to even, as printf does
		{[]byte("1"), 'R', "1.000", "1.000"},
		{[]byte("-0.0004"), 'R', "-0.000", "-0.000"},
		{[]byte("0.1234567"), 'F', "0.123457", "0.1234567"},
	} {
		if got := renderSLT(tc.v, tc.typ); got != tc.slt {
			t.Errorf("renderSLT(%q, %c) = %q, want %q", tc.v, tc.typ, got, tc.slt)
		}
		if got := renderSQLite(tc.v, tc.typ); got != tc.sqlt {
			t.Errorf("renderSQLite(%q, %c) = %q, want %q", tc.v, tc.typ, got, tc.sqlt)
		}
	}
	if got, want := hashValues([]string{"1", "3"}), "2 values hashing to 0a88863510308751293f4b91afc07dd6"; got != want {
		t.Errorf("hashValues = %q, want %q", got, want)
	}
}

// knownList is the set of SQLite corpus records known to fail, as
// "file:line" with file relative to -slt-dir.
type knownList map[string]bool

func readKnown(t *testing.T) knownList {
	known := knownList{}
	f, err := os.Open(knownFailures)
	if os.IsNotExist(err) {
		return known
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		known[l] = true
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return known
}

func writeKnown(t *testing.T, known knownList) {
	keys := make([]string, 0, len(known))
	for k := range known {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		fi, li, _ := strings.Cut(keys[i], ":")
		fj, lj, _ := strings.Cut(keys[j], ":")
		if fi != fj {
			return fi < fj
		}
		a, _ := strconv.Atoi(li)
		b, _ := strconv.Atoi(lj)
		return a < b
	})
	var b strings.Builder
	b.WriteString("# Records of the SQLite sqllogictest corpus (../shared/sqllogictest) that\n")
	b.WriteString("# Freshet is known to fail, as file:line of the record's header. TestSQLite\n")
	b.WriteString("# fails on any other failing record. Regenerate with\n")
	b.WriteString("#   go test ./server/logictest -run TestSQLite -rewrite-known\n")
	b.WriteString("# and review the diff: removed lines are fixes, added lines are regressions.\n")
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(knownFailures, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// sqliteFiles expands -slt-files under -slt-dir.
func sqliteFiles(t *testing.T) []string {
	if _, err := os.Stat(*flagSLTDir); err != nil {
		msg := fmt.Sprintf("sqllogictest corpus not found at %s (the repository's ../shared): %v", *flagSLTDir, err)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	var files []string
	for _, g := range strings.Split(*flagSLTFiles, ",") {
		matches, err := filepath.Glob(filepath.Join(*flagSLTDir, strings.TrimSpace(g)))
		if err != nil {
			t.Fatal(err)
		}
		if len(matches) == 0 {
			t.Fatalf("-slt-files: %s matches nothing in %s", g, *flagSLTDir)
		}
		files = append(files, matches...)
	}
	return files
}

// TestSQLite runs files of SQLite's sqllogictest corpus against Freshet and
// fails on records that fail and are not in the known-failures list.
func TestSQLite(t *testing.T) {
	if *flagPG {
		t.Skip("-pg: running against PostgreSQL only")
	}
	files := sqliteFiles(t)
	known := readKnown(t)
	var mu sync.Mutex
	failing := map[string][]string{} // file → "file:line" of failing records
	summary := map[string]Result{}
	t.Run("files", func(t *testing.T) {
		for _, path := range files {
			rel, err := filepath.Rel(*flagSLTDir, path)
			if err != nil {
				t.Fatal(err)
			}
			rel = filepath.ToSlash(rel)
			t.Run(rel, func(t *testing.T) {
				t.Parallel()
				f := parseFile(t, path, SQLite)
				f.Path = rel
				res, err := newRunner(startFreshet(t), "mysql").Run(context.Background(), f, SQLite)
				if err != nil {
					t.Fatal(err)
				}
				var regressions []Failure
				var keys []string
				for _, fl := range res.Failures {
					key := fmt.Sprintf("%s:%d", rel, fl.Line)
					keys = append(keys, key)
					if *flagSLTStrict || !known[key] {
						regressions = append(regressions, fl)
					}
				}
				mu.Lock()
				failing[rel] = keys
				summary[rel] = res
				mu.Unlock()
				t.Logf("%s: %d passed, %d failed (%d not in the known list), %d skipped",
					rel, res.Passed, res.Failed, len(regressions), res.Skipped)
				if *flagRewriteKnown {
					return
				}
				for i, fl := range regressions {
					if i == maxReportedFail {
						t.Errorf("... and %d more failing records", len(regressions)-i)
						break
					}
					t.Error(fl)
				}
			})
		}
	})
	var names []string
	for n := range summary {
		names = append(names, n)
	}
	sort.Strings(names)
	var total Result
	for _, n := range names {
		r := summary[n]
		total.Passed += r.Passed
		total.Failed += r.Failed
		total.Skipped += r.Skipped
	}
	t.Logf("sqllogictest: %d files, %d passed, %d failed, %d skipped", len(names), total.Passed, total.Failed, total.Skipped)

	// Known failures of the files that ran and now pass.
	fixed := 0
	for k := range known {
		file, _, _ := strings.Cut(k, ":")
		if _, ran := failing[file]; ran && !slices.Contains(failing[file], k) {
			fixed++
		}
	}
	if fixed > 0 && !*flagRewriteKnown {
		t.Logf("%d records of %s now pass; shrink the list with -rewrite-known", fixed, knownFailures)
	}
	if *flagRewriteKnown {
		for k := range known {
			file, _, _ := strings.Cut(k, ":")
			if _, ran := failing[file]; ran {
				delete(known, k)
			}
		}
		for _, keys := range failing {
			for _, k := range keys {
				known[k] = true
			}
		}
		writeKnown(t, known)
		t.Logf("wrote %s (%d records)", knownFailures, len(known))
	}
}

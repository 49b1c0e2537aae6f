package server_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/freshet-db/freshet/internal/testpg"
)

var (
	seedFlag = flag.Uint64("seed", 0, "seed for the differential test (0: random)")
	txnsFlag = flag.Int("txns", 250, "random transactions per differential run")
)

// The differential test is the definition of correctness (DESIGN.md §1)
// made executable: random materialized views over random tables, random
// INSERT/UPDATE/DELETE transactions sent to Freshet and to a real
// PostgreSQL alike, and after every few transactions each view must equal
// (a) its defining query evaluated from scratch by Freshet, and (b) the same
// query evaluated by Postgres. Statements must also fail alike (same
// SQLSTATE) on both.
func TestDifferentialViewsAgainstPostgres(t *testing.T) {
	pg := testpg.Start(t)
	seed := *seedFlag
	if seed == 0 {
		if s, err := strconv.ParseUint(os.Getenv("FRESHET_SEED"), 10, 64); err == nil {
			seed = s
		} else {
			seed = uint64(time.Now().UnixNano())
		}
	}
	for round := range 3 {
		s := seed + uint64(round)
		t.Run(fmt.Sprintf("seed=%d", s), func(t *testing.T) {
			defer func() {
				if t.Failed() {
					t.Logf("reproduce with: go test ./server -run TestDifferentialViewsAgainstPostgres -seed %d", s)
				}
			}()
			runDifferential(t, pg, s, *txnsFlag)
		})
	}
}

type diffEnv struct {
	t     *testing.T
	rng   *rand.Rand
	fr    *pgx.Conn // Freshet
	pg    *pgx.Conn // Postgres
	views map[string]string
}

var diffSchema = []string{
	`CREATE TABLE t1 (id BIGINT PRIMARY KEY, k INT, v INT, s TEXT, n NUMERIC(10,2))`,
	`CREATE TABLE t2 (id BIGINT PRIMARY KEY, k INT, w INT NOT NULL, cat TEXT)`,
}

// t1Preds are filters over t1 (unqualified columns), chosen to exercise
// NULLs and three-valued logic.
var t1Preds = []string{
	"v > 3", "v IS NULL", "s <> 'a'", "k IN (1, 2)", "n > 0 OR v < 2", "COALESCE(v, 0) % 2 = 0",
	"NOT (s = 'b')", "s LIKE 'a%'", "v BETWEEN 2 AND 10", "CASE WHEN k > 2 THEN v ELSE -v END > 0",
	"k IS NOT NULL AND v <> k", "TRUE",
}

// viewTemplates are the defining queries; %[1]s is a t1 predicate, and
// %[2]s one qualified with t1.
var viewTemplates = []string{
	`SELECT k, COUNT(*) AS c, COUNT(v) AS cv, SUM(v) AS sv, MIN(v) AS mn, MAX(v) AS mx, SUM(n) AS sn FROM t1 WHERE %[1]s GROUP BY k`,
	`SELECT t1.k, t2.cat, COUNT(*) AS c, SUM(t1.v * t2.w) AS s, MAX(t1.s) AS ms FROM t1 JOIN t2 ON t1.k = t2.k WHERE %[2]s GROUP BY t1.k, t2.cat`,
	`SELECT DISTINCT s, k FROM t1 WHERE %[1]s`,
	`SELECT k, COUNT(DISTINCT s) AS ds, MIN(s) AS mins FROM t1 GROUP BY k HAVING COUNT(*) > 1`,
	`SELECT id, k, v + 1 AS v1, s || '!' AS s2 FROM t1 WHERE %[1]s UNION ALL SELECT id, k, w, cat FROM t2`,
	`SELECT COUNT(*) AS c, SUM(v) AS sv, MIN(n) AS mn, MAX(n) AS mx FROM t1 WHERE %[1]s`,
	`SELECT t1.id, t2.id AS id2, t3.id AS id3 FROM t1 JOIN t2 ON t1.k = t2.k JOIN t1 AS t3 ON t3.v = t2.w WHERE %[2]s`,
	`SELECT cat, SUM(w) AS sw, ROUND(AVG(w), 4) AS aw, COUNT(k) AS ck FROM t2 GROUP BY cat`,
	`WITH x AS (SELECT k, SUM(v) AS sv FROM t1 WHERE %[1]s GROUP BY k) SELECT x.k, x.sv, t2.cat FROM x JOIN t2 ON x.k = t2.k`,
	`SELECT d.k, COUNT(*) AS c FROM (SELECT DISTINCT k, s FROM t1) AS d GROUP BY d.k`,
	`SELECT t1.s, t2.cat FROM t1, t2 WHERE t1.k = t2.k AND t2.w > t1.v AND %[2]s`,
	`SELECT id, CASE WHEN v IS NULL THEN 'none' WHEN v > 10 THEN 'big' ELSE 'small' END AS size, NULLIF(k, 0) AS nk, n * 2 AS n2 FROM t1 WHERE %[1]s`,
	// Beyond the foundation: outer joins, subqueries, set operations and
	// Top-K inside views.
	`SELECT t1.id, t2.id AS id2, t2.cat FROM t1 LEFT JOIN t2 ON t1.k = t2.k WHERE %[2]s`,
	`SELECT t2.id, t1.id AS id1 FROM t1 RIGHT JOIN t2 ON t1.k = t2.k AND t1.v > t2.w`,
	`SELECT id, s FROM t1 WHERE k IN (SELECT k FROM t2 WHERE w > 3) AND %[1]s`,
	`SELECT id FROM t1 WHERE NOT EXISTS (SELECT 1 FROM t2 WHERE t2.k = t1.k) AND %[1]s`,
	`SELECT t2.id, (SELECT COUNT(*) FROM t1 WHERE t1.k = t2.k) AS n FROM t2`,
	`SELECT k FROM t1 WHERE %[1]s EXCEPT SELECT k FROM t2`,
	`SELECT k, s FROM t1 INTERSECT ALL SELECT k, cat FROM t2`,
	`SELECT id, v FROM t1 WHERE v IS NOT NULL ORDER BY v DESC, id LIMIT 5`,
}

func runDifferential(t *testing.T, pgSrv *testpg.Server, seed uint64, txns int) {
	ctx := context.Background()
	fs := startServer(t, "")
	e := &diffEnv{t: t, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		fr: connect(t, fs.PGAddr()), views: map[string]string{}}
	// A fresh database per run keeps runs independent.
	db := fmt.Sprintf("diff_%d", seed%1_000_000_007)
	admin, err := pgx.Connect(ctx, pgSrv.ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+db); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+db); err != nil {
		t.Fatal(err)
	}
	cfg, err := pgx.ParseConfig(pgSrv.ConnString())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Database = db
	if e.pg, err = pgx.ConnectConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	defer e.pg.Close(ctx)

	for _, ddl := range diffSchema {
		e.both(ddl)
	}
	// Seed some rows so views start non-empty, then create the views.
	for range 20 {
		e.both(e.randomInsert())
	}
	perm := e.rng.Perm(len(viewTemplates))
	for i, ti := range perm[:8] {
		p := t1Preds[e.rng.IntN(len(t1Preds))]
		q := strings.NewReplacer("%[1]s", p, "%[2]s", qualify(p, "t1")).Replace(viewTemplates[ti])
		name := fmt.Sprintf("v%d", i)
		e.views[name] = q
		mustExec(t, e.fr, fmt.Sprintf("CREATE MATERIALIZED VIEW %s AS %s", name, q))
	}
	// A view over a view.
	e.views["vv"] = "SELECT k, c FROM v_base WHERE c > 1"
	mustExec(t, e.fr, "CREATE MATERIALIZED VIEW v_base AS "+strings.ReplaceAll(viewTemplates[0], "%[1]s", "TRUE"))
	mustExec(t, e.fr, "CREATE MATERIALIZED VIEW vv AS SELECT k, c FROM v_base WHERE c > 1")
	e.check()

	for i := range txns {
		e.randomTxn()
		if i%5 == 4 {
			e.check()
		}
	}
	e.check()
}

// qualify prefixes the column names of a t1 predicate with a table alias.
func qualify(pred, alias string) string {
	fields := strings.FieldsFunc(pred, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r == '_') })
	out := pred
	for _, f := range fields {
		switch f {
		case "k", "v", "s", "n", "id":
			out = replaceWord(out, f, alias+"."+f)
		}
	}
	return out
}

func replaceWord(s, word, with string) string {
	var sb strings.Builder
	inStr := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch == '\'' {
			inStr = !inStr
		}
		isWord := func(j int) bool {
			return j >= 0 && j < len(s) && (s[j] >= 'a' && s[j] <= 'z' || s[j] == '_' || s[j] == '.')
		}
		if !inStr && strings.HasPrefix(s[i:], word) && !isWord(i-1) && !isWord(i+len(word)) {
			sb.WriteString(with)
			i += len(word) - 1
			continue
		}
		sb.WriteByte(ch)
	}
	return sb.String()
}

// both runs a statement on Freshet and on Postgres and requires the same
// outcome: success on both, or the same SQLSTATE.
func (e *diffEnv) both(sql string) bool {
	e.t.Helper()
	ctx := context.Background()
	_, ferr := e.fr.Exec(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	_, perr := e.pg.Exec(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if code(ferr) != code(perr) {
		e.t.Fatalf("%s\n freshet: %v\n postgres: %v", sql, ferr, perr)
	}
	return ferr == nil
}

func code(err error) string {
	if err == nil {
		return ""
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return "client: " + err.Error()
}

func (e *diffEnv) val(nullPct int, gen func() string) string {
	if e.rng.IntN(100) < nullPct {
		return "NULL"
	}
	return gen()
}

func (e *diffEnv) kVal() string {
	return e.val(10, func() string { return strconv.Itoa(e.rng.IntN(5)) })
}
func (e *diffEnv) vVal() string {
	return e.val(15, func() string { return strconv.Itoa(e.rng.IntN(26) - 5) })
}
func (e *diffEnv) sVal() string {
	return e.val(10, func() string { return []string{"'a'", "'b'", "'c'", "''", "'ab'"}[e.rng.IntN(5)] })
}
func (e *diffEnv) nVal() string {
	return e.val(10, func() string { return fmt.Sprintf("%d.%02d", e.rng.IntN(201)-100, e.rng.IntN(100)) })
}
func (e *diffEnv) catVal() string {
	return e.val(10, func() string { return []string{"'x'", "'y'", "'z'"}[e.rng.IntN(3)] })
}

func (e *diffEnv) randomInsert() string {
	if e.rng.IntN(3) == 0 {
		return fmt.Sprintf("INSERT INTO t2 VALUES (%d, %s, %d, %s)", e.rng.IntN(40), e.kVal(), e.rng.IntN(11), e.catVal())
	}
	n := 1 + e.rng.IntN(3)
	rows := make([]string, n)
	for i := range rows {
		rows[i] = fmt.Sprintf("(%d, %s, %s, %s, %s)", e.rng.IntN(60), e.kVal(), e.vVal(), e.sVal(), e.nVal())
	}
	return "INSERT INTO t1 VALUES " + strings.Join(rows, ", ")
}

func (e *diffEnv) randomStatement() string {
	switch e.rng.IntN(9) {
	case 0, 1, 2:
		return e.randomInsert()
	case 3:
		return fmt.Sprintf("UPDATE t1 SET v = v + %d WHERE k = %d", e.rng.IntN(5)-2, e.rng.IntN(5))
	case 4:
		return fmt.Sprintf("UPDATE t1 SET k = %s, s = %s WHERE id = %d", e.kVal(), e.sVal(), e.rng.IntN(60))
	case 5:
		return fmt.Sprintf("UPDATE t2 SET cat = %s, w = w + 1 WHERE id %% 4 = %d", e.catVal(), e.rng.IntN(4))
	case 6:
		return fmt.Sprintf("DELETE FROM t1 WHERE id = %d OR v = %d", e.rng.IntN(60), e.rng.IntN(20))
	case 7:
		return fmt.Sprintf("DELETE FROM t2 WHERE k = %d", e.rng.IntN(5))
	default:
		return fmt.Sprintf("UPDATE t1 SET n = n * 2, id = id + 100 WHERE id = %d", e.rng.IntN(60))
	}
}

func (e *diffEnv) randomTxn() {
	if e.rng.IntN(10) < 7 {
		e.both(e.randomStatement())
		return
	}
	e.both("BEGIN")
	for range 2 + e.rng.IntN(3) {
		e.both(e.randomStatement())
	}
	if e.rng.IntN(5) == 0 {
		e.both("ROLLBACK")
	} else {
		e.both("COMMIT")
	}
}

// check compares every view with its query evaluated from scratch by
// Freshet and by Postgres.
func (e *diffEnv) check() {
	e.t.Helper()
	names := make([]string, 0, len(e.views))
	for n := range e.views {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		q := e.views[name]
		view := rows(e.t, e.fr, "SELECT * FROM "+name)
		scratch := rows(e.t, e.fr, q)
		pgq := strings.ReplaceAll(q, "FROM v_base", "FROM ("+strings.ReplaceAll(viewTemplates[0], "%[1]s", "TRUE")+") AS v_base")
		want, err := queryText(e.pg, pgq)
		if err != nil {
			e.t.Fatalf("postgres: %s: %v", pgq, err)
		}
		if !slices.Equal(view, want) {
			e.t.Fatalf("view %s = %s\nmaintained: %q\npostgres:   %q", name, q, view, want)
		}
		if !slices.Equal(scratch, want) {
			e.t.Fatalf("query %s\nfreshet from scratch: %q\npostgres:             %q", q, scratch, want)
		}
	}
}

package postgres

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestRandomized runs seeded random transactions of INSERT, UPDATE (also
// of the key), DELETE and the odd TRUNCATE over tables with each kind of
// replica identity, while the source is restarted from its durable
// position and its connection killed now and then. After catching up,
// every table must equal upstream and no change may have applied twice.
func TestRandomized(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	e := newEnv(t)
	e.exec(`CREATE TABLE r1 (id int PRIMARY KEY, v int, s text)`)
	e.exec(`CREATE TABLE r2 (id int PRIMARY KEY, v text)`)
	e.exec(`ALTER TABLE r2 REPLICA IDENTITY FULL`)
	e.exec(`CREATE TABLE r3 (a int, b int)`)
	e.exec(`ALTER TABLE r3 REPLICA IDENTITY FULL`)
	e.exec(`CREATE PUBLICATION pub FOR TABLE r1, r2, r3`)
	e.exec(`INSERT INTO r1 SELECT i, i, 's' || i FROM generate_series(1, 100) i`)
	e.exec(`INSERT INTO r2 SELECT i, 'v' || i FROM generate_series(1, 100) i`)
	e.exec(`INSERT INTO r3 SELECT i % 7, i % 3 FROM generate_series(1, 50) i`)

	cfg := e.testConfig()
	s := e.newSource(cfg)
	schemas := discover(t, s)
	w := newMemWriter(schemas)
	r := start(t, s, w, nil)
	waitFor(t, "snapshot", func() bool { return w.numCommits() == 1 })

	nextID := 1000
	pick := func(tbl string) string {
		return fmt.Sprintf("(SELECT id FROM %s ORDER BY id LIMIT 1 OFFSET %d %% greatest((SELECT count(*) FROM %s), 1))", tbl, rng.IntN(1000), tbl)
	}
	pickCtid := func() string {
		return fmt.Sprintf("(SELECT ctid FROM r3 ORDER BY a, b, ctid LIMIT 1 OFFSET %d %% greatest((SELECT count(*) FROM r3), 1))", rng.IntN(1000))
	}
	op := func() string {
		tbl := []string{"r1", "r2", "r3"}[rng.IntN(3)]
		k := rng.IntN(100)
		switch {
		case k < 35:
			nextID++
			switch tbl {
			case "r1":
				return fmt.Sprintf("INSERT INTO r1 VALUES (%d, %d, '%s')", nextID, rng.IntN(100), strings.Repeat("x", rng.IntN(20)))
			case "r2":
				return fmt.Sprintf("INSERT INTO r2 VALUES (%d, 'n%d')", nextID, rng.IntN(100))
			}
			return fmt.Sprintf("INSERT INTO r3 VALUES (%d, %d)", rng.IntN(7), rng.IntN(3))
		case k < 60:
			switch tbl {
			case "r1":
				return "UPDATE r1 SET v = v + 1, s = s || 'u' WHERE id = " + pick("r1")
			case "r2":
				return "UPDATE r2 SET v = v || 'u' WHERE id = " + pick("r2")
			}
			return "UPDATE r3 SET b = b + 1 WHERE ctid = " + pickCtid()
		case k < 75 && tbl != "r3":
			nextID++
			return fmt.Sprintf("UPDATE %s SET id = %d WHERE id = %s", tbl, nextID, pick(tbl))
		case k < 98:
			if tbl == "r3" {
				return "DELETE FROM r3 WHERE ctid = " + pickCtid()
			}
			return fmt.Sprintf("DELETE FROM %s WHERE id = %s", tbl, pick(tbl))
		}
		return "TRUNCATE " + tbl
	}

	const txns = 300
	for i := 0; i < txns; i++ {
		n := 1 + rng.IntN(5)
		stmts := make([]string, n)
		for j := range stmts {
			stmts[j] = op()
		}
		e.exec("BEGIN; " + strings.Join(stmts, "; ") + "; COMMIT")
		switch rng.IntN(60) {
		case 0: // crash and restart from the durable position
			if err := r.stop(t); err != nil {
				t.Fatal(err)
			}
			s = e.newSource(cfg)
			s.knobs.noFinalStatus = rng.IntN(2) == 0
			discover(t, s)
			r = start(t, s, w, w.position())
		case 1: // connection killed
			e.exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_replication WHERE application_name = 'freshet'`)
		}
	}
	for i, sc := range schemas {
		e.waitEqual(w, i, []string{"r1", "r2", "r3"}[i], sc, nil)
	}
	w.check(t)
	t.Logf("%d commits", w.numCommits())
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
)

// TestTransactionIsOneCommit checks that each upstream transaction, across
// tables, arrives as exactly one Commit holding all of its changes.
func TestTransactionIsOneCommit(t *testing.T) {
	e := newEnv(t)
	e.exec(`CREATE TABLE a (id int PRIMARY KEY, v text)`)
	e.exec(`CREATE TABLE b (id int PRIMARY KEY, v text)`)
	e.exec(`CREATE TABLE unpublished (id int PRIMARY KEY)`)
	e.exec(`CREATE PUBLICATION pub FOR TABLE a, b`)
	s := e.newSource(e.testConfig())
	schemas := discover(t, s)
	w := newMemWriter(schemas)
	start(t, s, w, nil)
	waitFor(t, "snapshot", func() bool { return w.numCommits() == 1 })

	e.exec(`BEGIN;
INSERT INTO a VALUES (1, 'x'), (2, 'y');
INSERT INTO unpublished VALUES (1);
INSERT INTO b VALUES (10, 'z');
UPDATE a SET v = 'x2' WHERE id = 1;
DELETE FROM a WHERE id = 2;
COMMIT`)
	e.exec(`INSERT INTO unpublished VALUES (2)`) // no commit for this one
	e.exec(`INSERT INTO b VALUES (11, 'w')`)
	waitFor(t, "two commits", func() bool { return w.numCommits() >= 3 })
	time.Sleep(200 * time.Millisecond)
	w.check(t)
	if n := w.numCommits(); n != 3 {
		t.Fatalf("%d commits, want 3 (snapshot + 2 transactions)", n)
	}
	c := w.commits[1]
	if len(c.writes) != 2 || c.writes[0].Table != 0 || c.writes[1].Table != 1 {
		t.Fatalf("first transaction writes = %+v", c.writes)
	}
	var got []string
	for _, u := range c.writes[0].Updates {
		got = append(got, rowText(u.Row)+" "+diffText(int64(u.Diff)))
	}
	want := []string{"1|x +1", "2|y +1", "1|x -1", "1|x2 +1", "2|y -1"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("updates of a = %v, want %v", got, want)
	}
	if len(c.writes[1].Updates) != 1 {
		t.Errorf("updates of b = %v", c.writes[1].Updates)
	}
	e.waitEqual(w, 0, "a", schemas[0], nil)
	e.waitEqual(w, 1, "b", schemas[1], nil)
	st := s.State()
	w.mu.Lock()
	last := w.last
	w.mu.Unlock()
	if st.State != "running" || st.Confirmed != last.String() || st.Upstream == "" || st.LagBytes < 0 || st.Errors != 0 {
		t.Errorf("State() = %+v, want running and confirmed at %s", st, last)
	}
}

// TestWriterError: a failing Commit ends Run with that error, and the slot
// is not confirmed past the last successful Commit.
func TestWriterError(t *testing.T) {
	e := newEnv(t)
	e.exec(`CREATE TABLE a (id int PRIMARY KEY)`)
	e.exec(`CREATE PUBLICATION pub FOR TABLE a`)
	s := e.newSource(e.testConfig())
	w := newMemWriter(discover(t, s))
	boom := errors.New("disk full")
	w.hook = func(n int, _ []connector.Write, _ connector.Position) error {
		if n == 2 {
			return boom
		}
		return nil
	}
	r := start(t, s, w, nil)
	waitFor(t, "snapshot", func() bool { return w.numCommits() == 1 })
	e.exec(`INSERT INTO a VALUES (1)`)
	e.exec(`INSERT INTO a VALUES (2)`)
	err := r.wait(t, 30*time.Second)
	if !errors.Is(err, boom) {
		t.Fatalf("Run = %v, want the writer's error", err)
	}
	if st := s.State(); st.State != "failed" || !strings.Contains(st.Reason, "disk full") {
		t.Errorf("State() = %+v", st)
	}
	slot := e.queryString(`SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = $1`, s.cfg.Slot)
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.durable[slot] {
		t.Errorf("slot confirmed %s, not a durable position", slot)
	}
}

func rowText(r datum.Row) string {
	parts := make([]string, len(r))
	for i, d := range r {
		parts[i] = datum.FormatText(d)
	}
	return strings.Join(parts, "|")
}

func diffText(d int64) string {
	if d > 0 {
		return "+1"
	}
	return "-1"
}

// TestChangeKinds covers UPDATE under REPLICA IDENTITY DEFAULT and FULL,
// key-changing updates, DELETE, TRUNCATE (alone and inside a transaction
// with other changes), changes to rows written earlier in the same
// transaction, and unchanged TOASTed values.
func TestChangeKinds(t *testing.T) {
	e := newEnv(t)
	e.exec(`CREATE TABLE dflt (id int PRIMARY KEY, v text, big text)`)
	e.exec(`CREATE TABLE full_pk (id int PRIMARY KEY, v text, big text)`)
	e.exec(`ALTER TABLE full_pk REPLICA IDENTITY FULL`)
	e.exec(`CREATE TABLE full_nopk (a int, b text)`)
	e.exec(`ALTER TABLE full_nopk REPLICA IDENTITY FULL`)
	e.exec(`CREATE TABLE comp (k1 int, k2 text, v int, PRIMARY KEY (k2, k1))`)
	e.exec(`CREATE PUBLICATION pub FOR TABLE dflt, full_pk, full_nopk, comp`)
	// A value far larger than the TOAST threshold, hardly compressible.
	const bigExpr = `(SELECT string_agg(md5(i::text || $1::text), '') FROM generate_series(1, 600) i)`
	for i, tbl := range []string{"dflt", "full_pk"} {
		for id := 1; id <= 5; id++ {
			e.exec(`INSERT INTO `+tbl+` VALUES ($2, 'v', `+bigExpr+`)`, fmt.Sprint(id), i*10+id)
		}
	}
	e.exec(`INSERT INTO full_nopk VALUES (1, 'a'), (1, 'a'), (2, 'b')`)
	e.exec(`INSERT INTO comp VALUES (1, 'x', 1), (2, 'x', 2)`)

	s := e.newSource(e.testConfig())
	schemas := discover(t, s)
	if got := schemas[0].Name; got != "comp" {
		t.Fatalf("first table %q, want comp (tables sort by name)", got)
	}
	if pk := schemas[0].PrimaryKey; len(pk) != 2 || pk[0] != 1 || pk[1] != 0 {
		t.Errorf("comp primary key = %v, want [1 0] (k2, k1)", pk)
	}
	w := newMemWriter(schemas)
	start(t, s, w, nil)
	waitFor(t, "snapshot", func() bool { return w.numCommits() == 1 })

	for _, tbl := range []string{"dflt", "full_pk"} {
		// Non-key update leaving the TOASTed column unchanged.
		e.exec(`UPDATE ` + tbl + ` SET v = 'updated' WHERE id % 10 = 1`)
		// Key-changing update, also leaving it unchanged.
		e.exec(`UPDATE ` + tbl + ` SET id = id + 100 WHERE id % 10 = 2`)
		e.exec(`DELETE FROM ` + tbl + ` WHERE id % 10 = 3`)
		// Changes to rows written earlier in the same transaction.
		e.exec(`BEGIN;
INSERT INTO ` + tbl + ` VALUES (50, 'fresh', 'small');
UPDATE ` + tbl + ` SET v = 'fresh2' WHERE id = 50;
UPDATE ` + tbl + ` SET id = 51 WHERE id = 50;
UPDATE ` + tbl + ` SET v = 'twice' WHERE id % 10 = 4;
UPDATE ` + tbl + ` SET v = 'twice2' WHERE id % 10 = 4;
DELETE FROM ` + tbl + ` WHERE id % 10 = 5;
INSERT INTO ` + tbl + ` SELECT id + 1000, v, big FROM ` + tbl + ` WHERE id % 10 = 1;
COMMIT`)
	}
	e.exec(`UPDATE full_nopk SET b = 'c' WHERE a = 2`)
	e.exec(`DELETE FROM full_nopk WHERE ctid = (SELECT min(ctid) FROM full_nopk WHERE a = 1)`)
	e.exec(`UPDATE comp SET k2 = 'y' WHERE k1 = 1`)
	e.exec(`UPDATE comp SET v = 20 WHERE k1 = 2`)
	for i, sc := range schemas {
		e.waitEqual(w, i, sc.Name, sc, nil)
	}
	if n := s.stats.toastFilled.Load(); n == 0 {
		t.Error("no unchanged TOASTed value was filled in; the test did not exercise it")
	}

	// TRUNCATE: alone, and between other changes of one transaction.
	e.exec(`TRUNCATE full_nopk`)
	e.exec(`BEGIN;
INSERT INTO dflt VALUES (200, 'gone', 'x');
UPDATE dflt SET v = 'gone too' WHERE id = 101;
TRUNCATE dflt;
INSERT INTO dflt VALUES (201, 'kept', 'y');
UPDATE dflt SET v = 'kept2' WHERE id = 201;
COMMIT`)
	e.exec(`BEGIN; INSERT INTO comp VALUES (9, 'z', 9); TRUNCATE comp; TRUNCATE comp; INSERT INTO comp VALUES (9, 'z', 10); COMMIT`)
	for i, sc := range schemas {
		e.waitEqual(w, i, sc.Name, sc, nil)
	}
	w.check(t)
	if n := s.stats.missingOld.Load(); n != 0 {
		t.Errorf("%d changes had no old row", n)
	}
}

// TestTruncateWithoutTruncateWriter: a writer that cannot list rows makes
// TRUNCATE a definite, clearly worded error.
func TestTruncateWithoutTruncateWriter(t *testing.T) {
	e := newEnv(t)
	e.exec(`CREATE TABLE a (id int PRIMARY KEY)`)
	e.exec(`CREATE PUBLICATION pub FOR TABLE a`)
	s := e.newSource(e.testConfig())
	w := newMemWriter(discover(t, s))
	r := start(t, s, noTruncWriter{w}, nil)
	waitFor(t, "snapshot", func() bool { return w.numCommits() == 1 })
	e.exec(`INSERT INTO a VALUES (1)`)
	e.exec(`TRUNCATE a`)
	err := r.wait(t, 30*time.Second)
	if !IsDefinite(err) || sqlerr.GetCode(err) != sqlerr.FeatureNotSupported || !strings.Contains(err.Error(), `TRUNCATE of replicated table "public"."a"`) {
		t.Fatalf("Run returned %v", err)
	}
	if st := s.State(); st.State != "failed" || st.Errors == 0 {
		t.Errorf("State() = %+v", st)
	}
	if w.numCommits() != 2 {
		t.Errorf("%d commits, want 2: the insert but not the truncating transaction", w.numCommits())
	}
}

// TestDefiniteErrors: incompatible upstream changes stop the source with
// an error instead of retrying forever.
func TestDefiniteErrors(t *testing.T) {
	t.Run("column added", func(t *testing.T) {
		e := newEnv(t)
		e.exec(`CREATE TABLE a (id int PRIMARY KEY, v text)`)
		e.exec(`CREATE PUBLICATION pub FOR TABLE a`)
		s := e.newSource(e.testConfig())
		w := newMemWriter(discover(t, s))
		r := start(t, s, w, nil)
		waitFor(t, "snapshot", func() bool { return w.numCommits() == 1 })
		e.exec(`INSERT INTO a VALUES (1, 'x')`)
		e.exec(`ALTER TABLE a ADD COLUMN extra int`)
		e.exec(`INSERT INTO a VALUES (2, 'y', 3)`)
		err := r.wait(t, 30*time.Second)
		if !IsDefinite(err) || !strings.Contains(err.Error(), `the schema of upstream table "public"."a" changed incompatibly`) {
			t.Fatalf("Run returned %v", err)
		}
		if w.numCommits() != 2 {
			t.Errorf("%d commits, want 2", w.numCommits())
		}
	})
	t.Run("publication dropped", func(t *testing.T) {
		e := newEnv(t)
		e.exec(`CREATE TABLE a (id int PRIMARY KEY)`)
		e.exec(`CREATE PUBLICATION pub FOR TABLE a`)
		s := e.newSource(e.testConfig())
		w := newMemWriter(discover(t, s))
		r := start(t, s, w, nil)
		waitFor(t, "snapshot", func() bool { return w.numCommits() == 1 })
		e.exec(`DROP PUBLICATION pub`)
		e.exec(`INSERT INTO a VALUES (1)`)
		err := r.wait(t, 30*time.Second)
		if !IsDefinite(err) || !strings.Contains(err.Error(), `publication "pub" does not exist`) {
			t.Fatalf("Run returned %v", err)
		}
	})
	t.Run("slot dropped", func(t *testing.T) {
		e := newEnv(t)
		e.exec(`CREATE TABLE a (id int PRIMARY KEY)`)
		e.exec(`CREATE PUBLICATION pub FOR TABLE a`)
		cfg := e.testConfig()
		s := e.newSource(cfg)
		w := newMemWriter(discover(t, s))
		r := start(t, s, w, nil)
		waitFor(t, "snapshot", func() bool { return w.numCommits() == 1 })
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.DropSlot(ctx); err != nil {
			t.Fatal(err)
		}
		if n := e.queryString(`SELECT count(*)::text FROM pg_replication_slots WHERE slot_name = $1`, s.cfg.Slot); n != "0" {
			t.Fatalf("slot still exists after DropSlot")
		}
		s2 := e.newSource(cfg)
		err := s2.Run(ctx, w, w.position())
		if !IsDefinite(err) || sqlerr.GetCode(err) != sqlerr.UndefinedObject {
			t.Fatalf("Run returned %v", err)
		}
	})
}

// TestIdleAdvance: when only unreplicated tables change, the slot still
// advances, through empty durable commits.
func TestIdleAdvance(t *testing.T) {
	e := newEnv(t)
	e.exec(`CREATE TABLE a (id int PRIMARY KEY)`)
	e.exec(`CREATE TABLE noise (id int)`)
	e.exec(`CREATE PUBLICATION pub FOR TABLE a`)
	cfg := e.testConfig()
	cfg.IdleAdvance = 100 * time.Millisecond
	s := e.newSource(cfg)
	w := newMemWriter(discover(t, s))
	start(t, s, w, nil)
	waitFor(t, "snapshot", func() bool { return w.numCommits() == 1 })
	e.exec(`INSERT INTO noise SELECT generate_series(1, 1000)`)
	target := e.queryString(`SELECT pg_current_wal_lsn()::text`)
	waitFor(t, "the slot to pass the noise", func() bool {
		return e.queryString(`SELECT (confirmed_flush_lsn >= $2::pg_lsn)::text FROM pg_replication_slots WHERE slot_name = $1`, s.cfg.Slot, target) == "true"
	})
	confirmed := e.queryString(`SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = $1`, s.cfg.Slot)
	w.mu.Lock()
	durable := w.durable[confirmed]
	w.mu.Unlock()
	if !durable {
		t.Errorf("slot confirmed %s, which no Commit returned", confirmed)
	}
	w.check(t)
}

var _ connector.Writer = noTruncWriter{}
var _ TruncateWriter = (*memWriter)(nil)
var _ = errors.New

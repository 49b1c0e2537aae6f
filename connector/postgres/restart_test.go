package postgres

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pglogrepl"

	"github.com/freshet-db/freshet/connector"
)

// TestExactlyOnceAcrossRestart stops the source in the middle of a Commit
// (a crash: that transaction is not durable), starts a new source from the
// last durable position, and checks that every change is applied exactly
// once and that the slot never confirms a position that was not durable.
// The slot lags the durable position at the crash, so the restart depends
// on the position Freshet stored, not on the slot's. (Transactions the
// server sends again are skipped by the decoder: TestDecoderSkipsDurable.)
func TestExactlyOnceAcrossRestart(t *testing.T) {
	e := newEnv(t)
	e.exec(`CREATE TABLE a (id int PRIMARY KEY, n int)`)
	e.exec(`CREATE TABLE b (id int PRIMARY KEY, s text)`)
	e.exec(`CREATE PUBLICATION pub FOR TABLE a, b`)
	e.exec(`INSERT INTO a SELECT i, 0 FROM generate_series(1, 50) i`)
	cfg := e.testConfig()
	// Confirm rarely, so that the slot lags the durable position and the
	// server sends already-durable transactions again after the restart.
	cfg.StatusInterval = time.Hour

	var (
		mu        sync.Mutex
		confirmed []pglogrepl.LSN // flush positions reported upstream
	)
	s1 := e.newSource(cfg)
	schemas := discover(t, s1)
	w := newMemWriter(schemas)
	checkStatus := func(flush pglogrepl.LSN) {
		w.mu.Lock()
		ok := w.durable[flush.String()]
		w.mu.Unlock()
		if !ok {
			t.Errorf("standby status reports %s, which no Commit returned", flush)
		}
		mu.Lock()
		confirmed = append(confirmed, flush)
		mu.Unlock()
	}
	s1.knobs.beforeStatus = checkStatus
	s1.knobs.noFinalStatus = true // a crash sends nothing

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const crashAt = 40 // the commit (counting the snapshot) that never finishes
	w.hook = func(n int, _ []connector.Write, _ connector.Position) error {
		if n == crashAt {
			cancel()
			return context.Canceled
		}
		return nil
	}
	done := make(chan error, 1)
	go func() { done <- s1.Run(ctx, w, nil) }()
	waitFor(t, "snapshot", func() bool { return w.numCommits() == 1 })
	for i := 0; i < 100; i++ {
		e.exec(fmt.Sprintf(`BEGIN; UPDATE a SET n = n + 1 WHERE id = %d; INSERT INTO b VALUES (%d, 'x'); DELETE FROM b WHERE id = %d; COMMIT`,
			1+i%50, i, i-3))
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after cancel = %v, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("Run did not stop; %d commits", w.numCommits())
	}
	if n := w.numCommits(); n != crashAt {
		t.Fatalf("%d commits before the crash, want %d", n, crashAt)
	}
	w.hook = nil
	slotLSN := e.queryString(`SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = $1`, s1.cfg.Slot)
	w.mu.Lock()
	if !w.durable[slotLSN] {
		t.Errorf("slot confirmed_flush_lsn %s is not a durable position", slotLSN)
	}
	w.mu.Unlock()
	if lsn, _ := pglogrepl.ParseLSN(slotLSN); lsn >= w.last {
		t.Errorf("slot confirmed %s, the last durable position, before the crash; the skip path is not exercised", lsn)
	}

	// Restart from the durable position, as the server does after a crash.
	cfg2 := cfg
	cfg2.StatusInterval = 50 * time.Millisecond
	s2 := e.newSource(cfg2)
	s2.knobs.beforeStatus = checkStatus
	discover(t, s2)
	start(t, s2, w, w.position())
	for i, sc := range schemas {
		e.waitEqual(w, i, sc.Name, sc, nil)
	}
	w.check(t)
	// After catching up, the slot confirms the last durable position.
	e.exec(`INSERT INTO b VALUES (1000, 'last')`)
	e.waitEqual(w, 1, "b", schemas[1], nil)
	waitFor(t, "slot to confirm the last commit", func() bool {
		return e.queryString(`SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = $1`, s1.cfg.Slot) == w.last.String()
	})
	mu.Lock()
	defer mu.Unlock()
	for i := 1; i < len(confirmed); i++ {
		if confirmed[i] < confirmed[i-1] {
			t.Errorf("confirmed position went back from %s to %s", confirmed[i-1], confirmed[i])
		}
	}
}

// TestReconnect kills the walsender: Run must report retrying and resume
// without losing or repeating anything.
func TestReconnect(t *testing.T) {
	e := newEnv(t)
	e.exec(`CREATE TABLE a (id int PRIMARY KEY, n int)`)
	e.exec(`CREATE PUBLICATION pub FOR TABLE a`)
	s := e.newSource(e.testConfig())
	var (
		mu     sync.Mutex
		states []string
	)
	s.knobs.onState = func(state, reason string) {
		mu.Lock()
		states = append(states, state+": "+reason)
		mu.Unlock()
	}
	schemas := discover(t, s)
	w := newMemWriter(schemas)
	start(t, s, w, nil)
	waitFor(t, "snapshot", func() bool { return w.numCommits() == 1 })
	for round := 0; round < 3; round++ {
		for i := 0; i < 20; i++ {
			e.exec(fmt.Sprintf(`INSERT INTO a VALUES (%d, 0)`, round*100+i))
			e.exec(fmt.Sprintf(`UPDATE a SET n = n + 1 WHERE id = %d`, round*100+i/2))
		}
		e.exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_replication WHERE application_name = 'freshet'`)
	}
	e.waitEqual(w, 0, "a", schemas[0], nil)
	w.check(t)
	waitFor(t, "running again", func() bool { return s.State().State == "running" })
	mu.Lock()
	joined := strings.Join(states, "\n")
	mu.Unlock()
	if !strings.Contains(joined, "retrying: ") {
		t.Errorf("states never showed retrying:\n%s", joined)
	}
	if st := s.State(); st.Errors == 0 {
		t.Errorf("State().Errors = 0 after the connection was killed")
	}
}

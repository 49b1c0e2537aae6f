package postgres

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestSnapshotConcurrentWrites copies pre-existing rows while other
// sessions keep writing, before and during the copy: the result must equal
// the upstream table, every change exactly once.
func TestSnapshotConcurrentWrites(t *testing.T) {
	e := newEnv(t)
	e.exec(`CREATE TABLE items (id int PRIMARY KEY, v text, n bigint)`)
	e.exec(`CREATE TABLE other (k text PRIMARY KEY, x int)`)
	e.exec(`INSERT INTO items SELECT i, 'v' || i, i * 10 FROM generate_series(1, 3000) i`)
	e.exec(`INSERT INTO other SELECT 'k' || i, i FROM generate_series(1, 100) i`)
	e.exec(`CREATE PUBLICATION pub FOR TABLE items, other`)

	cfg := e.testConfig()
	s := e.newSource(cfg)
	schemas := discover(t, s)
	if len(schemas) != 2 || schemas[0].Name != "items" || schemas[1].Name != "other" {
		t.Fatalf("schemas = %+v", schemas)
	}
	w := newMemWriter(schemas)

	// Writers run while the snapshot transaction is open: their changes
	// are not in the snapshot and must arrive through the slot.
	var wg sync.WaitGroup
	stopWriting := make(chan struct{})
	writer := func(id int) {
		defer wg.Done()
		conn := e.connect()
		defer conn.Close(context.Background())
		for i := 0; ; i++ {
			select {
			case <-stopWriting:
				return
			default:
			}
			ctx := context.Background()
			k := 10000 + id*100000 + i
			batch := fmt.Sprintf(`BEGIN;
INSERT INTO items VALUES (%d, 'new', %d);
UPDATE items SET n = n + 1, v = v || '+' WHERE id = %d;
DELETE FROM items WHERE id = %d;
UPDATE other SET x = x + 1 WHERE k = 'k%d';
COMMIT`, k, i, 1+(i*7+id)%3000, 1+(i*13+id*5)%3000, 1+i%100)
			if _, err := conn.Exec(ctx, batch); err != nil {
				t.Error(err)
				return
			}
		}
	}
	var once sync.Once
	s.knobs.afterSnapshotBegin = func() {
		once.Do(func() {
			// Commit a few changes after the snapshot was taken and before
			// anything is copied, then keep writing during the copy.
			e2 := e.connect()
			defer e2.Close(context.Background())
			if _, err := e2.Exec(context.Background(), `UPDATE items SET v = 'during' WHERE id <= 10; DELETE FROM items WHERE id BETWEEN 11 AND 20; INSERT INTO items VALUES (-1, 'during', 0)`); err != nil {
				t.Error(err)
			}
			for id := 0; id < 2; id++ {
				wg.Add(1)
				go writer(id)
			}
			time.Sleep(100 * time.Millisecond)
		})
	}
	start(t, s, w, nil)
	waitFor(t, "snapshot", func() bool { return w.numCommits() > 0 })
	time.Sleep(300 * time.Millisecond)
	close(stopWriting)
	wg.Wait()

	e.waitEqual(w, 0, "items", schemas[0], nil)
	e.waitEqual(w, 1, "other", schemas[1], nil)
	w.check(t)

	// The snapshot is the first commit, at the slot's consistent point,
	// and it holds exactly the rows that existed when the slot was made.
	first := w.commits[0]
	if n := len(first.writes[0].Updates); n != 3000 {
		t.Errorf("snapshot of items has %d rows, want 3000", n)
	}
	if got := s.State().SnapshotRows; got != 3100 {
		t.Errorf("State().SnapshotRows = %d, want 3100", got)
	}
	// Positions strictly increase (checked by the writer) and the slot
	// was created at the first one.
	if st := s.State(); st.State != "running" || st.Confirmed == "" || st.Upstream == "" {
		t.Errorf("State() = %+v", st)
	}
}

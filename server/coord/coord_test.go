package coord

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/stream"
	"github.com/freshet-db/freshet/sql/types"
	"github.com/freshet-db/freshet/storage"
)

func openTest(t *testing.T) *Coordinator {
	t.Helper()
	c, err := Open(Options{DataDir: t.TempDir(), Version: "test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Many transactions racing on one table land in shared commit groups; each
// is checked against the ones before it in its group: a key is inserted
// once, a row inserted earlier in the group can be deleted, and every
// transaction gets its own timestamp.
func TestGroupCommitChecksAgainstEarlierTransactions(t *testing.T) {
	c := openTest(t)
	ctx := context.Background()
	rel := &catalog.Relation{Name: "t", Kind: catalog.Table, PrimaryKey: []int{0},
		Columns: []catalog.Column{{Name: "k", Type: types.Int8T, NotNull: true}, {Name: "v", Type: types.Int8T}}}
	if _, err := c.Create(ctx, rel, false); err != nil {
		t.Fatal(err)
	}
	row := func(k, v int64) datum.Row { return datum.Row{datum.NewInt8(k), datum.NewInt8(v)} }
	write := func(us ...stream.Update) error {
		_, err := c.Commit(ctx, []storage.TableWrite{{Table: rel.ID, Updates: us}})
		return err
	}
	const n = 400
	var wg sync.WaitGroup
	errs := make([]error, n)
	stamps := make([]stream.Timestamp, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Keys collide in pairs: exactly one of each pair may win.
			stamps[i], errs[i] = c.Commit(ctx, []storage.TableWrite{{Table: rel.ID,
				Updates: []stream.Update{{Row: row(int64(i/2), int64(i)), Diff: 1}}}})
		}()
	}
	wg.Wait()
	won, seen := 0, map[stream.Timestamp]bool{}
	for i, err := range errs {
		switch {
		case err == nil:
			won++
			if seen[stamps[i]] {
				t.Fatalf("two transactions share timestamp %d", stamps[i])
			}
			seen[stamps[i]] = true
		case sqlerr.GetCode(err) != sqlerr.UniqueViolation:
			t.Fatalf("commit %d: %v", i, err)
		}
	}
	if won != n/2 {
		t.Fatalf("%d of %d inserts won, want one per key (%d)", won, n, n/2)
	}
	if n := c.tables[rel.ID].n; n != int64(won) {
		t.Fatalf("table holds %d rows after %d successful inserts", n, won)
	}
	// Deleting a row that is not there is a serialization failure.
	if err := write(stream.Update{Row: row(0, -1), Diff: -1}); sqlerr.GetCode(err) != sqlerr.SerializationFailure {
		t.Fatalf("delete of a stale row: %v", err)
	}
	// Insert then delete in concurrent transactions of (likely) one group.
	wg.Add(2)
	var e1, e2 error
	go func() { defer wg.Done(); e1 = write(stream.Update{Row: row(1000, 1), Diff: 1}) }()
	go func() {
		defer wg.Done()
		e2 = write(stream.Update{Row: row(1001, 1), Diff: 1})
	}()
	wg.Wait()
	if e1 != nil || e2 != nil {
		t.Fatal(e1, e2)
	}
	if err := write(stream.Update{Row: row(1000, 1), Diff: -1}, stream.Update{Row: row(1000, 2), Diff: 1}); err != nil {
		t.Fatal(err)
	}
}

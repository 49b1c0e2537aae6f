package storage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/stream"
	"github.com/freshet-db/freshet/sql/types"
)

// recorder is a Replayer that remembers what it was given.
type recorder struct {
	created []string
	dropped []catalog.ID
	commits []*Commit
}

func (r *recorder) CreateRelation(rel *catalog.Relation) error {
	r.created = append(r.created, rel.Name)
	return nil
}
func (r *recorder) DropRelation(id catalog.ID) error { r.dropped = append(r.dropped, id); return nil }
func (r *recorder) Commit(c *Commit) error           { r.commits = append(r.commits, c); return nil }

func testRelation() *catalog.Relation {
	return &catalog.Relation{ID: 7, Name: "orders", Kind: catalog.Table,
		Columns:    []catalog.Column{{Name: "id", Type: types.Int8T, NotNull: true}, {Name: "amount", Type: types.NumericOf(10, 2)}},
		PrimaryKey: []int{0}, SQL: "CREATE TABLE orders (id BIGINT PRIMARY KEY, amount NUMERIC(10,2))"}
}

func testCommit(ts stream.Timestamp, id int64) *Commit {
	return &Commit{Time: ts, Writes: []TableWrite{{Table: 7, Updates: []stream.Update{
		{Row: datum.Row{datum.NewInt8(id), datum.NewNumeric(1234, 2)}, Diff: 1},
		{Row: datum.Row{datum.NewInt8(id + 100), datum.Null}, Diff: -1},
	}}}}
}

func openLog(t *testing.T, dir string) (*Log, *recorder) {
	t.Helper()
	r := &recorder{}
	l, err := Open(dir, "test", r)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return l, r
}

func TestLogRoundTrip(t *testing.T) {
	dir := t.TempDir()
	l, r := openLog(t, dir)
	if len(r.created)+len(r.commits) != 0 {
		t.Fatalf("new log replayed %v %v", r.created, r.commits)
	}
	if err := l.AppendCreate(testRelation()); err != nil {
		t.Fatal(err)
	}
	c2 := testCommit(2, 2)
	c2.Positions = []SourcePosition{{Source: 3, Position: []byte("0/16B3748")}}
	if err := l.AppendCommits([]*Commit{testCommit(1, 1), c2}); err != nil {
		t.Fatal(err)
	}
	if err := l.AppendDrop(7); err != nil {
		t.Fatal(err)
	}
	l.Close()

	l, r = openLog(t, dir)
	defer l.Close()
	if strings.Join(r.created, ",") != "orders" || len(r.dropped) != 1 || r.dropped[0] != 7 {
		t.Fatalf("replayed created=%v dropped=%v", r.created, r.dropped)
	}
	if len(r.commits) != 2 {
		t.Fatalf("replayed %d commits, want 2", len(r.commits))
	}
	got := r.commits[1]
	want := testCommit(2, 2)
	if len(got.Positions) != 1 || got.Positions[0].Source != 3 || string(got.Positions[0].Position) != "0/16B3748" {
		t.Fatalf("positions = %+v", got.Positions)
	}
	if len(r.commits[0].Positions) != 0 {
		t.Fatalf("commit without positions replayed %+v", r.commits[0].Positions)
	}
	if got.Time != 2 || len(got.Writes) != 1 || len(got.Writes[0].Updates) != 2 {
		t.Fatalf("commit = %+v", got)
	}
	for i, u := range got.Writes[0].Updates {
		w := want.Writes[0].Updates[i]
		if !datum.RowsEqual(u.Row, w.Row) || u.Diff != w.Diff || u.Time != 2 {
			t.Errorf("update %d = %v, want %v", i, u, w)
		}
	}
}

// A record torn by a crash mid-append is dropped, and the log stays
// appendable.
func TestLogTornTail(t *testing.T) {
	// Cut the second record at several places, and also zero-fill it (a
	// file that grew before its data reached the disk).
	for _, damage := range []string{"cut-header", "cut-payload", "zeros"} {
		t.Run(damage, func(t *testing.T) {
			dir := t.TempDir()
			l, _ := openLog(t, dir)
			if err := l.AppendCommits([]*Commit{testCommit(1, 1)}); err != nil {
				t.Fatal(err)
			}
			good := l.Size()
			if err := l.AppendCommits([]*Commit{testCommit(2, 2)}); err != nil {
				t.Fatal(err)
			}
			end := l.Size()
			l.Close()
			path := filepath.Join(dir, logName)
			switch damage {
			case "cut-header":
				os.Truncate(path, good+3)
			case "cut-payload":
				os.Truncate(path, good+frameLen+2)
			case "zeros":
				os.Truncate(path, good)
				os.Truncate(path, end)
			}
			l, r := openLog(t, dir)
			if len(r.commits) != 1 || r.commits[0].Time != 1 {
				t.Fatalf("replayed %d commits, want only the first", len(r.commits))
			}
			if l.Size() != good {
				t.Fatalf("size %d after recovery, want %d", l.Size(), good)
			}
			if err := l.AppendCommits([]*Commit{testCommit(3, 3)}); err != nil {
				t.Fatal(err)
			}
			l.Close()
			l, r = openLog(t, dir)
			defer l.Close()
			if len(r.commits) != 2 || r.commits[1].Time != 3 {
				t.Fatalf("append after recovery: replayed %d commits", len(r.commits))
			}
		})
	}
}

// A damaged record in the middle is corruption, reported with its offset,
// never silently skipped.
func TestLogCorruptMiddle(t *testing.T) {
	dir := t.TempDir()
	l, _ := openLog(t, dir)
	if err := l.AppendCommits([]*Commit{testCommit(1, 1)}); err != nil {
		t.Fatal(err)
	}
	if err := l.AppendCommits([]*Commit{testCommit(2, 2)}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	path := filepath.Join(dir, logName)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[frameLen+1] ^= 0xff // inside the first record's payload
	if err := os.WriteFile(path, b, 0o640); err != nil {
		t.Fatal(err)
	}
	_, err = Open(dir, "test", &recorder{})
	if err == nil || !strings.Contains(err.Error(), "corrupt at byte 0") {
		t.Fatalf("open of corrupt log: err = %v, want corruption at byte 0", err)
	}
}

func TestMarker(t *testing.T) {
	dir := t.TempDir()
	l, _ := openLog(t, dir)
	l.Close()
	if err := os.WriteFile(filepath.Join(dir, markerName), []byte(`{"format": 99, "created_by": "future"}`), 0o640); err != nil {
		t.Fatal(err)
	}
	_, err := Open(dir, "test", &recorder{})
	if err == nil || !strings.Contains(err.Error(), "format 99") {
		t.Fatalf("err = %v, want a format mismatch", err)
	}
	if err := os.WriteFile(filepath.Join(dir, markerName), []byte(`garbage`), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, "test", &recorder{}); err == nil || !strings.Contains(err.Error(), "not valid") {
		t.Fatalf("err = %v, want an invalid marker", err)
	}
	os.Remove(filepath.Join(dir, markerName))
	if _, err := Open(dir, "test", &recorder{}); err == nil || !strings.Contains(err.Error(), "no FRESHET marker") {
		t.Fatalf("err = %v, want a missing marker", err)
	}
}

func TestCheckpoint(t *testing.T) {
	dir := t.TempDir()
	l, _ := openLog(t, dir)
	for i := range 10 {
		if err := l.AppendCommits([]*Commit{testCommit(stream.Timestamp(i+1), int64(i))}); err != nil {
			t.Fatal(err)
		}
	}
	snap := &Snapshot{Relations: []*catalog.Relation{testRelation()}, Time: 10,
		Tables: []TableWrite{{Table: 7, Updates: []stream.Update{{Row: datum.Row{datum.NewInt8(1), datum.NewNumeric(5, 0)}, Diff: 2}}}}}
	if err := l.Checkpoint(snap); err != nil {
		t.Fatal(err)
	}
	if err := l.AppendCommits([]*Commit{testCommit(11, 11)}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	l, r := openLog(t, dir)
	defer l.Close()
	if len(r.created) != 1 || len(r.commits) != 3 || r.commits[0].Time != 10 || r.commits[2].Time != 11 {
		t.Fatalf("after checkpoint: created=%v commits=%d", r.created, len(r.commits))
	}
	if u := r.commits[0].Writes[0].Updates[0]; u.Diff != 2 {
		t.Fatalf("snapshot row multiplicity = %d, want 2", u.Diff)
	}
	if _, err := os.Stat(filepath.Join(dir, tmpName)); !os.IsNotExist(err) {
		t.Fatalf("checkpoint left %s behind", tmpName)
	}
}

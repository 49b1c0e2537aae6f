package sinks

import (
	"slices"
	"testing"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/stream"
)

func TestDifference(t *testing.T) {
	row := func(k int64, s string) datum.Row { return datum.Row{datum.NewInt8(k), datum.NewText(s)} }
	up := func(k int64, s string, d stream.Diff) stream.Update {
		return stream.Update{Row: row(k, s), Time: 7, Diff: d}
	}
	cur := []stream.Update{up(1, "a", 1), up(2, "b", 3), up(3, "c", 1)}
	old := []stream.Update{up(1, "a", 1), up(2, "b", 1), up(4, "d", 2)}
	got := stream.Consolidate(difference(slices.Clone(cur), old))
	want := []stream.Update{up(2, "b", 2), up(3, "c", 1), up(4, "d", -2)}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if !datum.RowsEqual(got[i].Row, want[i].Row) || got[i].Diff != want[i].Diff {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	// Nothing in ClickHouse: the snapshot as it is.
	if got := difference(cur, nil); len(got) != len(cur) {
		t.Fatalf("empty old: got %v", got)
	}
	// Equal states: nothing to write.
	if got := difference(slices.Clone(cur), cur); len(got) != 0 {
		t.Fatalf("equal states: got %v", got)
	}
}

package stream

import (
	"testing"

	"github.com/freshet-db/freshet/sql/datum"
)

func TestConsolidate(t *testing.T) {
	r := func(coef int64, scale int32) datum.Row { return datum.Row{datum.NewNumeric(coef, scale)} }
	us := Consolidate([]Update{
		{Row: r(15, 1), Time: 2, Diff: 1},
		{Row: r(150, 2), Time: 2, Diff: -1}, // 1.50: equal to 1.5, but another form
		{Row: r(15, 1), Time: 2, Diff: 1},
		{Row: r(7, 0), Time: 1, Diff: 1},
		{Row: r(7, 0), Time: 1, Diff: -1},
		{Row: r(15, 1), Time: 1, Diff: 3},
	})
	want := []Update{
		{Row: r(15, 1), Time: 1, Diff: 3},
		{Row: r(15, 1), Time: 2, Diff: 2},
		{Row: r(150, 2), Time: 2, Diff: -1},
	}
	if len(us) != len(want) {
		t.Fatalf("got %v, want %v", us, want)
	}
	for i := range want {
		if !datum.Identical(us[i].Row, want[i].Row) || us[i].Time != want[i].Time || us[i].Diff != want[i].Diff {
			t.Fatalf("update %d = %v, want %v (all: %v)", i, us[i], want[i], us)
		}
	}
}

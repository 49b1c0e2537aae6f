package arrangement

import (
	"fmt"
	"math/rand"
	"sort"
	"testing"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/stream"
)

// TestArrangementModel applies random updates to an arrangement and to a
// naive model (key -> row -> count) and compares them after each batch,
// with few keys so that groups grow past the spill index and shrink back.
func TestArrangementModel(t *testing.T) {
	for seed := int64(1); seed <= 20; seed++ {
		r := rand.New(rand.NewSource(seed))
		a := New([]int{0})
		model := map[string]map[string]stream.Diff{}
		var live []datum.Row
		for step := 0; step < 300; step++ {
			var batch []stream.Update
			for n := r.Intn(8); n > 0; n-- {
				var u stream.Update
				if len(live) > 0 && r.Intn(2) == 0 {
					i := r.Intn(len(live))
					u = stream.Update{Row: live[i], Diff: -1}
					live = append(live[:i], live[i+1:]...)
				} else {
					row := datum.Row{datum.NewInt8(int64(r.Intn(3))), datum.NewInt8(int64(r.Intn(30)))}
					u = stream.Update{Row: row, Diff: 1}
					live = append(live, row)
				}
				batch = append(batch, u)
				k := string(datum.EncodeKey(nil, u.Row, []int{0}))
				if model[k] == nil {
					model[k] = map[string]stream.Diff{}
				}
				model[k][string(datum.EncodeRow(nil, u.Row))] += u.Diff
				if model[k][string(datum.EncodeRow(nil, u.Row))] == 0 {
					delete(model[k], string(datum.EncodeRow(nil, u.Row)))
				}
				if len(model[k]) == 0 {
					delete(model, k)
				}
			}
			a.Insert(batch)
			if got, want := dumpArrangement(a), dumpModel(model); got != want {
				t.Fatalf("seed %d step %d:\ngot  %s\nwant %s", seed, step, got, want)
			}
			if a.Len() != len(live) || a.Keys() != len(model) {
				t.Fatalf("seed %d step %d: Len %d Keys %d, want %d %d", seed, step, a.Len(), a.Keys(), len(live), len(model))
			}
		}
		for _, row := range live {
			a.Insert([]stream.Update{{Row: row, Diff: -1}})
		}
		if a.Len() != 0 || a.Keys() != 0 || a.Bytes() != 0 {
			t.Fatalf("seed %d: not empty after deleting everything: len %d keys %d bytes %d", seed, a.Len(), a.Keys(), a.Bytes())
		}
	}
}

func dumpArrangement(a *Arrangement) string {
	var lines []string
	a.ScanKeys(func(k string) bool {
		a.LookupEncoded([]byte(k), func(row string, n stream.Diff) bool {
			lines = append(lines, fmt.Sprintf("%x/%x:%d", k, row, n))
			return true
		})
		return true
	})
	sort.Strings(lines)
	return fmt.Sprint(lines)
}

func dumpModel(m map[string]map[string]stream.Diff) string {
	var lines []string
	for k, rows := range m {
		for row, n := range rows {
			lines = append(lines, fmt.Sprintf("%x/%x:%d", k, row, n))
		}
	}
	sort.Strings(lines)
	return fmt.Sprint(lines)
}

func TestCollectionUpdate(t *testing.T) {
	c := NewCollection()
	r1 := datum.Row{datum.NewInt8(1)}
	r2 := datum.Row{datum.NewText("x")}
	type change struct {
		row           string
		before, after stream.Diff
	}
	run := func(us []stream.Update) []change {
		var out []change
		c.Update(us, func(row datum.Row, before, after stream.Diff) {
			out = append(out, change{datum.FormatText(row[0]), before, after})
		})
		return out
	}
	got := run([]stream.Update{{Row: r1, Diff: 1}, {Row: r2, Diff: 2}, {Row: r1, Diff: 1}})
	if fmt.Sprint(got) != "[{1 0 2} {x 0 2}]" {
		t.Errorf("first update: %v", got)
	}
	// A row deleted and reinserted in one update is no change at all.
	got = run([]stream.Update{{Row: r1, Diff: -2}, {Row: r1, Diff: 2}, {Row: r2, Diff: -2}})
	if fmt.Sprint(got) != "[{x 2 0}]" {
		t.Errorf("second update: %v", got)
	}
	if c.Len() != 2 || c.Distinct() != 1 || c.Count(r1) != 2 || c.Count(r2) != 0 {
		t.Errorf("Len %d Distinct %d Count %d %d", c.Len(), c.Distinct(), c.Count(r1), c.Count(r2))
	}
	if got := c.Sorted(); len(got) != 1 || got[0].Diff != 2 {
		t.Errorf("Sorted: %v", got)
	}
	before, after := c.Add(r1, -2)
	if before != 2 || after != 0 || c.Bytes() != 0 || c.Distinct() != 0 {
		t.Errorf("Add: %d %d, bytes %d", before, after, c.Bytes())
	}
}

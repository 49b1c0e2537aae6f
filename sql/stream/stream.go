// Package stream holds the vocabulary of change: logical timestamps, signed
// multiplicities (diffs), updates, batches of updates and frontiers
// (DESIGN.md §1).
package stream

import (
	"fmt"
	"math"
	"slices"

	"github.com/freshet-db/freshet/sql/datum"
)

// Timestamp is logical time from the one timestamp oracle: one upstream
// transaction is one Timestamp, and timestamps grow monotonically.
type Timestamp uint64

// MaxTimestamp is the empty frontier: nothing can change any more.
const MaxTimestamp = Timestamp(math.MaxUint64)

// Diff is a signed multiplicity: +1 insert, -1 delete; an update is a -1 of
// the old row and a +1 of the new one at the same time.
type Diff int64

// Update is one change to a collection.
type Update struct {
	Row  datum.Row
	Time Timestamp
	Diff Diff
}

func (u Update) String() string { return fmt.Sprintf("%v @%d %+d", u.Row, u.Time, u.Diff) }

// Batch is a set of updates with Lower <= Time < Upper for each of them.
type Batch struct {
	Lower, Upper Timestamp
	Updates      []Update
}

// Consolidate sums the diffs of identical (row, time) pairs and drops the
// zeros, in place. Rows are identical when their datums have the same
// value in the same form: 1.5 and 1.50 stay apart, so a change of form is
// kept. The result is sorted by time, then row.
func Consolidate(us []Update) []Update {
	if len(us) < 2 {
		if len(us) == 1 && us[0].Diff == 0 {
			return us[:0]
		}
		return us
	}
	slices.SortFunc(us, func(a, b Update) int {
		if a.Time != b.Time {
			if a.Time < b.Time {
				return -1
			}
			return 1
		}
		return datum.CompareRowsExact(a.Row, b.Row)
	})
	out := us[:0]
	for _, u := range us {
		if n := len(out); n > 0 && out[n-1].Time == u.Time && datum.Identical(out[n-1].Row, u.Row) {
			out[n-1].Diff += u.Diff
			continue
		}
		if n := len(out); n > 0 && out[n-1].Diff == 0 {
			out[n-1] = u
			continue
		}
		out = append(out, u)
	}
	if n := len(out); n > 0 && out[n-1].Diff == 0 {
		out = out[:n-1]
	}
	return out
}

// Consolidate consolidates the batch's updates in place.
func (b *Batch) Consolidate() { b.Updates = Consolidate(b.Updates) }

// Frontier is a lower bound on the times at which a collection may still
// change. Freshet's time is totally ordered, so a frontier is one timestamp;
// it still gets its own type so that "since" and "upper" are never confused
// with data times.
//
// Upper: no update at a time < Upper will arrive any more.
// Since: the collection has been compacted below Since; reads at earlier
// times are no longer possible.
type Frontier struct {
	Since, Upper Timestamp
}

// Readable reports whether the collection can answer a read at t: complete
// through t and not compacted past it.
func (f Frontier) Readable(t Timestamp) bool { return t >= f.Since && t < f.Upper }

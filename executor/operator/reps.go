package operator

import (
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/stream"
	"github.com/freshet-db/freshet/sql/types"
)

// Grouping, DISTINCT and DISTINCT aggregates compare values with SQL
// equality, under which different representations can be equal: 1.5 and
// 1.50, 5::int4 and 5::int8, 0.0 and -0.0. A class of equal values must
// be output as one of them, and the choice must depend only on the
// current contents, never on the order of past updates (or the view would
// differ from its recomputation). repSet tracks the representations
// present in a class and picks the one with the smallest exact encoding.
type repSet struct {
	reps []rep
}

type rep struct {
	enc string
	row datum.Row
	n   stream.Diff
}

// add adds d to the count of the representation enc (row).
func (s *repSet) add(enc []byte, row datum.Row, d stream.Diff) {
	for i := range s.reps {
		if s.reps[i].enc == string(enc) {
			s.reps[i].n += d
			if s.reps[i].n == 0 {
				s.reps = append(s.reps[:i], s.reps[i+1:]...)
			}
			return
		}
	}
	if d != 0 {
		// Copy the row: it may live in a block shared with transient rows
		// (see slab), which keeping it would pin.
		s.reps = append(s.reps, rep{enc: string(enc), row: append(datum.Row(nil), row...), n: d})
	}
}

// best returns the present representation with the smallest encoding.
func (s *repSet) best() (datum.Row, bool) {
	b := -1
	for i, r := range s.reps {
		if r.n > 0 && (b < 0 || r.enc < s.reps[b].enc) {
			b = i
		}
	}
	if b < 0 {
		return nil, false
	}
	return s.reps[b].row, true
}

// canonical reports whether every datum of row has a single
// representation per value (its exact encoding is its key encoding), so
// that tracking representations is unnecessary.
func canonical(row datum.Row) bool {
	for _, d := range row {
		switch d.Kind() {
		case types.Unknown, types.Bool, types.Int8, types.Text, types.Date, types.Timestamp, types.TimestampTZ, types.JSONB, types.Bytea:
		default:
			return false
		}
	}
	return true
}

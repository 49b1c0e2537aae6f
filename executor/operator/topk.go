package operator

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/stream"
)

// SortKey is one ORDER BY term of a TopK.
type SortKey struct {
	Col        int
	Desc       bool
	NullsFirst bool
}

// CompareRows orders rows by keys, then (so that the order is total and
// the chosen rows deterministic among ties) by datum order of the whole
// row and finally by exact encoding.
func CompareRows(keys []SortKey, a, b datum.Row) int {
	for _, k := range keys {
		x, y := a[k.Col], b[k.Col]
		switch {
		case x.IsNull() && y.IsNull():
			continue
		case x.IsNull():
			if k.NullsFirst {
				return -1
			}
			return 1
		case y.IsNull():
			if k.NullsFirst {
				return 1
			}
			return -1
		}
		c := datum.Compare(x, y)
		if k.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	if c := datum.CompareRows(a, b); c != 0 {
		return c
	}
	return strings.Compare(string(datum.EncodeRow(nil, a)), string(datum.EncodeRow(nil, b)))
}

// TopK keeps, per group of GroupCols, the rows at positions [Offset,
// Offset+Limit) in the sort order (counting multiplicity); Limit < 0 means
// no limit. Each group keeps its rows; a step recomputes the window of the
// groups it touches (sorting that group's distinct rows) and emits the
// difference from the previous window. Work is proportional to the size of
// the touched groups, not of the input.
type TopK struct {
	groupCols     []int
	order         []SortKey
	limit, offset int64

	groups  map[string]*topGroup
	touched []*topGroup
	kbuf    []byte
	rbuf    []byte
	cons    consolidator
	out     []stream.Update
	bytes   int
}

type topGroup struct {
	key     string
	rows    map[string]*topRow
	window  []stream.Update // the emitted rows and their counts
	touched bool
}

type topRow struct {
	row datum.Row
	n   stream.Diff
}

// NewTopK returns a TopK operator.
func NewTopK(groupCols []int, order []SortKey, limit, offset int64) *TopK {
	return &TopK{groupCols: groupCols, order: order, limit: limit, offset: offset,
		groups: map[string]*topGroup{}, cons: newConsolidator()}
}

// Step implements Operator.
func (k *TopK) Step(ctx context.Context, s *Scope, ins [][]stream.Update) ([]stream.Update, error) {
	k.touched = k.touched[:0]
	for i := range ins[0] {
		if err := s.Poll(ctx); err != nil {
			return nil, err
		}
		u := &ins[0][i]
		k.kbuf = k.kbuf[:0]
		if len(k.groupCols) > 0 {
			k.kbuf = datum.EncodeKey(k.kbuf, u.Row, k.groupCols)
		}
		g, ok := k.groups[string(k.kbuf)]
		if !ok {
			g = &topGroup{key: string(k.kbuf), rows: map[string]*topRow{}}
			k.groups[g.key] = g
		}
		if !g.touched {
			g.touched = true
			k.touched = append(k.touched, g)
		}
		k.rbuf = datum.EncodeRow(k.rbuf[:0], u.Row)
		r, ok := g.rows[string(k.rbuf)]
		if !ok {
			// Copy: the input row may live in a block shared with
			// transient rows (see slab), which keeping it would pin.
			r = &topRow{row: append(datum.Row(nil), u.Row...)}
			g.rows[string(k.rbuf)] = r
			k.bytes += len(k.rbuf) + 40*len(u.Row) + 64
		}
		r.n += u.Diff
		if r.n == 0 {
			delete(g.rows, string(k.rbuf))
			k.bytes -= len(k.rbuf) + 40*len(u.Row) + 64
		}
	}
	k.cons.reset()
	for i, g := range k.touched {
		k.touched[i] = nil
		g.touched = false
		for _, u := range g.window {
			k.cons.add(u.Row, -u.Diff)
		}
		g.window = k.window(g)
		for _, u := range g.window {
			k.cons.add(u.Row, u.Diff)
		}
		if len(g.rows) == 0 {
			delete(k.groups, g.key)
		}
	}
	k.out = k.cons.drain(k.out[:0], s.Time)
	return k.out, nil
}

// window computes the group's rows in [offset, offset+limit).
func (k *TopK) window(g *topGroup) []stream.Update {
	rows := make([]*topRow, 0, len(g.rows))
	for _, r := range g.rows {
		if r.n > 0 {
			rows = append(rows, r)
		}
	}
	slices.SortFunc(rows, func(a, b *topRow) int { return CompareRows(k.order, a.row, b.row) })
	var w []stream.Update
	skip, take := k.offset, k.limit
	for _, r := range rows {
		n := int64(r.n)
		if skip > 0 {
			d := min(skip, n)
			skip -= d
			n -= d
		}
		if take >= 0 {
			n = min(n, take)
			take -= n
		}
		if n > 0 {
			w = append(w, stream.Update{Row: r.row, Diff: stream.Diff(n)})
		}
		if take == 0 {
			break
		}
	}
	return w
}

// Explain implements Operator.
func (k *TopK) Explain() string {
	terms := make([]string, len(k.order))
	for i, o := range k.order {
		t := fmt.Sprintf("#%d", o.Col)
		if o.Desc {
			t += " DESC"
		}
		if o.NullsFirst {
			t += " NULLS FIRST"
		} else {
			t += " NULLS LAST"
		}
		terms[i] = t
	}
	cols := make([]string, len(k.groupCols))
	for i, c := range k.groupCols {
		cols[i] = fmt.Sprintf("#%d", c)
	}
	return fmt.Sprintf("TopK group=[%s] order=[%s] limit=%d offset=%d state=groups", strings.Join(cols, ", "), strings.Join(terms, ", "), k.limit, k.offset)
}

// StateBytes implements Operator.
func (k *TopK) StateBytes() int { return k.bytes }

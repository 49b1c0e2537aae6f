package operator

import (
	"context"
	"fmt"
	"strings"

	"github.com/freshet-db/freshet/executor/expr"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/stream"
	"github.com/freshet-db/freshet/sql/types"
)

// AggSpec is one aggregate of a Reduce.
type AggSpec struct {
	Func     AggFunc
	Arg      expr.Evaluator // nil for CountStar
	ArgType  types.T
	Distinct bool
	Result   types.T
	Desc     string // printed by Explain
}

// Reduce groups its input by key expressions and maintains aggregates per
// group incrementally. Its state per group is the group's row count and
// one accumulator per aggregate; a step touches only the groups of the
// rows in its delta and emits, for each group whose output changed, the
// retraction of the old output row and the new one.
//
// Without group keys it is a scalar aggregate: exactly one output row at
// all times, emitted at the first step even for empty input (COUNT 0, the
// other aggregates NULL). A group whose count drops to zero disappears.
//
// An aggregate that cannot be represented (a SUM(int4) beyond bigint) makes
// the group's output an error instead of a row, until it changes again.
type Reduce struct {
	keys      []expr.Evaluator
	keyDescs  []string
	aggs      []AggSpec
	factories []func() accumulator
	// inline[j] >= 0 places aggregate j's state in group.inline (COUNT,
	// and SUM or AVG of integers: the common case, kept in the group's
	// own memory to save cache misses); -1 uses an accumulator.
	inline []int

	groups  map[string]*group
	touched []*group
	kbuf    []byte
	rbuf    []byte
	keyRow  datum.Row
	out     []stream.Update
	bytes   int
}

type group struct {
	mapKey  string // the group's key in Reduce.groups
	key     datum.Row
	reps    *repSet // representations of non-canonical keys (see repSet)
	count   int64
	accs    []accumulator
	inline  [inlineAggs]inlineAcc
	row     datum.Row     // the emitted output row, nil if none
	err     *sqlerr.Error // the emitted output error, nil if none
	touched bool
}

// inlineAggs is how many aggregates per group keep inline state.
const inlineAggs = 2

// inlineAcc is the state of COUNT(x) (n) or of SUM/AVG over integers.
type inlineAcc struct {
	sum int128
	n   int64
}

// groupBytes approximates the fixed cost of a group: the map entry, the
// group struct, its key and output rows and accumulators.
const groupBytes = 160

// NewReduce returns a reduce over the key expressions and aggregates.
func NewReduce(keys []expr.Evaluator, keyDescs []string, aggs []AggSpec) (*Reduce, error) {
	r := &Reduce{keys: keys, keyDescs: keyDescs, aggs: aggs, groups: map[string]*group{}}
	nInline := 0
	for _, a := range aggs {
		r.inline = append(r.inline, -1)
		if a.Func == CountStar {
			r.factories = append(r.factories, nil)
			continue
		}
		if !a.Distinct && nInline < inlineAggs && (a.Func == Count || (a.Func == Sum || a.Func == Avg) && a.ArgType.IsInteger()) {
			r.inline[len(r.inline)-1] = nInline
			nInline++
			r.factories = append(r.factories, nil)
			continue
		}
		f, err := newAccumulatorFactory(a.Func, a.ArgType, a.Result)
		if err != nil {
			return nil, err
		}
		if a.Distinct {
			inner := f
			f = func() accumulator { return &distinctAcc{inner: inner(), vals: map[string]*distinctEntry{}} }
		}
		r.factories = append(r.factories, f)
	}
	r.keyRow = make(datum.Row, len(keys))
	return r, nil
}

func (r *Reduce) scalar() bool { return len(r.keys) == 0 }

func (r *Reduce) newGroup(key datum.Row) *group {
	g := &group{key: key, accs: make([]accumulator, len(r.aggs))}
	for i, f := range r.factories {
		if f != nil {
			g.accs[i] = f()
		}
	}
	r.bytes += groupBytes + 48*len(r.aggs) + 40*len(key)
	return g
}

// Step implements Operator.
func (r *Reduce) Step(ctx context.Context, s *Scope, ins [][]stream.Update) ([]stream.Update, error) {
	r.touched = r.touched[:0]
	if s.First && r.scalar() {
		r.touch(r.group(nil))
	}
rows:
	for i := range ins[0] {
		if err := s.Poll(ctx); err != nil {
			return nil, err
		}
		u := &ins[0][i]
		r.kbuf = r.kbuf[:0]
		for j, k := range r.keys {
			v, err := k(u.Row)
			if err != nil {
				s.Error(err, u.Diff)
				continue rows
			}
			r.keyRow[j] = v
			r.kbuf = datum.EncodeKeyDatums(r.kbuf, v)
		}
		g := r.group(r.kbuf)
		if !g.touched {
			r.touch(g)
		}
		g.count += int64(u.Diff)
		if g.reps != nil || !canonical(r.keyRow) {
			r.trackKey(g, u.Diff)
		}
		for j := range r.aggs {
			a := &r.aggs[j]
			if a.Func == CountStar {
				continue
			}
			v, err := a.Arg(u.Row)
			if err != nil {
				s.Error(err, u.Diff)
				continue
			}
			if v.IsNull() {
				continue
			}
			if k := r.inline[j]; k >= 0 {
				in := &g.inline[k]
				in.n += int64(u.Diff)
				if a.Func != Count {
					in.sum.addProduct(v.Int(), int64(u.Diff))
				}
				continue
			}
			g.accs[j].add(v, u.Diff)
		}
	}
	out := r.out[:0]
	for i, g := range r.touched {
		r.touched[i] = nil
		g.touched = false
		var row datum.Row
		var rerr *sqlerr.Error
		if g.count > 0 || r.scalar() {
			row, rerr = r.output(g)
		}
		if !sameOutput(g.row, g.err, row, rerr) {
			if g.row != nil {
				out = append(out, stream.Update{Row: g.row, Time: s.Time, Diff: -1})
			}
			if g.err != nil {
				s.Errs = append(s.Errs, ErrUpdate{Err: g.err, Diff: -1})
			}
			if row != nil {
				out = append(out, stream.Update{Row: row, Time: s.Time, Diff: 1})
			}
			if rerr != nil {
				s.Errs = append(s.Errs, ErrUpdate{Err: rerr, Diff: 1})
			}
			g.row, g.err = row, rerr
		}
		if g.count == 0 && !r.scalar() {
			delete(r.groups, g.mapKey)
			r.bytes -= groupBytes + 48*len(r.aggs) + 40*len(g.key)
		}
	}
	r.out = out
	return out, nil
}

// group returns the group of the encoded key, creating it (with the key
// values in r.keyRow) if needed.
func (r *Reduce) group(key []byte) *group {
	if g, ok := r.groups[string(key)]; ok {
		return g
	}
	// Group keys and output rows live as long as their group: they are
	// allocated one by one, not from a slab that they would pin.
	kr := make(datum.Row, len(r.keys))
	copy(kr, r.keyRow)
	g := r.newGroup(kr)
	g.mapKey = string(key)
	r.groups[g.mapKey] = g
	return g
}

// trackKey records the representation of the key in r.keyRow.
func (r *Reduce) trackKey(g *group, d stream.Diff) {
	if g.reps == nil {
		g.reps = &repSet{}
	}
	r.rbuf = datum.EncodeRow(r.rbuf[:0], r.keyRow)
	g.reps.add(r.rbuf, r.keyRow, d)
}

func (r *Reduce) touch(g *group) {
	g.touched = true
	r.touched = append(r.touched, g)
}

// output computes the group's output row, or the error of an aggregate.
func (r *Reduce) output(g *group) (datum.Row, *sqlerr.Error) {
	key := g.key
	if g.reps != nil {
		if best, ok := g.reps.best(); ok {
			key = best
		}
	}
	row := make(datum.Row, len(g.key)+len(r.aggs))
	copy(row, key)
	for i := range r.aggs {
		if r.aggs[i].Func == CountStar {
			row[len(g.key)+i] = datum.NewInt8(max(g.count, 0))
			continue
		}
		var v datum.Datum
		var err error
		switch k := r.inline[i]; {
		case k >= 0 && r.aggs[i].Func == Count:
			v = datum.NewInt8(g.inline[k].n)
		case k >= 0:
			v, err = intSumResult(g.inline[k].sum, g.inline[k].n, r.aggs[i].Func == Avg, r.aggs[i].Result)
		default:
			v, err = g.accs[i].result()
		}
		if err != nil {
			return nil, AsSQLError(err)
		}
		row[len(g.key)+i] = v
	}
	return row, nil
}

// sameOutput reports whether two outputs are identical (same datums
// exactly, not merely equal: 1.5 and 1.50 differ).
func sameOutput(r1 datum.Row, e1 *sqlerr.Error, r2 datum.Row, e2 *sqlerr.Error) bool {
	if (r1 == nil) != (r2 == nil) || (e1 == nil) != (e2 == nil) {
		return false
	}
	if e1 != nil && (e1.Code != e2.Code || e1.Message != e2.Message) {
		return false
	}
	if len(r1) != len(r2) {
		return false
	}
	for i := range r1 {
		if r1[i] != r2[i] {
			return false
		}
	}
	return true
}

// Explain implements Operator.
func (r *Reduce) Explain() string {
	descs := make([]string, len(r.aggs))
	for i, a := range r.aggs {
		descs[i] = a.Desc
	}
	return fmt.Sprintf("Reduce group=[%s] aggs=[%s] state=groups", strings.Join(r.keyDescs, ", "), strings.Join(descs, ", "))
}

// StateBytes implements Operator.
func (r *Reduce) StateBytes() int { return r.bytes }

// Groups is the number of live groups.
func (r *Reduce) Groups() int { return len(r.groups) }

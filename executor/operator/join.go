package operator

import (
	"context"
	"fmt"
	"strings"
	"unsafe"

	"github.com/freshet-db/freshet/executor/arrangement"
	"github.com/freshet-db/freshet/executor/expr"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/stream"
)

// JoinKind is the kind of a join.
type JoinKind uint8

// The join kinds, as in planner/plan.
const (
	InnerJoin JoinKind = iota
	LeftJoin
	RightJoin
	FullJoin
	SemiJoin
	AntiJoin
)

func (k JoinKind) String() string {
	return [...]string{"inner", "left", "right", "full", "semi", "anti"}[k]
}

// JoinSpec describes a join to NewJoin.
type JoinSpec struct {
	Kind                JoinKind
	LeftKeys, RightKeys []expr.Evaluator
	// Residual is evaluated over l ++ r; nil means true.
	Residual expr.Evaluator
	// LeftWidth and RightWidth are the input row widths.
	LeftWidth, RightWidth int
	// Desc prints the keys and residual in Explain.
	LeftKeyDescs, RightKeyDescs []string
	ResidualDesc                string
}

// Join is an equi-join that keeps an arrangement of each input by its join
// key. Rows match when their keys are equal under SQL equality (a NULL in
// any key column never matches) and the residual predicate holds.
//
// Inner joins use the delta rule: Δ(L⋈R) = ΔL⋈R_old + L_new⋈ΔR.
//
// Without a residual, the other kinds add to that (or, for semi and anti
// joins, replace it by) the rows of one side kept for having no match (or
// some match) on the other. Whether a key has a match changes only when
// the other side's rows under the key appear or disappear, so a step costs
// the delta plus the rows under the keys whose other side appeared or
// vanished (see stepPreserving).
//
// With a residual, whether a row has a match depends on each pair, and the
// join recomputes, for each key touched in a step, that key's output
// before and after the step and emits the difference: the work is
// proportional to the pairs under the touched keys.
type Join struct {
	spec        JoinSpec
	left, right *arrangement.Arrangement
	slab        slab
	kbuf, rbuf  []byte
	keyDatums   []datum.Datum
	out         []stream.Update

	// Per-step state of the outer kinds.
	pending []pendingRow
	keys    map[string]int // touched key -> index in keyList and keyInfo
	keyList []string
	keyInfo []keyInfo
	cons    consolidator
	matched []bool
}

type pendingRow struct {
	right bool
	key   string
	row   string
	diff  stream.Diff
	urow  datum.Row
}

// keyInfo records, for a key touched in a step, whether each side had
// rows under it before the step, and the step's updates under it.
type keyInfo struct {
	lOld, rOld bool
	updates    []int // indexes into pending
}

// NewJoin returns a join.
func NewJoin(spec JoinSpec) *Join {
	return &Join{
		spec:  spec,
		left:  arrangement.New(nil),
		right: arrangement.New(nil),
		keys:  map[string]int{},
		cons:  newConsolidator(),
	}
}

// outWidth is the width of output rows.
func (j *Join) outWidth() int {
	if j.spec.Kind == SemiJoin || j.spec.Kind == AntiJoin {
		return j.spec.LeftWidth
	}
	return j.spec.LeftWidth + j.spec.RightWidth
}

// key evaluates the key expressions over row into j.kbuf. It reports
// whether the key is NULL (cannot match) and any evaluation error.
func (j *Join) key(keys []expr.Evaluator, row datum.Row) (null bool, err error) {
	j.kbuf = j.kbuf[:0]
	for _, k := range keys {
		v, err := k(row)
		if err != nil {
			return false, err
		}
		if v.IsNull() {
			return true, nil
		}
		j.kbuf = datum.EncodeKeyDatums(j.kbuf, v)
	}
	return false, nil
}

// Step implements Operator.
func (j *Join) Step(ctx context.Context, s *Scope, ins [][]stream.Update) ([]stream.Update, error) {
	switch {
	case j.spec.Kind == InnerJoin:
		return j.stepInner(ctx, s, ins[0], ins[1])
	case j.spec.Residual == nil:
		return j.stepPreserving(ctx, s, ins[0], ins[1])
	}
	return j.stepOuter(ctx, s, ins[0], ins[1])
}

func (j *Join) stepInner(ctx context.Context, s *Scope, dl, dr []stream.Update) ([]stream.Update, error) {
	out := j.out[:0]
	lw, w := j.spec.LeftWidth, j.outWidth()
	// ΔL ⋈ R_old, then L += ΔL.
	for i := range dl {
		if err := s.Poll(ctx); err != nil {
			return nil, err
		}
		u := &dl[i]
		null, err := j.key(j.spec.LeftKeys, u.Row)
		if err != nil {
			s.Error(err, u.Diff)
			continue
		}
		if null {
			continue
		}
		var cerr error
		j.right.LookupEncoded(j.kbuf, func(r string, n stream.Diff) bool {
			if cerr = s.Poll(ctx); cerr != nil {
				return false
			}
			row := j.slab.row(w)[:lw]
			copy(row, u.Row)
			row = arrangement.MustDecode(r, row)
			out = j.emit(s, out, row, u.Diff*n)
			return true
		})
		if cerr != nil {
			return nil, cerr
		}
		j.rbuf = datum.EncodeRow(j.rbuf[:0], u.Row)
		j.left.Add(j.kbuf, j.rbuf, u.Diff)
	}
	// L_new ⋈ ΔR, then R += ΔR.
	for i := range dr {
		if err := s.Poll(ctx); err != nil {
			return nil, err
		}
		u := &dr[i]
		null, err := j.key(j.spec.RightKeys, u.Row)
		if err != nil {
			s.Error(err, u.Diff)
			continue
		}
		if null {
			continue
		}
		var cerr error
		j.left.LookupEncoded(j.kbuf, func(l string, n stream.Diff) bool {
			if cerr = s.Poll(ctx); cerr != nil {
				return false
			}
			row := arrangement.MustDecode(l, j.slab.row(w)[:0])
			row = append(row, u.Row...)
			out = j.emit(s, out, row, u.Diff*n)
			return true
		})
		if cerr != nil {
			return nil, cerr
		}
		j.rbuf = datum.EncodeRow(j.rbuf[:0], u.Row)
		j.right.Add(j.kbuf, j.rbuf, u.Diff)
	}
	j.out = out
	return out, nil
}

// emit appends the joined row with diff d if it passes the residual.
func (j *Join) emit(s *Scope, out []stream.Update, row datum.Row, d stream.Diff) []stream.Update {
	if d == 0 {
		return out
	}
	if j.spec.Residual != nil {
		v, err := j.spec.Residual(row)
		if err != nil {
			s.Error(err, d)
			return out
		}
		if v.IsNull() || !v.Bool() {
			return out
		}
	}
	return append(out, stream.Update{Row: row, Time: s.Time, Diff: d})
}

// collect evaluates the keys of the deltas of a non-inner join: rows with
// a NULL key go straight to the output (they match nothing and keep no
// state); the others are recorded in j.pending, grouped by key in
// j.keyInfo with whether each side had rows under the key before the step.
// It returns the output so far.
func (j *Join) collect(ctx context.Context, s *Scope, dl, dr []stream.Update) ([]stream.Update, error) {
	kind := j.spec.Kind
	lw, rw := j.spec.LeftWidth, j.spec.RightWidth
	out := j.out[:0]
	j.pending = j.pending[:0]
	j.keyList = j.keyList[:0]
	for i := range j.keyInfo {
		j.keyInfo[i] = keyInfo{}
	}
	j.keyInfo = j.keyInfo[:0]
	clear(j.keys)
	collect := func(in []stream.Update, keys []expr.Evaluator, right bool) error {
		for i := range in {
			if err := s.Poll(ctx); err != nil {
				return err
			}
			u := &in[i]
			null, err := j.key(keys, u.Row)
			if err != nil {
				s.Error(err, u.Diff)
				continue
			}
			if null {
				// A row with a NULL key matches nothing: it is its own
				// (padded) output in the preserving kinds, and has no
				// state.
				switch {
				case !right && (kind == LeftJoin || kind == FullJoin):
					row := j.slab.row(lw + rw)
					copy(row, u.Row)
					out = append(out, stream.Update{Row: row, Time: s.Time, Diff: u.Diff})
				case !right && kind == AntiJoin:
					out = append(out, stream.Update{Row: u.Row, Time: s.Time, Diff: u.Diff})
				case right && (kind == RightJoin || kind == FullJoin):
					row := j.slab.row(lw + rw)
					copy(row[lw:], u.Row)
					out = append(out, stream.Update{Row: row, Time: s.Time, Diff: u.Diff})
				}
				continue
			}
			ki, ok := j.keys[string(j.kbuf)]
			if !ok {
				ki = len(j.keyList)
				k := string(j.kbuf)
				j.keys[k] = ki
				j.keyList = append(j.keyList, k)
				j.keyInfo = append(j.keyInfo, keyInfo{lOld: j.left.HasKey(j.kbuf), rOld: j.right.HasKey(j.kbuf)})
			}
			j.keyInfo[ki].updates = append(j.keyInfo[ki].updates, len(j.pending))
			j.pending = append(j.pending, pendingRow{right: right, key: j.keyList[ki], row: string(datum.EncodeRow(nil, u.Row)), diff: u.Diff, urow: u.Row})
		}
		return nil
	}
	if err := collect(dl, j.spec.LeftKeys, false); err != nil {
		return nil, err
	}
	if err := collect(dr, j.spec.RightKeys, true); err != nil {
		return nil, err
	}
	return out, nil
}

// stepOuter handles the kinds whose output for a key is not bilinear in
// the inputs: it recomputes the output of each touched key.
func (j *Join) stepOuter(ctx context.Context, s *Scope, dl, dr []stream.Update) ([]stream.Update, error) {
	out, err := j.collect(ctx, s, dl, dr)
	if err != nil {
		return nil, err
	}
	if len(j.keyList) == 0 {
		j.out = out
		return out, nil
	}
	j.cons.reset()
	// Retract the old output of every touched key, apply the deltas, then
	// assert the new output.
	for _, k := range j.keyList {
		if err := j.keyOutput(ctx, s, bytesOf(k), -1); err != nil {
			return nil, err
		}
	}
	for _, p := range j.pending {
		a := j.left
		if p.right {
			a = j.right
		}
		a.Add(bytesOf(p.key), bytesOf(p.row), p.diff)
	}
	for _, k := range j.keyList {
		if err := j.keyOutput(ctx, s, bytesOf(k), +1); err != nil {
			return nil, err
		}
	}
	out = j.cons.drain(out, s.Time)
	j.out = out
	return out, nil
}

// keyOutput adds the output of the join restricted to key, times sign, to
// the consolidator.
func (j *Join) keyOutput(ctx context.Context, s *Scope, key []byte, sign stream.Diff) error {
	kind := j.spec.Kind
	lw, rw := j.spec.LeftWidth, j.spec.RightWidth
	type entry struct {
		row datum.Row
		n   stream.Diff
	}
	var rights []entry
	j.right.Lookup(key, func(r datum.Row, n stream.Diff) bool {
		rights = append(rights, entry{r, n})
		return true
	})
	j.matched = j.matched[:0]
	for range rights {
		j.matched = append(j.matched, false)
	}
	var err error
	j.left.Lookup(key, func(l datum.Row, cl stream.Diff) bool {
		if err = s.Poll(ctx); err != nil {
			return false
		}
		hit := false
		if (kind == SemiJoin || kind == AntiJoin) && j.spec.Residual == nil {
			hit = len(rights) > 0
		} else {
			for i, r := range rights {
				if err = s.Poll(ctx); err != nil {
					return false
				}
				row := j.slab.row(lw + rw)
				copy(row, l)
				copy(row[lw:], r.row)
				d := sign * cl * r.n
				if j.spec.Residual != nil {
					v, rerr := j.spec.Residual(row)
					if rerr != nil {
						s.Error(rerr, d)
						continue
					}
					if v.IsNull() || !v.Bool() {
						continue
					}
				}
				hit = true
				j.matched[i] = true
				if kind != SemiJoin && kind != AntiJoin {
					// Semi and anti joins look at every pair anyway, so
					// that the errors of the residual do not depend on
					// the order of the rows.
					j.cons.add(row, d)
				}
			}
		}
		switch {
		case !hit && (kind == LeftJoin || kind == FullJoin):
			row := j.slab.row(lw + rw)
			copy(row, l)
			j.cons.add(row, sign*cl)
		case hit && kind == SemiJoin, !hit && kind == AntiJoin:
			j.cons.add(l, sign*cl)
		}
		return true
	})
	if err != nil {
		return err
	}
	if kind == RightJoin || kind == FullJoin {
		for i, r := range rights {
			if !j.matched[i] {
				row := j.slab.row(lw + rw)
				copy(row[lw:], r.row)
				j.cons.add(row, sign*r.n)
			}
		}
	}
	return nil
}

// Explain implements Operator.
func (j *Join) Explain() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "Join %s arrange left=[%s] right=[%s]", j.spec.Kind,
		strings.Join(j.spec.LeftKeyDescs, ", "), strings.Join(j.spec.RightKeyDescs, ", "))
	if j.spec.ResidualDesc != "" {
		sb.WriteString(" residual=" + j.spec.ResidualDesc)
	}
	return sb.String()
}

// StateBytes implements Operator.
func (j *Join) StateBytes() int { return j.left.Bytes() + j.right.Bytes() }

// Arrangements exposes the join's state (for tests and statistics).
func (j *Join) Arrangements() (left, right *arrangement.Arrangement) { return j.left, j.right }

// consolidator sums the diffs of equal rows (by exact encoding) and emits
// the nonzero sums in first-seen order.
type consolidator struct {
	idx  map[string]int
	rows []stream.Update
	buf  []byte
}

func newConsolidator() consolidator { return consolidator{idx: map[string]int{}} }

func (c *consolidator) reset() {
	clear(c.idx)
	c.rows = c.rows[:0]
}

func (c *consolidator) add(row datum.Row, d stream.Diff) {
	if d == 0 {
		return
	}
	c.buf = datum.EncodeRow(c.buf[:0], row)
	if i, ok := c.idx[string(c.buf)]; ok {
		c.rows[i].Diff += d
		return
	}
	c.idx[string(c.buf)] = len(c.rows)
	c.rows = append(c.rows, stream.Update{Row: row, Diff: d})
}

func (c *consolidator) drain(out []stream.Update, t stream.Timestamp) []stream.Update {
	for _, u := range c.rows {
		if u.Diff != 0 {
			u.Time = t
			out = append(out, u)
		}
	}
	c.reset()
	return out
}

// stepPreserving is a left, right, full, semi or anti join without a
// residual. Pairs (left, right and full joins) follow the delta rule. A
// left row is kept unmatched (left, full and anti joins; semi joins keep
// the matched ones instead) according to whether the right side has rows
// under its key, which changes only when the right rows of the key
// appear or disappear: then the key's left rows are asserted or retracted
// as a whole; otherwise only the step's own left updates count. Right
// rows are kept unmatched (right and full joins) symmetrically.
func (j *Join) stepPreserving(ctx context.Context, s *Scope, dl, dr []stream.Update) ([]stream.Update, error) {
	kind := j.spec.Kind
	lw, rw := j.spec.LeftWidth, j.spec.RightWidth
	out, err := j.collect(ctx, s, dl, dr)
	if err != nil {
		return nil, err
	}
	pairs := kind == LeftJoin || kind == RightJoin || kind == FullJoin
	// ΔL ⋈ R_old with L += ΔL, then L_new ⋈ ΔR with R += ΔR.
	for _, side := range []bool{false, true} {
		for i := range j.pending {
			p := &j.pending[i]
			if p.right != side {
				continue
			}
			if err := s.Poll(ctx); err != nil {
				return nil, err
			}
			key := bytesOf(p.key)
			if pairs {
				other := j.right
				if side {
					other = j.left
				}
				var cerr error
				other.LookupEncoded(key, func(enc string, n stream.Diff) bool {
					if cerr = s.Poll(ctx); cerr != nil {
						return false
					}
					row := j.slab.row(lw + rw)
					if side {
						arrangement.MustDecode(enc, row[:0])
						copy(row[lw:], p.urow)
					} else {
						copy(row, p.urow)
						arrangement.MustDecode(enc, row[:lw])
					}
					out = append(out, stream.Update{Row: row, Time: s.Time, Diff: p.diff * n})
					return true
				})
				if cerr != nil {
					return nil, cerr
				}
			}
			a := j.left
			if side {
				a = j.right
			}
			a.Add(key, bytesOf(p.row), p.diff)
		}
	}
	// Rows kept for their (lack of) matches.
	for ki, k := range j.keyList {
		info := &j.keyInfo[ki]
		key := bytesOf(k)
		lNew, rNew := j.left.HasKey(key), j.right.HasKey(key)
		switch kind {
		case LeftJoin, FullJoin, AntiJoin:
			out = j.keep(out, s, false, key, info, !info.rOld, !rNew)
		case SemiJoin:
			out = j.keep(out, s, false, key, info, info.rOld, rNew)
		}
		if kind == RightJoin || kind == FullJoin {
			out = j.keep(out, s, true, key, info, !info.lOld, !lNew)
		}
	}
	j.out = out
	return out, nil
}

// keep emits the change of the rows of one side under key that the join
// keeps on their own, given whether that side's rows were kept before the
// step (was) and are kept after it (is).
func (j *Join) keep(out []stream.Update, s *Scope, right bool, key []byte, info *keyInfo, was, is bool) []stream.Update {
	emit := func(row datum.Row, d stream.Diff) {
		out = append(out, stream.Update{Row: j.shape(row, right), Time: s.Time, Diff: d})
	}
	deltas := func() {
		for _, i := range info.updates {
			if p := &j.pending[i]; p.right == right {
				emit(p.urow, p.diff)
			}
		}
	}
	all := func(sign stream.Diff) {
		a := j.left
		if right {
			a = j.right
		}
		a.Lookup(key, func(row datum.Row, n stream.Diff) bool {
			emit(row, sign*n)
			return true
		})
	}
	switch {
	case was && is:
		deltas()
	case !was && is:
		all(+1)
	case was && !is:
		// Retract the rows as they were: the current ones minus the
		// step's updates.
		all(-1)
		deltas()
	}
	return out
}

// shape returns a row of one side as the join outputs it on its own:
// padded with NULLs for the other side, or as is for semi and anti joins.
func (j *Join) shape(row datum.Row, right bool) datum.Row {
	lw, rw := j.spec.LeftWidth, j.spec.RightWidth
	switch {
	case j.spec.Kind == SemiJoin || j.spec.Kind == AntiJoin:
		return row
	case right:
		out := j.slab.row(lw + rw)
		copy(out[lw:], row)
		return out
	default:
		out := j.slab.row(lw + rw)
		copy(out, row)
		return out
	}
}

// bytesOf views s as a byte slice without copying; the arrangement only
// reads keys and rows (and copies what it keeps).
func bytesOf(s string) []byte {
	if s == "" {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

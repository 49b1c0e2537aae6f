package dataflow

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/freshet-db/freshet/executor/arrangement"
	"github.com/freshet-db/freshet/executor/operator"
	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/stream"
)

// Dataflow is a rendered plan: a tree of incremental operators, the
// maintained output collection and the maintained error collection.
type Dataflow struct {
	nodes  []*node // children before parents; the root is last
	inputs []plan.RelationID
	seen   map[plan.RelationID]bool

	output *arrangement.Collection
	errs   map[errKey]*errEntry

	steps  int
	last   stream.Timestamp
	insBuf [][]stream.Update
}

type node struct {
	op      operator.Operator
	inputs  []int
	get     bool
	rel     plan.RelationID
	out     []stream.Update
	rowsIn  int64
	rowsOut int64
}

type errKey struct {
	code    sqlerr.Code
	message string
}

type errEntry struct {
	err   *sqlerr.Error
	count stream.Diff
}

// Build renders a plan into a dataflow. It fails with 0A000 for plans the
// executor cannot run incrementally and with XX000 for malformed plans.
func Build(root plan.Node) (*Dataflow, error) {
	if root == nil {
		return nil, sqlerr.New(sqlerr.Internal, "cannot build a dataflow from a nil plan")
	}
	df := &Dataflow{
		seen:   map[plan.RelationID]bool{},
		output: arrangement.NewCollection(),
		errs:   map[errKey]*errEntry{},
	}
	if _, err := df.render(root); err != nil {
		return nil, err
	}
	return df, nil
}

// Inputs returns the relations the dataflow reads, each once, in plan
// order. Step expects deltas keyed by these IDs.
func (df *Dataflow) Inputs() []plan.RelationID { return df.inputs }

// Step advances the dataflow by one timestamp: deltas holds the changes of
// each input at ts (missing inputs did not change). It returns the
// consolidated change of the output at ts, which it has also applied to
// Output. Row evaluation errors do not fail the step: they update Errors.
// Timestamps must not decrease from step to step (two steps at the same
// timestamp act as one step with both deltas).
func (df *Dataflow) Step(ts stream.Timestamp, deltas map[plan.RelationID][]stream.Update) ([]stream.Update, error) {
	return df.StepContext(context.Background(), ts, deltas)
}

// StepContext is Step with a context for cancellation. A cancelled step
// leaves the dataflow in an undefined state: discard it.
func (df *Dataflow) StepContext(ctx context.Context, ts stream.Timestamp, deltas map[plan.RelationID][]stream.Update) ([]stream.Update, error) {
	if df.steps > 0 && ts < df.last {
		return nil, sqlerr.New(sqlerr.Internal, "dataflow stepped at %d after %d: timestamps must not decrease", ts, df.last)
	}
	s := &operator.Scope{Time: ts, First: df.steps == 0}
	df.steps++
	df.last = ts
	for _, n := range df.nodes {
		ins := df.insBuf[:0]
		if n.get {
			ins = append(ins, deltas[n.rel])
		} else {
			for _, i := range n.inputs {
				ins = append(ins, df.nodes[i].out)
			}
		}
		for _, in := range ins {
			n.rowsIn += int64(len(in))
		}
		out, err := n.op.Step(ctx, s, ins)
		df.insBuf = ins[:0]
		if err != nil {
			return nil, err
		}
		n.out = out
		n.rowsOut += int64(len(out))
	}
	for _, e := range s.Errs {
		k := errKey{e.Err.Code, e.Err.Message}
		ent := df.errs[k]
		if ent == nil {
			ent = &errEntry{err: e.Err}
			df.errs[k] = ent
		}
		ent.count += e.Diff
		if ent.count == 0 {
			delete(df.errs, k)
		}
	}
	return df.consolidate(df.nodes[len(df.nodes)-1].out, ts), nil
}

// consolidate applies the root's output delta to the output collection
// and returns it consolidated (identical rows summed, zeros dropped) in
// first-seen order, as a fresh slice.
func (df *Dataflow) consolidate(in []stream.Update, ts stream.Timestamp) []stream.Update {
	var out []stream.Update
	df.output.Update(in, func(row datum.Row, before, after stream.Diff) {
		out = append(out, stream.Update{Row: row, Time: ts, Diff: after - before})
	})
	return out
}

// Output is the maintained contents of the dataflow's output.
func (df *Dataflow) Output() *arrangement.Collection { return df.output }

// Errors returns the first error (by code, then message) of the
// maintained error collection, or nil when it is empty. A read of the
// output must fail with it.
func (df *Dataflow) Errors() error {
	var first *sqlerr.Error
	for k, e := range df.errs {
		if e.count == 0 {
			continue
		}
		if first == nil || k.code < first.Code || (k.code == first.Code && k.message < first.Message) {
			first = e.err
		}
	}
	if first == nil {
		return nil
	}
	return first
}

// ErrorCount is the number of errors in the error collection, counting
// multiplicity.
func (df *Dataflow) ErrorCount() int {
	n := 0
	for _, e := range df.errs {
		n += int(e.count)
	}
	return n
}

// Explain prints the operator tree, root first, one operator per line,
// indented by depth, with the keys of the arrangements each keeps.
func (df *Dataflow) Explain() string {
	var sb strings.Builder
	var walk func(i, depth int)
	walk = func(i, depth int) {
		n := df.nodes[i]
		sb.WriteString(strings.Repeat("  ", depth))
		sb.WriteString(n.op.Explain())
		if n.get {
			fmt.Fprintf(&sb, " (relation %d)", n.rel)
		}
		sb.WriteByte('\n')
		for _, c := range n.inputs {
			walk(c, depth+1)
		}
	}
	walk(len(df.nodes)-1, 0)
	return sb.String()
}

// OperatorStats are the counters of one operator.
type OperatorStats struct {
	// ID numbers operators children first; the root has the largest.
	ID int
	// Operator is the operator's Explain line.
	Operator string
	// RowsIn and RowsOut count the updates consumed and produced.
	RowsIn, RowsOut int64
	// StateBytes approximates the memory of the operator's state.
	StateBytes int
}

// Stats returns the counters of every operator, by ID, and of the output
// collection (as an extra last entry named "Output").
func (df *Dataflow) Stats() []OperatorStats {
	st := make([]OperatorStats, 0, len(df.nodes)+1)
	for i, n := range df.nodes {
		st = append(st, OperatorStats{ID: i, Operator: n.op.Explain(), RowsIn: n.rowsIn, RowsOut: n.rowsOut, StateBytes: n.op.StateBytes()})
	}
	st = append(st, OperatorStats{ID: len(df.nodes), Operator: "Output", StateBytes: df.output.Bytes(), RowsIn: int64(df.output.Len())})
	return st
}

// StateBytes approximates the memory of all state of the dataflow.
func (df *Dataflow) StateBytes() int {
	n := df.output.Bytes()
	for _, nd := range df.nodes {
		n += nd.op.StateBytes()
	}
	return n
}

// sortedErrors returns the error collection sorted (for tests).
func (df *Dataflow) sortedErrors() []string {
	var out []string
	for k, e := range df.errs {
		out = append(out, fmt.Sprintf("%s %s x%d", k.code, k.message, e.count))
	}
	sort.Strings(out)
	return out
}

package operator

import (
	"context"

	"github.com/freshet-db/freshet/executor/expr"
	"github.com/freshet-db/freshet/sql/stream"
)

// Filter keeps the updates whose row satisfies a predicate (true: not
// false, not NULL). It is linear and stateless.
type Filter struct {
	pred expr.Evaluator
	desc string
	out  []stream.Update
}

// NewFilter returns a filter on pred; desc prints it in Explain.
func NewFilter(pred expr.Evaluator, desc string) *Filter {
	return &Filter{pred: pred, desc: desc}
}

// Step implements Operator.
func (f *Filter) Step(ctx context.Context, s *Scope, ins [][]stream.Update) ([]stream.Update, error) {
	out := f.out[:0]
	for i := range ins[0] {
		if err := s.Poll(ctx); err != nil {
			return nil, err
		}
		u := &ins[0][i]
		v, err := f.pred(u.Row)
		if err != nil {
			s.Error(err, u.Diff)
			continue
		}
		if !v.IsNull() && v.Bool() {
			out = append(out, stream.Update{Row: u.Row, Time: s.Time, Diff: u.Diff})
		}
	}
	f.out = out
	return out, nil
}

// Explain implements Operator.
func (f *Filter) Explain() string { return "Filter " + f.desc }

// StateBytes implements Operator.
func (f *Filter) StateBytes() int { return 0 }

package operator

import (
	"context"

	"github.com/freshet-db/freshet/sql/stream"
)

// Union is the multiset sum (UNION ALL) of its inputs.
type Union struct {
	out []stream.Update
}

// NewUnion returns a union.
func NewUnion() *Union { return &Union{} }

// Step implements Operator.
func (n *Union) Step(_ context.Context, s *Scope, ins [][]stream.Update) ([]stream.Update, error) {
	out := n.out[:0]
	for _, in := range ins {
		for _, u := range in {
			out = append(out, stream.Update{Row: u.Row, Time: s.Time, Diff: u.Diff})
		}
	}
	n.out = out
	return out, nil
}

// Explain implements Operator.
func (n *Union) Explain() string { return "Union" }

// StateBytes implements Operator.
func (n *Union) StateBytes() int { return 0 }

package operator

import (
	"context"

	"github.com/freshet-db/freshet/sql/stream"
)

// Negate flips the sign of every update (EXCEPT ALL is a + Negate(b)
// followed by Threshold).
type Negate struct {
	out []stream.Update
}

// NewNegate returns a negation.
func NewNegate() *Negate { return &Negate{} }

// Step implements Operator.
func (n *Negate) Step(_ context.Context, s *Scope, ins [][]stream.Update) ([]stream.Update, error) {
	out := n.out[:0]
	for _, u := range ins[0] {
		out = append(out, stream.Update{Row: u.Row, Time: s.Time, Diff: -u.Diff})
	}
	n.out = out
	return out, nil
}

// Explain implements Operator.
func (n *Negate) Explain() string { return "Negate" }

// StateBytes implements Operator.
func (n *Negate) StateBytes() int { return 0 }

package operator

import (
	"context"

	"github.com/freshet-db/freshet/sql/stream"
)

// Input is a leaf that passes on the delta the dataflow feeds it: the
// changes of one catalog relation.
type Input struct {
	name string
	out  []stream.Update
}

// NewInput returns an input leaf named name in Explain.
func NewInput(name string) *Input { return &Input{name: name} }

// Step implements Operator: ins[0] is the relation's delta.
func (n *Input) Step(_ context.Context, s *Scope, ins [][]stream.Update) ([]stream.Update, error) {
	out := n.out[:0]
	for _, u := range ins[0] {
		if u.Diff != 0 {
			out = append(out, stream.Update{Row: u.Row, Time: s.Time, Diff: u.Diff})
		}
	}
	n.out = out
	return out, nil
}

// Explain implements Operator.
func (n *Input) Explain() string { return "Get " + n.name }

// StateBytes implements Operator.
func (n *Input) StateBytes() int { return 0 }

package operator

import (
	"context"
	"fmt"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/stream"
)

// Values is a constant collection: it emits its rows at the first step
// and nothing afterwards.
type Values struct {
	rows []datum.Row
}

// NewValues returns a constant collection of rows, each with multiplicity
// one.
func NewValues(rows []datum.Row) *Values { return &Values{rows: rows} }

// Step implements Operator.
func (n *Values) Step(_ context.Context, s *Scope, _ [][]stream.Update) ([]stream.Update, error) {
	if !s.First {
		return nil, nil
	}
	out := make([]stream.Update, len(n.rows))
	for i, r := range n.rows {
		out[i] = stream.Update{Row: r, Time: s.Time, Diff: 1}
	}
	return out, nil
}

// Explain implements Operator.
func (n *Values) Explain() string { return fmt.Sprintf("Values (%d rows)", len(n.rows)) }

// StateBytes implements Operator.
func (n *Values) StateBytes() int { return 0 }

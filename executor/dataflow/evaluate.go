package dataflow

import (
	"context"

	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/stream"
)

// Evaluate runs a plan once over snapshots of its inputs (an ad hoc
// SELECT): it builds the dataflow, steps it once with the full contents
// read returns for each input, and returns the output rows, each repeated
// by its multiplicity, in no particular order. It fails with the first
// row error if any row failed to evaluate, and with 57014 when ctx is
// cancelled.
func Evaluate(ctx context.Context, root plan.Node, read func(id plan.RelationID) ([]datum.Row, error)) ([]datum.Row, error) {
	df, err := Build(root)
	if err != nil {
		return nil, err
	}
	deltas := make(map[plan.RelationID][]stream.Update, len(df.Inputs()))
	for _, id := range df.Inputs() {
		rows, err := read(id)
		if err != nil {
			return nil, err
		}
		us := make([]stream.Update, len(rows))
		for i, r := range rows {
			us[i] = stream.Update{Row: r, Time: 1, Diff: 1}
		}
		deltas[id] = us
	}
	out, err := df.StepContext(ctx, 1, deltas)
	if err != nil {
		return nil, err
	}
	if err := df.Errors(); err != nil {
		return nil, err
	}
	var rows []datum.Row
	for _, u := range out {
		if u.Diff < 0 {
			return nil, sqlerr.New(sqlerr.Internal, "negative multiplicity %d in query result", u.Diff)
		}
		for range u.Diff {
			rows = append(rows, u.Row)
		}
	}
	return rows, nil
}

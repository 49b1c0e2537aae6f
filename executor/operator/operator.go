package operator

import (
	"context"

	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/stream"
)

// Operator is one node of a dataflow.
type Operator interface {
	// Step consumes the deltas of the inputs at the scope's time (one
	// slice per input, in input order) and returns the output delta. It
	// fails only on cancellation or an internal error; row errors go to
	// the scope.
	Step(ctx context.Context, s *Scope, ins [][]stream.Update) ([]stream.Update, error)
	// Explain describes the operator on one line, deterministically, with
	// the keys of its arrangements.
	Explain() string
	// StateBytes approximates the memory of the operator's state.
	StateBytes() int
}

// ErrUpdate is a change to a dataflow's error collection.
type ErrUpdate struct {
	Err  *sqlerr.Error
	Diff stream.Diff
}

// Scope is the context of one step of a dataflow: its time, and the error
// updates the operators produce during it.
type Scope struct {
	// Time is the timestamp of the step; outputs carry it.
	Time stream.Timestamp
	// First is set on the first step of a dataflow (hydration), when
	// constant operators emit their rows.
	First bool
	// Errs collects the error updates of the step.
	Errs []ErrUpdate

	polls int
}

// Error records an evaluation error born from a row with multiplicity d.
func (s *Scope) Error(err error, d stream.Diff) {
	if d == 0 {
		return
	}
	s.Errs = append(s.Errs, ErrUpdate{Err: AsSQLError(err), Diff: d})
}

// pollEvery is how many rows an operator processes between checks of its
// context.
const pollEvery = 1 << 12

// Poll returns the context's error every pollEvery calls, so that long
// steps (the one-shot evaluation of a large query) can be cancelled.
func (s *Scope) Poll(ctx context.Context) error {
	s.polls++
	if s.polls&(pollEvery-1) != 0 {
		return nil
	}
	if ctx.Err() != nil {
		return sqlerr.New(sqlerr.QueryCanceled, "canceling statement due to user request")
	}
	return nil
}

// AsSQLError returns err as a *sqlerr.Error: itself if it is one, else a
// new error with its code (by sqlerr's combining rule) and message.
func AsSQLError(err error) *sqlerr.Error {
	if e, ok := err.(*sqlerr.Error); ok {
		return e
	}
	return &sqlerr.Error{Code: sqlerr.GetCode(err), Message: err.Error()}
}

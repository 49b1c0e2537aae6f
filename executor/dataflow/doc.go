// Package dataflow renders relational plans into incremental dataflows and
// drives them, one timestamp at a time.
//
// # Layers
//
//   - render.go translates a plan.Node tree into operators (package
//     operator), compiling scalar expressions (package expr) and checking
//     that every column reference fits its input. It is, with expr, the
//     only importer of the planner's node types.
//   - dataflow.go holds the Dataflow: the operators in topological order
//     (children first), the maintained output Collection and the
//     maintained error collection, and the Step driver.
//   - evaluate.go runs a plan once over snapshots for ad hoc SELECTs.
//
// # Lifecycle
//
//  1. Build(plan) renders the operators; Inputs() lists the relations to
//     feed.
//  2. Hydration: the first Step receives the full contents of every input
//     as +1 updates (constant Values and scalar aggregates emit their rows
//     at this first step).
//  3. Each later Step(ts, deltas) receives the changes of the inputs at
//     one timestamp (one upstream transaction) and returns the output's
//     consolidated change at ts. Inputs that did not change are absent.
//  4. Reads use Output() and must fail with Errors() when it is non-nil.
//
// # Invariants
//
//   - Timestamps never decrease across steps; a dataflow is stepped by
//     one goroutine at a time (the coordinator serialises).
//   - After every step, Output() equals the plan evaluated from scratch
//     over the inputs as of that step, and the error collection equals
//     the multiset of row errors that evaluation would meet. The property
//     tests check this against a naive reference evaluator.
//   - Work per step is proportional to the size of the deltas plus the
//     state under the keys they touch.
//
// # Debugging
//
// Explain() prints the operator tree with arrangement keys; Stats() gives
// per-operator update counts and state sizes. The datadriven tests in
// executor/operator/testdata show each operator's behaviour step by step.
package dataflow

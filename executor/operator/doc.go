// Package operator implements the incremental operators of Freshet's
// dataflows, one file each, named for the relational algebra: Filter,
// Project (Map), Join, Reduce, Distinct, Threshold, Union, Negate, TopK,
// Values and Input.
//
// The model is DBSP's: the dataflow is stepped one timestamp at a time; at
// each step every operator receives the delta (a Z-set: rows with signed
// multiplicities) of each of its inputs at that timestamp and returns its
// output delta for the same timestamp. Linear operators (Filter, Project,
// Union, Negate) are stateless. Join keeps an arrangement of each input;
// Reduce, Distinct, Threshold and TopK keep per-key state. Work per step
// is proportional to the delta and the state it touches, never to the
// whole input.
//
// Errors met while evaluating a row (division by zero, a bad cast) are
// data, as in Materialize's (oks, errs) pairs: the operator reports the
// error to the step's Scope with the diff of the row it came from, so that
// retracting the row retracts the error. The dataflow keeps the resulting
// error multiset; a read fails while it is not empty.
//
// Grouping keys, DISTINCT and DISTINCT aggregates use SQL equality (the
// canonical key encoding); when equal values differ in representation
// (1.5 and 1.50) the output shows the one with the smallest exact
// encoding among those present, so that it never depends on history
// (reps.go). Aggregates are exact under retraction: integer sums in 128
// bits, numeric sums as big integers, float sums as exact fixed-point big
// integers (aggregate.go).
//
// Contracts:
//   - An operator never modifies the updates or rows it receives, and may
//     return rows it received. The slice it returns is valid until its next
//     Step.
//   - Output updates carry the step's time. They are not necessarily
//     consolidated; the dataflow consolidates its output.
//   - Operators are not safe for concurrent use.
package operator

// Package arrangement holds the indexed state of dataflow operators.
//
// Rows are stored in their exact binary encoding (datum.EncodeRow) as Go
// strings, never as []datum.Datum: a two-column bigint row costs a few
// bytes of payload plus the map slot, instead of two 40-byte datums.
//
//   - Collection is a multiset of rows: encoded row -> multiplicity. It is
//     the maintained output of a dataflow (what a SELECT of a view reads)
//     and the state of Distinct and Threshold.
//   - Arrangement is a multiset of rows indexed by a key: the canonical key
//     encoding (datum.EncodeKey, so that 5::int4 and 5::int8 meet) -> the
//     multiset of rows with that key. Joins keep one per input.
//
// Rows whose multiplicity reaches zero are removed at once, so state is
// proportional to the live contents; Freshet time is totally ordered and
// dataflows are stepped one timestamp at a time, so no historical versions
// are kept (the trace is always compacted to the current step).
//
// Neither type is safe for concurrent use; the coordinator serialises
// access to a dataflow.
package arrangement

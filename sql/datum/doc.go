// Package datum holds SQL values: Datum, Row, their comparison, hashing and
// the compact binary key encoding that arrangements store; the Postgres
// text input (ParseText) and output (AppendText) formats of every type; and
// exact NUMERIC arithmetic (NumericAdd, NumericDiv, ...).
//
// A Datum is a small value type (no pointers but a string), so rows of
// datums are cheap to copy and safe to share: a Datum is never mutated.
//
// NUMERIC is exact and unbounded: an int64 coefficient with a scale on the
// fast path, the decimal text of a big coefficient otherwise (see
// numeric.go). Text formats follow Postgres 16 with DateStyle ISO,
// IntervalStyle postgres, TimeZone UTC and extra_float_digits 1.
package datum

// Package expr compiles scalar plan expressions (plan.Expr) into closures
// that evaluate them over one input row.
//
// Compilation resolves everything that does not depend on the row once:
// column references become direct slice reads, constants become captured
// values, and function calls capture their resolved builtin.Overload and a
// reusable argument buffer. Evaluating a column reference or a constant
// therefore allocates nothing.
//
// Semantics follow Postgres: AND, OR and NOT use three-valued logic; IN and
// NOT IN yield NULL when no element matches and some element (or the probe)
// is NULL; CASE and COALESCE evaluate their arguments lazily, left to right;
// strict functions return NULL for a NULL argument without being called.
//
// An Evaluator is not safe for concurrent use (calls reuse an argument
// buffer). Dataflows are stepped by one goroutine at a time, and every
// one-shot evaluation compiles its own expressions.
package expr

// Package builtin is the library of scalar functions, operators and casts:
// their overloads (argument and result types), resolution with Postgres's
// implicit coercions, and their Go implementations. The planner resolves
// calls here; the executor runs the resolved Overload's Fn.
package builtin

import (
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/types"
)

// Overload is one signature of a function or operator.
type Overload struct {
	// Name is the SQL name, lower case: "+", "=", "lower", "date_trunc".
	Name string
	// Args are the parameter types. With Variadic, the last one repeats.
	Args     []types.T
	Variadic bool
	// Result is the result type.
	Result types.T
	// Infix marks operators, printed as "a + b" (or prefix "-a").
	Infix bool
	// Strict: the result is NULL whenever an argument is NULL, and Fn is
	// not called then. Non-strict functions receive NULL arguments.
	Strict bool
	// Volatile functions (now(), random()) must not be constant-folded.
	Volatile bool
	// Fn computes the result from arguments already coerced to Args.
	Fn func(args []datum.Datum) (datum.Datum, error)
}

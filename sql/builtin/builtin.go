package builtin

import (
	"sync"

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

// fnImpl is the type of Overload.Fn.
type fnImpl = func(args []datum.Datum) (datum.Datum, error)

// lib is the immutable function library: overloads by name, and resolvers
// for the few functions whose signature depends on the arguments
// (concat, greatest, jsonb_build_object, ...).
type lib struct {
	byName  map[string][]*Overload
	special map[string]func(args []types.T) (*Overload, error)
}

// library builds the library once; it is never modified afterwards.
var library = sync.OnceValue(func() *lib {
	l := &lib{
		byName:  map[string][]*Overload{},
		special: map[string]func(args []types.T) (*Overload, error){},
	}
	l.addOperators()
	l.addDateTimeOperators()
	l.addStringFunctions()
	l.addMathFunctions()
	l.addNumericMathFunctions()
	l.addDateTimeFunctions()
	l.addJSONFunctions()
	l.addSystemFunctions()
	return l
})

func (l *lib) add(os ...*Overload) {
	for _, o := range os {
		l.byName[o.Name] = append(l.byName[o.Name], o)
	}
}

// Overloads returns the registered overloads of name (for catalogs such as
// pg_proc and for tests). Callers must not modify them.
func Overloads(name string) []*Overload { return library().byName[name] }

// op returns a strict binary infix operator.
func op(name string, a, b, r types.T, f fnImpl) *Overload {
	return &Overload{Name: name, Args: []types.T{a, b}, Result: r, Infix: true, Strict: true, Fn: f}
}

// prefix returns a strict unary prefix operator.
func prefix(name string, a, r types.T, f fnImpl) *Overload {
	return &Overload{Name: name, Args: []types.T{a}, Result: r, Infix: true, Strict: true, Fn: f}
}

// fn returns a strict immutable function.
func fn(name string, r types.T, f fnImpl, args ...types.T) *Overload {
	return &Overload{Name: name, Args: args, Result: r, Strict: true, Fn: f}
}

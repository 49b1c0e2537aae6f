package testutil

import (
	"math"

	"github.com/freshet-db/freshet/sql/builtin"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

// Funcs is a small library of strict bigint operators for tests.
type Funcs struct {
	Plus, Minus, Times, Div *builtin.Overload
	Eq, Lt, Le, Ne          *builtin.Overload
}

// NewFuncs returns the test operators.
func NewFuncs() *Funcs {
	i8 := []types.T{types.Int8T, types.Int8T}
	arith := func(name string, f func(a, b int64) (int64, error)) *builtin.Overload {
		return &builtin.Overload{Name: name, Args: i8, Result: types.Int8T, Infix: true, Strict: true,
			Fn: func(args []datum.Datum) (datum.Datum, error) {
				v, err := f(args[0].Int(), args[1].Int())
				if err != nil {
					return datum.Null, err
				}
				return datum.NewInt8(v), nil
			}}
	}
	cmp := func(name string, f func(c int) bool) *builtin.Overload {
		return &builtin.Overload{Name: name, Args: i8, Result: types.BoolT, Infix: true, Strict: true,
			Fn: func(args []datum.Datum) (datum.Datum, error) {
				return datum.NewBool(f(datum.Compare(args[0], args[1]))), nil
			}}
	}
	overflow := sqlerr.New(sqlerr.NumericValueOutOfRange, "bigint out of range")
	return &Funcs{
		Plus: arith("+", func(a, b int64) (int64, error) {
			c := a + b
			if (c > a) != (b > 0) {
				return 0, overflow
			}
			return c, nil
		}),
		Minus: arith("-", func(a, b int64) (int64, error) {
			c := a - b
			if (c < a) != (b > 0) {
				return 0, overflow
			}
			return c, nil
		}),
		Times: arith("*", func(a, b int64) (int64, error) {
			if a == 0 || b == 0 {
				return 0, nil
			}
			c := a * b
			if c/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
				return 0, overflow
			}
			return c, nil
		}),
		Div: arith("/", func(a, b int64) (int64, error) {
			if b == 0 {
				return 0, sqlerr.New(sqlerr.DivisionByZero, "division by zero")
			}
			if a == math.MinInt64 && b == -1 {
				return 0, overflow
			}
			return a / b, nil
		}),
		Eq: cmp("=", func(c int) bool { return c == 0 }),
		Lt: cmp("<", func(c int) bool { return c < 0 }),
		Le: cmp("<=", func(c int) bool { return c <= 0 }),
		Ne: cmp("<>", func(c int) bool { return c != 0 }),
	}
}

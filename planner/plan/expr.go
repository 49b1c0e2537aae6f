package plan

import (
	"fmt"
	"strings"

	"github.com/freshet-db/freshet/sql/builtin"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/types"
)

// Expr is a typed scalar expression over the columns of one input row.
// Expressions are data; the executor compiles them for evaluation.
type Expr interface {
	Type() types.T
	String() string
	expr()
}

// ColRef reads column Index of the input row.
type ColRef struct {
	Index int
	Typ   types.T
	Name  string // for printing only
}

// Const is a literal value.
type Const struct {
	Value datum.Datum
	Typ   types.T
}

// Param is the $Index (1-based) parameter of a prepared statement. Params
// are substituted by Const before a plan runs.
type Param struct {
	Index int
	Typ   types.T
}

// Call applies a resolved built-in scalar function or operator. Calls with
// Fn.Strict set return NULL when any argument is NULL without running Fn.
type Call struct {
	Fn   *builtin.Overload
	Args []Expr
}

// And is the SQL AND of its arguments with three-valued logic.
type And struct{ Args []Expr }

// Or is the SQL OR of its arguments with three-valued logic.
type Or struct{ Args []Expr }

// Not is SQL NOT.
type Not struct{ Arg Expr }

// IsNull is "Arg IS NULL" (Negated: IS NOT NULL).
type IsNull struct {
	Arg     Expr
	Negated bool
}

// Case is CASE WHEN Whens[i].Cond THEN Whens[i].Then ... ELSE Else END.
// A simple CASE x WHEN v is planned as searched CASE with x = v conditions.
type Case struct {
	Whens []When
	Else  Expr // never nil: NULL Const when absent
	Typ   types.T
}

// When is one branch of a Case.
type When struct{ Cond, Then Expr }

// Coalesce returns its first non-NULL argument (evaluated lazily).
type Coalesce struct {
	Args []Expr
	Typ  types.T
}

// InList is "Arg IN (List...)" with SQL NULL semantics (Negated: NOT IN).
type InList struct {
	Arg     Expr
	List    []Expr
	Negated bool
}

// Cast converts Arg to To, failing with 22P02/22003 on bad values.
// Assign selects assignment semantics (INSERT and UPDATE values, as
// builtin.AssignCast): a string too long for VARCHAR(n) is an error instead
// of being truncated.
type Cast struct {
	Arg    Expr
	To     types.T
	Assign bool
}

func (*ColRef) expr()   {}
func (*Const) expr()    {}
func (*Param) expr()    {}
func (*Call) expr()     {}
func (*And) expr()      {}
func (*Or) expr()       {}
func (*Not) expr()      {}
func (*IsNull) expr()   {}
func (*Case) expr()     {}
func (*Coalesce) expr() {}
func (*InList) expr()   {}
func (*Cast) expr()     {}

func (e *ColRef) Type() types.T   { return e.Typ }
func (e *Const) Type() types.T    { return e.Typ }
func (e *Param) Type() types.T    { return e.Typ }
func (e *Call) Type() types.T     { return e.Fn.Result }
func (e *And) Type() types.T      { return types.BoolT }
func (e *Or) Type() types.T       { return types.BoolT }
func (e *Not) Type() types.T      { return types.BoolT }
func (e *IsNull) Type() types.T   { return types.BoolT }
func (e *Case) Type() types.T     { return e.Typ }
func (e *Coalesce) Type() types.T { return e.Typ }
func (e *InList) Type() types.T   { return types.BoolT }
func (e *Cast) Type() types.T     { return e.To }

func (e *ColRef) String() string {
	if e.Name != "" {
		return fmt.Sprintf("#%d(%s)", e.Index, e.Name)
	}
	return fmt.Sprintf("#%d", e.Index)
}
func (e *Const) String() string {
	if e.Value.IsNull() {
		return "NULL"
	}
	if e.Typ.IsString() {
		return "'" + strings.ReplaceAll(datum.FormatText(e.Value), "'", "''") + "'"
	}
	return datum.FormatText(e.Value)
}
func (e *Param) String() string { return fmt.Sprintf("$%d", e.Index) }
func (e *Call) String() string {
	if e.Fn.Infix && len(e.Args) == 2 {
		return "(" + e.Args[0].String() + " " + e.Fn.Name + " " + e.Args[1].String() + ")"
	}
	if e.Fn.Infix && len(e.Args) == 1 {
		return "(" + e.Fn.Name + e.Args[0].String() + ")"
	}
	return e.Fn.Name + "(" + joinExprs(e.Args, ", ") + ")"
}
func (e *And) String() string { return "(" + joinExprs(e.Args, " AND ") + ")" }
func (e *Or) String() string  { return "(" + joinExprs(e.Args, " OR ") + ")" }
func (e *Not) String() string { return "NOT " + e.Arg.String() }
func (e *IsNull) String() string {
	if e.Negated {
		return e.Arg.String() + " IS NOT NULL"
	}
	return e.Arg.String() + " IS NULL"
}
func (e *Case) String() string {
	var sb strings.Builder
	sb.WriteString("CASE")
	for _, w := range e.Whens {
		fmt.Fprintf(&sb, " WHEN %s THEN %s", w.Cond, w.Then)
	}
	fmt.Fprintf(&sb, " ELSE %s END", e.Else)
	return sb.String()
}
func (e *Coalesce) String() string { return "coalesce(" + joinExprs(e.Args, ", ") + ")" }
func (e *InList) String() string {
	op := " IN ("
	if e.Negated {
		op = " NOT IN ("
	}
	return e.Arg.String() + op + joinExprs(e.List, ", ") + ")"
}
func (e *Cast) String() string {
	if e.Assign {
		return "assign(" + e.Arg.String() + " AS " + e.To.String() + ")"
	}
	return e.Arg.String() + "::" + e.To.String()
}

func joinExprs(es []Expr, sep string) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.String()
	}
	return strings.Join(s, sep)
}

// Walk calls f on e and, if f returns true, on each of its children, depth
// first.
func Walk(e Expr, f func(Expr) bool) {
	if e == nil || !f(e) {
		return
	}
	for _, c := range Children(e) {
		Walk(c, f)
	}
}

// Children returns the direct sub-expressions of e.
func Children(e Expr) []Expr {
	switch e := e.(type) {
	case *Call:
		return e.Args
	case *And:
		return e.Args
	case *Or:
		return e.Args
	case *Not:
		return []Expr{e.Arg}
	case *IsNull:
		return []Expr{e.Arg}
	case *Case:
		out := make([]Expr, 0, 2*len(e.Whens)+1)
		for _, w := range e.Whens {
			out = append(out, w.Cond, w.Then)
		}
		return append(out, e.Else)
	case *Coalesce:
		return e.Args
	case *InList:
		return append([]Expr{e.Arg}, e.List...)
	case *Cast:
		return []Expr{e.Arg}
	}
	return nil
}

package planner

import (
	"fmt"
	"math"
	"strings"

	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/parse"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	"github.com/pingcap/tidb/pkg/parser/opcode"
)

// expr binds the scalar expression n over scope s.
func (b *builder) expr(s *scope, n ast.ExprNode) (plan.Expr, error) {
	if s.grouped != nil {
		if e, ok, err := b.groupedRef(s, n); ok || err != nil {
			return e, err
		}
	}
	switch n := n.(type) {
	case *ast.ParenthesesExpr:
		return b.expr(s, n.Expr)
	case ast.ParamMarkerExpr:
		return b.param(parse.ParamIndex(n))
	case ast.ValueExpr:
		return literal(n)
	case *ast.ColumnNameExpr:
		i, err := s.resolve(n.Name.Table.O, n.Name.Name.O)
		if err != nil {
			return nil, err
		}
		if n.Name.Schema.O != "" {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "schema-qualified column references are not supported")
		}
		return s.colRef(i), nil
	case *ast.BinaryOperationExpr:
		return b.binary(s, n)
	case *ast.UnaryOperationExpr:
		return b.unary(s, n)
	case *ast.IsNullExpr:
		arg, err := b.expr(s, n.Expr)
		if err != nil {
			return nil, err
		}
		if arg, err = b.resolveUnknown(arg); err != nil {
			return nil, err
		}
		return &plan.IsNull{Arg: arg, Negated: n.Not}, nil
	case *ast.IsTruthExpr:
		return b.isTruth(s, n)
	case *ast.PatternLikeOrIlikeExpr:
		return b.like(s, n)
	case *ast.PatternRegexpExpr:
		return b.regexp(s, n.Expr, n.Pattern, n.Not)
	case *ast.BetweenExpr:
		return b.between(s, n)
	case *ast.PatternInExpr:
		return b.inList(s, n)
	case *ast.CaseExpr:
		return b.caseExpr(s, n)
	case *ast.FuncCastExpr:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "MySQL CAST targets are not supported")
	case *ast.FuncCallExpr:
		return b.funcCall(s, n)
	case *ast.AggregateFuncExpr:
		switch s.clause {
		case clauseAggArgs:
			return nil, sqlerr.New(sqlerr.GroupingError, "aggregate function calls cannot be nested")
		case "":
			return nil, sqlerr.New(sqlerr.GroupingError, "aggregate functions are not allowed here")
		}
		return nil, sqlerr.New(sqlerr.GroupingError, "aggregate functions are not allowed in %s", s.clause)
	case *ast.WindowFuncExpr:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "window functions are not supported")
	case *ast.SubqueryExpr:
		return b.scalarSubquery(s, n)
	case *ast.ExistsSubqueryExpr:
		return b.existsExpr(s, n, n.Not)
	case *ast.CompareSubqueryExpr:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "ANY/ALL (subquery) is not supported")
	case *ast.DefaultExpr:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "DEFAULT is not supported")
	case *ast.RowExpr:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "row constructors are not supported")
	case *ast.VariableExpr:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "variables are not supported")
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "expression %T is not supported", n)
}

// literal types a constant as Postgres does: integers are integer or bigint
// by size (numeric beyond), numbers with a point or exponent are numeric,
// strings are untyped until context decides.
func literal(v ast.ValueExpr) (plan.Expr, error) {
	switch x := v.GetValue().(type) {
	case nil:
		return &plan.Const{Value: datum.Null, Typ: types.UnknownT}, nil
	case int64:
		if v.GetType().GetFlag()&mysql.IsBooleanFlag != 0 {
			return &plan.Const{Value: datum.NewBool(x != 0), Typ: types.BoolT}, nil
		}
		if x >= math.MinInt32 && x <= math.MaxInt32 {
			return &plan.Const{Value: datum.NewInt4(x), Typ: types.Int4T}, nil
		}
		return &plan.Const{Value: datum.NewInt8(x), Typ: types.Int8T}, nil
	case uint64:
		return numericLiteral(fmt.Sprint(x))
	case float64:
		return numericLiteral(v.GetDatumString())
	case string:
		return &plan.Const{Value: datum.NewText(x), Typ: types.UnknownT}, nil
	case fmt.Stringer:
		// Decimal literals (1.50).
		return numericLiteral(x.String())
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "literal %s is not supported", v.GetDatumString())
}

func numericLiteral(s string) (plan.Expr, error) {
	d, err := datum.ParseText(s, types.NumericT)
	if err != nil {
		return nil, err
	}
	return &plan.Const{Value: d, Typ: types.NumericT}, nil
}

// binaryOps maps TiDB operators to builtin operator names.
var binaryOps = map[opcode.Op]string{
	opcode.EQ: "=", opcode.NE: "<>", opcode.LT: "<", opcode.LE: "<=", opcode.GT: ">", opcode.GE: ">=",
	opcode.Plus: "+", opcode.Minus: "-", opcode.Mul: "*", opcode.Div: "/", opcode.Mod: "%",
	opcode.And: "&", opcode.Or: "|", opcode.Xor: "#", opcode.LeftShift: "<<", opcode.RightShift: ">>",
}

func (b *builder) binary(s *scope, n *ast.BinaryOperationExpr) (plan.Expr, error) {
	switch n.Op {
	case opcode.LogicAnd, opcode.LogicOr:
		clause := "AND"
		if n.Op == opcode.LogicOr {
			clause = "OR"
		}
		var args []plan.Expr
		for _, side := range []ast.ExprNode{n.L, n.R} {
			e, err := b.expr(s, side)
			if err != nil {
				return nil, err
			}
			if e, err = b.requireBool(e, clause); err != nil {
				return nil, err
			}
			// Flatten nested ANDs (ORs) into one node.
			switch x := e.(type) {
			case *plan.And:
				if n.Op == opcode.LogicAnd {
					args = append(args, x.Args...)
					continue
				}
			case *plan.Or:
				if n.Op == opcode.LogicOr {
					args = append(args, x.Args...)
					continue
				}
			}
			args = append(args, e)
		}
		if n.Op == opcode.LogicAnd {
			return &plan.And{Args: args}, nil
		}
		return &plan.Or{Args: args}, nil
	case opcode.LogicXor:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "XOR is not supported")
	}
	l, err := b.expr(s, n.L)
	if err != nil {
		return nil, err
	}
	r, err := b.expr(s, n.R)
	if err != nil {
		return nil, err
	}
	switch n.Op {
	case opcode.NullEQ:
		return b.notDistinct(l, r)
	case opcode.IntDiv:
		// MySQL's DIV: integer division truncating toward zero, which is
		// Postgres's / on integers.
		if (l.Type().IsInteger() || isUnknown(l)) && (r.Type().IsInteger() || isUnknown(r)) {
			return b.call("/", []plan.Expr{l, r})
		}
		return b.call("div", []plan.Expr{l, r})
	}
	name, ok := binaryOps[n.Op]
	if !ok {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "operator %s is not supported", n.Op)
	}
	return b.call(name, []plan.Expr{l, r})
}

// notDistinct plans "l IS NOT DISTINCT FROM r" (MySQL l <=> r):
// CASE WHEN l IS NULL THEN r IS NULL WHEN r IS NULL THEN false ELSE l = r END.
func (b *builder) notDistinct(l, r plan.Expr) (plan.Expr, error) {
	eq, err := b.call("=", []plan.Expr{l, r})
	if err != nil {
		return nil, err
	}
	// Use the coerced operands so that both sides are typed.
	if c, ok := eq.(*plan.Call); ok && len(c.Args) == 2 {
		l, r = c.Args[0], c.Args[1]
	}
	return &plan.Case{
		Whens: []plan.When{
			{Cond: isNull(l), Then: isNull(r)},
			{Cond: isNull(r), Then: boolConst(false)},
		},
		Else: eq,
		Typ:  types.BoolT,
	}, nil
}

// isNull is "e IS NULL", folded when e is a constant.
func isNull(e plan.Expr) plan.Expr {
	if k, ok := e.(*plan.Const); ok {
		return boolConst(k.Value.IsNull())
	}
	return &plan.IsNull{Arg: e}
}

func boolConst(v bool) *plan.Const { return &plan.Const{Value: datum.NewBool(v), Typ: types.BoolT} }

func nullConst(t types.T) *plan.Const { return &plan.Const{Value: datum.Null, Typ: t} }

func (b *builder) unary(s *scope, n *ast.UnaryOperationExpr) (plan.Expr, error) {
	arg, err := b.expr(s, n.V)
	if err != nil {
		return nil, err
	}
	switch n.Op {
	case opcode.Not, opcode.Not2:
		if arg, err = b.requireBool(arg, "NOT"); err != nil {
			return nil, err
		}
		return &plan.Not{Arg: arg}, nil
	case opcode.Plus:
		return arg, nil
	case opcode.Minus:
		// Fold negative literals so that -2147483648 is an integer.
		if k, ok := arg.(*plan.Const); ok && !k.Value.IsNull() {
			switch k.Typ.Family {
			case types.Int4:
				return &plan.Const{Value: datum.NewInt4(-k.Value.Int()), Typ: types.Int4T}, nil
			case types.Int8:
				v := -k.Value.Int()
				if v >= math.MinInt32 {
					return &plan.Const{Value: datum.NewInt4(v), Typ: types.Int4T}, nil
				}
				return &plan.Const{Value: datum.NewInt8(v), Typ: types.Int8T}, nil
			}
		}
		return b.call("-", []plan.Expr{arg})
	case opcode.BitNeg:
		return b.call("~", []plan.Expr{arg})
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "operator %s is not supported", n.Op)
}

func (b *builder) isTruth(s *scope, n *ast.IsTruthExpr) (plan.Expr, error) {
	arg, err := b.expr(s, n.Expr)
	if err != nil {
		return nil, err
	}
	want := n.True != 0
	if arg, err = b.requireBool(arg, fmt.Sprintf("IS %s", strings.ToUpper(fmt.Sprint(want)))); err != nil {
		return nil, err
	}
	// x IS TRUE: CASE WHEN x IS NULL THEN false ELSE x END (NOT x for FALSE).
	var val plan.Expr = arg
	if !want {
		val = &plan.Not{Arg: arg}
	}
	var e plan.Expr = &plan.Case{
		Whens: []plan.When{{Cond: &plan.IsNull{Arg: arg}, Then: boolConst(false)}},
		Else:  val,
		Typ:   types.BoolT,
	}
	if n.Not {
		e = &plan.Not{Arg: e}
	}
	return e, nil
}

func (b *builder) like(s *scope, n *ast.PatternLikeOrIlikeExpr) (plan.Expr, error) {
	if n.Escape != '\\' && n.Escape != 0 {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "LIKE ... ESCAPE is not supported")
	}
	l, err := b.expr(s, n.Expr)
	if err != nil {
		return nil, err
	}
	r, err := b.expr(s, n.Pattern)
	if err != nil {
		return nil, err
	}
	name := "like"
	if !n.IsLike {
		name = "ilike"
	}
	e, err := b.call(name, []plan.Expr{l, r})
	if err != nil {
		return nil, err
	}
	if n.Not {
		return &plan.Not{Arg: e}, nil
	}
	return e, nil
}

func (b *builder) regexp(s *scope, x, pattern ast.ExprNode, not bool) (plan.Expr, error) {
	l, err := b.expr(s, x)
	if err != nil {
		return nil, err
	}
	r, err := b.expr(s, pattern)
	if err != nil {
		return nil, err
	}
	e, err := b.call("~", []plan.Expr{l, r})
	if err != nil {
		return nil, err
	}
	if not {
		return &plan.Not{Arg: e}, nil
	}
	return e, nil
}

// between plans x BETWEEN a AND b as x >= a AND x <= b.
func (b *builder) between(s *scope, n *ast.BetweenExpr) (plan.Expr, error) {
	x, err := b.expr(s, n.Expr)
	if err != nil {
		return nil, err
	}
	lo, err := b.expr(s, n.Left)
	if err != nil {
		return nil, err
	}
	hi, err := b.expr(s, n.Right)
	if err != nil {
		return nil, err
	}
	ge, err := b.call(">=", []plan.Expr{x, lo})
	if err != nil {
		return nil, err
	}
	le, err := b.call("<=", []plan.Expr{x, hi})
	if err != nil {
		return nil, err
	}
	var e plan.Expr = &plan.And{Args: []plan.Expr{ge, le}}
	if n.Not {
		e = &plan.Not{Arg: e}
	}
	return e, nil
}

func (b *builder) inList(s *scope, n *ast.PatternInExpr) (plan.Expr, error) {
	if n.Sel != nil {
		return b.inSubquery(s, n)
	}
	x, err := b.expr(s, n.Expr)
	if err != nil {
		return nil, err
	}
	all := []plan.Expr{x}
	for _, item := range n.List {
		e, err := b.expr(s, item)
		if err != nil {
			return nil, err
		}
		all = append(all, e)
	}
	t, err := commonType(all)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i], err = b.coerce(all[i], t); err != nil {
			return nil, err
		}
	}
	return &plan.InList{Arg: all[0], List: all[1:], Negated: n.Not}, nil
}

func (b *builder) caseExpr(s *scope, n *ast.CaseExpr) (plan.Expr, error) {
	var operand plan.Expr
	if n.Value != nil {
		var err error
		if operand, err = b.expr(s, n.Value); err != nil {
			return nil, err
		}
	}
	whens := make([]plan.When, len(n.WhenClauses))
	results := make([]plan.Expr, 0, len(n.WhenClauses)+1)
	for i, w := range n.WhenClauses {
		cond, err := b.expr(s, w.Expr)
		if err != nil {
			return nil, err
		}
		if operand != nil {
			if cond, err = b.call("=", []plan.Expr{operand, cond}); err != nil {
				return nil, err
			}
		} else if cond, err = b.requireBool(cond, "CASE/WHEN"); err != nil {
			return nil, err
		}
		then, err := b.expr(s, w.Result)
		if err != nil {
			return nil, err
		}
		whens[i] = plan.When{Cond: cond, Then: then}
		results = append(results, then)
	}
	var els plan.Expr = nullConst(types.UnknownT)
	if n.ElseClause != nil {
		var err error
		if els, err = b.expr(s, n.ElseClause); err != nil {
			return nil, err
		}
	}
	results = append(results, els)
	t, err := commonType(results)
	if err != nil {
		return nil, err
	}
	for i := range whens {
		if whens[i].Then, err = b.coerce(whens[i].Then, t); err != nil {
			return nil, err
		}
	}
	if els, err = b.coerce(els, t); err != nil {
		return nil, err
	}
	return &plan.Case{Whens: whens, Else: els, Typ: t}, nil
}

func (b *builder) funcCall(s *scope, n *ast.FuncCallExpr) (plan.Expr, error) {
	if typeName, arg, ok := parse.CastTarget(n); ok {
		return b.cast(s, typeName, arg)
	}
	if field, arg, ok := parse.ExtractField(n); ok {
		x, err := b.expr(s, arg)
		if err != nil {
			return nil, err
		}
		return b.call("extract", []plan.Expr{&plan.Const{Value: datum.NewText(field), Typ: types.TextT}, x})
	}
	if n.Schema.O != "" && n.Schema.O != "pg_catalog" {
		return nil, sqlerr.New(sqlerr.UndefinedFunction, "function %s.%s does not exist", n.Schema.O, n.FnName.L)
	}
	if name := n.FnName.L; (name == "date_add" || name == "date_sub") && len(n.Args) == 3 {
		if unit, ok := n.Args[2].(*ast.TimeUnitExpr); ok {
			return b.mysqlInterval(s, name, n.Args[0], n.Args[1], unit)
		}
	}
	args := make([]plan.Expr, len(n.Args))
	for i, a := range n.Args {
		e, err := b.expr(s, a)
		if err != nil {
			return nil, err
		}
		args[i] = e
	}
	switch name := n.FnName.L; name {
	case "coalesce", "ifnull":
		t, err := commonType(args)
		if err != nil {
			return nil, err
		}
		for i := range args {
			if args[i], err = b.coerce(args[i], t); err != nil {
				return nil, err
			}
		}
		return &plan.Coalesce{Args: args, Typ: t}, nil
	case "nullif":
		if len(args) != 2 {
			return nil, sqlerr.New(sqlerr.UndefinedFunction, "function nullif with %d arguments does not exist", len(args))
		}
		eq, err := b.call("=", args)
		if err != nil {
			return nil, err
		}
		a := args[0]
		if c, ok := eq.(*plan.Call); ok {
			a = c.Args[0]
		}
		if a, err = b.resolveUnknown(a); err != nil {
			return nil, err
		}
		return &plan.Case{Whens: []plan.When{{Cond: eq, Then: nullConst(a.Type())}}, Else: a, Typ: a.Type()}, nil
	case parse.ConcatFunc:
		// A concat(...) the user wrote: NULL arguments are skipped.
		return b.call("concat", args)
	case "concat":
		// The parser turns a || b into concat(a, b): plan the operator
		// (NULL if either side is NULL), chained left to right.
		if len(args) < 2 {
			return b.call(name, args)
		}
		acc := args[0]
		for _, a := range args[1:] {
			var err error
			if acc, err = b.call("||", []plan.Expr{acc, a}); err != nil {
				return nil, err
			}
		}
		return acc, nil
	default:
		return b.call(name, args)
	}
}

// cast plans CAST(arg AS typeName) (and x::typeName, typed literals).
func (b *builder) cast(s *scope, typeName string, arg ast.ExprNode) (plan.Expr, error) {
	to, err := typeByName(typeName)
	if err != nil {
		return nil, err
	}
	x, err := b.expr(s, arg)
	if err != nil {
		return nil, err
	}
	if x.Type() == to {
		return x, nil
	}
	if isUnknown(x) {
		return b.coerce(x, to)
	}
	if k, ok := x.(*plan.Const); ok {
		e, err := b.coerce(k, to)
		if err != nil {
			return nil, err
		}
		if _, folded := e.(*plan.Const); folded {
			return e, nil
		}
	}
	return &plan.Cast{Arg: x, To: to}, nil
}

// typeByName returns the type a canonical Postgres type name denotes.
func typeByName(name string) (types.T, error) {
	base, mods := parse.SplitTypeName(name)
	switch base {
	case "signed", "signed integer":
		// MySQL's CAST(x AS SIGNED), used by the sqllogictest corpus.
		return types.Int8T, nil
	}
	t, ok := types.ByName(base)
	if !ok {
		return types.T{}, sqlerr.New(sqlerr.UndefinedObject, "type %q does not exist", base)
	}
	switch t.Family {
	case types.Numeric:
		if len(mods) >= 1 {
			if mods[0] < 1 || mods[0] > 1000 {
				return types.T{}, sqlerr.New(sqlerr.InvalidParameterValue,
					"NUMERIC precision %d must be between 1 and 1000", mods[0])
			}
			t.Precision = mods[0]
		}
		if len(mods) >= 2 {
			if mods[1] < 0 || mods[1] > t.Precision {
				return types.T{}, sqlerr.New(sqlerr.InvalidParameterValue,
					"NUMERIC scale %d must be between 0 and precision %d", mods[1], t.Precision)
			}
			t.Scale = mods[1]
		}
	case types.Varchar:
		if len(mods) >= 1 {
			if mods[0] < 1 {
				return types.T{}, sqlerr.New(sqlerr.InvalidParameterValue, "length for type varchar must be at least 1")
			}
			t.Precision = mods[0]
		}
	}
	return t, nil
}

// mysqlInterval plans MySQL's x + INTERVAL n UNIT (which TiDB parses as
// DATE_ADD(x, n, UNIT)) as x + interval 'n unit'.
func (b *builder) mysqlInterval(s *scope, name string, x, n ast.ExprNode, unit *ast.TimeUnitExpr) (plan.Expr, error) {
	v, ok := n.(ast.ValueExpr)
	if !ok {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "INTERVAL with a non-constant value is not supported")
	}
	unitName := strings.ToLower(unit.Unit.String())
	switch unitName {
	case "microsecond", "second", "minute", "hour", "day", "week", "month", "quarter", "year":
	default:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "INTERVAL unit %s is not supported", unit.Unit)
	}
	iv, err := datum.ParseText(fmt.Sprint(v.GetValue())+" "+unitName, types.IntervalT)
	if err != nil {
		return nil, err
	}
	arg, err := b.expr(s, x)
	if err != nil {
		return nil, err
	}
	op := "+"
	if name == "date_sub" {
		op = "-"
	}
	return b.call(op, []plan.Expr{arg, &plan.Const{Value: iv, Typ: types.IntervalT}})
}

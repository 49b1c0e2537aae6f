package plan

import (
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
)

// BindParams returns a copy of the plan rooted at n in which every Param
// is replaced by a Const of the given value ($1 is params[0]). Nodes and
// expressions without parameters are shared, not copied.
func BindParams(n Node, params []datum.Datum) (Node, error) {
	b := binder{params: params}
	out := b.node(n)
	return out, b.err
}

// BindExpr replaces the Params of one expression.
func BindExpr(e Expr, params []datum.Datum) (Expr, error) {
	b := binder{params: params}
	out := b.expr(e)
	return out, b.err
}

type binder struct {
	params []datum.Datum
	err    error
}

func (b *binder) exprs(es []Expr) []Expr {
	var out []Expr
	for i, e := range es {
		ne := b.expr(e)
		if ne != e && out == nil {
			out = make([]Expr, len(es))
			copy(out, es[:i])
		}
		if out != nil {
			out[i] = ne
		}
	}
	if out == nil {
		return es
	}
	return out
}

func (b *binder) expr(e Expr) Expr {
	if e == nil {
		return nil
	}
	switch e := e.(type) {
	case *Param:
		if e.Index < 1 || e.Index > len(b.params) {
			if b.err == nil {
				b.err = sqlerr.New(sqlerr.UndefinedParameter, "there is no parameter $%d", e.Index)
			}
			return e
		}
		return &Const{Value: b.params[e.Index-1], Typ: e.Typ}
	case *Call:
		if args := b.exprs(e.Args); !same(args, e.Args) {
			return &Call{Fn: e.Fn, Args: args}
		}
	case *And:
		if args := b.exprs(e.Args); !same(args, e.Args) {
			return &And{Args: args}
		}
	case *Or:
		if args := b.exprs(e.Args); !same(args, e.Args) {
			return &Or{Args: args}
		}
	case *Not:
		if a := b.expr(e.Arg); a != e.Arg {
			return &Not{Arg: a}
		}
	case *IsNull:
		if a := b.expr(e.Arg); a != e.Arg {
			return &IsNull{Arg: a, Negated: e.Negated}
		}
	case *Case:
		whens := make([]When, len(e.Whens))
		changed := false
		for i, w := range e.Whens {
			whens[i] = When{Cond: b.expr(w.Cond), Then: b.expr(w.Then)}
			changed = changed || whens[i].Cond != w.Cond || whens[i].Then != w.Then
		}
		if el := b.expr(e.Else); changed || el != e.Else {
			return &Case{Whens: whens, Else: el, Typ: e.Typ}
		}
	case *Coalesce:
		if args := b.exprs(e.Args); !same(args, e.Args) {
			return &Coalesce{Args: args, Typ: e.Typ}
		}
	case *InList:
		a, list := b.expr(e.Arg), b.exprs(e.List)
		if a != e.Arg || !same(list, e.List) {
			return &InList{Arg: a, List: list, Negated: e.Negated}
		}
	case *Cast:
		if a := b.expr(e.Arg); a != e.Arg {
			return &Cast{Arg: a, To: e.To, Assign: e.Assign}
		}
	}
	return e
}

func same(a, b []Expr) bool { return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0]) }

func (b *binder) node(n Node) Node {
	switch n := n.(type) {
	case *Filter:
		in, p := b.node(n.Input), b.expr(n.Pred)
		if in != n.Input || p != n.Pred {
			return &Filter{Input: in, Pred: p}
		}
	case *Project:
		in, es := b.node(n.Input), b.exprs(n.Exprs)
		if in != n.Input || !same(es, n.Exprs) {
			return &Project{Input: in, Exprs: es, Cols: n.Cols}
		}
	case *Join:
		l, r := b.node(n.Left), b.node(n.Right)
		lk, rk, res := b.exprs(n.LeftKeys), b.exprs(n.RightKeys), b.expr(n.Residual)
		if l != n.Left || r != n.Right || !same(lk, n.LeftKeys) || !same(rk, n.RightKeys) || res != n.Residual {
			c := *n
			c.Left, c.Right, c.LeftKeys, c.RightKeys, c.Residual = l, r, lk, rk, res
			return &c
		}
	case *Reduce:
		in, keys := b.node(n.Input), b.exprs(n.GroupKeys)
		aggs := make([]Aggregate, len(n.Aggs))
		changed := in != n.Input || !same(keys, n.GroupKeys)
		for i, a := range n.Aggs {
			aggs[i] = a
			aggs[i].Arg = b.expr(a.Arg)
			changed = changed || aggs[i].Arg != a.Arg
		}
		if changed {
			return &Reduce{Input: in, GroupKeys: keys, Aggs: aggs, Cols: n.Cols}
		}
	case *Distinct:
		if in := b.node(n.Input); in != n.Input {
			return &Distinct{Input: in}
		}
	case *Union:
		ins := make([]Node, len(n.Branches))
		changed := false
		for i, c := range n.Branches {
			ins[i] = b.node(c)
			changed = changed || ins[i] != c
		}
		if changed {
			return &Union{Branches: ins}
		}
	case *Negate:
		if in := b.node(n.Input); in != n.Input {
			return &Negate{Input: in}
		}
	case *Threshold:
		if in := b.node(n.Input); in != n.Input {
			return &Threshold{Input: in}
		}
	case *TopK:
		if in := b.node(n.Input); in != n.Input {
			c := *n
			c.Input = in
			return &c
		}
	}
	return n
}

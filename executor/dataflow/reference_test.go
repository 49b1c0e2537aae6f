package dataflow

import (
	"fmt"
	"math/big"
	"slices"

	"github.com/freshet-db/freshet/executor/operator"
	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

// The reference evaluator computes a plan from scratch over the current
// contents of its inputs, by the book: nested loops for joins, a list of
// values per group for aggregates, no incremental state. It is written
// for obviousness, not speed, and shares no code with the operators
// beyond the datum library.

// zrow is a row with a signed multiplicity.
type zrow struct {
	row datum.Row
	n   int64
}

// errBag is a multiset of errors by code and message.
type errBag map[string]int64

func (b errBag) add(err error, n int64) {
	e := operator.AsSQLError(err)
	k := fmt.Sprintf("%s %s", e.Code, e.Message)
	b[k] += n
	if b[k] == 0 {
		delete(b, k)
	}
}

type refDB map[plan.RelationID][]datum.Row

func refEval(n plan.Node, db refDB, errs errBag) []zrow {
	switch n := n.(type) {
	case *plan.Get:
		var out []zrow
		for _, r := range db[n.ID] {
			out = append(out, zrow{r, 1})
		}
		return out
	case *plan.Values:
		var out []zrow
		for _, r := range n.Rows {
			out = append(out, zrow{r, 1})
		}
		return out
	case *plan.Filter:
		var out []zrow
		for _, z := range refEval(n.Input, db, errs) {
			v, err := refExpr(n.Pred, z.row)
			if err != nil {
				errs.add(err, z.n)
				continue
			}
			if !v.IsNull() && v.Bool() {
				out = append(out, z)
			}
		}
		return out
	case *plan.Project:
		var out []zrow
	rows:
		for _, z := range refEval(n.Input, db, errs) {
			var row datum.Row
			for _, e := range n.Exprs {
				v, err := refExpr(e, z.row)
				if err != nil {
					errs.add(err, z.n)
					continue rows
				}
				row = append(row, v)
			}
			out = append(out, zrow{row, z.n})
		}
		return out
	case *plan.Join:
		return refJoin(n, db, errs)
	case *plan.Reduce:
		return refReduce(n, db, errs)
	case *plan.Distinct:
		// One row per class of SQL-equal rows: the representation with
		// the smallest exact encoding.
		var out []zrow
		for _, z := range refConsolidate(refEval(n.Input, db, errs)) {
			if z.n <= 0 {
				continue
			}
			i := slices.IndexFunc(out, func(o zrow) bool {
				return string(datum.EncodeKey(nil, o.row, nil)) == string(datum.EncodeKey(nil, z.row, nil))
			})
			switch {
			case i < 0:
				out = append(out, zrow{z.row, 1})
			case string(datum.EncodeRow(nil, z.row)) < string(datum.EncodeRow(nil, out[i].row)):
				out[i].row = z.row
			}
		}
		return out
	case *plan.Union:
		var out []zrow
		for _, in := range n.Inputs() {
			out = append(out, refEval(in, db, errs)...)
		}
		return out
	case *plan.Negate:
		var out []zrow
		for _, z := range refEval(n.Input, db, errs) {
			out = append(out, zrow{z.row, -z.n})
		}
		return out
	case *plan.TopK:
		return refTopK(n, db, errs)
	case *plan.Threshold:
		// Per class of SQL-equal rows: the total multiplicity if
		// positive, shown as the representation with the smallest exact
		// encoding among those with a positive multiplicity.
		type class struct {
			rep   datum.Row
			total int64
		}
		var classes []*class
		byKey := map[string]*class{}
		for _, z := range refConsolidate(refEval(n.Input, db, errs)) {
			k := string(datum.EncodeKey(nil, z.row, nil))
			c := byKey[k]
			if c == nil {
				c = &class{}
				byKey[k] = c
				classes = append(classes, c)
			}
			c.total += z.n
			if z.n > 0 && (c.rep == nil || string(datum.EncodeRow(nil, z.row)) < string(datum.EncodeRow(nil, c.rep))) {
				c.rep = z.row
			}
		}
		var out []zrow
		for _, c := range classes {
			if c.total > 0 {
				out = append(out, zrow{c.rep, c.total})
			}
		}
		return out
	}
	panic(fmt.Sprintf("reference: unsupported node %T", n))
}

// refConsolidate sums multiplicities of identical rows and drops zeros.
func refConsolidate(in []zrow) []zrow {
	var out []zrow
	for _, z := range in {
		found := false
		for i := range out {
			if identical(out[i].row, z.row) {
				out[i].n += z.n
				found = true
				break
			}
		}
		if !found {
			out = append(out, z)
		}
	}
	return slices.DeleteFunc(out, func(z zrow) bool { return z.n == 0 })
}

func identical(a, b datum.Row) bool {
	return string(datum.EncodeRow(nil, a)) == string(datum.EncodeRow(nil, b))
}

// refKey evaluates join keys left to right, stopping at the first NULL.
func refKey(keys []plan.Expr, row datum.Row) (key datum.Row, null bool, err error) {
	for _, k := range keys {
		v, err := refExpr(k, row)
		if err != nil {
			return nil, false, err
		}
		if v.IsNull() {
			return nil, true, nil
		}
		key = append(key, v)
	}
	return key, false, nil
}

func sqlEqualRows(a, b datum.Row) bool {
	for i := range a {
		if datum.Compare(a[i], b[i]) != 0 {
			return false
		}
	}
	return true
}

func refJoin(n *plan.Join, db refDB, errs errBag) []zrow {
	type side struct {
		z    zrow
		key  datum.Row
		null bool
	}
	eval := func(in []zrow, keys []plan.Expr) []side {
		var out []side
		for _, z := range in {
			k, null, err := refKey(keys, z.row)
			if err != nil {
				errs.add(err, z.n)
				continue
			}
			out = append(out, side{z, k, null})
		}
		return out
	}
	ls := eval(refEval(n.Left, db, errs), n.LeftKeys)
	rs := eval(refEval(n.Right, db, errs), n.RightKeys)
	lw, rw := len(n.Left.Schema()), len(n.Right.Schema())
	pad := func(l, r datum.Row) datum.Row {
		row := make(datum.Row, lw+rw)
		copy(row, l)
		copy(row[lw:], r)
		return row
	}
	var out []zrow
	rMatched := make([]bool, len(rs))
	for _, l := range ls {
		matched := false
		for j, r := range rs {
			if l.null || r.null || !sqlEqualRows(l.key, r.key) {
				continue
			}
			row := pad(l.z.row, r.z.row)
			if n.Residual != nil {
				v, err := refExpr(n.Residual, row)
				if err != nil {
					errs.add(err, l.z.n*r.z.n)
					continue
				}
				if v.IsNull() || !v.Bool() {
					continue
				}
			}
			matched = true
			rMatched[j] = true
			if n.Kind != plan.SemiJoin && n.Kind != plan.AntiJoin {
				out = append(out, zrow{row, l.z.n * r.z.n})
			}
		}
		switch {
		case !matched && (n.Kind == plan.LeftJoin || n.Kind == plan.FullJoin):
			out = append(out, zrow{pad(l.z.row, nil), l.z.n})
		case matched && n.Kind == plan.SemiJoin, !matched && n.Kind == plan.AntiJoin:
			out = append(out, l.z)
		}
	}
	if n.Kind == plan.RightJoin || n.Kind == plan.FullJoin {
		for j, r := range rs {
			if !rMatched[j] {
				out = append(out, zrow{pad(nil, r.z.row), r.z.n})
			}
		}
	}
	return out
}

func refReduce(n *plan.Reduce, db refDB, errs errBag) []zrow {
	type value struct {
		v datum.Datum
		n int64
	}
	type grp struct {
		key   datum.Row
		count int64
		vals  [][]value
	}
	var groups []*grp
	find := func(key datum.Row) *grp {
		for _, g := range groups {
			if string(datum.EncodeKey(nil, g.key, nil)) == string(datum.EncodeKey(nil, key, nil)) {
				// Equal keys of different representation: the group
				// shows the one with the smallest exact encoding.
				if string(datum.EncodeRow(nil, key)) < string(datum.EncodeRow(nil, g.key)) {
					g.key = key
				}
				return g
			}
		}
		g := &grp{key: key, vals: make([][]value, len(n.Aggs))}
		groups = append(groups, g)
		return g
	}
	if len(n.GroupKeys) == 0 {
		find(nil)
	}
rows:
	for _, z := range refEval(n.Input, db, errs) {
		var key datum.Row
		for _, k := range n.GroupKeys {
			v, err := refExpr(k, z.row)
			if err != nil {
				errs.add(err, z.n)
				continue rows
			}
			key = append(key, v)
		}
		g := find(key)
		g.count += z.n
		for i, a := range n.Aggs {
			if a.Func == plan.CountStar {
				continue
			}
			v, err := refExpr(a.Arg, z.row)
			if err != nil {
				errs.add(err, z.n)
				continue
			}
			if !v.IsNull() {
				g.vals[i] = append(g.vals[i], value{v, z.n})
			}
		}
	}
	var out []zrow
groups:
	for _, g := range groups {
		if g.count <= 0 && len(n.GroupKeys) > 0 {
			continue
		}
		row := slices.Clone(g.key)
		for i, a := range n.Aggs {
			if a.Func == plan.CountStar {
				row = append(row, datum.NewInt8(g.count))
				continue
			}
			// Expand multiplicities into a plain list of values.
			var vs []datum.Datum
			for _, v := range g.vals[i] {
				for range v.n {
					vs = append(vs, v.v)
				}
			}
			if a.Distinct {
				// One value per class of equal values: the representation
				// with the smallest exact encoding.
				enc := func(d datum.Datum) string { return string(datum.EncodeRow(nil, datum.Row{d})) }
				var uniq []datum.Datum
				for _, v := range vs {
					i := slices.IndexFunc(uniq, func(u datum.Datum) bool { return datum.Compare(u, v) == 0 })
					switch {
					case i < 0:
						uniq = append(uniq, v)
					case enc(v) < enc(uniq[i]):
						uniq[i] = v
					}
				}
				vs = uniq
			}
			v, err := refAggregate(a, vs)
			if err != nil {
				errs.add(err, 1)
				continue groups
			}
			row = append(row, v)
		}
		out = append(out, zrow{row, 1})
	}
	return out
}

func refAggregate(a plan.Aggregate, vs []datum.Datum) (datum.Datum, error) {
	if a.Func == plan.Count {
		return datum.NewInt8(int64(len(vs))), nil
	}
	if len(vs) == 0 {
		return datum.Null, nil
	}
	switch a.Func {
	case plan.Min, plan.Max:
		// Among equal values of different representation (1.5, 1.50)
		// the one with the smaller encoding wins, as in the operator.
		best := vs[0]
		for _, v := range vs[1:] {
			c := datum.Compare(v, best)
			if a.Func == plan.Max {
				c = -c
			}
			if c < 0 || c == 0 && string(datum.EncodeRow(nil, datum.Row{v})) < string(datum.EncodeRow(nil, datum.Row{best})) {
				best = v
			}
		}
		return best, nil
	case plan.Sum, plan.Avg:
		if k := vs[0].Kind(); k == types.Float8 || k == types.Float4 {
			// The random floats are small dyadic fractions: their
			// naive sum is exact.
			sum := 0.0
			for _, v := range vs {
				sum += v.Float()
			}
			if a.Func == plan.Avg {
				sum /= float64(len(vs))
			}
			return datum.NewFloat8(sum), nil
		}
		// Integers and numerics: sum exactly at the largest scale.
		scale := int32(0)
		for _, v := range vs {
			if v.Kind() == types.Numeric {
				_, s := v.NumericBig()
				scale = max(scale, s)
			}
		}
		sum := new(big.Int)
		for _, v := range vs {
			c, s := v.NumericBig()
			c = new(big.Int).Mul(c, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale-s)), nil))
			sum.Add(sum, c)
		}
		if a.Func == plan.Sum && a.Typ.Family == types.Int8 {
			if !sum.IsInt64() {
				return datum.Null, sqlerr.New(sqlerr.NumericValueOutOfRange, "bigint out of range")
			}
			return datum.NewInt8(sum.Int64()), nil
		}
		s := datum.NewNumericBig(sum, scale)
		if a.Func == plan.Sum {
			return s, nil
		}
		return datum.NumericDiv(s, datum.NumericFromInt(int64(len(vs))))
	}
	panic("reference: unsupported aggregate")
}

// refExpr interprets a scalar expression, left to right, lazily where SQL
// is lazy (AND/OR stop at the deciding value, CASE and COALESCE at the
// chosen branch, IN at the first match).
func refExpr(e plan.Expr, row datum.Row) (datum.Datum, error) {
	switch e := e.(type) {
	case *plan.ColRef:
		return row[e.Index], nil
	case *plan.Const:
		return e.Value, nil
	case *plan.Call:
		args := make([]datum.Datum, len(e.Args))
		anyNull := false
		for i, a := range e.Args {
			v, err := refExpr(a, row)
			if err != nil {
				return datum.Null, err
			}
			args[i] = v
			anyNull = anyNull || v.IsNull()
		}
		if e.Fn.Strict && anyNull {
			return datum.Null, nil
		}
		return e.Fn.Fn(args)
	case *plan.And, *plan.Or:
		var args []plan.Expr
		decisive := false
		if a, ok := e.(*plan.And); ok {
			args = a.Args
		} else {
			args, decisive = e.(*plan.Or).Args, true
		}
		sawNull := false
		for _, a := range args {
			v, err := refExpr(a, row)
			if err != nil {
				return datum.Null, err
			}
			if v.IsNull() {
				sawNull = true
			} else if v.Bool() == decisive {
				return datum.NewBool(decisive), nil
			}
		}
		if sawNull {
			return datum.Null, nil
		}
		return datum.NewBool(!decisive), nil
	case *plan.Not:
		v, err := refExpr(e.Arg, row)
		if err != nil || v.IsNull() {
			return datum.Null, err
		}
		return datum.NewBool(!v.Bool()), nil
	case *plan.IsNull:
		v, err := refExpr(e.Arg, row)
		if err != nil {
			return datum.Null, err
		}
		return datum.NewBool(v.IsNull() != e.Negated), nil
	case *plan.Case:
		for _, w := range e.Whens {
			c, err := refExpr(w.Cond, row)
			if err != nil {
				return datum.Null, err
			}
			if !c.IsNull() && c.Bool() {
				return refExpr(w.Then, row)
			}
		}
		return refExpr(e.Else, row)
	case *plan.Coalesce:
		for _, a := range e.Args {
			v, err := refExpr(a, row)
			if err != nil || !v.IsNull() {
				return v, err
			}
		}
		return datum.Null, nil
	case *plan.InList:
		x, err := refExpr(e.Arg, row)
		if err != nil {
			return datum.Null, err
		}
		unknown := x.IsNull()
		for _, l := range e.List {
			v, err := refExpr(l, row)
			if err != nil {
				return datum.Null, err
			}
			if v.IsNull() {
				unknown = true
			} else if !x.IsNull() && datum.Compare(x, v) == 0 {
				return datum.NewBool(!e.Negated), nil
			}
		}
		if unknown {
			return datum.Null, nil
		}
		return datum.NewBool(e.Negated), nil
	}
	panic(fmt.Sprintf("reference: unsupported expression %T", e))
}

// refTopK sorts each group's rows (expanded by multiplicity) and keeps
// the window [Offset, Offset+Limit).
func refTopK(n *plan.TopK, db refDB, errs errBag) []zrow {
	order := make([]operator.SortKey, len(n.Order))
	for i, o := range n.Order {
		order[i] = operator.SortKey{Col: o.Col, Desc: o.Desc, NullsFirst: o.NullsFirst}
	}
	groups := map[string][]datum.Row{}
	var keys []string
	for _, z := range refConsolidate(refEval(n.Input, db, errs)) {
		k := ""
		if len(n.GroupCols) > 0 {
			k = string(datum.EncodeKey(nil, z.row, n.GroupCols))
		}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		for range z.n {
			groups[k] = append(groups[k], z.row)
		}
	}
	var out []zrow
	for _, k := range keys {
		rows := groups[k]
		slices.SortStableFunc(rows, func(a, b datum.Row) int { return operator.CompareRows(order, a, b) })
		for i, r := range rows {
			if int64(i) < n.Offset || (n.Limit >= 0 && int64(i) >= n.Offset+n.Limit) {
				continue
			}
			out = append(out, zrow{r, 1})
		}
	}
	return out
}

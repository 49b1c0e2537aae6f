package dataflow

import (
	"flag"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/freshet-db/freshet/executor/internal/testutil"
	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/sql/builtin"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/stream"
	"github.com/freshet-db/freshet/sql/types"
)

var (
	seedFlag  = flag.Int64("seed", 0, "seed of the random property tests (0: FRESHET_SEED or the fixed default)")
	plansFlag = flag.Int("plans", 2000, "random plans per property test")
	stepsFlag = flag.Int("steps", 40, "random transactions per plan")
)

func testSeed(t *testing.T) int64 {
	if *seedFlag != 0 {
		return *seedFlag
	}
	if s := os.Getenv("FRESHET_SEED"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("bad FRESHET_SEED %q", s)
		}
		if v == -1 {
			return time.Now().UnixNano()
		}
		return v
	}
	return 20261125
}

// The random tables: t1(a, b, c) and t2(x, y), all bigint, values in a
// tiny domain with NULLs so that keys collide and NULL semantics matter.
const (
	t1 plan.RelationID = 1
	t2 plan.RelationID = 2
)

type gen struct {
	r  *rand.Rand
	fn *testutil.Funcs
}

func int8Schema(names ...string) plan.Schema {
	s := make(plan.Schema, len(names))
	for i, n := range names {
		s[i] = plan.Column{Name: n, Type: types.Int8T, Nullable: true}
	}
	return s
}

func (g *gen) value() datum.Datum {
	if g.r.Intn(6) == 0 {
		return datum.Null
	}
	return datum.NewInt8(int64(g.r.Intn(4)))
}

func (g *gen) row(width int) datum.Row {
	r := make(datum.Row, width)
	for i := range r {
		r[i] = g.value()
	}
	return r
}

func colsOf(s plan.Schema, f types.Family) []int {
	var out []int
	for i, c := range s {
		if c.Type.Family == f {
			out = append(out, i)
		}
	}
	return out
}

// intExpr returns a random bigint expression over the schema.
func (g *gen) intExpr(s plan.Schema, depth int) plan.Expr {
	ints := colsOf(s, types.Int8)
	if depth <= 0 || g.r.Intn(3) == 0 {
		if len(ints) > 0 && g.r.Intn(4) != 0 {
			i := ints[g.r.Intn(len(ints))]
			return &plan.ColRef{Index: i, Typ: types.Int8T, Name: s[i].Name}
		}
		if g.r.Intn(5) == 0 {
			return &plan.Const{Value: datum.Null, Typ: types.Int8T}
		}
		return &plan.Const{Value: datum.NewInt8(int64(g.r.Intn(5) - 1)), Typ: types.Int8T}
	}
	switch g.r.Intn(8) {
	case 0, 1:
		return &plan.Call{Fn: g.fn.Plus, Args: []plan.Expr{g.intExpr(s, depth-1), g.intExpr(s, depth-1)}}
	case 2:
		return &plan.Call{Fn: g.fn.Minus, Args: []plan.Expr{g.intExpr(s, depth-1), g.intExpr(s, depth-1)}}
	case 3:
		return &plan.Call{Fn: g.fn.Times, Args: []plan.Expr{g.intExpr(s, depth-1), g.intExpr(s, depth-1)}}
	case 4:
		if g.r.Intn(3) == 0 {
			return &plan.Call{Fn: g.fn.Div, Args: []plan.Expr{g.intExpr(s, depth-1), g.intExpr(s, depth-1)}}
		}
		return &plan.Coalesce{Args: []plan.Expr{g.intExpr(s, depth-1), g.intExpr(s, depth-1)}, Typ: types.Int8T}
	case 5:
		return &plan.Case{Whens: []plan.When{{Cond: g.boolExpr(s, depth-1), Then: g.intExpr(s, depth-1)}},
			Else: g.intExpr(s, depth-1), Typ: types.Int8T}
	default:
		return g.intExpr(s, 0)
	}
}

// boolExpr returns a random boolean expression over the schema.
func (g *gen) boolExpr(s plan.Schema, depth int) plan.Expr {
	if bools := colsOf(s, types.Bool); len(bools) > 0 && g.r.Intn(5) == 0 {
		i := bools[g.r.Intn(len(bools))]
		return &plan.ColRef{Index: i, Typ: types.BoolT, Name: s[i].Name}
	}
	cmp := func() plan.Expr {
		fns := []*builtin.Overload{g.fn.Eq, g.fn.Lt, g.fn.Le, g.fn.Ne}
		return &plan.Call{Fn: fns[g.r.Intn(len(fns))], Args: []plan.Expr{g.intExpr(s, depth-1), g.intExpr(s, depth-1)}}
	}
	if depth <= 0 {
		return cmp()
	}
	switch g.r.Intn(9) {
	case 0:
		return &plan.And{Args: []plan.Expr{g.boolExpr(s, depth-1), g.boolExpr(s, depth-1)}}
	case 1:
		return &plan.Or{Args: []plan.Expr{g.boolExpr(s, depth-1), g.boolExpr(s, depth-1)}}
	case 2:
		return &plan.Not{Arg: g.boolExpr(s, depth-1)}
	case 3:
		return &plan.IsNull{Arg: g.intExpr(s, depth-1), Negated: g.r.Intn(2) == 0}
	case 4:
		list := []plan.Expr{g.intExpr(s, 0), g.intExpr(s, 0)}
		if g.r.Intn(2) == 0 {
			list = append(list, g.intExpr(s, 0))
		}
		return &plan.InList{Arg: g.intExpr(s, depth-1), List: list, Negated: g.r.Intn(2) == 0}
	default:
		return cmp()
	}
}

// node returns a random plan of bounded depth.
func (g *gen) node(depth int) plan.Node {
	if depth <= 0 {
		return g.leaf()
	}
	switch g.r.Intn(13) {
	case 0, 1:
		in := g.node(depth - 1)
		return &plan.Filter{Input: in, Pred: g.boolExpr(in.Schema(), 2)}
	case 2:
		return g.project(g.node(depth-1), 1+g.r.Intn(3))
	case 3, 4, 5:
		return g.join(depth)
	case 6, 7:
		return g.reduce(g.node(depth - 1))
	case 8:
		return &plan.Distinct{Input: g.node(depth - 1)}
	case 9:
		w := 1 + g.r.Intn(2)
		return newUnion(g.project(g.node(depth-1), w), g.project(g.node(depth-1), w))
	case 10:
		// EXCEPT ALL: Threshold(a + Negate(b)).
		w := 1 + g.r.Intn(2)
		a, b := g.project(g.node(depth-1), w), g.project(g.node(depth-1), w)
		return &plan.Threshold{Input: newUnion(a, &plan.Negate{Input: b})}
	case 11:
		in := g.node(depth - 1)
		w := len(in.Schema())
		tk := &plan.TopK{Input: in, Limit: int64(g.r.Intn(4)) - 1, Offset: int64(g.r.Intn(3))}
		for c := 0; c < w; c++ {
			if g.r.Intn(3) == 0 {
				tk.GroupCols = append(tk.GroupCols, c)
			}
		}
		for k := 1 + g.r.Intn(2); k > 0; k-- {
			tk.Order = append(tk.Order, plan.SortKey{Col: g.r.Intn(w), Desc: g.r.Intn(2) == 0, NullsFirst: g.r.Intn(2) == 0})
		}
		return tk
	default:
		return g.leaf()
	}
}

func (g *gen) leaf() plan.Node {
	switch g.r.Intn(7) {
	case 0:
		rows := make([]datum.Row, g.r.Intn(3))
		for i := range rows {
			rows[i] = g.row(2)
		}
		return &plan.Values{Rows: rows, Cols: int8Schema("v1", "v2")}
	case 1, 2, 3:
		return &plan.Get{ID: t1, Name: "t1", Cols: int8Schema("a", "b", "c")}
	default:
		return &plan.Get{ID: t2, Name: "t2", Cols: int8Schema("x", "y")}
	}
}

// project returns a projection of in to w bigint columns.
func (g *gen) project(in plan.Node, w int) plan.Node {
	p := &plan.Project{Input: in}
	for i := 0; i < w; i++ {
		p.Exprs = append(p.Exprs, g.intExpr(in.Schema(), 2))
		p.Cols = append(p.Cols, plan.Column{Name: fmt.Sprintf("p%d", i), Type: types.Int8T, Nullable: true})
	}
	return p
}

func (g *gen) join(depth int) plan.Node {
	l, r := g.node(depth-1), g.node(depth-1)
	kinds := []plan.JoinKind{plan.InnerJoin, plan.InnerJoin, plan.LeftJoin, plan.RightJoin, plan.FullJoin, plan.SemiJoin, plan.AntiJoin}
	j := &plan.Join{Left: l, Right: r, Kind: kinds[g.r.Intn(len(kinds))]}
	nkeys := g.r.Intn(3)
	li, ri := colsOf(l.Schema(), types.Int8), colsOf(r.Schema(), types.Int8)
	if len(li) == 0 || len(ri) == 0 {
		nkeys = 0
	}
	for k := 0; k < nkeys; k++ {
		if g.r.Intn(4) == 0 {
			j.LeftKeys = append(j.LeftKeys, g.intExpr(l.Schema(), 1))
		} else {
			c := li[g.r.Intn(len(li))]
			j.LeftKeys = append(j.LeftKeys, &plan.ColRef{Index: c, Typ: types.Int8T})
		}
		c := ri[g.r.Intn(len(ri))]
		j.RightKeys = append(j.RightKeys, &plan.ColRef{Index: c, Typ: types.Int8T})
	}
	both := append(append(plan.Schema{}, l.Schema()...), r.Schema()...)
	if g.r.Intn(3) == 0 || nkeys == 0 && g.r.Intn(2) == 0 {
		j.Residual = g.boolExpr(both, 1)
	}
	for _, c := range both {
		c.Nullable = true
		j.Cols = append(j.Cols, c)
	}
	if j.Kind == plan.SemiJoin || j.Kind == plan.AntiJoin {
		j.Cols = l.Schema()
	}
	return j
}

func (g *gen) reduce(in plan.Node) plan.Node {
	s := in.Schema()
	red := &plan.Reduce{Input: in}
	ints := colsOf(s, types.Int8)
	for k := g.r.Intn(3); k > 0 && len(ints) > 0; k-- {
		c := ints[g.r.Intn(len(ints))]
		red.GroupKeys = append(red.GroupKeys, &plan.ColRef{Index: c, Typ: types.Int8T})
		red.Cols = append(red.Cols, plan.Column{Name: fmt.Sprintf("k%d", k), Type: types.Int8T, Nullable: true})
	}
	for a := 1 + g.r.Intn(3); a > 0; a-- {
		agg := plan.Aggregate{Func: plan.AggFunc(g.r.Intn(6))}
		if agg.Func != plan.CountStar {
			if len(ints) == 0 {
				agg.Func = plan.CountStar
			} else {
				agg.Arg = g.intExpr(s, 1)
				agg.Distinct = g.r.Intn(4) == 0
			}
		}
		switch agg.Func {
		case plan.CountStar, plan.Count:
			agg.Typ = types.Int8T
		case plan.Sum, plan.Avg:
			agg.Typ = types.NumericT
		default:
			agg.Typ = types.Int8T
		}
		red.Aggs = append(red.Aggs, agg)
		red.Cols = append(red.Cols, plan.Column{Name: agg.Func.String(), Type: agg.Typ, Nullable: true})
	}
	return red
}

// tables is the current contents of the random tables.
type tables map[plan.RelationID][]datum.Row

// txn returns a random transaction against db (as deltas) and applies it.
func (g *gen) txn(db tables) map[plan.RelationID][]stream.Update {
	deltas := map[plan.RelationID][]stream.Update{}
	for n := g.r.Intn(5); n > 0; n-- {
		id, w := t1, 3
		if g.r.Intn(2) == 0 {
			id, w = t2, 2
		}
		rows := db[id]
		switch op := g.r.Intn(3); {
		case op == 0 || len(rows) == 0 || len(rows) < 4 && op == 1: // insert
			r := g.row(w)
			db[id] = append(rows, r)
			deltas[id] = append(deltas[id], stream.Update{Row: r, Diff: 1})
		case op == 1: // delete
			i := g.r.Intn(len(rows))
			deltas[id] = append(deltas[id], stream.Update{Row: rows[i], Diff: -1})
			db[id] = append(rows[:i:i], rows[i+1:]...)
		default: // update: -old +new at the same time
			i := g.r.Intn(len(rows))
			old := rows[i]
			nr := append(datum.Row{}, old...)
			nr[g.r.Intn(w)] = g.value()
			deltas[id] = append(deltas[id], stream.Update{Row: old, Diff: -1}, stream.Update{Row: nr, Diff: 1})
			db[id] = append(append(rows[:i:i], rows[i+1:]...), nr)
		}
	}
	return deltas
}

// multiset renders a collection of rows as sorted lines "row xN".
func multiset(rows map[string]int64) string {
	var lines []string
	for enc, n := range rows {
		if n == 0 {
			continue
		}
		r, _ := datum.DecodeRow([]byte(enc), nil)
		lines = append(lines, fmt.Sprintf("%s x%d", testutil.FormatRow(r), n))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func refMultiset(zs []zrow) string {
	m := map[string]int64{}
	for _, z := range zs {
		m[string(datum.EncodeRow(nil, z.row))] += z.n
	}
	return multiset(m)
}

func outputMultiset(df *Dataflow) string {
	m := map[string]int64{}
	df.Output().Scan(func(r datum.Row, n stream.Diff) bool {
		m[string(datum.EncodeRow(nil, r))] += int64(n)
		return true
	})
	return multiset(m)
}

func bagString(b errBag) string {
	var out []string
	for k, n := range b {
		out = append(out, fmt.Sprintf("%s x%d", k, n))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// TestRandomPlans is the main property test: random plans over random
// transactions; after every step the maintained output and error
// collection must equal the plan evaluated from scratch.
func TestRandomPlans(t *testing.T) {
	seed := testSeed(t)
	g := &gen{r: rand.New(rand.NewSource(seed)), fn: testutil.NewFuncs()}
	plans, steps := *plansFlag, *stepsFlag
	if testing.Short() {
		plans /= 10
	}
	checked, nonEmpty, withErrs := 0, 0, 0
	for p := 0; p < plans; p++ {
		root := g.node(1 + g.r.Intn(3))
		df, err := Build(root)
		if err != nil {
			t.Fatalf("seed %d plan %d: build: %v", seed, p, err)
		}
		db := tables{}
		// Hydrate from a random initial state.
		for i := g.r.Intn(6); i > 0; i-- {
			db[t1] = append(db[t1], g.row(3))
			db[t2] = append(db[t2], g.row(2))
		}
		deltas := map[plan.RelationID][]stream.Update{}
		for id, rows := range db {
			for _, r := range rows {
				deltas[id] = append(deltas[id], stream.Update{Row: r, Diff: 1})
			}
		}
		for s := 0; s <= steps; s++ {
			if s > 0 {
				deltas = g.txn(db)
			}
			ts := stream.Timestamp(s + 1)
			out, err := df.Step(ts, deltas)
			if err != nil {
				t.Fatalf("seed %d plan %d step %d: %v", seed, p, s, err)
			}
			for _, u := range out {
				if u.Time != ts || u.Diff == 0 {
					t.Fatalf("seed %d plan %d step %d: bad output update %v", seed, p, s, u)
				}
			}
			errs := errBag{}
			want := refMultiset(refEval(root, refDB(db), errs))
			got := outputMultiset(df)
			wantErrs, gotErrs := bagString(errs), strings.Join(df.sortedErrors(), "\n")
			if want != got || wantErrs != gotErrs {
				t.Fatalf("seed %d plan %d step %d: mismatch\ndataflow:\n%s\ntables: %v\nwant rows:\n%s\ngot rows:\n%s\nwant errors:\n%s\ngot errors:\n%s",
					seed, p, s, df.Explain(), db, want, got, wantErrs, gotErrs)
			}
			checked++
			if want != "" {
				nonEmpty++
			}
			if wantErrs != "" {
				withErrs++
			}
		}
	}
	t.Logf("seed %d: %d plans, %d steps checked (%d with rows, %d with errors)", seed, plans, checked, nonEmpty, withErrs)
}

// newUnion builds a Union node.
func newUnion(inputs ...plan.Node) plan.Node { return &plan.Union{Branches: inputs} }

package dataflow

import (
	"math/rand"
	"testing"

	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/stream"
	"github.com/freshet-db/freshet/sql/types"
)

// TestRandomAggregates checks aggregates over numeric and float values
// (scales that differ for equal values, negative values, NULLs) under
// random transactions against the reference evaluator.
func TestRandomAggregates(t *testing.T) {
	seed := testSeed(t)
	r := rand.New(rand.NewSource(seed))
	const t3 plan.RelationID = 3
	cols := plan.Schema{
		{Name: "g", Type: types.Int8T, Nullable: true},
		{Name: "n", Type: types.NumericT, Nullable: true},
		{Name: "f", Type: types.Float8T, Nullable: true},
	}
	nums := []datum.Datum{datum.Null, datum.NewNumeric(15, 1), datum.NewNumeric(150, 2), datum.NewNumeric(2, 0), datum.NewNumeric(-25, 2), datum.NewNumeric(10, 0)}
	floats := []datum.Datum{datum.Null, datum.NewFloat8(0.5), datum.NewFloat8(1.25), datum.NewFloat8(-2), datum.NewFloat8(3)}
	row := func() datum.Row {
		g := datum.Null
		if r.Intn(5) != 0 {
			g = datum.NewInt8(int64(r.Intn(3)))
		}
		return datum.Row{g, nums[r.Intn(len(nums))], floats[r.Intn(len(floats))]}
	}
	plans := *plansFlag / 10
	for p := 0; p < plans; p++ {
		red := &plan.Reduce{Input: &plan.Get{ID: t3, Name: "t3", Cols: cols}}
		if r.Intn(4) != 0 {
			// Group by g, or by the numeric or float column, whose equal
			// values come in several representations (1.5 and 1.50).
			k := r.Intn(3)
			red.GroupKeys = []plan.Expr{&plan.ColRef{Index: k, Typ: cols[k].Type}}
			red.Cols = append(red.Cols, cols[k])
		}
		for a := 1 + r.Intn(4); a > 0; a-- {
			c := 1 + r.Intn(2)
			agg := plan.Aggregate{Func: plan.AggFunc(1 + r.Intn(5)), Arg: &plan.ColRef{Index: c, Typ: cols[c].Type}, Distinct: r.Intn(4) == 0}
			switch agg.Func {
			case plan.Count:
				agg.Typ = types.Int8T
			case plan.Min, plan.Max:
				agg.Typ = cols[c].Type
			default:
				agg.Typ = cols[c].Type // sum/avg of numeric is numeric, of float8 float8
			}
			red.Aggs = append(red.Aggs, agg)
			red.Cols = append(red.Cols, plan.Column{Name: agg.Func.String(), Type: agg.Typ, Nullable: true})
		}
		var root plan.Node = red
		proj := func(c int) plan.Node {
			return &plan.Project{Input: red.Input, Exprs: []plan.Expr{&plan.ColRef{Index: c, Typ: cols[c].Type}}, Cols: cols[c : c+1]}
		}
		switch r.Intn(6) {
		case 0:
			root = &plan.Distinct{Input: &plan.Project{Input: red.Input,
				Exprs: []plan.Expr{&plan.ColRef{Index: 1, Typ: types.NumericT}, &plan.ColRef{Index: 2, Typ: types.Float8T}},
				Cols:  cols[1:]}}
		case 1:
			// EXCEPT ALL: the numeric column of all rows minus that of
			// the rows with a non-NULL g, where equal values come in
			// different scales on the two sides.
			withG := &plan.Project{Input: &plan.Filter{Input: red.Input, Pred: &plan.IsNull{Arg: &plan.ColRef{Index: 0, Typ: types.Int8T}, Negated: true}},
				Exprs: []plan.Expr{&plan.ColRef{Index: 1, Typ: types.NumericT}}, Cols: cols[1:2]}
			root = &plan.Threshold{Input: newUnion(proj(1), &plan.Negate{Input: withG})}
		}
		df, err := Build(root)
		if err != nil {
			t.Fatalf("seed %d plan %d: %v", seed, p, err)
		}
		var rows []datum.Row
		for s := 1; s <= *stepsFlag; s++ {
			var delta []stream.Update
			for n := r.Intn(4); n > 0; n-- {
				if len(rows) > 0 && r.Intn(2) == 0 {
					i := r.Intn(len(rows))
					delta = append(delta, stream.Update{Row: rows[i], Diff: -1})
					rows = append(rows[:i:i], rows[i+1:]...)
				} else {
					nr := row()
					delta = append(delta, stream.Update{Row: nr, Diff: 1})
					rows = append(rows, nr)
				}
			}
			if _, err := df.Step(stream.Timestamp(s), map[plan.RelationID][]stream.Update{t3: delta}); err != nil {
				t.Fatalf("seed %d plan %d step %d: %v", seed, p, s, err)
			}
			errs := errBag{}
			want := refMultiset(refEval(root, refDB{t3: rows}, errs))
			if got := outputMultiset(df); got != want || len(errs) != 0 || df.Errors() != nil {
				t.Fatalf("seed %d plan %d step %d:\n%s\nrows: %v\nwant:\n%s\ngot:\n%s\nerrors: %v %v", seed, p, s, df.Explain(), rows, want, got, errs, df.Errors())
			}
		}
	}
}

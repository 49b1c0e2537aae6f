package operator

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/freshet-db/freshet/executor/expr"
	"github.com/freshet-db/freshet/executor/internal/testutil"
	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/stream"
	"github.com/freshet-db/freshet/sql/types"
)

// TestDataDriven runs the operator golden files in testdata. Directives:
//
//	new-filter pred=#1>2               (also #i<c, #i=c, #i/#j>c)
//	new-project exprs=(#1,#0/#1)
//	new-join kind=inner lkeys=(0) rkeys=(0) lwidth=2 rwidth=2 [residual=#1<#3]
//	new-reduce keys=(0) aggs=(count*,count:1,sum:1,avg:1,min:1,max:1,countd:1)
//	new-distinct | new-threshold | new-negate | new-union inputs=2
//	new-values    (rows in the input block)
//	push [input=left|right|N]          (updates in the input block)
//	step                               (prints the output delta and errors)
//	dump-arrangement side=left|right   (join state)
//
// Rerun with -rewrite to regenerate the expected output.
func TestDataDriven(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		h := &harness{fn: testutil.NewFuncs()}
		datadriven.RunTest(t, path, h.run)
	})
}

type harness struct {
	fn     *testutil.Funcs
	op     Operator
	inputs int
	queued [][]stream.Update
	ts     stream.Timestamp
}

func (h *harness) reset(op Operator, inputs int) {
	h.op, h.inputs, h.ts = op, inputs, 0
	h.queued = make([][]stream.Update, inputs)
}

func (h *harness) run(t *testing.T, d *datadriven.TestData) string {
	switch d.Cmd {
	case "new-filter":
		var pred string
		d.ScanArgs(t, "pred", &pred)
		h.reset(NewFilter(h.compile(t, pred), pred), 1)
	case "new-project":
		arg, _ := d.Arg("exprs")
		var evs []expr.Evaluator
		for _, e := range arg.Vals {
			evs = append(evs, h.compile(t, e))
		}
		h.reset(NewProject(evs, arg.Vals), 1)
	case "new-join":
		h.reset(NewJoin(h.joinSpec(t, d)), 2)
	case "new-reduce":
		keysArg, _ := d.Arg("keys")
		var keys []expr.Evaluator
		var keyDescs []string
		for _, k := range keysArg.Vals {
			if k != "" {
				keys = append(keys, h.col(t, k))
				keyDescs = append(keyDescs, "#"+k)
			}
		}
		aggsArg, _ := d.Arg("aggs")
		var aggs []AggSpec
		for _, a := range aggsArg.Vals {
			aggs = append(aggs, h.agg(t, a))
		}
		r, err := NewReduce(keys, keyDescs, aggs)
		if err != nil {
			return "error: " + err.Error()
		}
		h.reset(r, 1)
	case "new-topk":
		var groups []int
		if a, ok := d.Arg("group"); ok {
			for _, v := range a.Vals {
				if v != "" {
					c, _ := strconv.Atoi(v)
					groups = append(groups, c)
				}
			}
		}
		var order []SortKey
		a, _ := d.Arg("order")
		for _, v := range a.Vals {
			f := strings.Fields(v)
			c, _ := strconv.Atoi(f[0])
			k := SortKey{Col: c}
			for _, m := range f[1:] {
				switch m {
				case "desc":
					k.Desc = true
				case "nullsfirst":
					k.NullsFirst = true
				}
			}
			order = append(order, k)
		}
		var limit, offset int64
		d.ScanArgs(t, "limit", &limit)
		d.MaybeScanArgs(t, "offset", &offset)
		h.reset(NewTopK(groups, order, limit, offset), 1)
	case "new-distinct":
		h.reset(NewDistinct(), 1)
	case "new-threshold":
		h.reset(NewThreshold(), 1)
	case "new-negate":
		h.reset(NewNegate(), 1)
	case "new-union":
		n := 2
		d.MaybeScanArgs(t, "inputs", &n)
		h.reset(NewUnion(), n)
	case "new-values":
		var rows []datum.Row
		for _, u := range h.updates(t, d.Input) {
			rows = append(rows, u.Row)
		}
		h.reset(NewValues(rows), 0)
	case "push":
		i := 0
		if arg, ok := d.Arg("input"); ok {
			switch v := arg.SingleVal(t); v {
			case "left":
			case "right":
				i = 1
			default:
				i, _ = strconv.Atoi(v)
			}
		}
		h.queued[i] = append(h.queued[i], h.updates(t, d.Input)...)
		return ""
	case "step":
		h.ts++
		s := &Scope{Time: h.ts, First: h.ts == 1}
		out, err := h.op.Step(context.Background(), s, h.queued)
		h.queued = make([][]stream.Update, h.inputs)
		if err != nil {
			return "error: " + err.Error()
		}
		return formatStep(testutil.ConsolidateExact(out), s.Errs)
	case "dump-arrangement":
		j, ok := h.op.(*Join)
		if !ok {
			t.Fatalf("dump-arrangement needs a join")
		}
		var side string
		d.ScanArgs(t, "side", &side)
		a := j.left
		if side == "right" {
			a = j.right
		}
		var lines []string
		a.ScanKeys(func(k string) bool {
			key, _ := datum.DecodeRow([]byte(k), nil)
			a.Lookup([]byte(k), func(r datum.Row, n stream.Diff) bool {
				lines = append(lines, fmt.Sprintf("%s -> %s x%d", testutil.FormatRow(key), testutil.FormatRow(r), n))
				return true
			})
			return true
		})
		sort.Strings(lines)
		return strings.Join(append(lines, fmt.Sprintf("keys=%d rows=%d", a.Keys(), a.Len())), "\n")
	case "explain":
		return h.op.Explain()
	default:
		t.Fatalf("unknown directive %q", d.Cmd)
	}
	return h.op.Explain()
}

func formatStep(out []stream.Update, errs []ErrUpdate) string {
	var lines []string
	if s := testutil.FormatUpdates(out); s != "" {
		lines = append(lines, s)
	}
	var el []string
	for _, e := range errs {
		el = append(el, fmt.Sprintf("error %s %q %+d", e.Err.Code, e.Err.Message, e.Diff))
	}
	sort.Strings(el)
	lines = append(lines, el...)
	if len(lines) == 0 {
		return "(no change)"
	}
	return strings.Join(lines, "\n")
}

func (h *harness) updates(t *testing.T, input string) []stream.Update {
	var us []stream.Update
	for _, line := range strings.Split(input, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		u, err := testutil.ParseUpdate(line)
		if err != nil {
			t.Fatal(err)
		}
		us = append(us, u)
	}
	return us
}

func (h *harness) col(t *testing.T, s string) expr.Evaluator {
	i, err := strconv.Atoi(strings.TrimPrefix(s, "#"))
	if err != nil {
		t.Fatalf("bad column %q", s)
	}
	ev, err := expr.Compile(&plan.ColRef{Index: i, Typ: types.Int8T})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// term parses "#i", an integer, or "#i/#j".
func (h *harness) term(t *testing.T, s string) plan.Expr {
	if a, b, ok := strings.Cut(s, "/"); ok {
		return &plan.Call{Fn: h.fn.Div, Args: []plan.Expr{h.term(t, a), h.term(t, b)}}
	}
	if a, b, ok := strings.Cut(s, "+"); ok {
		return &plan.Call{Fn: h.fn.Plus, Args: []plan.Expr{h.term(t, a), h.term(t, b)}}
	}
	if strings.HasPrefix(s, "#") {
		i, err := strconv.Atoi(s[1:])
		if err != nil {
			t.Fatalf("bad column %q", s)
		}
		return &plan.ColRef{Index: i, Typ: types.Int8T}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("bad term %q", s)
	}
	return &plan.Const{Value: datum.NewInt8(v), Typ: types.Int8T}
}

// compile parses "term", "term>term", "term<term" or "term=term".
func (h *harness) compile(t *testing.T, s string) expr.Evaluator {
	var e plan.Expr
	if i := strings.IndexAny(s, "<>="); i >= 0 {
		l, r := h.term(t, s[:i]), h.term(t, s[i+1:])
		switch s[i] {
		case '<':
			e = &plan.Call{Fn: h.fn.Lt, Args: []plan.Expr{l, r}}
		case '>':
			e = &plan.Call{Fn: h.fn.Lt, Args: []plan.Expr{r, l}}
		default:
			e = &plan.Call{Fn: h.fn.Eq, Args: []plan.Expr{l, r}}
		}
	} else {
		e = h.term(t, s)
	}
	ev, err := expr.Compile(e)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func (h *harness) joinSpec(t *testing.T, d *datadriven.TestData) JoinSpec {
	var kind string
	spec := JoinSpec{}
	d.ScanArgs(t, "kind", &kind)
	for k := InnerJoin; k <= AntiJoin; k++ {
		if k.String() == kind {
			spec.Kind = k
		}
	}
	d.ScanArgs(t, "lwidth", &spec.LeftWidth)
	d.ScanArgs(t, "rwidth", &spec.RightWidth)
	if a, ok := d.Arg("lkeys"); ok {
		for _, v := range a.Vals {
			spec.LeftKeys = append(spec.LeftKeys, h.col(t, v))
			spec.LeftKeyDescs = append(spec.LeftKeyDescs, "#"+v)
		}
	}
	if a, ok := d.Arg("rkeys"); ok {
		for _, v := range a.Vals {
			spec.RightKeys = append(spec.RightKeys, h.col(t, v))
			spec.RightKeyDescs = append(spec.RightKeyDescs, "#"+v)
		}
	}
	if a, ok := d.Arg("residual"); ok {
		spec.Residual = h.compile(t, a.SingleVal(t))
		spec.ResidualDesc = a.SingleVal(t)
	}
	return spec
}

// agg parses count*, count:i, sum:i, avg:i, min:i, max:i, countd:i, sumd:i
// (bigint arguments; sumn:i/avgn:i take numeric arguments).
func (h *harness) agg(t *testing.T, s string) AggSpec {
	if s == "count*" {
		return AggSpec{Func: CountStar, Result: types.Int8T, Desc: s}
	}
	name, col, ok := strings.Cut(s, ":")
	if !ok {
		t.Fatalf("bad aggregate %q", s)
	}
	arg := h.col
	if strings.Contains(col, "/") {
		// i/j divides two columns (to provoke errors).
		col = "#" + strings.ReplaceAll(col, "/", "/#")
		arg = h.compile
	}
	spec := AggSpec{Arg: arg(t, col), ArgType: types.Int8T, Desc: s}
	if strings.HasSuffix(name, "n") && name != "min" {
		name, spec.ArgType = strings.TrimSuffix(name, "n"), types.NumericT
	}
	if strings.HasSuffix(name, "d") {
		name, spec.Distinct = strings.TrimSuffix(name, "d"), true
	}
	switch name {
	case "count":
		spec.Func, spec.Result = Count, types.Int8T
	case "sum":
		spec.Func, spec.Result = Sum, types.NumericT
	case "avg":
		spec.Func, spec.Result = Avg, types.NumericT
	case "min":
		spec.Func, spec.Result = Min, spec.ArgType
	case "max":
		spec.Func, spec.Result = Max, spec.ArgType
	default:
		t.Fatalf("bad aggregate %q", s)
	}
	return spec
}

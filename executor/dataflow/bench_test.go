package dataflow

import (
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/freshet-db/freshet/executor/arrangement"
	"github.com/freshet-db/freshet/executor/internal/testutil"
	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/stream"
	"github.com/freshet-db/freshet/sql/types"
)

// The benchmarks report updates/s through typical dataflows, with batches
// of benchBatch updates per step (one transaction each).
const benchBatch = 1000

func i8(i int, name string) *plan.ColRef { return &plan.ColRef{Index: i, Typ: types.Int8T, Name: name} }

func runBench(b *testing.B, root plan.Node, batches func(step int) map[plan.RelationID][]stream.Update, warm int) {
	df, err := Build(root)
	if err != nil {
		b.Fatal(err)
	}
	ts := stream.Timestamp(1)
	for s := 0; s < warm; s++ {
		if _, err := df.Step(ts, batches(s)); err != nil {
			b.Fatal(err)
		}
		ts++
	}
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	var cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		d := batches(warm + i)
		for _, us := range d {
			n += len(us)
		}
		b.StartTimer()
		c0 := cpuTime()
		if _, err := df.Step(ts, d); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - c0
		ts++
	}
	b.StopTimer()
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "updates/s")
	// Updates per CPU-second of the process during the steps: the
	// per-core rate, less sensitive than wall time to other load on the
	// machine (it includes the garbage collector's work).
	b.ReportMetric(float64(n)/cpu.Seconds(), "updates/cpu-s")
}

// BenchmarkFilterProject: SELECT a, a + b FROM t WHERE b > 10, with
// inserts of fresh rows and deletes of earlier ones.
func BenchmarkFilterProject(b *testing.B) {
	fn := testutil.NewFuncs()
	get := &plan.Get{ID: 1, Name: "t", Cols: int8Schema("a", "b")}
	root := &plan.Project{
		Input: &plan.Filter{Input: get, Pred: &plan.Call{Fn: fn.Lt, Args: []plan.Expr{&plan.Const{Value: datum.NewInt8(10), Typ: types.Int8T}, i8(1, "b")}}},
		Exprs: []plan.Expr{i8(0, "a"), &plan.Call{Fn: fn.Plus, Args: []plan.Expr{i8(0, "a"), i8(1, "b")}}},
		Cols:  int8Schema("a", "s"),
	}
	runBench(b, root, func(step int) map[plan.RelationID][]stream.Update {
		us := make([]stream.Update, benchBatch)
		for i := range us {
			k := int64(step*benchBatch + i)
			us[i] = stream.Update{Row: datum.Row{datum.NewInt8(k), datum.NewInt8(k % 100)}, Diff: 1}
			if i%2 == 1 && step > 0 { // delete a row inserted by the previous step
				k -= benchBatch + 1
				us[i] = stream.Update{Row: datum.Row{datum.NewInt8(k), datum.NewInt8(k % 100)}, Diff: -1}
			}
		}
		return map[plan.RelationID][]stream.Update{1: us}
	}, 10)
}

// BenchmarkGroupBySumCount: SELECT g, sum(v), count(*) FROM t GROUP BY g
// over 100k groups.
func BenchmarkGroupBySumCount(b *testing.B) {
	const groups = 100_000
	get := &plan.Get{ID: 1, Name: "t", Cols: int8Schema("g", "v")}
	root := &plan.Reduce{
		Input:     get,
		GroupKeys: []plan.Expr{i8(0, "g")},
		Aggs: []plan.Aggregate{
			{Func: plan.Sum, Arg: i8(1, "v"), Typ: types.NumericT},
			{Func: plan.CountStar, Typ: types.Int8T},
		},
		Cols: append(int8Schema("g"), plan.Column{Name: "sum", Type: types.NumericT}, plan.Column{Name: "count", Type: types.Int8T}),
	}
	hydrate := make([]stream.Update, 0, groups*2)
	for g := 0; g < groups; g++ {
		for v := 0; v < 2; v++ {
			hydrate = append(hydrate, stream.Update{Row: datum.Row{datum.NewInt8(int64(g)), datum.NewInt8(int64(v))}, Diff: 1})
		}
	}
	runBench(b, root, func(step int) map[plan.RelationID][]stream.Update {
		if step == 0 {
			return map[plan.RelationID][]stream.Update{1: hydrate}
		}
		// Insert benchBatch/2 rows (g, step) and delete the rows the
		// previous step inserted.
		grp := func(s, i int) int64 { return int64((s*7919 + i*104729) % groups) }
		us := make([]stream.Update, 0, benchBatch)
		for i := 0; i < benchBatch/2; i++ {
			us = append(us, stream.Update{Row: datum.Row{datum.NewInt8(grp(step, i)), datum.NewInt8(int64(step))}, Diff: 1})
			if step > 1 {
				us = append(us, stream.Update{Row: datum.Row{datum.NewInt8(grp(step-1, i)), datum.NewInt8(int64(step - 1))}, Diff: -1})
			}
		}
		return map[plan.RelationID][]stream.Update{1: us}
	}, 1)
}

// BenchmarkJoin: SELECT * FROM l JOIN r ON l.k = r.k with 100k keys on
// each side; each step updates rows on both sides.
func BenchmarkJoin(b *testing.B) {
	const keys = 100_000
	root := &plan.Join{
		Left:      &plan.Get{ID: 1, Name: "l", Cols: int8Schema("k", "v")},
		Right:     &plan.Get{ID: 2, Name: "r", Cols: int8Schema("k", "w")},
		LeftKeys:  []plan.Expr{i8(0, "k")},
		RightKeys: []plan.Expr{i8(0, "k")},
		Kind:      plan.InnerJoin,
		Cols:      int8Schema("k", "v", "k", "w"),
	}
	var hl, hr []stream.Update
	for k := 0; k < keys; k++ {
		hl = append(hl, stream.Update{Row: datum.Row{datum.NewInt8(int64(k)), datum.NewInt8(0)}, Diff: 1})
		hr = append(hr, stream.Update{Row: datum.Row{datum.NewInt8(int64(k)), datum.NewInt8(0)}, Diff: 1})
	}
	runBench(b, root, func(step int) map[plan.RelationID][]stream.Update {
		if step == 0 {
			return map[plan.RelationID][]stream.Update{1: hl, 2: hr}
		}
		// Insert rows with value = step on both sides, and delete the
		// rows the previous step inserted.
		mk := func(off int) []stream.Update {
			us := make([]stream.Update, 0, benchBatch/2)
			for i := 0; i < benchBatch/4; i++ {
				k := int64((step*benchBatch/4 + i + off) % keys)
				us = append(us, stream.Update{Row: datum.Row{datum.NewInt8(k), datum.NewInt8(int64(step))}, Diff: 1})
				if step > 1 {
					pk := int64(((step-1)*benchBatch/4 + i + off) % keys)
					us = append(us, stream.Update{Row: datum.Row{datum.NewInt8(pk), datum.NewInt8(int64(step - 1))}, Diff: -1})
				}
			}
			return us
		}
		return map[plan.RelationID][]stream.Update{1: mk(0), 2: mk(keys / 2)}
	}, 1)
}

// TestArrangementBytesPerRow measures the heap held per row by a join
// arrangement of (bigint, bigint) rows keyed by the first column.
func TestArrangementBytesPerRow(t *testing.T) {
	const n = 200_000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	a := arrangement.New([]int{0})
	batch := make([]stream.Update, 0, 1000)
	for i := 0; i < n; i++ {
		batch = append(batch, stream.Update{Row: datum.Row{datum.NewInt8(int64(i)), datum.NewInt8(int64(i * 7))}, Diff: 1})
		if len(batch) == cap(batch) {
			a.Insert(batch)
			batch = batch[:0]
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perRow := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("join arrangement: %.1f bytes/row (heap), %.1f bytes/row (accounted)", perRow, float64(a.Bytes())/n)
	if a.Len() != n {
		t.Fatalf("arrangement holds %d rows, want %d", a.Len(), n)
	}
	if perRow > 150 {
		t.Errorf("join arrangement uses %.1f bytes/row", perRow)
	}
	runtime.KeepAlive(a)
}

var _ = fmt.Sprint

// cpuTime is the user+system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

package loadgen

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/sql/datum"
)

// model applies generated transactions to tables keyed by primary key and
// fails on anything a real database would reject: deleting a row that is
// not there, inserting a duplicate key, NULL in a NOT NULL column.
type model struct {
	t      *testing.T
	schema []connector.TableSchema
	rows   []map[string]datum.Row
}

func newModel(t *testing.T) *model {
	s := Tables()
	m := &model{t: t, schema: s, rows: make([]map[string]datum.Row, len(s))}
	for i := range m.rows {
		m.rows[i] = map[string]datum.Row{}
	}
	return m
}

func (m *model) apply(txn connector.Txn) {
	m.t.Helper()
	for _, w := range txn.Writes {
		ts := m.schema[w.Table]
		// Deletes first, as within one transaction.
		for pass := range 2 {
			for _, u := range w.Updates {
				if (u.Diff < 0) != (pass == 0) {
					continue
				}
				if len(u.Row) != len(ts.Columns) {
					m.t.Fatalf("%s: row %v has %d columns, want %d", ts.Name, u.Row, len(u.Row), len(ts.Columns))
				}
				key := string(datum.EncodeKey(nil, u.Row, ts.PrimaryKey))
				cur, ok := m.rows[w.Table][key]
				switch u.Diff {
				case -1:
					if !ok || !datum.RowsEqual(cur, u.Row) {
						m.t.Fatalf("%s: delete of absent row %v (have %v)", ts.Name, u.Row, cur)
					}
					delete(m.rows[w.Table], key)
				case 1:
					if ok {
						m.t.Fatalf("%s: duplicate key for %v", ts.Name, u.Row)
					}
					for i, c := range ts.Columns {
						if c.NotNull && u.Row[i].IsNull() {
							m.t.Fatalf("%s: NULL in NOT NULL column %s", ts.Name, c.Name)
						}
					}
					m.rows[w.Table][key] = u.Row
				default:
					m.t.Fatalf("%s: diff %d", ts.Name, u.Diff)
				}
			}
		}
	}
}

func TestGeneratedTransactionsAreValid(t *testing.T) {
	g := New(Options{Seed: 42, Start: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)})
	m := newModel(t)
	for _, txn := range g.Initial() {
		m.apply(txn)
	}
	kinds := map[string]int{}
	for range 200_000 {
		txn := g.Next()
		m.apply(txn)
		var names []string
		for _, w := range txn.Writes {
			names = append(names, Tables()[w.Table].Name)
		}
		kinds[strings.Join(names, "+")]++
	}
	for _, r := range m.rows[Inventory] {
		if r[2].Int() < 0 {
			t.Fatalf("negative stock: %v", r)
		}
	}
	// Every kind of shop transaction happens.
	for _, want := range []string{"page_views", "cart_events", "orders+order_items+inventory", "payments+orders",
		"payments", "orders", "orders+inventory", "inventory", "competitor_prices", "products"} {
		if kinds[want] == 0 {
			t.Errorf("no %q transactions in %v", want, kinds)
		}
	}
	// Orders go through every status, and retention deletes keep the event
	// tables bounded.
	statuses := map[string]int{}
	for _, r := range m.rows[Orders] {
		statuses[r[2].Str()]++
	}
	for _, s := range []string{"placed", "paid", "shipped", "cancelled"} {
		if statuses[s] == 0 {
			t.Errorf("no %s orders: %v", s, statuses)
		}
	}
	if n := len(m.rows[PageViews]); n != 20000 {
		t.Errorf("page_views holds %d rows, want the retention limit 20000", n)
	}
}

// Hot SKUs: a few products get most of the traffic.
func TestHotSkew(t *testing.T) {
	g := New(Options{Seed: 7})
	g.Initial()
	views := map[int64]int{}
	total := 0
	for range 100_000 {
		for _, w := range g.Next().Writes {
			if w.Table == PageViews {
				views[w.Updates[0].Row[3].Int()]++
				total++
			}
		}
	}
	top := 0
	for id := int64(1); id <= 10; id++ {
		top += views[id]
	}
	// Uniform traffic would give them 1%.
	if share := float64(top) / float64(total); share < 0.3 {
		t.Fatalf("the 10 hottest of 1000 products get %.0f%% of views, want at least 30%%", 100*share)
	}
}

func TestDeterministic(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a, b := New(Options{Seed: 9, Start: start}), New(Options{Seed: 9, Start: start})
	a.Initial()
	b.Initial()
	for i := range 10_000 {
		x, y := fmt.Sprint(a.Next()), fmt.Sprint(b.Next())
		if x != y {
			t.Fatalf("transaction %d differs for the same seed:\n%s\n%s", i, x, y)
		}
	}
	c := New(Options{Seed: 10, Start: start})
	c.Initial()
	if fmt.Sprint(c.Next(), c.Next()) == fmt.Sprint(a.Next(), a.Next()) {
		t.Fatal("different seeds gave the same transactions")
	}
}

// recorder is a connector.Writer that counts commits.
type recorder struct{ commits, batches int }

func (r *recorder) Commit(ctx context.Context, w []connector.Write, p connector.Position) error {
	r.commits++
	return nil
}
func (r *recorder) Lookup(int, datum.Row) (datum.Row, bool) { return nil, false }
func (r *recorder) CommitBatch(ctx context.Context, txns []connector.Txn) error {
	r.batches++
	r.commits += len(txns)
	return nil
}

func TestRunHonoursRate(t *testing.T) {
	g := New(Options{Seed: 1, Rate: 2000})
	r := &recorder{}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := g.Run(ctx, r, nil); err != nil {
		t.Fatal(err)
	}
	// 4 catalogue transactions, then about 600 events in 0.3 s at 2000/s:
	// allow generous scheduling slack but catch an unthrottled loop.
	events := r.commits - 4
	if events < 100 || events > 1000 {
		t.Fatalf("%d events in 0.3s at 2000/s", events)
	}
}

// A restarted generator continues exactly after the last durable event.
func TestResume(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := New(Options{Seed: 3, Start: start, Rate: -1})
	a.Initial()
	for range 5000 {
		a.Next()
	}
	want := fmt.Sprint(a.Next())
	b := New(Options{Seed: 3, Start: start, Rate: -1})
	var got string
	w := &capture{stop: func(txns []connector.Txn) bool {
		if len(txns) > 0 && got == "" {
			got = fmt.Sprint(connector.Txn{Writes: txns[0].Writes})
		}
		return true
	}}
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	if err := b.Run(ctx, w, EncodePosition(5000)); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("after resume at 5000:\n got  %s\n want %s", got, want)
	}
	if w.initial != 0 {
		t.Fatalf("resume rewrote the catalogue (%d commits)", w.initial)
	}
}

// capture is a BatchWriter that hands batches to stop and cancels the run
// when stop returns true.
type capture struct {
	initial int
	stop    func([]connector.Txn) bool
	cancel  func()
}

func (c *capture) Commit(ctx context.Context, w []connector.Write, p connector.Position) error {
	c.initial++
	return nil
}
func (c *capture) Lookup(int, datum.Row) (datum.Row, bool) { return nil, false }
func (c *capture) CommitBatch(ctx context.Context, txns []connector.Txn) error {
	if c.stop(txns) {
		c.cancel()
	}
	return nil
}

func BenchmarkNext(b *testing.B) {
	g := New(Options{Seed: 1})
	g.Initial()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		g.Next()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

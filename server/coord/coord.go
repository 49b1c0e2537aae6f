package coord

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/executor/dataflow"
	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/stream"
	"github.com/freshet-db/freshet/storage"
)

// ViewPlanner plans a materialized view's defining query against a
// catalog; the server provides it (the coordinator knows no SQL text).
type ViewPlanner func(cat *catalog.Catalog, rel *catalog.Relation) (*plan.Query, error)

// Coordinator serializes writes and serves consistent reads.
type Coordinator struct {
	logger  *slog.Logger
	log     *storage.Log
	planner ViewPlanner
	ckptAt  int64
	observe func(time.Duration)

	reqs chan request
	done chan struct{}

	// mu guards everything below. The loop goroutine holds it exclusively
	// while applying; readers share it.
	mu     sync.RWMutex
	cat    *catalog.Catalog
	now    stream.Timestamp // the latest complete timestamp
	tables map[catalog.ID]*table
	views  map[catalog.ID]*view
	// positions holds each source's durable upstream position.
	positions map[catalog.ID][]byte
	// commits and lastCommit count applied commits for monitoring.
	commits    uint64
	lastCommit time.Time
	// subs are the subscriptions per collection (views, tables, and
	// transient SUBSCRIBE dataflows, which are also listed in transient).
	subs          map[catalog.ID][]*Subscription
	transient     []*Subscription
	nextTransient uint64
}

type view struct {
	rel *catalog.Relation
	df  *dataflow.Dataflow
	q   *plan.Query
	// broken is set when maintenance failed internally; the view then
	// refuses reads rather than serve a stale or wrong answer.
	broken error
	// indexes serve point reads (see Read), by indexName of their columns.
	indexes map[string]*index
}

// Options configure Open.
type Options struct {
	DataDir string
	Version string
	// CheckpointBytes: rewrite the log as a snapshot once it is this large.
	CheckpointBytes int64
	Planner         ViewPlanner
	Logger          *slog.Logger
	// ObserveCommit, if set, receives each successful commit's latency from
	// submission until it is durable and visible in every view.
	ObserveCommit func(time.Duration)
}

// Open recovers the state in opts.DataDir (catalog, tables, then every
// materialized view rebuilt from its inputs) and starts the coordinator.
func Open(opts Options) (*Coordinator, error) {
	c := &Coordinator{
		logger:    opts.Logger,
		planner:   opts.Planner,
		observe:   opts.ObserveCommit,
		ckptAt:    opts.CheckpointBytes,
		reqs:      make(chan request, 1024),
		done:      make(chan struct{}),
		cat:       catalog.New(),
		tables:    map[catalog.ID]*table{},
		views:     map[catalog.ID]*view{},
		positions: map[catalog.ID][]byte{},
		subs:      map[catalog.ID][]*Subscription{},
	}
	start := time.Now()
	r := &replayer{c: c}
	l, err := storage.Open(opts.DataDir, opts.Version, r)
	if err != nil {
		return nil, err
	}
	c.log = l
	for _, rel := range c.cat.Relations() {
		if rel.Kind == catalog.MaterializedView {
			if err := c.installView(rel); err != nil {
				l.Close()
				return nil, fmt.Errorf("rebuild materialized view %s: %w", rel.Name, err)
			}
		}
	}
	c.logger.Info("recovered state", "data_dir", opts.DataDir, "relations", len(c.cat.Relations()),
		"commits_replayed", r.commits, "timestamp", uint64(c.now), "took", time.Since(start).Round(time.Millisecond))
	if err := c.checkpoint(); err != nil {
		l.Close()
		return nil, err
	}
	go c.loop()
	return c, nil
}

// Close stops the coordinator after the requests already queued.
func (c *Coordinator) Close() error {
	close(c.reqs)
	<-c.done
	return c.log.Close()
}

// Catalog returns the current catalog snapshot (immutable).
func (c *Coordinator) Catalog() *catalog.Catalog {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.cat
}

// Now returns the latest complete timestamp.
func (c *Coordinator) Now() stream.Timestamp {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.now
}

// request is one unit of work for the loop.
type request struct {
	commit *storage.Commit // a transaction's writes (Time assigned by the loop)
	ddl    func() error    // a catalog change, run under the write lock
	reply  chan result
	queued time.Time // when the request was handed to the loop
}

type result struct {
	ts  stream.Timestamp
	err error
}

// Commit makes a transaction's writes durable and visible, returning its
// timestamp. Every write's updates must be consolidated; each is checked
// against the current contents (primary keys, concurrent changes) and the
// whole transaction fails if any check fails.
func (c *Coordinator) Commit(ctx context.Context, writes []storage.TableWrite) (stream.Timestamp, error) {
	if len(writes) == 0 {
		return c.Now(), nil
	}
	return c.submit(ctx, request{commit: &storage.Commit{Writes: writes}})
}

func (c *Coordinator) submit(ctx context.Context, req request) (stream.Timestamp, error) {
	reply, err := c.enqueue(ctx, req)
	if err != nil {
		return 0, err
	}
	// Once queued the request runs to completion: waiting here even if ctx
	// ends keeps "acknowledged" and "applied" the same thing.
	r := <-reply
	return r.ts, r.err
}

// enqueue hands a request to the loop and returns where its result will
// arrive.
func (c *Coordinator) enqueue(ctx context.Context, req request) (chan result, error) {
	req.reply = make(chan result, 1)
	req.queued = time.Now()
	select {
	case c.reqs <- req:
		return req.reply, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *Coordinator) loop() {
	defer close(c.done)
	batch := make([]request, 0, 256)
	for req := range c.reqs {
		batch = append(batch[:0], req)
		// Group commit: take whatever else is already waiting.
	drain:
		for len(batch) < cap(batch) {
			select {
			case r, ok := <-c.reqs:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		c.run(batch)
	}
}

// run executes a batch: consecutive commits are grouped into one fsync;
// DDL runs on its own.
func (c *Coordinator) run(batch []request) {
	for i := 0; i < len(batch); {
		if batch[i].ddl != nil {
			c.mu.Lock()
			err := batch[i].ddl()
			ts := c.now
			c.mu.Unlock()
			batch[i].reply <- result{ts: ts, err: err}
			i++
			continue
		}
		j := i
		for j < len(batch) && batch[j].commit != nil {
			j++
		}
		c.commitGroup(batch[i:j])
		i = j
	}
	if c.ckptAt > 0 && c.log.Size() > c.ckptAt {
		c.mu.RLock()
		err := c.checkpoint()
		c.mu.RUnlock()
		if err != nil {
			c.logger.Error("checkpoint failed; the log keeps growing", "err", err)
		}
	}
}

func (c *Coordinator) commitGroup(reqs []request) {
	// Check each transaction against the state as left by the ones before
	// it in the group (overlay of pending changes), without applying yet.
	ok := make([]*storage.Commit, 0, len(reqs))
	errs := make([]error, len(reqs))
	c.mu.RLock()
	ts := c.now
	pending := map[catalog.ID]overlay{}
	for i, r := range reqs {
		if err := c.checkCommit(r.commit, pending); err != nil {
			errs[i] = err
			continue
		}
		ts++
		r.commit.Time = ts
		for _, w := range r.commit.Writes {
			ov := pending[w.Table]
			if ov == nil {
				ov = overlay{}
				pending[w.Table] = ov
			}
			c.tables[w.Table].record(ov, w.Updates)
		}
		ok = append(ok, r.commit)
	}
	c.mu.RUnlock()
	if len(ok) > 0 {
		if err := c.log.AppendCommits(ok); err != nil {
			c.logger.Error("log append failed; transactions rejected", "err", err)
			for i := range reqs {
				if errs[i] == nil {
					errs[i] = sqlerr.WithCode(err, sqlerr.Internal)
				}
			}
			ok = nil
		}
	}
	if len(ok) > 0 {
		c.mu.Lock()
		for _, cm := range ok {
			c.applyCommit(cm)
		}
		c.commits += uint64(len(ok))
		c.lastCommit = time.Now()
		c.mu.Unlock()
	}
	for i, r := range reqs {
		if errs[i] == nil && c.observe != nil {
			// From hand-off to the loop until durable and visible in every
			// view: the commit-to-visible latency.
			c.observe(time.Since(r.queued))
		}
		r.reply <- result{ts: r.commit.Time, err: errs[i]}
	}
}

// checkCommit validates a commit's writes against current state as the
// earlier transactions of the same group leave it (their overlays).
func (c *Coordinator) checkCommit(cm *storage.Commit, pending map[catalog.ID]overlay) error {
	for _, w := range cm.Writes {
		t, ok := c.tables[w.Table]
		if !ok {
			return sqlerr.New(sqlerr.UndefinedTable, "relation with id %d no longer exists", w.Table)
		}
		if err := t.check(w.Updates, pending[w.Table]); err != nil {
			return err
		}
	}
	return nil
}

// CheckWrites validates updates to one table against its current contents
// (statement-time constraint checks inside a transaction).
func (c *Coordinator) CheckWrites(id catalog.ID, us []stream.Update) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, ok := c.tables[id]
	if !ok {
		return sqlerr.New(sqlerr.UndefinedTable, "relation with id %d does not exist", id)
	}
	return t.check(us, nil)
}

// applyCommit applies a durable commit to tables and steps every affected
// view. Called with mu held exclusively.
func (c *Coordinator) applyCommit(cm *storage.Commit) {
	deltas := make(map[plan.RelationID][]stream.Update, len(cm.Writes))
	for _, w := range cm.Writes {
		t := c.tables[w.Table]
		t.apply(w.Updates)
		us := make([]stream.Update, len(w.Updates))
		for i, u := range w.Updates {
			us[i] = stream.Update{Row: u.Row, Time: cm.Time, Diff: u.Diff}
		}
		deltas[plan.RelationID(w.Table)] = us
	}
	for _, p := range cm.Positions {
		c.positions[p.Source] = p.Position
	}
	c.now = cm.Time
	c.stepViews(cm.Time, deltas)
	if len(c.subs) > 0 {
		wall := time.Now()
		for id, us := range deltas {
			if len(c.subs[catalog.ID(id)]) > 0 {
				c.publish(catalog.ID(id), cm.Time, wall, us)
			}
		}
		c.stepTransient(cm.Time, wall, deltas)
	}
}

// stepViews runs every view whose inputs changed at ts, in creation order,
// feeding each view's output delta to the views that read it.
func (c *Coordinator) stepViews(ts stream.Timestamp, deltas map[plan.RelationID][]stream.Update) {
	for _, v := range c.sortedViews() {
		for _, id := range v.df.Inputs() {
			if up, ok := c.views[catalog.ID(id)]; ok && up.broken != nil && v.broken == nil {
				v.broken = up.broken
			}
		}
		in := inputDeltas(v.df, deltas)
		if in == nil {
			continue
		}
		if v.broken != nil {
			continue
		}
		out, err := v.df.Step(ts, in)
		if err != nil {
			// Row-level errors are data inside the dataflow; an error here
			// is an internal failure of the operator graph.
			c.logger.Error("view maintenance failed; the view refuses reads until recreated", "view", v.rel.Name, "err", err)
			v.broken = sqlerr.New(sqlerr.Internal, "materialized view %q failed during maintenance: %v", v.rel.Name, err)
			continue
		}
		if len(out) > 0 {
			deltas[plan.RelationID(v.rel.ID)] = out
			for _, idx := range v.indexes {
				idx.arr.Insert(out)
			}
		}
	}
}

func (c *Coordinator) sortedViews() []*view {
	vs := make([]*view, 0, len(c.views))
	for _, v := range c.views {
		vs = append(vs, v)
	}
	slices.SortFunc(vs, func(a, b *view) int { return cmp.Compare(a.rel.ID, b.rel.ID) })
	return vs
}

// installView plans and builds a materialized view's dataflow and hydrates
// it from the current contents of its inputs. Called with mu held
// exclusively (or during recovery).
func (c *Coordinator) installView(rel *catalog.Relation) error {
	q, err := c.planner(c.cat, rel)
	if err != nil {
		return err
	}
	df, err := dataflow.Build(q.Root)
	if err != nil {
		return err
	}
	if _, err := df.Step(c.now, c.hydration(df)); err != nil {
		return err
	}
	c.views[rel.ID] = &view{rel: rel, df: df, q: q}
	return nil
}

// contents returns the current contents of a table or materialized view
// as insertions at the current timestamp.
func (c *Coordinator) contents(id catalog.ID) []stream.Update {
	var us []stream.Update
	c.scan(id, func(row datum.Row, n int64) {
		us = append(us, stream.Update{Row: row, Time: c.now, Diff: stream.Diff(n)})
	})
	return us
}

// hydration is the first step of a new dataflow: every input's contents.
func (c *Coordinator) hydration(df *dataflow.Dataflow) map[plan.RelationID][]stream.Update {
	in := map[plan.RelationID][]stream.Update{}
	for _, id := range df.Inputs() {
		in[id] = c.contents(catalog.ID(id))
	}
	return in
}

// inputDeltas picks the deltas of a step that a dataflow reads; nil if it
// reads none of them.
func inputDeltas(df *dataflow.Dataflow, deltas map[plan.RelationID][]stream.Update) map[plan.RelationID][]stream.Update {
	var in map[plan.RelationID][]stream.Update
	for _, id := range df.Inputs() {
		if d, ok := deltas[id]; ok {
			if in == nil {
				in = map[plan.RelationID][]stream.Update{}
			}
			in[id] = d
		}
	}
	return in
}

// scan visits the current contents of a table or materialized view.
func (c *Coordinator) scan(id catalog.ID, f func(row datum.Row, n int64)) {
	if t, ok := c.tables[id]; ok {
		t.scan(f)
		return
	}
	if v, ok := c.views[id]; ok {
		v.df.Output().Scan(func(row datum.Row, n stream.Diff) bool {
			f(row, int64(n))
			return true
		})
	}
}

// ErrClosed is returned for requests after Close.
var ErrClosed = errors.New("coordinator is shut down")

func (c *Coordinator) checkpoint() error {
	snap := &storage.Snapshot{Relations: c.cat.Relations(), Time: c.now}
	for id, p := range c.positions {
		if _, ok := c.cat.ByID(id); ok {
			snap.Positions = append(snap.Positions, storage.SourcePosition{Source: id, Position: p})
		}
	}
	slices.SortFunc(snap.Positions, func(a, b storage.SourcePosition) int { return cmp.Compare(a.Source, b.Source) })
	for _, rel := range snap.Relations {
		t, ok := c.tables[rel.ID]
		if !ok {
			continue
		}
		tw := storage.TableWrite{Table: rel.ID}
		t.scan(func(row datum.Row, n int64) {
			tw.Updates = append(tw.Updates, stream.Update{Row: row, Diff: stream.Diff(n)})
		})
		snap.Tables = append(snap.Tables, tw)
	}
	start := time.Now()
	if err := c.log.Checkpoint(snap); err != nil {
		return err
	}
	c.logger.Debug("checkpoint written", "bytes", c.log.Size(), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// replayer rebuilds catalog and tables from the log during Open.
type replayer struct {
	c       *Coordinator
	commits int
}

func (r *replayer) CreateRelation(rel *catalog.Relation) error {
	cat := r.c.cat.Clone()
	if _, err := cat.Add(rel); err != nil {
		return err
	}
	r.c.cat = cat
	if rel.Kind == catalog.Table {
		r.c.tables[rel.ID] = newTable(rel)
	}
	return nil
}

func (r *replayer) DropRelation(id catalog.ID) error {
	cat := r.c.cat.Clone()
	cat.Remove(id)
	r.c.cat = cat
	delete(r.c.tables, id)
	delete(r.c.positions, id)
	return nil
}

func (r *replayer) Commit(cm *storage.Commit) error {
	for _, w := range cm.Writes {
		t, ok := r.c.tables[w.Table]
		if !ok {
			return fmt.Errorf("commit at %d writes unknown table %d", cm.Time, w.Table)
		}
		t.apply(w.Updates)
	}
	for _, p := range cm.Positions {
		r.c.positions[p.Source] = p.Position
	}
	if cm.Time > r.c.now {
		r.c.now = cm.Time
	}
	r.commits++
	return nil
}

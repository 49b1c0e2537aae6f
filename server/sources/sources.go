// Package sources runs Freshet's sources: one goroutine per source,
// writing its upstream transactions through the coordinator, resuming
// from the durable position after a restart, and retrying with backoff
// when the upstream fails. SHOW SOURCES reads their state from here.
package sources

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/connector/loadgen"
	"github.com/freshet-db/freshet/server/coord"
	"github.com/freshet-db/freshet/sql/sqlerr"
)

// runner is one kind of source.
type runner interface {
	// Schemas lists the tables the source writes, in Write.Table order.
	Schemas(ctx context.Context) ([]connector.TableSchema, error)
	// Run writes upstream transactions until ctx ends, starting after
	// resume (nil: from the beginning, with a snapshot where there is one).
	Run(ctx context.Context, w connector.Writer, resume connector.Position) error
	State() connector.SourceState
}

// Manager owns the running sources.
type Manager struct {
	ctx    context.Context
	coord  *coord.Coordinator
	logger *slog.Logger

	mu      sync.Mutex
	running map[catalog.ID]*running
	wg      sync.WaitGroup
}

type running struct {
	rel    *catalog.Relation
	r      runner
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.Mutex
	failed error // a definite error: the source stopped
	retry  error // the last transient error while retrying
}

// New returns a manager whose sources run until ctx ends.
func New(ctx context.Context, c *coord.Coordinator, logger *slog.Logger) *Manager {
	return &Manager{ctx: ctx, coord: c, logger: logger, running: map[catalog.ID]*running{}}
}

// StartAll starts every source in the catalog (after recovery).
func (m *Manager) StartAll() error {
	cat := m.coord.Catalog()
	for _, rel := range cat.Relations() {
		if rel.Kind != catalog.Source {
			continue
		}
		r, err := newRunner(rel, m.logger)
		if err != nil {
			return fmt.Errorf("source %s: %w", rel.Name, err)
		}
		m.start(rel, r, tablesOf(cat, rel))
	}
	return nil
}

func tablesOf(cat *catalog.Catalog, src *catalog.Relation) []catalog.ID {
	var ids []catalog.ID
	for _, r := range cat.Relations() { // creation order = schema order
		if r.Source == src.ID {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// Create registers a new source of the given connector and options and
// starts it. Its tables are named by the connector's schemas (optionally
// renamed by the options).
func (m *Manager) Create(ctx context.Context, name, connectorName string, options map[string]string, sql string, ifNotExists bool) error {
	if _, ok := m.coord.Catalog().Lookup(name); ok {
		if ifNotExists {
			return nil
		}
		return sqlerr.New(sqlerr.DuplicateObject, "source %q already exists", name)
	}
	if options == nil {
		options = map[string]string{}
	}
	src := &catalog.Relation{Name: name, Kind: catalog.Source, Connector: connectorName, Options: options, SQL: sql}
	if connectorName == "loadgen" && options["start"] == "" {
		// Fix the simulated clock so a restart regenerates the same events.
		options["start"] = time.Now().UTC().Truncate(time.Second).Format(time.RFC3339)
	}
	r, err := newRunner(src, m.logger)
	if err != nil {
		return err
	}
	schemas, err := r.Schemas(ctx)
	if err != nil {
		return err
	}
	tables := make([]*catalog.Relation, len(schemas))
	for i, s := range schemas {
		t := &catalog.Relation{Name: s.Name, Kind: catalog.Table, PrimaryKey: s.PrimaryKey,
			SQL: fmt.Sprintf("-- table of source %s\n%s", name, describe(s))}
		for _, c := range s.Columns {
			t.Columns = append(t.Columns, catalog.Column{Name: c.Name, Type: c.Type, NotNull: c.NotNull})
		}
		tables[i] = t
	}
	if err := m.coord.CreateSource(ctx, src, tables); err != nil {
		return err
	}
	ids := make([]catalog.ID, len(tables))
	for i, t := range tables {
		ids[i] = t.ID
	}
	m.start(src, r, ids)
	return nil
}

func describe(s connector.TableSchema) string {
	cols := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		cols[i] = c.Name + " " + c.Type.String()
		if c.NotNull {
			cols[i] += " NOT NULL"
		}
	}
	if len(s.PrimaryKey) > 0 {
		key := make([]string, len(s.PrimaryKey))
		for i, k := range s.PrimaryKey {
			key[i] = s.Columns[k].Name
		}
		cols = append(cols, "PRIMARY KEY ("+strings.Join(key, ", ")+")")
	}
	return fmt.Sprintf("CREATE TABLE %s (%s)", s.Name, strings.Join(cols, ", "))
}

// dropper is a runner with upstream state to remove on DROP SOURCE (a
// replication slot).
type dropper interface {
	Drop(ctx context.Context) error
}

// Drop stops and removes a source with its tables.
func (m *Manager) Drop(ctx context.Context, name string, ifExists, cascade bool) error {
	rel, ok := m.coord.Catalog().Lookup(name)
	var r runner
	if ok && rel.Kind == catalog.Source {
		m.mu.Lock()
		if run := m.running[rel.ID]; run != nil {
			r = run.r
		}
		m.mu.Unlock()
		m.stop(rel.ID)
	}
	defer func() {
		if d, ok := r.(dropper); ok {
			if err := d.Drop(ctx); err != nil {
				m.logger.Warn("could not clean up the upstream of a dropped source", "source", name, "err", err)
			}
		}
	}()
	if _, err := m.coord.DropSource(ctx, name, ifExists, cascade); err != nil {
		r = nil
		if ok && rel.Kind == catalog.Source {
			// Dropping failed (dependents): keep the source running.
			if r, e := newRunner(rel, m.logger); e == nil {
				m.start(rel, r, tablesOf(m.coord.Catalog(), rel))
			}
		}
		return err
	}
	return nil
}

func (m *Manager) start(rel *catalog.Relation, r runner, tables []catalog.ID) {
	ctx, cancel := context.WithCancel(m.ctx)
	run := &running{rel: rel, r: r, cancel: cancel, done: make(chan struct{})}
	m.mu.Lock()
	m.running[rel.ID] = run
	m.mu.Unlock()
	w := m.coord.SourceWriter(rel.ID, tables)
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer close(run.done)
		m.loop(ctx, run, w)
	}()
}

// loop runs a source, retrying failures with capped, jittered exponential
// backoff; it resumes from the durable position each time.
func (m *Manager) loop(ctx context.Context, run *running, w *coord.SourceWriter) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		started := time.Now()
		err := run.r.Run(ctx, w, m.coord.Position(run.rel.ID))
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = fmt.Errorf("source stopped without an error")
		}
		if se := sqlerr.Find(err); se != nil && se.Code != sqlerr.Internal && se.Code.Class() != "08" {
			// A definite error (constraint violation, bad data): retrying
			// would repeat it.
			m.logger.Error("source failed", "source", run.rel.Name, "err", err)
			run.mu.Lock()
			run.failed = err
			run.mu.Unlock()
			return
		}
		if time.Since(started) > time.Minute {
			backoff = 100 * time.Millisecond
		}
		run.mu.Lock()
		run.retry = err
		run.mu.Unlock()
		wait := backoff/2 + time.Duration(rand.Int64N(int64(backoff)))
		m.logger.Warn("source failed; retrying", "source", run.rel.Name, "err", err, "in", wait.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

func (m *Manager) stop(id catalog.ID) {
	m.mu.Lock()
	run, ok := m.running[id]
	delete(m.running, id)
	m.mu.Unlock()
	if ok {
		run.cancel()
		<-run.done
	}
}

// Close stops every source.
func (m *Manager) Close() {
	m.mu.Lock()
	for _, run := range m.running {
		run.cancel()
	}
	m.mu.Unlock()
	m.wg.Wait()
}

// Status is one row of SHOW SOURCES.
type Status struct {
	Name, Connector string
	connector.SourceState
}

// Statuses lists the sources by name.
func (m *Manager) Statuses() []Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Status, 0, len(m.running))
	for _, run := range m.running {
		st := Status{Name: run.rel.Name, Connector: run.rel.Connector, SourceState: run.r.State()}
		run.mu.Lock()
		switch {
		case run.failed != nil:
			st.State, st.Reason = "failed", run.failed.Error()
		case run.retry != nil && st.State != "running":
			st.State, st.Reason = "retrying", run.retry.Error()
		}
		run.mu.Unlock()
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b Status) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// newRunner builds the runner of a source relation from its options.
func newRunner(rel *catalog.Relation, logger *slog.Logger) (runner, error) {
	switch rel.Connector {
	case "loadgen":
		return newLoadgen(rel.Options)
	case "postgres":
		return newPostgres(rel, logger)
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "sources of kind %q are not supported", rel.Connector)
}

// loadgenRunner adapts the e-commerce generator.
type loadgenRunner struct {
	opts    loadgen.Options
	mu      sync.Mutex
	gen     *loadgen.Generator
	started time.Time
	first   int64 // events already behind the resume position
}

func newLoadgen(options map[string]string) (*loadgenRunner, error) {
	var o loadgen.Options
	for k, v := range options {
		var err error
		switch k {
		case "generator":
			if !strings.EqualFold(v, "ecommerce") {
				return nil, sqlerr.New(sqlerr.FeatureNotSupported, "load generator %q does not exist; try ECOMMERCE", v)
			}
		case "scale":
			o.Scale, err = strconv.Atoi(v)
			if err == nil && (o.Scale < 1 || o.Scale > 1000) {
				err = fmt.Errorf("must be between 1 and 1000")
			}
		case "rate":
			o.Rate, err = strconv.ParseFloat(v, 64)
			if err == nil && o.Rate == 0 {
				err = fmt.Errorf("must not be 0 (a negative rate means unthrottled)")
			}
		case "seed":
			o.Seed, err = strconv.ParseUint(v, 10, 64)
		case "start":
			o.Start, err = time.Parse(time.RFC3339, v)
		default:
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "unknown load generator option %s", strings.ToUpper(k)).
				WithHint("The options are SCALE, RATE and SEED.")
		}
		if err != nil {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "invalid load generator option %s %q: %v", strings.ToUpper(k), v, err)
		}
	}
	return &loadgenRunner{opts: o}, nil
}

func (l *loadgenRunner) Schemas(context.Context) ([]connector.TableSchema, error) {
	return loadgen.Tables(), nil
}

func (l *loadgenRunner) Run(ctx context.Context, w connector.Writer, resume connector.Position) error {
	g := loadgen.New(l.opts)
	l.mu.Lock()
	l.gen, l.started = g, time.Now()
	l.first, _ = loadgen.DecodePosition(resume)
	l.mu.Unlock()
	return g.Run(ctx, w, resume)
}

func (l *loadgenRunner) State() connector.SourceState {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := connector.SourceState{State: "starting"}
	if l.gen != nil {
		st.State = "running"
		n := l.gen.Events()
		st.Upstream = strconv.FormatInt(n, 10) + " events"
		if secs := time.Since(l.started).Seconds(); secs > 0 && n > l.first {
			// Events per second since this run started (each event is one
			// shop transaction of one or a few rows).
			st.RowsPerSecond = float64(n-l.first) / secs
		}
	}
	return st
}

package sinks

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/connector/clickhouse"
	"github.com/freshet-db/freshet/server/coord"
	"github.com/freshet-db/freshet/sql/sqlerr"
)

// Defaults of the Manager's settings.
const (
	DefaultOpenTimeout = 5 * time.Second
	DefaultBuffer      = 4096
)

// Manager owns the running sinks.
type Manager struct {
	ctx    context.Context
	coord  *coord.Coordinator
	logger *slog.Logger

	// OpenTimeout bounds how long CREATE SINK waits for ClickHouse to
	// answer before it fails. Set it before the first Create.
	OpenTimeout time.Duration
	// Buffer is how many change batches a sink's subscription may hold
	// before the sink is cut off and reconciles. Set it before StartAll.
	Buffer int

	mu      sync.Mutex
	running map[catalog.ID]*sink
	wg      sync.WaitGroup
}

// New returns a manager whose sinks run until ctx ends or Close.
func New(ctx context.Context, c *coord.Coordinator, logger *slog.Logger) *Manager {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Manager{ctx: ctx, coord: c, logger: logger, OpenTimeout: DefaultOpenTimeout, Buffer: DefaultBuffer,
		running: map[catalog.ID]*sink{}}
}

// StartAll starts every sink in the catalog (after recovery). It does not
// wait for ClickHouse: a sink that cannot connect retries in the
// background, and one whose definition no longer works is reported as
// failed by SHOW SINKS.
func (m *Manager) StartAll() {
	cat := m.coord.Catalog()
	for _, rel := range cat.Relations() {
		if rel.Kind != catalog.Sink {
			continue
		}
		sk := &sink{rel: rel, phase: "starting"}
		var err error
		if len(rel.DependsOn) != 1 {
			err = sqlerr.New(sqlerr.Internal, "sink %q reads %d relations", rel.Name, len(rel.DependsOn))
		} else if view, ok := cat.ByID(rel.DependsOn[0]); !ok {
			err = sqlerr.New(sqlerr.UndefinedTable, "the relation sink %q reads does not exist", rel.Name)
		} else {
			sk.view = view
			var cfg options
			if cfg, err = parseOptions(rel.Options); err == nil {
				sk.ch, err = clickhouse.New(cfg.Config, schemaOf(view), m.logger)
				sk.cfg = cfg
			}
		}
		if err != nil {
			m.logger.Error("sink cannot start", "sink", rel.Name, "err", err)
			sk.failed = err
			sk.phase = "failed"
			m.mu.Lock()
			m.running[rel.ID] = sk
			m.mu.Unlock()
			continue
		}
		m.start(sk)
	}
}

// Create registers a new sink that delivers the changes of the table or
// materialized view from, and starts it. It first connects to ClickHouse
// and creates or checks the target table, so that an unreachable server,
// bad credentials or an incompatible table fail the statement.
func (m *Manager) Create(ctx context.Context, name, from string, options map[string]string, sql string, ifNotExists bool) error {
	cat := m.coord.Catalog()
	if r, ok := cat.Lookup(name); ok {
		if ifNotExists {
			return nil
		}
		if r.Kind == catalog.Sink {
			return sqlerr.New(sqlerr.DuplicateObject, "sink %q already exists", name)
		}
		return sqlerr.New(sqlerr.DuplicateTable, "relation %q already exists", name).
			WithDetail("%s %s has that name; sinks share names with tables and views", r.Kind, name)
	}
	view, err := cat.Resolve(from)
	if err != nil {
		return err
	}
	switch view.Kind {
	case catalog.Table, catalog.MaterializedView:
	case catalog.View:
		return sqlerr.New(sqlerr.WrongObjectType, "cannot sink view %q: it is not materialized", from).
			WithHint("Sink a MATERIALIZED VIEW with the same query instead.")
	default:
		return sqlerr.New(sqlerr.WrongObjectType, "cannot sink %s %q", view.Kind, from).
			WithHint("A sink reads a table or a materialized view.")
	}
	cfg, err := parseOptions(options)
	if err != nil {
		return err
	}
	if other := m.writerOf(cfg); other != "" {
		return sqlerr.New(sqlerr.DuplicateObject, "sink %q already writes clickhouse table %q", other, cfg.Table).
			WithHint("Each sink needs a table of its own: its history is the table's rows.")
	}
	ch, err := clickhouse.New(cfg.Config, schemaOf(view), m.logger)
	if err != nil {
		return err
	}
	openCtx, cancel := context.WithTimeout(ctx, m.OpenTimeout)
	_, err = ch.Open(openCtx)
	cancel()
	if err != nil {
		_ = ch.Close()
		return openError(ctx, ch, err, m.OpenTimeout)
	}
	rel := &catalog.Relation{Name: name, Kind: catalog.Sink, SQL: sql, DependsOn: []catalog.ID{view.ID},
		Connector: "clickhouse", Options: options}
	exists, err := m.coord.CreateSink(ctx, rel, ifNotExists)
	if err != nil || exists {
		_ = ch.Close()
		return err
	}
	m.start(&sink{rel: rel, view: view, cfg: cfg, ch: ch, phase: "starting"})
	return nil
}

// openError explains a failed Open of CREATE SINK.
func openError(ctx context.Context, ch *clickhouse.Sink, err error, timeout time.Duration) error {
	if ctx.Err() != nil {
		return err
	}
	if se := sqlerr.Find(err); se != nil && se.Code == sqlerr.QueryCanceled {
		// Open retried until the timeout: the server is unreachable or
		// keeps refusing.
		reason := ch.State().LastError
		if reason == "" {
			reason = err.Error()
		}
		return sqlerr.New(sqlerr.ConnectionFailure, "could not connect to clickhouse at %s within %s: %s",
			ch.DSN().String(), timeout, reason).
			WithHint("Check that ClickHouse is running and that CONNECTION names its native protocol port (9000 by default).")
	}
	if se := sqlerr.Find(err); se != nil && se.Hint != "" {
		return err
	}
	code := sqlerr.GetCode(err)
	var hint string
	switch code {
	case sqlerr.InvalidCatalogName:
		hint = "Create the database in ClickHouse (CREATE DATABASE name) or name an existing one in CONNECTION."
	case sqlerr.InvalidAuthorization, "28P01":
		hint = "Check the user and password in CONNECTION ('clickhouse://user:password@host:9000/database')."
	case sqlerr.UndefinedColumn, sqlerr.DatatypeMismatch, sqlerr.InvalidTableDefinition:
		hint = "The ClickHouse table exists with another shape: drop it in ClickHouse, or name another TABLE, and Freshet creates it."
	default:
		return err
	}
	return sqlerr.New(code, "%s", err.Error()).WithHint("%s", hint)
}

// writerOf returns the sink already writing the table cfg names, or "".
func (m *Manager) writerOf(cfg options) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, sk := range m.running {
		if sk.cfg.DSN == cfg.DSN && sk.cfg.Table == cfg.Table {
			return sk.rel.Name
		}
	}
	return ""
}

// Drop stops and removes a sink. The ClickHouse table stays.
func (m *Manager) Drop(ctx context.Context, name string, ifExists bool) error {
	rel, ok := m.coord.Catalog().Lookup(name)
	if !ok {
		if ifExists {
			return nil
		}
		return sqlerr.New(sqlerr.UndefinedObject, "sink %q does not exist", name)
	}
	dropped, err := m.coord.Drop(ctx, name, catalog.Sink, ifExists, false)
	if err != nil {
		return err
	}
	if rel.Kind == catalog.Sink && len(dropped) == 0 {
		return nil // dropped concurrently, with IF EXISTS
	}
	m.Stopped(dropped)
	return nil
}

// Stopped stops the sinks among rels, which were dropped (by DROP ...
// CASCADE of what they read). Other relations are ignored. A sink also
// notices on its own that it was dropped; Stopped makes it synchronous.
func (m *Manager) Stopped(rels []*catalog.Relation) {
	for _, r := range rels {
		if r.Kind == catalog.Sink {
			m.stop(r.ID)
		}
	}
}

func (m *Manager) start(sk *sink) {
	ctx, cancel := context.WithCancel(m.ctx)
	sk.cancel, sk.done = cancel, make(chan struct{})
	m.mu.Lock()
	m.running[sk.rel.ID] = sk
	m.mu.Unlock()
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer close(sk.done)
		defer sk.ch.Close()
		m.run(ctx, sk)
	}()
}

// stop cancels a sink and waits for its goroutine.
func (m *Manager) stop(id catalog.ID) {
	m.mu.Lock()
	sk, ok := m.running[id]
	delete(m.running, id)
	m.mu.Unlock()
	if ok && sk.cancel != nil {
		sk.cancel()
		<-sk.done
	}
}

// forget removes a sink that found itself dropped.
func (m *Manager) forget(sk *sink) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.running[sk.rel.ID] == sk {
		delete(m.running, sk.rel.ID)
	}
}

// Close stops every sink and waits for them.
func (m *Manager) Close() {
	m.mu.Lock()
	for _, sk := range m.running {
		if sk.cancel != nil {
			sk.cancel()
		}
	}
	m.mu.Unlock()
	m.wg.Wait()
}

// describeErr is an error's text for SHOW SINKS.
func describeErr(err error) string {
	if err == nil {
		return ""
	}
	return fmt.Sprint(err)
}

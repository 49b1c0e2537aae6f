package session

import (
	"context"
	"log/slog"
	"maps"
	"slices"

	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/server/coord"
	"github.com/freshet-db/freshet/server/pgwire"
	"github.com/freshet-db/freshet/server/sinks"
	"github.com/freshet-db/freshet/server/sources"
	"github.com/freshet-db/freshet/sql/parse"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/stream"
	"github.com/freshet-db/freshet/sql/types"
	"github.com/freshet-db/freshet/storage"
)

// Engine creates sessions; it implements pgwire.Engine.
type Engine struct {
	Coord   *coord.Coordinator
	Sources *sources.Manager
	Sinks   *sinks.Manager
	Logger  *slog.Logger
	Version string
}

var _ pgwire.Engine = (*Engine)(nil)

// NewSession starts a session for a client that completed startup.
func (e *Engine) NewSession(ctx context.Context, p pgwire.StartupParams) (pgwire.Session, error) {
	if p.Database != "" && p.Database != "freshet" && p.Database != "postgres" {
		return nil, sqlerr.New(sqlerr.InvalidCatalogName, "database %q does not exist", p.Database).
			WithHint("Freshet has one database, named freshet.")
	}
	s := &Session{
		coord:   e.Coord,
		sources: e.Sources,
		sinks:   e.Sinks,
		logger:  e.Logger,
		version: e.Version,
		vars:    defaultVars(e.Version),
		changed: map[string]string{},
		user:    p.User,
	}
	s.vars["application_name"].value = p.ApplicationName
	if p.User != "" {
		s.vars["session_authorization"].value = p.User
	}
	for k, v := range p.Options {
		// Startup options such as DateStyle=ISO or TimeZone=UTC from JDBC.
		if err := s.set(k, v); err != nil {
			s.logger.Debug("ignored startup parameter", "name", k, "value", v, "err", err)
		}
	}
	clear(s.changed)
	return s, nil
}

// txState is where the session is in a transaction block.
type txState uint8

const (
	txIdle   txState = iota // no block: each statement commits on its own
	txOpen                  // inside BEGIN
	txFailed                // an error happened inside the block
)

// Session is one connection's SQL state. It is used from one goroutine.
type Session struct {
	coord   *coord.Coordinator
	sources *sources.Manager
	sinks   *sinks.Manager
	logger  *slog.Logger
	version string
	user    string
	vars    map[string]*variable
	changed map[string]string

	tx txState
	// implicit: the open transaction is the implicit one of a
	// multi-statement simple query, not a BEGIN block.
	implicit bool
	// pending holds the writes of the open block, consolidated per table,
	// in first-write order.
	pending map[catalog.ID][]stream.Update
	order   []catalog.ID
	// cursors are the open cursors of the block, by name (cursor.go).
	cursors map[string]*cursor
}

var _ pgwire.Session = (*Session)(nil)

// TxStatus is the ReadyForQuery status byte.
func (s *Session) TxStatus() byte {
	switch s.tx {
	case txOpen:
		return 'T'
	case txFailed:
		return 'E'
	}
	return 'I'
}

// ParameterStatus lists the settings reported at startup.
func (s *Session) ParameterStatus() map[string]string {
	out := map[string]string{}
	for n, v := range s.vars {
		if v.report {
			out[displayName(n)] = v.value
		}
	}
	return out
}

// ChangedParameters returns and forgets the reported settings changed
// since the last call.
func (s *Session) ChangedParameters() map[string]string {
	if len(s.changed) == 0 {
		return nil
	}
	out := maps.Clone(s.changed)
	clear(s.changed)
	return out
}

// Fail marks an open transaction block as failed.
func (s *Session) Fail() {
	if s.tx == txOpen {
		s.tx = txFailed
	}
}

// Close discards any open block (its writes were never committed).
func (s *Session) Close() { s.rollback() }

// Prepare parses query text into statements. Each statement is planned
// when described or executed against the catalog of that moment, so a
// multi-statement query may create a table and then use it.
func (s *Session) Prepare(ctx context.Context, query string, paramOIDs []uint32) ([]pgwire.Statement, error) {
	stmts, err := parse.Parse(query)
	if err != nil {
		return nil, err
	}
	out := make([]pgwire.Statement, len(stmts))
	for i, st := range stmts {
		out[i] = &statement{s: s, ast: st, paramTypes: typesOfOIDs(paramOIDs),
			implicit: len(stmts) > 1, last: i == len(stmts)-1}
	}
	if len(out) == 1 {
		// The extended protocol describes a statement right after Parse:
		// report planning errors there, as Postgres does.
		if err := out[0].(*statement).prepare(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// begin opens a transaction block.
func (s *Session) begin() {
	s.tx = txOpen
	s.pending = map[catalog.ID][]stream.Update{}
	s.order = nil
}

func (s *Session) rollback() {
	s.closeCursors()
	s.tx = txIdle
	s.implicit = false
	s.pending = nil
	s.order = nil
}

// commit makes the block's writes durable as one transaction.
func (s *Session) commit(ctx context.Context) error {
	s.closeCursors()
	writes := s.takeWrites()
	s.tx = txIdle
	s.implicit = false
	if len(writes) == 0 {
		return nil
	}
	_, err := s.coord.Commit(ctx, writes)
	return err
}

func (s *Session) takeWrites() []storage.TableWrite {
	var writes []storage.TableWrite
	for _, id := range s.order {
		if us := stream.Consolidate(s.pending[id]); len(us) > 0 {
			writes = append(writes, storage.TableWrite{Table: id, Updates: us})
		}
	}
	s.pending, s.order = nil, nil
	return writes
}

// write applies a statement's updates to one table: checked and committed
// at once outside a block, checked and kept pending inside one.
func (s *Session) write(ctx context.Context, rel *catalog.Relation, us []stream.Update) error {
	if rel.Source != 0 {
		return sqlerr.New(sqlerr.WrongObjectType, "cannot write to table %q: it is maintained by a source", rel.Name).
			WithHint("Tables of a source change only with their upstream.")
	}
	us = stream.Consolidate(us)
	if len(us) == 0 {
		return nil
	}
	if s.tx == txIdle {
		_, err := s.coord.Commit(ctx, []storage.TableWrite{{Table: rel.ID, Updates: us}})
		return err
	}
	all := stream.Consolidate(append(slices.Clone(s.pending[rel.ID]), us...))
	if err := s.coord.CheckWrites(rel.ID, all); err != nil {
		return err
	}
	if _, ok := s.pending[rel.ID]; !ok {
		s.order = append(s.order, rel.ID)
	}
	s.pending[rel.ID] = all
	return nil
}

// typesOfOIDs maps the parameter types a client declared to Freshet types
// (Unknown for 0 and for OIDs Freshet has no type for).
func typesOfOIDs(oids []uint32) []types.T {
	if len(oids) == 0 {
		return nil
	}
	ts := make([]types.T, len(oids))
	for i, oid := range oids {
		ts[i], _ = types.FromOID(oid)
	}
	return ts
}

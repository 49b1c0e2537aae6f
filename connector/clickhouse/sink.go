package clickhouse

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/sql/sqlerr"
)

// Mode is how the sink writes a view's updates.
type Mode uint8

const (
	// Changelog appends every update with its timestamp and diff.
	Changelog Mode = iota
	// Upsert keeps the current row per key of the view.
	Upsert
)

func (m Mode) String() string {
	if m == Upsert {
		return "UPSERT"
	}
	return "CHANGELOG"
}

// ParseMode parses the MODE option of CREATE SINK (case-insensitive).
func ParseMode(s string) (Mode, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "", "CHANGELOG":
		return Changelog, nil
	case "UPSERT":
		return Upsert, nil
	}
	return 0, sqlerr.New(sqlerr.InvalidParameterValue, "unknown clickhouse sink mode %q", s).
		WithHint("valid modes are CHANGELOG and UPSERT")
}

// Config configures a sink.
type Config struct {
	// DSN is the connection string (see DSN).
	DSN string
	// Table is the ClickHouse table, "name" (in the DSN's database) or
	// "database.name".
	Table string
	Mode  Mode
	// BatchRows bounds the rows of one INSERT block; the updates of one
	// timestamp are never split, so a block may exceed it. Default 100000.
	BatchRows int
	// FlushInterval is how long the caller should buffer complete
	// timestamps before calling Write (the sink does not buffer itself).
	// Default 1s.
	FlushInterval time.Duration
	// MinBackoff and MaxBackoff bound the delay between retries. Defaults
	// 100ms and 10s.
	MinBackoff, MaxBackoff time.Duration
}

func (c Config) withDefaults() Config {
	if c.BatchRows <= 0 {
		c.BatchRows = 100_000
	}
	if c.FlushInterval <= 0 {
		c.FlushInterval = time.Second
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = 100 * time.Millisecond
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = max(10*time.Second, c.MinBackoff)
	}
	return c
}

// SinkState is what SHOW SINKS reports about a sink.
type SinkState struct {
	// State is "starting", "running", "retrying", "failed" or "closed".
	State string
	// Reason explains a retrying or failed state.
	Reason string
	// Delivered is the largest freshet_ts durable in ClickHouse.
	Delivered uint64
	// Rows counts rows inserted since the sink started.
	Rows int64
	// RowsPerSecond is the insert rate over the last 10 seconds.
	RowsPerSecond float64
	// Retries counts retried attempts, Errors all failed ones.
	Retries, Errors int64
	// LastError is the most recent error and LastErrorAt its time.
	LastError   string
	LastErrorAt time.Time
	// ServerVersion is the ClickHouse version, once connected.
	ServerVersion string
}

// Sink writes a view's updates to a ClickHouse table. Open must succeed
// before Write and StateAsOf. Write calls must not overlap; State may be
// called at any time.
type Sink struct {
	cfg       Config
	dsn       DSN
	view      connector.TableSchema
	logger    *slog.Logger
	db, table string
	qualified string // `db`.`table`
	cols      []column
	insert    string

	// opMu serializes Open and Write.
	opMu     sync.Mutex
	builders []builder // view columns, in order
	metaTS   []uint64
	metaTime []time.Time
	metaDiff []int64
	metaDel  []uint8
	// uncertain is set when an insert failed in a way that may have
	// committed it: the frontier must be read before the next insert.
	uncertain bool

	mu      sync.Mutex // guards what follows
	conn    ch.Conn
	opened  bool
	closed  bool
	version Version
	st      SinkState
	rate    rateMeter
}

// New validates the configuration against the view and returns a sink
// that is not yet connected.
func New(cfg Config, view connector.TableSchema, logger *slog.Logger) (*Sink, error) {
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	dsn, err := ParseDSN(cfg.DSN)
	if err != nil {
		return nil, err
	}
	db, table, err := splitTable(cfg.Table, dsn.Database)
	if err != nil {
		return nil, err
	}
	if cfg.Mode != Changelog && cfg.Mode != Upsert {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "unknown clickhouse sink mode %d", cfg.Mode)
	}
	if cfg.Mode == Upsert {
		if len(view.PrimaryKey) == 0 {
			return nil, sqlerr.New(sqlerr.InvalidObjectDefinition,
				"MODE UPSERT needs a view with a unique key, and %q has none", view.Name).
				WithHint("use MODE CHANGELOG")
		}
		for _, k := range view.PrimaryKey {
			if k < 0 || k >= len(view.Columns) {
				return nil, sqlerr.New(sqlerr.Internal, "key column %d of %q out of range", k, view.Name)
			}
			if !view.Columns[k].NotNull {
				return nil, sqlerr.New(sqlerr.FeatureNotSupported,
					"MODE UPSERT needs NOT NULL key columns, and %q of %q may be null", view.Columns[k].Name, view.Name).
					WithHint("use MODE CHANGELOG, or filter out NULL keys in the view")
			}
		}
	}
	cols, err := buildColumns(view, cfg.Mode)
	if err != nil {
		return nil, err
	}
	s := &Sink{
		cfg:       cfg,
		dsn:       dsn,
		view:      view,
		logger:    logger.With("sink", view.Name, "table", db+"."+table),
		db:        db,
		table:     table,
		qualified: quoteIdent(db) + "." + quoteIdent(table),
		cols:      cols,
		insert:    insertSQL(quoteIdent(db)+"."+quoteIdent(table), cols),
	}
	s.st.State = "starting"
	return s, nil
}

// splitTable splits "db.table" (or "table", in database def).
func splitTable(name, def string) (db, table string, err error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", "", sqlerr.New(sqlerr.InvalidParameterValue, "clickhouse sink needs a TABLE name")
	}
	db, table = def, name
	if i := strings.IndexByte(name, '.'); i >= 0 {
		db, table = name[:i], name[i+1:]
	}
	if db == "" || table == "" {
		return "", "", sqlerr.New(sqlerr.InvalidParameterValue, "invalid clickhouse table name %q", name)
	}
	return db, table, nil
}

// Config returns the sink's configuration with defaults applied.
func (s *Sink) Config() Config { return s.cfg }

// DSN returns the parsed connection string.
func (s *Sink) DSN() DSN { return s.dsn }

// Open connects, detects the server version, creates the table if it is
// missing or checks an existing one, and returns the largest freshet_ts in
// the table (0 when empty): the sink's durable frontier. The caller resumes
// with the updates after it. Transient errors (server unreachable or
// restarting) are retried with backoff until ctx ends; others, such as an
// incompatible table, are returned at once.
func (s *Sink) Open(ctx context.Context) (delivered uint64, err error) {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return 0, errClosed
	}
	if s.conn == nil {
		conn, err := ch.Open(s.dsn.options())
		if err != nil {
			s.mu.Unlock()
			return 0, sqlerr.WithCode(err, sqlerr.InvalidParameterValue)
		}
		s.conn = conn
	}
	s.mu.Unlock()
	err = s.retry(ctx, "open", func(ctx context.Context) error { return s.open(ctx) })
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	s.opened = true
	s.st.State, s.st.Reason = "running", ""
	delivered = s.st.Delivered
	s.mu.Unlock()
	s.logger.Info("clickhouse sink open", "version", s.version.String(), "delivered", delivered, "mode", s.cfg.Mode.String())
	return delivered, nil
}

var errClosed = sqlerr.New(sqlerr.ObjectNotInPrerequisiteState, "clickhouse sink is closed")

func (s *Sink) open(ctx context.Context) error {
	conn := s.connection()
	var vs string
	if err := conn.QueryRow(ctx, "SELECT version()").Scan(&vs); err != nil {
		return err
	}
	v, err := ParseVersion(vs)
	if err != nil {
		return permanent(err)
	}
	s.mu.Lock()
	s.version, s.st.ServerVersion = v, vs
	s.mu.Unlock()
	setFeatures(s.cols, featuresOf(v))

	info, err := s.describe(ctx)
	if err != nil {
		return err
	}
	if !info.exists {
		ddl := createSQL(s.qualified, s.cols, s.view, s.cfg.Mode)
		s.logger.Info("creating clickhouse table", "sql", ddl)
		if err := conn.Exec(ctx, ddl); err != nil {
			return err
		}
		if info, err = s.describe(ctx); err != nil {
			return err
		}
		if !info.exists {
			return fmt.Errorf("clickhouse table %s missing right after CREATE TABLE", s.qualified)
		}
	}
	if err := s.validate(info); err != nil {
		return permanent(err)
	}
	s.builders = make([]builder, 0, len(s.cols))
	for i := range s.cols {
		if s.cols[i].meta != metaNone {
			continue
		}
		b, err := newBuilder(&s.cols[i])
		if err != nil {
			return permanent(err)
		}
		s.builders = append(s.builders, b)
	}
	return s.refreshFrontier(ctx)
}

func (s *Sink) connection() ch.Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn
}

// State returns the sink's state for SHOW SINKS.
func (s *Sink) State() SinkState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	st.RowsPerSecond = s.rate.rate(time.Now())
	return st
}

// Close disconnects. A Write in progress fails at its next attempt.
func (s *Sink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.st.State, s.st.Reason = "closed", ""
	if s.conn != nil {
		return s.conn.Close()
	}
	return nil
}

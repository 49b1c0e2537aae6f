package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/planner"
	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/server/coord"
	"github.com/freshet-db/freshet/server/pgwire"
	"github.com/freshet-db/freshet/server/session"
	"github.com/freshet-db/freshet/server/sinks"
	"github.com/freshet-db/freshet/server/sources"
	"github.com/freshet-db/freshet/sql/parse"
)

// Version is this build's version, reported in server_version and logs.
var Version = "0.1.0-dev"

// Server is a running Freshet.
type Server struct {
	cfg     Config
	logger  *slog.Logger
	coord   *coord.Coordinator
	sources *sources.Manager
	metrics *metrics
	sinks   *sinks.Manager
	pgLn    net.Listener
	httpLn  net.Listener
	http    *http.Server

	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
	errMu     sync.Mutex
	err       error
}

// Start recovers the data directory and starts serving. It returns once
// the listeners accept connections and every view is rebuilt.
func Start(ctx context.Context, cfg Config, logger *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := newMetrics()
	c, err := coord.Open(coord.Options{
		ObserveCommit:   func(d time.Duration) { m.commitLatency.Observe(d.Seconds()) },
		DataDir:         cfg.DataDir,
		Version:         Version,
		CheckpointBytes: cfg.CheckpointBytes,
		Planner:         planView,
		Logger:          logger,
	})
	if err != nil {
		return nil, fmt.Errorf("open data directory %s: %w", cfg.DataDir, err)
	}
	s := &Server{cfg: cfg, logger: logger, coord: c, metrics: m}
	if s.pgLn, err = net.Listen("tcp", cfg.PGListen); err != nil {
		c.Close()
		return nil, fmt.Errorf("listen on %s: %w", cfg.PGListen, err)
	}
	if cfg.HTTPListen != "" {
		if s.httpLn, err = net.Listen("tcp", cfg.HTTPListen); err != nil {
			s.pgLn.Close()
			c.Close()
			return nil, fmt.Errorf("listen on %s: %w", cfg.HTTPListen, err)
		}
	}
	ctx, s.cancel = context.WithCancel(ctx)
	s.sources = sources.New(ctx, c, logger)
	m.watch(c, s.sources)
	if err := s.sources.StartAll(); err != nil {
		s.cancel()
		s.pgLn.Close()
		if s.httpLn != nil {
			s.httpLn.Close()
		}
		c.Close()
		return nil, err
	}
	s.sinks = sinks.New(ctx, c, logger)
	s.sinks.StartAll()
	engine := &session.Engine{Coord: c, Sources: s.sources, Sinks: s.sinks, Logger: logger, Version: Version}
	pg := pgwire.NewServer(logger, engine, pgwire.Config{MaxMessageBytes: cfg.MaxMessageBytes})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := pg.Serve(ctx, s.pgLn); err != nil && ctx.Err() == nil {
			s.fail(fmt.Errorf("pgwire: %w", err))
		}
	}()
	if s.httpLn != nil {
		s.http = &http.Server{Handler: s.httpHandler(), ReadHeaderTimeout: 10 * time.Second,
			// Requests end with the server: long-lived streams such as
			// /api/v1/subscribe must not hold up shutdown.
			BaseContext: func(net.Listener) context.Context { return ctx }}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := s.http.Serve(s.httpLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.fail(fmt.Errorf("http: %w", err))
			}
		}()
	}
	logger.Info("freshet is ready", "version", Version, "pg", s.PGAddr(), "http", s.HTTPAddr(), "data_dir", cfg.DataDir)
	return s, nil
}

// Run starts the server and serves until ctx is done, then shuts down
// cleanly.
func Run(ctx context.Context, cfg Config, logger *slog.Logger) error {
	s, err := Start(ctx, cfg, logger)
	if err != nil {
		return err
	}
	<-ctx.Done()
	logger.Info("shutting down")
	return s.Close()
}

// PGAddr is the address the wire protocol listener is bound to.
func (s *Server) PGAddr() string { return s.pgLn.Addr().String() }

// HTTPAddr is the address of the HTTP listener, or "".
func (s *Server) HTTPAddr() string {
	if s.httpLn == nil {
		return ""
	}
	return s.httpLn.Addr().String()
}

func (s *Server) fail(err error) {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	if s.err == nil {
		s.err = err
		s.logger.Error("listener failed", "err", err)
	}
}

// Close stops accepting work, closes connections and the coordinator. It
// may be called more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.close() })
	return s.closeErr
}

func (s *Server) close() error {
	s.cancel()
	s.pgLn.Close()
	if s.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
		_ = s.http.Shutdown(ctx)
		cancel()
	}
	s.wg.Wait()
	s.sources.Close()
	s.sinks.Close()
	err := s.coord.Close()
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return errors.Join(s.err, err)
}

func (s *Server) httpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "ok", "version": Version})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		// Start returns only after recovery and view hydration, so a
		// server that answers is ready.
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "ready", "timestamp": uint64(s.coord.Now())})
	})
	mux.HandleFunc("POST /api/v1/tables/{name}/rows", s.handleIngest)
	mux.Handle("GET /metrics", s.metrics.handler())
	mux.HandleFunc("GET /api/v1/subscribe", s.handleSubscribe)
	return mux
}

// planView re-plans a materialized view from its stored query text (at
// creation and when the server restarts).
func planView(cat *catalog.Catalog, rel *catalog.Relation) (*plan.Query, error) {
	stmts, err := parse.Parse(rel.Query)
	if err != nil {
		return nil, err
	}
	if len(stmts) != 1 {
		return nil, fmt.Errorf("view %s: stored query has %d statements", rel.Name, len(stmts))
	}
	t, ok := stmts[0].(*parse.TiDB)
	if !ok {
		return nil, fmt.Errorf("view %s: stored query is not a SELECT", rel.Name)
	}
	q, ok := t.Node.(ast.ResultSetNode)
	if !ok {
		return nil, fmt.Errorf("view %s: stored query is not a SELECT", rel.Name)
	}
	var cols []string
	for _, c := range rel.Columns {
		cols = append(cols, c.Name)
	}
	return planner.PlanView(cat, rel.Name, q, cols)
}

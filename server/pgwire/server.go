package pgwire

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Config tunes a Server. The zero value of each field selects its default.
type Config struct {
	// MaxStartupMessageBytes bounds the body of every message received
	// before startup completes (authentication messages). Default 64 KiB.
	// The StartupMessage itself is capped at 10,000 bytes by pgproto3.
	MaxStartupMessageBytes int
	// MaxMessageBytes bounds the body of every message after startup (a
	// large Bind or Query). Default 64 MiB.
	MaxMessageBytes int
	// StartupTimeout is the read deadline for the whole startup handshake.
	// Default 10s.
	StartupTimeout time.Duration
	// ShutdownTimeout is how long Serve waits, after its context is done,
	// for connections to finish the message they are handling before it
	// closes their sockets. Default 5s.
	ShutdownTimeout time.Duration
	// FlushBytes is the amount of buffered output after which rows are
	// flushed to the client in the middle of a result. Default 64 KiB.
	FlushBytes int
	// Trace, if set, receives a PQtrace-like log of every message of every
	// connection (pgproto3 Trace); writes are serialized. For debugging
	// only.
	Trace io.Writer
}

// Defaults of Config.
const (
	DefaultMaxStartupMessageBytes = 64 << 10
	DefaultMaxMessageBytes        = 64 << 20
	DefaultStartupTimeout         = 10 * time.Second
	DefaultShutdownTimeout        = 5 * time.Second
	DefaultFlushBytes             = 64 << 10
)

func (c Config) withDefaults() Config {
	if c.MaxStartupMessageBytes <= 0 {
		c.MaxStartupMessageBytes = DefaultMaxStartupMessageBytes
	}
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if c.StartupTimeout <= 0 {
		c.StartupTimeout = DefaultStartupTimeout
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	if c.FlushBytes <= 0 {
		c.FlushBytes = DefaultFlushBytes
	}
	if c.Trace != nil {
		c.Trace = &lockedWriter{w: c.Trace}
	}
	return c
}

// Server accepts Postgres wire protocol connections and serves each with a
// Session of its Engine.
type Server struct {
	log    *slog.Logger
	engine Engine
	cfg    Config

	mu      sync.Mutex
	nextPID uint32
	conns   map[uint32]*conn // by BackendKeyData process ID
	wg      sync.WaitGroup
}

// NewServer returns a server; call Serve to accept connections.
func NewServer(logger *slog.Logger, engine Engine, cfg Config) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Server{
		log:    logger,
		engine: engine,
		cfg:    cfg.withDefaults(),
		conns:  make(map[uint32]*conn),
	}
}

// Serve accepts connections on ln until ctx is done or ln is closed. On
// return, every connection has been closed: idle ones get FATAL 57P01
// (admin_shutdown), running statements are cancelled, and after
// Config.ShutdownTimeout the remaining sockets are closed. Serve closes ln.
// It returns nil after a shutdown by ctx and the accept error otherwise.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	connCtx, stopConns := context.WithCancelCause(context.WithoutCancel(ctx))
	defer stopConns(nil)
	stop := context.AfterFunc(ctx, func() { _ = ln.Close() })
	defer stop()

	var err error
	var backoff time.Duration
	for {
		nc, aerr := ln.Accept()
		if aerr != nil {
			// Like net/http, retry errors that say they are temporary
			// (EMFILE, ECONNABORTED, ...).
			var te interface{ Temporary() bool }
			if ctx.Err() == nil && errors.As(aerr, &te) && te.Temporary() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.log.Warn("accept failed; retrying", "err", aerr, "backoff", backoff)
				time.Sleep(backoff)
				continue
			}
			if ctx.Err() == nil && !errors.Is(aerr, net.ErrClosed) {
				err = aerr
			}
			break
		}
		backoff = 0
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serveConn(connCtx, nc)
		}()
	}
	_ = ln.Close()
	s.shutdown(stopConns)
	return err
}

// shutdown asks every connection to stop, then waits for them, closing the
// sockets of those that do not stop within ShutdownTimeout.
func (s *Server) shutdown(stopConns context.CancelCauseFunc) {
	stopConns(errAdminShutdown)
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	t := time.NewTimer(s.cfg.ShutdownTimeout)
	defer t.Stop()
	select {
	case <-done:
		return
	case <-t.C:
	}
	s.mu.Lock()
	for _, c := range s.conns {
		_ = c.nc.Close()
	}
	s.mu.Unlock()
	<-done
}

// register assigns a process ID to c and makes it cancellable.
func (s *Server) register(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		s.nextPID++
		if s.nextPID == 0 {
			continue
		}
		if _, taken := s.conns[s.nextPID]; !taken {
			break
		}
	}
	c.pid = s.nextPID
	s.conns[c.pid] = c
}

func (s *Server) unregister(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns[c.pid] == c {
		delete(s.conns, c.pid)
	}
}

// cancel handles a CancelRequest: it cancels the running statement of the
// connection with that process ID if the secret matches. Mismatches are
// ignored silently, as in Postgres.
func (s *Server) cancel(pid uint32, secret []byte) {
	s.mu.Lock()
	c := s.conns[pid]
	s.mu.Unlock()
	if c == nil || len(c.secret) == 0 || subtle.ConstantTimeCompare(c.secret, secret) != 1 {
		s.log.Warn("cancel request for unknown process or with a wrong secret", "pid", pid)
		return
	}
	c.cancelRunning()
}

// lockedWriter serializes writes of concurrent connections.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

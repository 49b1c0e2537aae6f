package pgwire

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/freshet-db/freshet/sql/sqlerr"
)

// conn is one client connection. Apart from cancelRunning and the read
// deadline (which other goroutines use under mu), a conn is owned by its
// goroutine in serveConn.
type conn struct {
	srv   *Server
	nc    net.Conn
	be    *pgproto3.Backend
	log   *slog.Logger
	types *pgtype.Map // binary codecs, created on first use
	// ctx is cancelled with cause errAdminShutdown when the server stops.
	ctx    context.Context
	pid    uint32
	secret []byte
	sess   Session

	mu       sync.Mutex
	running  context.CancelCauseFunc // cancels the statement being executed, if any
	stopping bool                    // shutdown began: reads must not block

	stmts          map[string]*prepared
	portals        map[string]*portal
	ignoreTillSync bool     // an extended-protocol message failed: skip to Sync
	pending        int      // bytes of rows sent since the last flush
	writeErr       error    // the socket failed; the connection is dead
	buf            []byte   // scratch for DataRow values; never nil
	vals           [][]byte // scratch for DataRow.Values
	dataRow        pgproto3.DataRow
}

// serveConn runs a connection from its first byte to its close.
func (s *Server) serveConn(ctx context.Context, nc net.Conn) {
	c := &conn{
		srv:     s,
		nc:      nc,
		log:     s.log.With("remote", nc.RemoteAddr().String()),
		ctx:     ctx,
		stmts:   make(map[string]*prepared),
		portals: make(map[string]*portal),
		buf:     make([]byte, 0, 1024),
	}
	defer func() { _ = nc.Close() }()
	c.be = pgproto3.NewBackend(nc, nc)
	if s.cfg.Trace != nil {
		c.be.Trace(s.cfg.Trace, pgproto3.TracerOptions{})
	}
	c.be.SetMaxBodyLen(s.cfg.MaxStartupMessageBytes)
	// On shutdown, unblock a pending read; the loop then says goodbye.
	stop := context.AfterFunc(ctx, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.stopping = true
		_ = nc.SetReadDeadline(time.Unix(1, 0))
	})
	defer stop()

	c.log.Debug("connection opened")
	defer c.log.Debug("connection closed")

	c.setReadDeadline(time.Now().Add(s.cfg.StartupTimeout))
	c.startup()
	if c.sess == nil {
		return
	}
	defer s.unregister(c)
	defer func() {
		c.closeAllPortals()
		c.safely("close session", c.sess.Close)
	}()
	if c.writeErr != nil {
		return
	}
	c.setReadDeadline(time.Time{})
	c.be.SetMaxBodyLen(s.cfg.MaxMessageBytes)
	c.serve()
}

// typeMap returns the connection's pgtype.Map (not safe for concurrent
// use, hence one per connection), creating it on first use: text-only
// clients such as psql never pay for it.
func (c *conn) typeMap() *pgtype.Map {
	if c.types == nil {
		c.types = pgtype.NewMap()
	}
	return c.types
}

// setReadDeadline sets the socket's read deadline unless shutdown began.
func (c *conn) setReadDeadline(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopping {
		return
	}
	_ = c.nc.SetReadDeadline(t)
}

// cancelRunning cancels the statement being executed, if any.
func (c *conn) cancelRunning() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running != nil {
		c.running(errQueryCanceled)
	}
}

func (c *conn) setRunning(cancel context.CancelCauseFunc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.running = cancel
}

// startup performs the startup handshake. On success c.sess is set.
func (c *conn) startup() {
	for {
		msg, err := c.be.ReceiveStartupMessage()
		if err != nil {
			c.readFailed(err)
			return
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest, *pgproto3.GSSEncRequest:
			// No encryption: the client continues in clear on this socket.
			if _, err := c.nc.Write([]byte{'N'}); err != nil {
				return
			}
		case *pgproto3.CancelRequest:
			c.srv.cancel(m.ProcessID, m.SecretKey)
			return
		case *pgproto3.StartupMessage:
			c.startSession(m)
			return
		default:
			c.fatal(protocolError("unexpected startup message %T", msg))
			return
		}
	}
}

// startSession creates the session for a StartupMessage and greets the
// client.
func (c *conn) startSession(m *pgproto3.StartupMessage) {
	p := StartupParams{Options: make(map[string]string), RemoteAddr: c.nc.RemoteAddr()}
	for k, v := range m.Parameters {
		switch k {
		case "user":
			p.User = v
		case "database":
			p.Database = v
		case "application_name":
			p.ApplicationName = v
		default:
			p.Options[k] = v
		}
	}
	if p.User == "" {
		c.fatal(sqlerr.New(sqlerr.InvalidAuthorization, "no PostgreSQL user name specified in startup packet"))
		return
	}
	if p.Database == "" {
		p.Database = p.User
	}
	c.log = c.log.With("user", p.User, "database", p.Database)

	// Protocol 3.0 has 4-byte secrets; 3.2 allows up to 256 bytes.
	keyLen := 4
	if m.ProtocolVersion >= pgproto3.ProtocolVersion32 {
		keyLen = 32
	}
	secret := make([]byte, keyLen)
	_, _ = rand.Read(secret) // crypto/rand.Read never fails

	var sess Session
	err := c.protect(func() error {
		var err error
		sess, err = c.srv.engine.NewSession(c.ctx, p)
		return err
	})
	if err != nil {
		c.fatal(err)
		return
	}
	c.sess = sess
	c.secret = secret
	c.srv.register(c)
	c.log = c.log.With("pid", c.pid)

	c.be.Send(&pgproto3.AuthenticationOk{})
	c.sendParameters(sess.ParameterStatus())
	c.be.Send(&pgproto3.BackendKeyData{ProcessID: c.pid, SecretKey: secret})
	c.be.Send(&pgproto3.ReadyForQuery{TxStatus: sess.TxStatus()})
	c.flush()
}

// serve is the message loop after startup.
func (c *conn) serve() {
	for {
		msg, err := c.be.Receive()
		if err != nil {
			c.readFailed(err)
			return
		}
		if stop := c.handle(msg); stop {
			return
		}
		if c.writeErr != nil {
			c.log.Debug("write failed", "err", c.writeErr)
			return
		}
		if c.ctx.Err() != nil {
			c.fatal(errAdminShutdown)
			return
		}
	}
}

// readFailed ends a connection whose read failed: quietly if the client
// went away, with FATAL 57P01 on shutdown and FATAL 08P01 for a malformed
// or oversized message.
func (c *conn) readFailed(err error) {
	if c.ctx.Err() != nil {
		c.fatal(errAdminShutdown)
		return
	}
	var ne net.Error
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.As(err, &ne) {
		c.log.Debug("read failed", "err", err)
		return
	}
	c.fatal(protocolError("invalid frontend message: %v", err))
}

// fatal sends a FATAL ErrorResponse; the caller then closes the connection.
func (c *conn) fatal(err error) {
	c.be.Send(errorResponse(c.log, severityFatal, err))
	c.flush()
}

// flush writes the buffered messages.
func (c *conn) flush() {
	c.pending = 0
	if c.writeErr != nil {
		return
	}
	if err := c.be.Flush(); err != nil {
		c.writeErr = err
	}
}

// sendParameters sends ParameterStatus messages in name order.
func (c *conn) sendParameters(params map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(params)) {
		c.be.Send(&pgproto3.ParameterStatus{Name: k, Value: params[k]})
	}
}

// readyForQuery ends a simple query or a Sync: it reports changed
// parameters, closes portals at the end of a transaction and flushes.
func (c *conn) readyForQuery() {
	if c.ctx.Err() != nil {
		return // shutting down: the message loop sends FATAL 57P01 instead
	}
	c.sendParameters(c.sess.ChangedParameters())
	status := c.sess.TxStatus()
	if status == 'I' {
		c.closeAllPortals()
	}
	c.be.Send(&pgproto3.ReadyForQuery{TxStatus: status})
	c.flush()
}

// handle processes one message. It reports whether the connection ends.
func (c *conn) handle(msg pgproto3.FrontendMessage) (stop bool) {
	defer func() {
		if r := recover(); r != nil {
			stop = !c.recovered(msg, r)
		}
	}()
	if c.ignoreTillSync {
		switch msg.(type) {
		case *pgproto3.Sync, *pgproto3.Terminate:
		default:
			return false
		}
	}
	switch m := msg.(type) {
	case *pgproto3.Query:
		c.simpleQuery(m.String)
	case *pgproto3.Parse:
		c.parse(m)
	case *pgproto3.Bind:
		c.bind(m)
	case *pgproto3.Describe:
		c.describe(m)
	case *pgproto3.Execute:
		c.execute(m)
	case *pgproto3.Close:
		c.close(m)
	case *pgproto3.Sync:
		c.ignoreTillSync = false
		c.readyForQuery()
	case *pgproto3.Flush:
		c.flush()
	case *pgproto3.Terminate:
		return true
	case *pgproto3.FunctionCall:
		c.sendError(sqlerr.New(sqlerr.FeatureNotSupported, "function call protocol is not supported"), true)
		c.readyForQuery()
	case *pgproto3.CopyData, *pgproto3.CopyDone, *pgproto3.CopyFail:
		// Postgres ignores COPY messages outside COPY IN, for clients that
		// keep sending after an error.
	default:
		c.fatal(protocolError("unexpected message type %T", msg))
		return true
	}
	return false
}

// recovered turns a panic inside a message handler into XX000 and leaves
// the connection usable: the portals are dropped. It reports false if the
// connection cannot go on (the recovery itself panicked).
func (c *conn) recovered(msg pgproto3.FrontendMessage, r any) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("panic while recovering from a panic; closing the connection", "panic", r)
			ok = false
		}
	}()
	c.log.Error("panic while handling a message", "msg", fmt.Sprintf("%T", msg), "panic", r, "stack", string(debug.Stack()))
	c.setRunning(nil)
	c.closeAllPortals()
	c.be.Send(errorResponse(c.log, severityError, fmt.Errorf("panic: %v", r)))
	c.safely("fail session", c.sess.Fail)
	switch msg.(type) {
	case *pgproto3.Query, *pgproto3.FunctionCall, *pgproto3.Sync:
		c.readyForQuery()
	default:
		c.ignoreTillSync = true
	}
	return true
}

// sendError sends an ErrorResponse. fail tells the session (Session.Fail)
// unless the error came from Prepare or Execute, which the session knows.
func (c *conn) sendError(err error, fail bool) {
	if c.ctx.Err() != nil {
		return // shutting down: the message loop sends FATAL 57P01 instead
	}
	if fail {
		c.safely("fail session", c.sess.Fail)
	}
	c.be.Send(errorResponse(c.log, severityError, err))
}

// protect runs f, turning a panic into an internal error.
func (c *conn) protect(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("panic", "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return f()
}

// safely runs a cleanup function, logging a panic instead of propagating
// it: cleanup must not take the connection down.
func (c *conn) safely(what string, f func()) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("panic in "+what, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	f()
}

package pgwire_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/freshet-db/freshet/server/pgwire"
)

// testLogger logs at Debug when FRESHET_TEST_LOG is set, else only errors
// (which tests with panics provoke on purpose) to the test log.
func testLogger(t testing.TB) *slog.Logger {
	level := slog.LevelError + 1
	if os.Getenv("FRESHET_TEST_LOG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: level}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

// startServer serves a testEngine on a fresh 127.0.0.1 port until the test
// ends.
func startServer(t testing.TB, cfg pgwire.Config) (string, *testEngine) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	eng := &testEngine{}
	srv := pgwire.NewServer(testLogger(t), eng, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("server did not shut down")
		}
	})
	return ln.Addr().String(), eng
}

// rawConn is a connection driven message by message with pgproto3.
type rawConn struct {
	t  testing.TB
	nc net.Conn
	fe *pgproto3.Frontend
}

// dialRaw connects without a startup message.
func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
	return &rawConn{t: t, nc: nc, fe: pgproto3.NewFrontend(nc, nc)}
}

// connectRaw connects and completes startup.
func connectRaw(t testing.TB, addr string) (*rawConn, []pgproto3.BackendMessage) {
	t.Helper()
	c := dialRaw(t, addr)
	c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": "freshet", "database": "freshet", "TimeZone": "UTC"}})
	return c, c.untilReady()
}

func (c *rawConn) send(msgs ...pgproto3.FrontendMessage) {
	c.t.Helper()
	for _, m := range msgs {
		c.fe.Send(m)
	}
	if err := c.fe.Flush(); err != nil {
		c.t.Fatal(err)
	}
}

func (c *rawConn) receive() pgproto3.BackendMessage {
	c.t.Helper()
	m, err := c.fe.Receive()
	if err != nil {
		c.t.Fatalf("receive: %v", err)
	}
	return copyMessage(c.t, m)
}

// untilReady receives messages up to and including ReadyForQuery.
func (c *rawConn) untilReady() []pgproto3.BackendMessage {
	c.t.Helper()
	var out []pgproto3.BackendMessage
	for {
		m := c.receive()
		out = append(out, m)
		if _, ok := m.(*pgproto3.ReadyForQuery); ok {
			return out
		}
	}
}

// expectClosed asserts that the server closes the connection.
func (c *rawConn) expectClosed() {
	c.t.Helper()
	for {
		m, err := c.fe.Receive()
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					c.t.Fatalf("connection not closed: %v", err)
				}
			}
			return
		}
		if _, ok := m.(*pgproto3.ErrorResponse); !ok {
			c.t.Fatalf("unexpected %T before close", m)
		}
	}
}

// copyMessage detaches a received message from the Frontend's buffers
// (Receive reuses them) by a JSON round trip of the concrete type.
func copyMessage(t testing.TB, m pgproto3.BackendMessage) pgproto3.BackendMessage {
	switch m := m.(type) {
	case *pgproto3.DataRow:
		vals := make([][]byte, len(m.Values))
		for i, v := range m.Values {
			if v != nil {
				vals[i] = append([]byte{}, v...)
			}
		}
		return &pgproto3.DataRow{Values: vals}
	case *pgproto3.RowDescription:
		fields := make([]pgproto3.FieldDescription, len(m.Fields))
		for i, f := range m.Fields {
			f.Name = append([]byte{}, f.Name...)
			fields[i] = f
		}
		return &pgproto3.RowDescription{Fields: fields}
	case *pgproto3.CommandComplete:
		return &pgproto3.CommandComplete{CommandTag: append([]byte{}, m.CommandTag...)}
	case *pgproto3.ErrorResponse:
		e := *m
		return &e
	case *pgproto3.ParameterStatus:
		p := *m
		return &p
	case *pgproto3.BackendKeyData:
		return &pgproto3.BackendKeyData{ProcessID: m.ProcessID, SecretKey: append([]byte{}, m.SecretKey...)}
	case *pgproto3.ParameterDescription:
		return &pgproto3.ParameterDescription{ParameterOIDs: append([]uint32{}, m.ParameterOIDs...)}
	case *pgproto3.ReadyForQuery:
		r := *m
		return &r
	}
	return m // the remaining messages carry no data
}

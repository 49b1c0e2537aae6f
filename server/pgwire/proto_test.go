package pgwire_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/freshet-db/freshet/server/pgwire"
)

// summary renders messages compactly for comparison.
func summary(msgs []pgproto3.BackendMessage) []string {
	var out []string
	for _, m := range msgs {
		switch m := m.(type) {
		case *pgproto3.ErrorResponse:
			out = append(out, fmt.Sprintf("ErrorResponse %s %s %s", m.Severity, m.Code, m.Message))
		case *pgproto3.ReadyForQuery:
			out = append(out, "ReadyForQuery "+string(m.TxStatus))
		case *pgproto3.DataRow:
			vals := make([]string, len(m.Values))
			for i, v := range m.Values {
				if v == nil {
					vals[i] = "NULL"
				} else {
					vals[i] = fmt.Sprintf("%q", v)
				}
			}
			out = append(out, "DataRow "+strings.Join(vals, ","))
		case *pgproto3.CommandComplete:
			out = append(out, "CommandComplete "+string(m.CommandTag))
		case *pgproto3.RowDescription:
			var fs []string
			for _, f := range m.Fields {
				fs = append(fs, fmt.Sprintf("%s:%d:%d", f.Name, f.DataTypeOID, f.Format))
			}
			out = append(out, "RowDescription "+strings.Join(fs, ","))
		case *pgproto3.ParameterDescription:
			out = append(out, fmt.Sprintf("ParameterDescription %v", m.ParameterOIDs))
		case *pgproto3.ParameterStatus:
			out = append(out, "ParameterStatus "+m.Name+"="+m.Value)
		default:
			out = append(out, strings.TrimPrefix(fmt.Sprintf("%T", m), "*pgproto3."))
		}
	}
	return out
}

func expectMessages(t *testing.T, got []pgproto3.BackendMessage, want ...string) {
	t.Helper()
	if g := summary(got); !slices.Equal(g, want) {
		t.Fatalf("got:\n  %s\nwant:\n  %s", strings.Join(g, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestStartup(t *testing.T) {
	addr, _ := startServer(t, pgwire.Config{})
	_, msgs := connectRaw(t, addr)
	got := summary(msgs)
	if got[0] != "AuthenticationOk" || got[len(got)-2] != "BackendKeyData" || got[len(got)-1] != "ReadyForQuery I" {
		t.Fatalf("unexpected startup sequence %v", got)
	}
	for _, p := range []string{"client_encoding=UTF8", "DateStyle=ISO, MDY", "server_version=16.0", "standard_conforming_strings=on", "integer_datetimes=on"} {
		if !slices.Contains(got, "ParameterStatus "+p) {
			t.Errorf("missing ParameterStatus %s in %v", p, got)
		}
	}
}

func TestStartupUnknownDatabase(t *testing.T) {
	addr, _ := startServer(t, pgwire.Config{})
	c := dialRaw(t, addr)
	c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": "freshet", "database": "nodb"}})
	expectMessages(t, []pgproto3.BackendMessage{c.receive()}, `ErrorResponse FATAL 3D000 database "nodb" does not exist`)
	c.expectClosed()
}

func TestSSLAndGSSRequestsAnsweredN(t *testing.T) {
	addr, _ := startServer(t, pgwire.Config{})
	c := dialRaw(t, addr)
	for _, req := range []pgproto3.FrontendMessage{&pgproto3.SSLRequest{}, &pgproto3.GSSEncRequest{}} {
		c.send(req)
		b := make([]byte, 1)
		if _, err := c.nc.Read(b); err != nil || b[0] != 'N' {
			t.Fatalf("%T: got %q, %v; want N", req, b, err)
		}
	}
	c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": "freshet"}})
	msgs := c.untilReady()
	if s := summary(msgs); s[len(s)-1] != "ReadyForQuery I" {
		t.Fatalf("startup after N: %v", s)
	}
}

func TestProtocol32(t *testing.T) {
	addr, _ := startServer(t, pgwire.Config{})
	c := dialRaw(t, addr)
	c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion32,
		Parameters: map[string]string{"user": "freshet"}})
	msgs := c.untilReady()
	var key *pgproto3.BackendKeyData
	for _, m := range msgs {
		if k, ok := m.(*pgproto3.BackendKeyData); ok {
			key = k
		}
	}
	if key == nil || len(key.SecretKey) != 32 {
		t.Fatalf("protocol 3.2 key: %+v", key)
	}
}

func TestTerminateClosesSession(t *testing.T) {
	addr, eng := startServer(t, pgwire.Config{})
	c, _ := connectRaw(t, addr)
	if n := eng.openSessions(); n != 1 {
		t.Fatalf("open sessions = %d, want 1", n)
	}
	c.send(&pgproto3.Terminate{})
	c.expectClosed()
	waitFor(t, func() bool { return eng.openSessions() == 0 })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not reached")
}

func TestSimpleQuery(t *testing.T) {
	addr, _ := startServer(t, pgwire.Config{})
	c, _ := connectRaw(t, addr)

	c.send(&pgproto3.Query{String: "SELECT 1 AS a; SELECT nope; SELECT 3"})
	expectMessages(t, c.untilReady(),
		"RowDescription a:23:0", `DataRow "1"`, "CommandComplete SELECT 1",
		`ErrorResponse ERROR 42703 column "nope" does not exist`, "ReadyForQuery I")

	c.send(&pgproto3.Query{String: ""})
	expectMessages(t, c.untilReady(), "EmptyQueryResponse", "ReadyForQuery I")
	c.send(&pgproto3.Query{String: " ; ;"})
	expectMessages(t, c.untilReady(), "EmptyQueryResponse", "ReadyForQuery I")

	c.send(&pgproto3.Query{String: "BEGIN; INSERT INTO t VALUES (1)"})
	expectMessages(t, c.untilReady(), "CommandComplete BEGIN", "CommandComplete INSERT 0 1", "ReadyForQuery T")
	c.send(&pgproto3.Query{String: "SELECT error('22012')"})
	expectMessages(t, c.untilReady(), "ErrorResponse ERROR 22012 test error 22012", "ReadyForQuery E")
	c.send(&pgproto3.Query{String: "SELECT 1"})
	expectMessages(t, c.untilReady(), "ErrorResponse ERROR 25P02 current transaction is aborted, commands ignored until end of transaction block", "ReadyForQuery E")
	c.send(&pgproto3.Query{String: "ROLLBACK"})
	expectMessages(t, c.untilReady(), "CommandComplete ROLLBACK", "ReadyForQuery I")

	// An error from Next after some rows: the rows, then the error.
	c.send(&pgproto3.Query{String: "SELECT rows_then_error()"})
	expectMessages(t, c.untilReady(), "RowDescription x:23:0", `DataRow "1"`, `DataRow "2"`,
		"ErrorResponse ERROR 22012 division by zero", "ReadyForQuery I")

	// SET reports the changed parameter before ReadyForQuery.
	c.send(&pgproto3.Query{String: "SET application_name = 'app'"})
	expectMessages(t, c.untilReady(), "CommandComplete SET", "ParameterStatus application_name=app", "ReadyForQuery I")
}

func TestAllTypesText(t *testing.T) {
	addr, _ := startServer(t, pgwire.Config{})
	c, _ := connectRaw(t, addr)
	c.send(&pgproto3.Query{String: "SELECT * FROM all_types"})
	expectMessages(t, c.untilReady(),
		"RowDescription b:16:0,i2:21:0,i4:23:0,i8:20:0,f4:700:0,f8:701:0,n:1700:0,t:25:0,v:1043:0,d:1082:0,ts:1114:0,tstz:1184:0,iv:1186:0,j:3802:0,by:17:0",
		`DataRow "t","-7","123456","-9000000000000000","1.5","-2.25","12345.50","héllo","","2024-03-05","2024-03-05 01:02:03.456789","2024-03-05 01:02:03.456789+00","1 year 2 mons 3 days 00:00:04.000005","{\"a\": [1, 2]}","\\x0001ff"`,
		"DataRow NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL",
		"CommandComplete SELECT 2", "ReadyForQuery I")
}

// TestExtendedErrorRecovery is the flow of COMPAT §4.1: after an error the
// server skips to Sync; the "ok" statement of the failed batch never exists.
func TestExtendedErrorRecovery(t *testing.T) {
	addr, _ := startServer(t, pgwire.Config{})
	c, _ := connectRaw(t, addr)
	c.send(
		&pgproto3.Parse{Query: "SELEC 1"}, &pgproto3.Bind{}, &pgproto3.Execute{},
		&pgproto3.Parse{Name: "ok", Query: "SELECT 2"}, &pgproto3.Sync{},
		&pgproto3.Parse{Name: "ok", Query: "SELECT 3"}, &pgproto3.Bind{PreparedStatement: "ok"}, &pgproto3.Execute{}, &pgproto3.Sync{},
	)
	got := append(c.untilReady(), c.untilReady()...)
	expectMessages(t, got,
		`ErrorResponse ERROR 42601 syntax error at or near "SELEC"`, "ReadyForQuery I",
		"ParseComplete", "BindComplete", `DataRow "3"`, "CommandComplete SELECT 1", "ReadyForQuery I")

	// In a transaction block, an error turns the status to E until ROLLBACK.
	c.send(&pgproto3.Query{String: "BEGIN"})
	c.untilReady()
	c.send(&pgproto3.Bind{PreparedStatement: "missing"}, &pgproto3.Execute{}, &pgproto3.Sync{})
	expectMessages(t, c.untilReady(), `ErrorResponse ERROR 26000 prepared statement "missing" does not exist`, "ReadyForQuery E")
	c.send(&pgproto3.Parse{Query: "ROLLBACK"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{})
	expectMessages(t, c.untilReady(), "ParseComplete", "BindComplete", "CommandComplete ROLLBACK", "ReadyForQuery I")
}

func TestExtendedPortalsMaxRows(t *testing.T) {
	addr, _ := startServer(t, pgwire.Config{})
	c, _ := connectRaw(t, addr)
	c.send(&pgproto3.Query{String: "BEGIN"})
	c.untilReady()
	c.send(
		&pgproto3.Parse{Name: "s", Query: "SELECT generate_series(1, 5)"},
		&pgproto3.Bind{PreparedStatement: "s", DestinationPortal: "p1", ResultFormatCodes: []int16{1}},
		&pgproto3.Describe{ObjectType: 'P', Name: "p1"},
		&pgproto3.Execute{Portal: "p1", MaxRows: 2},
		&pgproto3.Execute{Portal: "p1", MaxRows: 2},
		&pgproto3.Execute{Portal: "p1", MaxRows: 2},
		&pgproto3.Execute{Portal: "p1", MaxRows: 2},
		&pgproto3.Sync{},
	)
	be := func(n int32) string {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(n))
		return fmt.Sprintf("DataRow %q", b[:])
	}
	expectMessages(t, c.untilReady(),
		"ParseComplete", "BindComplete", "RowDescription generate_series:23:1",
		be(1), be(2), "PortalSuspended", be(3), be(4), "PortalSuspended", be(5), "CommandComplete SELECT 1",
		"CommandComplete SELECT 0", "ReadyForQuery T")

	// Named portals survive Sync inside a transaction and die at its end.
	c.send(&pgproto3.Bind{PreparedStatement: "s", DestinationPortal: "p2"}, &pgproto3.Execute{Portal: "p2", MaxRows: 4}, &pgproto3.Sync{})
	expectMessages(t, c.untilReady(), "BindComplete", `DataRow "1"`, `DataRow "2"`, `DataRow "3"`, `DataRow "4"`, "PortalSuspended", "ReadyForQuery T")
	c.send(&pgproto3.Execute{Portal: "p2", MaxRows: 4}, &pgproto3.Close{ObjectType: 'P', Name: "p2"}, &pgproto3.Sync{})
	expectMessages(t, c.untilReady(), `DataRow "5"`, "CommandComplete SELECT 1", "CloseComplete", "ReadyForQuery T")
	c.send(&pgproto3.Bind{PreparedStatement: "s", DestinationPortal: "p3"}, &pgproto3.Sync{})
	c.untilReady()
	c.send(&pgproto3.Query{String: "COMMIT"})
	c.untilReady()
	c.send(&pgproto3.Execute{Portal: "p3"}, &pgproto3.Sync{})
	expectMessages(t, c.untilReady(), `ErrorResponse ERROR 34000 portal "p3" does not exist`, "ReadyForQuery I")
}

func TestExtendedDescribe(t *testing.T) {
	addr, _ := startServer(t, pgwire.Config{})
	c, _ := connectRaw(t, addr)
	c.send(
		&pgproto3.Parse{Name: "a", Query: "SELECT $1::int8 AS x, $2 AS u"},
		&pgproto3.Describe{ObjectType: 'S', Name: "a"},
		&pgproto3.Parse{Name: "b", Query: "INSERT INTO t VALUES (1)"},
		&pgproto3.Describe{ObjectType: 'S', Name: "b"},
		&pgproto3.Parse{Name: "c", Query: "SELECT $1 AS x", ParameterOIDs: []uint32{23}},
		&pgproto3.Describe{ObjectType: 'S', Name: "c"},
		&pgproto3.Bind{PreparedStatement: "b"},
		&pgproto3.Describe{ObjectType: 'P'},
		&pgproto3.Execute{},
		&pgproto3.Parse{Query: "SELECT 1; SELECT 2"},
		&pgproto3.Sync{},
	)
	expectMessages(t, c.untilReady(),
		"ParseComplete", "ParameterDescription [20 0]", "RowDescription x:20:0,u:25:0",
		"ParseComplete", "ParameterDescription []", "NoData",
		"ParseComplete", "ParameterDescription [23]", "RowDescription x:23:0",
		"BindComplete", "NoData", "CommandComplete INSERT 0 1",
		"ErrorResponse ERROR 42601 cannot insert multiple commands into a prepared statement", "ReadyForQuery I")

	// Empty query in the extended protocol.
	c.send(&pgproto3.Parse{Query: ""}, &pgproto3.Bind{}, &pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}, &pgproto3.Sync{})
	expectMessages(t, c.untilReady(), "ParseComplete", "BindComplete", "NoData", "EmptyQueryResponse", "ReadyForQuery I")

	// Bind errors: parameter count and format counts.
	c.send(&pgproto3.Bind{PreparedStatement: "a", Parameters: [][]byte{[]byte("1")}}, &pgproto3.Sync{})
	expectMessages(t, c.untilReady(), `ErrorResponse ERROR 08P01 bind message supplies 1 parameters, but prepared statement "a" requires 2`, "ReadyForQuery I")
	c.send(&pgproto3.Bind{PreparedStatement: "a", Parameters: [][]byte{[]byte("x"), nil}}, &pgproto3.Sync{})
	expectMessages(t, c.untilReady(), `ErrorResponse ERROR 22P02 invalid input syntax for type bigint: "x"`, "ReadyForQuery I")
	c.send(&pgproto3.Bind{PreparedStatement: "a", ParameterFormatCodes: []int16{1}, Parameters: [][]byte{{1, 2}, nil}}, &pgproto3.Sync{})
	expectMessages(t, c.untilReady(), "ErrorResponse ERROR 22P03 incorrect binary data format in bind parameter 1", "ReadyForQuery I")
	c.send(&pgproto3.Bind{PreparedStatement: "a", ResultFormatCodes: []int16{0, 0, 0}, Parameters: [][]byte{nil, nil}}, &pgproto3.Sync{})
	expectMessages(t, c.untilReady(), "ErrorResponse ERROR 08P01 bind message has 3 result formats but query has 2 columns", "ReadyForQuery I")

	// Duplicate and closed statements.
	c.send(&pgproto3.Parse{Name: "a", Query: "SELECT 1"}, &pgproto3.Sync{})
	expectMessages(t, c.untilReady(), `ErrorResponse ERROR 42P05 prepared statement "a" already exists`, "ReadyForQuery I")
	c.send(&pgproto3.Close{ObjectType: 'S', Name: "a"}, &pgproto3.Close{ObjectType: 'S', Name: "never"}, &pgproto3.Describe{ObjectType: 'S', Name: "a"}, &pgproto3.Sync{})
	expectMessages(t, c.untilReady(), "CloseComplete", "CloseComplete", `ErrorResponse ERROR 26000 prepared statement "a" does not exist`, "ReadyForQuery I")

	// Flush sends what is buffered without a Sync.
	c.send(&pgproto3.Parse{Name: "f", Query: "SELECT 1"}, &pgproto3.Flush{})
	expectMessages(t, []pgproto3.BackendMessage{c.receive()}, "ParseComplete")
	c.send(&pgproto3.Sync{})
	expectMessages(t, c.untilReady(), "ReadyForQuery I")
}

func TestPanicRecovered(t *testing.T) {
	addr, _ := startServer(t, pgwire.Config{})
	c, _ := connectRaw(t, addr)
	c.send(&pgproto3.Query{String: "SELECT panic()"})
	expectMessages(t, c.untilReady(), "ErrorResponse ERROR XX000 internal error", "ReadyForQuery I")
	c.send(&pgproto3.Parse{Query: "SELECT panic()"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{})
	expectMessages(t, c.untilReady(), "ParseComplete", "BindComplete", "ErrorResponse ERROR XX000 internal error", "ReadyForQuery I")
	c.send(&pgproto3.Query{String: "SELECT 7"})
	expectMessages(t, c.untilReady(), "RowDescription ?column?:23:0", `DataRow "7"`, "CommandComplete SELECT 1", "ReadyForQuery I")
}

// TestOversizedMessage sends a header claiming a 1 GiB body: only that
// connection is closed (FATAL 08P01), without allocating the body.
func TestOversizedMessage(t *testing.T) {
	addr, _ := startServer(t, pgwire.Config{})
	c, _ := connectRaw(t, addr)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	hdr := []byte{'Q', 0, 0, 0, 0}
	binary.BigEndian.PutUint32(hdr[1:], 1<<30)
	if _, err := c.nc.Write(hdr); err != nil {
		t.Fatal(err)
	}
	m := c.receive()
	if e, ok := m.(*pgproto3.ErrorResponse); !ok || e.Code != "08P01" || e.Severity != "FATAL" {
		t.Fatalf("got %#v, want FATAL 08P01", m)
	}
	c.expectClosed()
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Fatalf("the server allocated %d MiB for the oversized message", grew>>20)
	}

	// The server still serves others.
	c2, _ := connectRaw(t, addr)
	c2.send(&pgproto3.Query{String: "SELECT 1"})
	expectMessages(t, c2.untilReady(), "RowDescription ?column?:23:0", `DataRow "1"`, "CommandComplete SELECT 1", "ReadyForQuery I")
}

func TestMalformedStartup(t *testing.T) {
	addr, _ := startServer(t, pgwire.Config{})
	c := dialRaw(t, addr)
	// A startup packet with an unknown protocol code.
	if _, err := c.nc.Write([]byte{0, 0, 0, 8, 0, 9, 0, 9}); err != nil {
		t.Fatal(err)
	}
	m := c.receive()
	if e, ok := m.(*pgproto3.ErrorResponse); !ok || e.Code != "08P01" {
		t.Fatalf("got %#v, want 08P01", m)
	}
	c.expectClosed()
}

func TestStartupTimeout(t *testing.T) {
	addr, _ := startServer(t, pgwire.Config{StartupTimeout: 50 * time.Millisecond})
	c := dialRaw(t, addr)
	c.expectClosed()
}

func TestCancelRequest(t *testing.T) {
	addr, _ := startServer(t, pgwire.Config{})
	c, msgs := connectRaw(t, addr)
	var key *pgproto3.BackendKeyData
	for _, m := range msgs {
		if k, ok := m.(*pgproto3.BackendKeyData); ok {
			key = k
		}
	}
	c.send(&pgproto3.Query{String: "SELECT pg_sleep(30)"})
	time.Sleep(50 * time.Millisecond)

	// A wrong secret is ignored.
	wrong := dialRaw(t, addr)
	wrong.send(&pgproto3.CancelRequest{ProcessID: key.ProcessID, SecretKey: []byte{1, 2, 3, 4}})
	wrong.expectClosed()

	cr := dialRaw(t, addr)
	cr.send(&pgproto3.CancelRequest{ProcessID: key.ProcessID, SecretKey: key.SecretKey})
	cr.expectClosed()
	expectMessages(t, c.untilReady(), "ErrorResponse ERROR 57014 canceling statement due to user request", "ReadyForQuery I")
}

// TestShutdown checks that Serve's return closes idle connections with
// FATAL 57P01.
func TestShutdown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	eng := &testEngine{}
	srv := pgwire.NewServer(testLogger(t), eng, pgwire.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	c, _ := connectRaw(t, ln.Addr().String())
	busy, _ := connectRaw(t, ln.Addr().String())
	busy.send(&pgproto3.Query{String: "SELECT pg_sleep(30)"})
	time.Sleep(50 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	m := c.receive()
	if e, ok := m.(*pgproto3.ErrorResponse); !ok || e.Code != "57P01" || e.Severity != "FATAL" {
		t.Fatalf("got %#v, want FATAL 57P01", m)
	}
	c.expectClosed()
	busy.expectClosed()
	if n := eng.openSessions(); n != 0 {
		t.Fatalf("%d sessions left open", n)
	}
}

func TestFailedPortalCannotRun(t *testing.T) {
	addr, _ := startServer(t, pgwire.Config{})
	c, _ := connectRaw(t, addr)
	c.send(&pgproto3.Query{String: "BEGIN"})
	c.untilReady()
	c.send(&pgproto3.Parse{Query: "SELECT rows_then_error()"}, &pgproto3.Bind{DestinationPortal: "p"},
		&pgproto3.Execute{Portal: "p", MaxRows: 1}, &pgproto3.Sync{})
	expectMessages(t, c.untilReady(), "ParseComplete", "BindComplete", `DataRow "1"`, "PortalSuspended", "ReadyForQuery T")
	c.send(&pgproto3.Execute{Portal: "p"}, &pgproto3.Sync{})
	expectMessages(t, c.untilReady(), `DataRow "2"`, "ErrorResponse ERROR 22012 division by zero", "ReadyForQuery E")
	c.send(&pgproto3.Execute{Portal: "p"}, &pgproto3.Sync{})
	expectMessages(t, c.untilReady(), `ErrorResponse ERROR 55000 portal "p" cannot be run`, "ReadyForQuery E")
}

// TestStreamingResult checks that rows of a result whose Next blocks (a
// subscription) reach the client at once, and that cancel ends it.
func TestStreamingResult(t *testing.T) {
	addr, _ := startServer(t, pgwire.Config{})
	c, msgs := connectRaw(t, addr)
	key := msgs[len(msgs)-2].(*pgproto3.BackendKeyData)
	c.send(&pgproto3.Query{String: "SELECT rows_then_block()"})
	_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	expectMessages(t, []pgproto3.BackendMessage{c.receive(), c.receive(), c.receive()},
		"RowDescription x:23:0", `DataRow "1"`, `DataRow "2"`)
	cr := dialRaw(t, addr)
	cr.send(&pgproto3.CancelRequest{ProcessID: key.ProcessID, SecretKey: key.SecretKey})
	expectMessages(t, c.untilReady(), "ErrorResponse ERROR 57014 canceling statement due to user request", "ReadyForQuery I")
}

// TestFlushInsideLargeResult streams a result larger than FlushBytes.
func TestFlushInsideLargeResult(t *testing.T) {
	addr, _ := startServer(t, pgwire.Config{FlushBytes: 100})
	c, _ := connectRaw(t, addr)
	c.send(&pgproto3.Query{String: "SELECT generate_series(1, 1000)"})
	msgs := c.untilReady()
	if len(msgs) != 1003 {
		t.Fatalf("got %d messages", len(msgs))
	}
}

func TestDeallocate(t *testing.T) {
	addr, _ := startServer(t, pgwire.Config{})
	c, _ := connectRaw(t, addr)
	c.send(&pgproto3.Parse{Name: "a", Query: "SELECT 1"}, &pgproto3.Parse{Name: "b", Query: "SELECT 2"}, &pgproto3.Sync{})
	c.untilReady()
	c.send(&pgproto3.Query{String: "DEALLOCATE a"})
	expectMessages(t, c.untilReady(), "CommandComplete DEALLOCATE", "ReadyForQuery I")
	c.send(&pgproto3.Query{String: "DEALLOCATE a"})
	expectMessages(t, c.untilReady(), `ErrorResponse ERROR 26000 prepared statement "a" does not exist`, "ReadyForQuery I")
	c.send(&pgproto3.Parse{Query: "DEALLOCATE ALL"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Describe{ObjectType: 'S', Name: "b"}, &pgproto3.Sync{})
	expectMessages(t, c.untilReady(), "ParseComplete", "BindComplete", "CommandComplete DEALLOCATE ALL",
		`ErrorResponse ERROR 26000 prepared statement "b" does not exist`, "ReadyForQuery I")
}

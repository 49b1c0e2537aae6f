// Package pgwire serves the Postgres frontend/backend protocol (version
// 3.0, and 3.2 startup packets) on top of github.com/jackc/pgx/v5/pgproto3.
// It knows nothing of SQL: every statement goes to a Session of an Engine
// (engine.go), which server/session implements. pgwire owns the protocol
// state only: prepared statements and portals by name, the
// skip-until-Sync state after an error, value encoding and cancellation.
//
// # Layers and files
//
//   - server.go: Server, Config and Serve: the accept loop, the registry of
//     connections by BackendKeyData process ID (for CancelRequest), and
//     shutdown.
//   - conn.go: one connection: the startup handshake, the message loop,
//     panic recovery, ReadyForQuery and flushing.
//   - simple.go: the simple query protocol (Query) and row sending, shared
//     with the extended protocol.
//   - extended.go: Parse, Bind, Describe, Execute, Close; prepared
//     statements and portals.
//   - copy.go: COPY ... TO STDOUT (CopyResult): CopyOutResponse, CopyData
//     rows in the COPY text format, CopyDone, "COPY n".
//   - codec.go: parameter decoding and result encoding in text (sql/datum)
//     and binary (pgx/v5/pgtype) formats.
//   - errors.go: the only place that turns an error into an ErrorResponse.
//   - engine.go: the Engine/Session/Statement/Result interfaces.
//
// # Lifecycle of a connection
//
//  1. Accept. The body limit is Config.MaxStartupMessageBytes and the read
//     deadline Config.StartupTimeout (a StartupMessage itself is capped at
//     10,000 bytes by pgproto3).
//  2. Startup. SSLRequest and GSSENCRequest get 'N' and the client goes on
//     in clear on the same socket. A CancelRequest cancels the running
//     statement of the connection with that process ID if the secret
//     matches (constant-time compare; secrets come from crypto/rand), and
//     the socket is closed without a reply. A StartupMessage creates the
//     Session (an error is sent as FATAL and the connection closes); then
//     AuthenticationOk (trust), one ParameterStatus per
//     Session.ParameterStatus entry in name order, BackendKeyData and
//     ReadyForQuery.
//  3. Messages. The deadline is lifted and the body limit raised to
//     Config.MaxMessageBytes. Each message is handled in turn by one
//     goroutine; output is buffered by pgproto3 and written at
//     ReadyForQuery, at Flush, and every Config.FlushBytes of rows.
//  4. End. Terminate, EOF, a write error, a malformed or oversized message
//     (FATAL 08P01) or server shutdown (FATAL 57P01) ends the connection;
//     portals and the Session are closed.
//
// # Invariants
//
//   - Exactly one ReadyForQuery per Query and per Sync, carrying
//     Session.TxStatus. Parameters changed by the session
//     (ChangedParameters) are reported just before it, as Postgres 14+ does.
//   - After an error in an extended-protocol message, every message up to
//     the next Sync is skipped (Terminate still works).
//   - Portals are closed at the end of a transaction: whenever a
//     ReadyForQuery reports 'I'. The unnamed portal is also replaced by the
//     next Bind to it and dropped by a simple Query, like the unnamed
//     statement.
//   - A portal's Result sees one context for its whole life (it may be run
//     by several Execute messages with MaxRows); the context is cancelled
//     by a CancelRequest arriving while an Execute runs, by Close and at
//     shutdown. Errors caused by the cancellation are reported as 57014
//     (or 57P01 at shutdown), whatever the session returns.
//   - Session.Fail is called for every error pgwire reports that did not
//     come from Session.Prepare or Statement.Execute (a bad Bind, an error
//     from Result.Next, a panic), so a transaction block becomes failed.
//   - A panic inside the session is recovered per message: the client sees
//     XX000 "internal error", the stack is logged, portals are dropped and
//     the connection goes on.
//   - Unknown parameter types are described as OID 0, never 25: pgx then
//     sends text, which is parsed as TEXT (COMPAT.md §0.7).
//   - Nothing is allocated from a length the client sent before checking it
//     against the body limit (pgproto3 SetMaxBodyLen).
//
// # Debugging
//
// Set Config.Trace to an io.Writer to get a PQtrace-like log of every
// message of every connection (pgproto3 Backend.Trace); FRESHET_TEST_LOG=1
// shows the server's debug logs in this package's tests. The
// testdata/pgtest scripts are message-level conversations; run them
// against a real Postgres with
//
//	go test ./server/pgwire -run PGTest -pgtest.addr=127.0.0.1:5432
//
// (user freshet, database freshet, trust authentication) and rewrite the
// expected output with -rewrite after a deliberate change.
package pgwire

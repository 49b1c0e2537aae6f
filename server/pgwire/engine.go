package pgwire

import (
	"context"
	"net"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/types"
)

// Engine creates sessions. It is the only way into SQL semantics: the
// package parses no SQL and keeps no transaction state of its own.
type Engine interface {
	// NewSession starts a session for a connection that completed the
	// startup handshake. An error (a *sqlerr.Error such as 3D000 "database
	// does not exist" or 28000) is sent as a FATAL ErrorResponse and the
	// connection is closed.
	NewSession(ctx context.Context, p StartupParams) (Session, error)
}

// StartupParams are the parameters of a client's StartupMessage.
type StartupParams struct {
	User            string
	Database        string // defaults to User when the client sends none, as in Postgres
	ApplicationName string
	// Options holds every other startup parameter (client_encoding,
	// DateStyle, TimeZone, extra_float_digits, options, ...).
	Options    map[string]string
	RemoteAddr net.Addr
}

// Session is the SQL state of one connection. pgwire calls it from the
// connection's goroutine only, one call at a time.
type Session interface {
	// Prepare parses and plans query text. In the simple protocol the text
	// may hold several statements; in the extended protocol (Parse) more
	// than one is a 42601 error ("cannot insert multiple commands into a
	// prepared statement"). Zero statements = empty query. paramOIDs are
	// the types the client declared in Parse (0 = unspecified); the
	// statement's ParamTypes should agree with the non-zero ones.
	//
	// A multi-statement simple query runs the statements before the one
	// that fails: Postgres reports a syntax error anywhere before running
	// anything, but a planning error (42P01, 42703, ...) only when its
	// statement's turn comes. To match, return planning errors of later
	// statements from their Execute.
	Prepare(ctx context.Context, query string, paramOIDs []uint32) ([]Statement, error)
	// TxStatus is the ReadyForQuery status: 'I' idle, 'T' in a transaction
	// block, 'E' in a failed transaction block.
	TxStatus() byte
	// ParameterStatus returns server parameters to report at startup.
	ParameterStatus() map[string]string
	// ChangedParameters returns the parameters changed (by SET) since the
	// last call; pgwire reports them before the next ReadyForQuery.
	ChangedParameters() map[string]string
	// Fail tells the session that an error happened outside Prepare and
	// Execute (a bad Bind, an error from Result.Next, a panic) so an open
	// transaction becomes failed. It may be called when the session
	// already knows, and must be idempotent.
	Fail()
	// Close releases the session. It is called exactly once.
	Close()
}

// Statement is one prepared statement.
type Statement interface {
	// ParamTypes are the types of $1..$n. Unknown is reported to the client
	// as OID 0 (unspecified), never 25 (COMPAT §0.7).
	ParamTypes() []types.T
	// Columns describes the result rows; nil if the statement returns none.
	Columns() []Column
	// Execute runs the statement. ctx is cancelled by a CancelRequest for
	// this connection and on server shutdown; it stays valid until the
	// Result is closed (a portal may be executed in several steps).
	Execute(ctx context.Context, params []datum.Datum) (Result, error)
}

// Column describes one result column in RowDescription.
type Column struct {
	Name     string
	Type     types.T
	TableOID uint32 // 0 if the column is not a plain table column
	AttNum   int16  // 0 if the column is not a plain table column
}

// Result is the outcome of one Execute.
type Result interface {
	// Next returns the next row; io.EOF at the end. Rows are only produced
	// for statements with Columns.
	Next(ctx context.Context) (datum.Row, error)
	// Tag is the CommandComplete tag for non-row statements ("INSERT 0 3",
	// "CREATE TABLE", "BEGIN"). For row statements pgwire builds "SELECT n"
	// from the rows it sent in the last Execute when Tag is empty or starts
	// with "SELECT"; any other tag ("SHOW", "INSERT 0 2" for RETURNING) is
	// sent as is. Tag is called after Next returned io.EOF.
	Tag() string
	// Close releases the result; it is called exactly once.
	Close()
}

// BlockingResult is implemented by Results whose Next may wait for a long
// time (a subscription waiting for its next update). pgwire buffers rows
// and flushes them every Config.FlushBytes; before calling Next when
// WillBlock reports true it flushes what it holds, so that the client sees
// every row that exists without waiting for the buffer to fill.
type BlockingResult interface {
	Result
	// WillBlock reports whether the next call to Next may wait.
	WillBlock() bool
}

// DeallocateResult is implemented by the Result of SQL DEALLOCATE, which
// acts on the prepared statements pgwire holds: when the statement
// completes, pgwire drops the named one (26000 if there is none) or, with
// all, every one.
type DeallocateResult interface {
	Result
	Deallocate() (name string, all bool)
}

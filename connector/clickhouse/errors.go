package clickhouse

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/freshet-db/freshet/sql/sqlerr"
)

// permanentError marks an error that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// transientCodes are ClickHouse exception codes worth retrying: the
// server is overloaded, restarting, out of disk or briefly unable to
// reach its replicas.
var transientCodes = map[int32]bool{
	3:    true, // UNEXPECTED_END_OF_FILE
	32:   true, // ATTEMPT_TO_READ_AFTER_EOF
	159:  true, // TIMEOUT_EXCEEDED
	202:  true, // TOO_MANY_SIMULTANEOUS_QUERIES
	203:  true, // NO_FREE_CONNECTION
	209:  true, // SOCKET_TIMEOUT
	210:  true, // NETWORK_ERROR
	225:  true, // NO_ZOOKEEPER
	236:  true, // ABORTED
	241:  true, // MEMORY_LIMIT_EXCEEDED
	242:  true, // TABLE_IS_READ_ONLY
	243:  true, // NOT_ENOUGH_SPACE
	252:  true, // TOO_MANY_PARTS
	285:  true, // TOO_FEW_LIVE_REPLICAS
	286:  true, // UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE
	319:  true, // UNKNOWN_STATUS_OF_INSERT
	394:  true, // QUERY_WAS_CANCELLED
	425:  true, // SYSTEM_ERROR
	473:  true, // DEADLOCK_AVOIDED
	216:  true, // QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING (an earlier attempt)
	999:  true, // KEEPER_EXCEPTION
	1000: true, // POCO_EXCEPTION (network errors on old servers)
}

// exceptionCodes give the SQLSTATE of ClickHouse exceptions users can fix.
var exceptionCodes = map[int32]sqlerr.Code{
	16:  sqlerr.UndefinedColumn,       // NO_SUCH_COLUMN_IN_TABLE
	47:  sqlerr.UndefinedColumn,       // UNKNOWN_IDENTIFIER
	53:  sqlerr.DatatypeMismatch,      // TYPE_MISMATCH
	60:  sqlerr.UndefinedTable,        // UNKNOWN_TABLE
	81:  sqlerr.InvalidCatalogName,    // UNKNOWN_DATABASE
	115: sqlerr.InvalidParameterValue, // UNKNOWN_SETTING
	164: sqlerr.InsufficientPrivilege, // READONLY
	192: sqlerr.InvalidAuthorization,  // UNKNOWN_USER
	193: sqlerr.InvalidAuthorization,  // WRONG_PASSWORD
	194: sqlerr.InvalidAuthorization,  // REQUIRED_PASSWORD
	195: sqlerr.InvalidAuthorization,  // IP_ADDRESS_NOT_ALLOWED
	497: sqlerr.InsufficientPrivilege, // ACCESS_DENIED
	516: sqlerr.InvalidAuthorization,  // AUTHENTICATION_FAILED
}

// transient reports whether an operation that failed with err may succeed
// when retried. Network errors and unrecognized client errors are
// transient (a sink that keeps retrying shows the error in SHOW SINKS);
// ClickHouse exceptions are, unless listed in transientCodes, not; nor are
// Freshet's own errors (a value ClickHouse cannot hold, a table that does
// not fit).
func transient(err error) bool {
	var pe *permanentError
	var se *sqlerr.Error
	var ex *ch.Exception
	switch {
	case errors.As(err, &pe), errors.As(err, &se):
		return false
	case errors.As(err, &ex):
		return transientCodes[ex.Code]
	case errors.Is(err, context.Canceled):
		return false
	}
	return true
}

// isNetwork reports whether err is a failure to reach the server.
func isNetwork(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, ch.ErrAcquireConnTimeout)
}

// publicError gives err the SQLSTATE a client should see, keeping its
// message.
func publicError(err error) error {
	var pe *permanentError
	if errors.As(err, &pe) {
		err = pe.err
	}
	var se *sqlerr.Error
	if errors.As(err, &se) {
		return err
	}
	var ex *ch.Exception
	if errors.As(err, &ex) {
		code, ok := exceptionCodes[ex.Code]
		if !ok {
			code = sqlerr.ConnectionFailure
		}
		return sqlerr.WithCode(fmt.Errorf("clickhouse: %s (code %d)", ex.Message, ex.Code), code)
	}
	if isNetwork(err) {
		return sqlerr.WithCode(fmt.Errorf("clickhouse unreachable: %w", err), sqlerr.ConnectionFailure)
	}
	return sqlerr.WithCode(fmt.Errorf("clickhouse: %w", err), sqlerr.ConnectionFailure)
}

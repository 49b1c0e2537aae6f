package pgwire

import (
	"context"
	"errors"
	"log/slog"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/freshet-db/freshet/sql/sqlerr"
)

// Severities of ErrorResponse.
const (
	severityError = "ERROR"
	severityFatal = "FATAL"
)

// Errors born in this package.
var (
	errQueryCanceled = sqlerr.New(sqlerr.QueryCanceled, "canceling statement due to user request")
	errAdminShutdown = sqlerr.New(sqlerr.AdminShutdown, "terminating connection due to administrator command")
)

// Codes that sqlerr does not name.
const (
	codeDuplicatePreparedStatement sqlerr.Code = "42P05"
	codeDuplicateCursor            sqlerr.Code = "42P03"
)

// errorResponse is the only builder of pgproto3.ErrorResponse from an error.
// The code, message, detail, hint and position come from the innermost
// *sqlerr.Error (sqlerr.Find); an error without one is internal: the client
// sees XX000 "internal error" and the full error is logged.
func errorResponse(log *slog.Logger, severity string, err error) *pgproto3.ErrorResponse {
	se := sqlerr.Find(err)
	code := sqlerr.GetCode(err)
	if se == nil || code.Class() == "XX" {
		log.Error("internal error", "err", err)
		msg := "internal error"
		if se != nil && se.Code.Class() == "XX" {
			// An explicit internal error carries a message meant for users.
			msg = se.Message
		}
		return &pgproto3.ErrorResponse{
			Severity:            severity,
			SeverityUnlocalized: severity,
			Code:                string(code),
			Message:             msg,
		}
	}
	if severity == severityFatal {
		log.Warn("fatal connection error", "code", string(code), "err", err)
	}
	return &pgproto3.ErrorResponse{
		Severity:            severity,
		SeverityUnlocalized: severity,
		Code:                string(code),
		Message:             se.Message,
		Detail:              se.Detail,
		Hint:                se.Hint,
		Position:            int32(se.Position),
	}
}

// statementError maps an error from running a statement under ctx: an
// uncategorized or context error after ctx was cancelled becomes the cause
// of the cancellation (57014 for a CancelRequest, 57P01 on shutdown).
func statementError(ctx context.Context, err error) error {
	if ctx.Err() == nil {
		return err
	}
	if sqlerr.Find(err) != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if cause := context.Cause(ctx); cause != nil && sqlerr.Find(cause) != nil {
		return cause
	}
	return errQueryCanceled
}

// protocolError is a 08P01 protocol violation.
func protocolError(format string, args ...any) error {
	return sqlerr.New(sqlerr.ProtocolViolation, format, args...)
}

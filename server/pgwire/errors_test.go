package pgwire

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/freshet-db/freshet/sql/sqlerr"
)

func TestErrorResponse(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	coded := sqlerr.New(sqlerr.UndefinedTable, "relation %q does not exist", "t").
		WithDetail("d").WithHint("h").WithPosition(15)
	for _, tc := range []struct {
		err                     error
		code, msg, detail, hint string
		pos                     int32
	}{
		{errors.New("boom: nil pointer"), "XX000", "internal error", "", "", 0},
		{coded, "42P01", `relation "t" does not exist`, "d", "h", 15},
		{fmt.Errorf("planning: %w", coded), "42P01", `relation "t" does not exist`, "d", "h", 15},
		{sqlerr.WithCode(errors.New("value too long"), sqlerr.StringDataRightTruncation), "22001", "value too long", "", "", 0},
		{sqlerr.New(sqlerr.DataCorrupted, "checksum mismatch"), "XX001", "checksum mismatch", "", "", 0},
	} {
		r := errorResponse(log, severityError, tc.err)
		if r.Code != tc.code || r.Message != tc.msg || r.Detail != tc.detail || r.Hint != tc.hint || r.Position != tc.pos || r.Severity != "ERROR" {
			t.Errorf("%v: got %+v", tc.err, r)
		}
	}
}

func TestStatementError(t *testing.T) {
	other := sqlerr.New(sqlerr.DivisionByZero, "division by zero")
	live := context.Background()
	canceled, cancel := context.WithCancelCause(live)
	cancel(errQueryCanceled)
	shutdown, stop := context.WithCancelCause(live)
	stop(errAdminShutdown)
	for _, tc := range []struct {
		ctx  context.Context
		err  error
		want sqlerr.Code
	}{
		{live, other, sqlerr.DivisionByZero},
		{live, context.Canceled, sqlerr.Internal},
		{canceled, context.Canceled, sqlerr.QueryCanceled},
		{canceled, fmt.Errorf("reading: %w", context.Canceled), sqlerr.QueryCanceled},
		{canceled, errors.New("uncoded"), sqlerr.QueryCanceled},
		{canceled, other, sqlerr.DivisionByZero},
		{shutdown, context.Canceled, sqlerr.AdminShutdown},
	} {
		if got := sqlerr.GetCode(statementError(tc.ctx, tc.err)); got != tc.want {
			t.Errorf("%v: got %s, want %s", tc.err, got, tc.want)
		}
	}
}

func TestFormatAt(t *testing.T) {
	if formatAt(nil, 3) != textFormat || formatAt([]int16{1}, 3) != binaryFormat || formatAt([]int16{0, 1}, 1) != binaryFormat {
		t.Fatal("format code rules")
	}
}

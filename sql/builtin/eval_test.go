package builtin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

// The expression tests are tables of (function or operator, arguments,
// expected text output or error). Each case is also rendered as SQL, so
// that with FRESHET_TEST_PG set to a libpq connection string the same
// table runs against a real Postgres to confirm the expectations
// (TestAgainstPostgres). The expectations were checked that way against
// Postgres 15; cases where Freshet knowingly differs are marked pgDiffers.

// arg is one argument: a typed value, an untyped literal or a NULL.
type arg struct {
	typ  types.T
	text string
	null bool
}

func a(t types.T, s string) arg { return arg{typ: t, text: s} }
func lit(s string) arg          { return arg{text: s} }
func null(t types.T) arg        { return arg{typ: t, null: true} }

func (x arg) sql() string {
	q := "'" + strings.ReplaceAll(x.text, "'", "''") + "'"
	switch {
	case x.null && x.typ.Family == types.Unknown:
		return "NULL"
	case x.null:
		return "NULL::" + x.typ.String()
	case x.typ.Family == types.Unknown:
		return q
	}
	return q + "::" + x.typ.String()
}

type exprCase struct {
	fn   string
	args []arg
	want string      // text output ("NULL" for NULL), or the error message
	code sqlerr.Code // expected SQLSTATE, empty on success
	// pgDiffers marks a documented difference from Postgres.
	pgDiffers bool
}

func (c exprCase) sql() string {
	parts := make([]string, len(c.args))
	for i, x := range c.args {
		parts[i] = x.sql()
	}
	switch {
	case c.fn == "extract" && len(c.args) == 2:
		return fmt.Sprintf("SELECT extract(%s FROM %s)", c.args[0].text, parts[1])
	case isOperatorName(c.fn) && len(c.args) == 2:
		return fmt.Sprintf("SELECT (%s) %s (%s)", parts[0], strings.ToUpper(c.fn), parts[1])
	case isOperatorName(c.fn) && len(c.args) == 1:
		return fmt.Sprintf("SELECT %s (%s)", c.fn, parts[0])
	case c.fn == "now" || c.fn == "current_date" || c.fn == "current_timestamp":
		return "SELECT " + c.fn
	}
	return fmt.Sprintf("SELECT %s(%s)", c.fn, strings.Join(parts, ", "))
}

func (c exprCase) String() string { return c.sql() }

// eval resolves and runs c the way the planner and executor would: it
// resolves the overload, converts each argument to the parameter type
// (literals with the input function, typed values with Cast), applies
// strictness and calls Fn.
func eval(c exprCase) (datum.Datum, *Overload, error) {
	ts := make([]types.T, len(c.args))
	for i, x := range c.args {
		ts[i] = x.typ
	}
	ov, err := Resolve(c.fn, ts)
	if err != nil {
		return datum.Null, nil, err
	}
	vals := make([]datum.Datum, len(c.args))
	for i, x := range c.args {
		want := paramType(ov, i)
		if x.null {
			vals[i] = datum.Null
			continue
		}
		if x.typ.Family == types.Unknown {
			if vals[i], err = datum.ParseText(x.text, want); err != nil {
				return datum.Null, ov, err
			}
			continue
		}
		v, err := datum.ParseText(x.text, x.typ)
		if err != nil {
			return datum.Null, ov, err
		}
		if vals[i], err = Cast(v, want); err != nil {
			return datum.Null, ov, err
		}
	}
	if ov.Strict {
		for _, v := range vals {
			if v.IsNull() {
				return datum.Null, ov, nil
			}
		}
	}
	d, err := ov.Fn(vals)
	return d, ov, err
}

func runExprCases(t *testing.T, cases []exprCase) {
	t.Helper()
	for _, c := range cases {
		d, ov, err := eval(c)
		if c.code != "" {
			if err == nil {
				t.Errorf("%s = %q, want error %s %q", c, datum.FormatText(d), c.code, c.want)
			} else if got := sqlerr.GetCode(err); got != c.code || err.Error() != c.want {
				t.Errorf("%s: error %s %q, want %s %q", c, got, err, c.code, c.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: unexpected error %s %v", c, sqlerr.GetCode(err), err)
			continue
		}
		if got := datum.FormatText(d); got != c.want {
			t.Errorf("%s = %q, want %q", c, got, c.want)
		}
		if !d.IsNull() && d.Kind() != ov.Result.Family {
			t.Errorf("%s: result kind %s differs from declared %s", c, types.T{Family: d.Kind()}, ov.Result)
		}
	}
}

// TestAgainstPostgres replays every expression table on a real Postgres
// when FRESHET_TEST_PG is set (for example "host=/tmp port=5432
// user=postgres"), checking that the hard-coded expectations are
// Postgres's.
func TestAgainstPostgres(t *testing.T) {
	dsn := os.Getenv("FRESHET_TEST_PG")
	if dsn == "" {
		t.Skip("FRESHET_TEST_PG not set")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SET TimeZone = 'UTC'; SET IntervalStyle = postgres; SET DateStyle = ISO; SET extra_float_digits = 1"); err != nil {
		t.Fatal(err)
	}
	for _, c := range allExprCases() {
		if c.pgDiffers || c.fn == "now" || c.fn == "random" || c.fn == "current_date" {
			continue
		}
		got, code, msg := pgEval(ctx, conn, c.sql())
		if c.code != "" {
			if code != string(c.code) || msg != c.want {
				t.Errorf("%s: postgres says %s %q (result %q), table says %s %q", c, code, msg, got, c.code, c.want)
			}
			continue
		}
		if code != "" || got != c.want {
			t.Errorf("%s: postgres says %q %s %s, table says %q", c, got, code, msg, c.want)
		}
	}
	for _, c := range castCases {
		got, code, msg := pgEval(ctx, conn, c.sql())
		if code != string(c.code) || (c.code != "" && msg != c.want) || (c.code == "" && got != c.want) {
			t.Errorf("%s: postgres says %q %s %q, table says %q %s", c.sql(), got, code, msg, c.want, c.code)
		}
	}
}

func pgEval(ctx context.Context, conn *pgx.Conn, sql string) (val, code, msg string) {
	rows, err := conn.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			return "", pe.Code, pe.Message
		}
		return "", "?", err.Error()
	}
	defer rows.Close()
	for rows.Next() {
		raw := rows.RawValues()
		if raw[0] == nil {
			val = "NULL"
		} else {
			val = string(raw[0])
		}
	}
	if err := rows.Err(); err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			return "", pe.Code, pe.Message
		}
		return "", "?", err.Error()
	}
	return val, code, msg
}

package pgwire_test

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxtest"

	"github.com/freshet-db/freshet/server/pgwire"
)

// connectPgx connects pgx in the given mode; context cancellation sends a
// CancelRequest (instead of pgx's default of breaking the connection).
func connectPgx(t *testing.T, addr string, mode pgx.QueryExecMode) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://freshet@%s/freshet?sslmode=disable", addr))
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = mode
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: 5 * time.Second}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// forEachMode runs f under every pgx query execution mode.
func forEachMode(t *testing.T, f func(t *testing.T, conn *pgx.Conn, mode pgx.QueryExecMode)) {
	addr, _ := startServer(t, pgwire.Config{})
	for _, mode := range pgxtest.AllQueryExecModes {
		t.Run(mode.String(), func(t *testing.T) {
			f(t, connectPgx(t, addr, mode), mode)
		})
	}
}

var (
	testTime = time.Date(2024, 3, 5, 1, 2, 3, 456789000, time.UTC)
	testDate = time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
)

// scalarCases are values sent as parameters and read back as results.
var scalarCases = []struct {
	typ  string
	arg  any
	want any // the value scanned into a new value of want's type
}{
	{"bool", true, true},
	{"int2", int16(-7), int16(-7)},
	{"int4", int32(123456), int32(123456)},
	{"int8", int64(-9000000000000000), int64(-9000000000000000)},
	{"float4", float32(1.5), float32(1.5)},
	{"float8", -2.25, -2.25},
	{"numeric", pgtype.Numeric{Int: big.NewInt(1234550), Exp: -2, Valid: true}, pgtype.Numeric{Int: big.NewInt(1234550), Exp: -2, Valid: true}},
	{"text", "héllo 'quoted'", "héllo 'quoted'"},
	{"varchar", "vc", "vc"},
	{"date", pgtype.Date{Time: testDate, Valid: true}, pgtype.Date{Time: testDate, Valid: true}},
	{"timestamp", pgtype.Timestamp{Time: testTime, Valid: true}, pgtype.Timestamp{Time: testTime, Valid: true}},
	{"timestamptz", testTime, testTime},
	{"interval", pgtype.Interval{Months: 14, Days: 3, Microseconds: 4000005, Valid: true}, pgtype.Interval{Months: 14, Days: 3, Microseconds: 4000005, Valid: true}},
	{"jsonb", `{"a":[1, "x"]}`, map[string]any{"a": []any{1.0, "x"}}},
	{"bytea", []byte{0, 1, 255}, []byte{0, 1, 255}},
}

func equalValues(a, b any) bool {
	if ta, ok := a.(time.Time); ok {
		return ta.Equal(b.(time.Time))
	}
	return reflect.DeepEqual(a, b)
}

func TestPgxScalars(t *testing.T) {
	forEachMode(t, func(t *testing.T, conn *pgx.Conn, mode pgx.QueryExecMode) {
		ctx := context.Background()
		for _, tc := range scalarCases {
			dst := reflect.New(reflect.TypeOf(tc.want))
			err := conn.QueryRow(ctx, "SELECT $1::"+tc.typ, tc.arg).Scan(dst.Interface())
			if err != nil {
				t.Errorf("%s: %v", tc.typ, err)
				continue
			}
			if got := dst.Elem().Interface(); !equalValues(got, tc.want) {
				t.Errorf("%s: got %#v, want %#v", tc.typ, got, tc.want)
			}
			// NULL both ways.
			var null any = "not null"
			if err := conn.QueryRow(ctx, "SELECT $1::"+tc.typ, nil).Scan(&null); err != nil || null != nil {
				t.Errorf("%s NULL: got %v, %v", tc.typ, null, err)
			}
		}
	})
}

// TestPgxUntypedParam checks COMPAT §0.7: an uninferred parameter is
// described as OID 0, so pgx sends text and the query works.
func TestPgxUntypedParam(t *testing.T) {
	forEachMode(t, func(t *testing.T, conn *pgx.Conn, mode pgx.QueryExecMode) {
		var s string
		if err := conn.QueryRow(context.Background(), "SELECT $1 AS u", "abc").Scan(&s); err != nil || s != "abc" {
			t.Fatalf("got %q, %v", s, err)
		}
	})
}

func TestPgxAllTypes(t *testing.T) {
	forEachMode(t, func(t *testing.T, conn *pgx.Conn, mode pgx.QueryExecMode) {
		rows, err := conn.Query(context.Background(), "SELECT * FROM all_types")
		if err != nil {
			t.Fatal(err)
		}
		var all [][]any
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, vals)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if len(all) != 2 {
			t.Fatalf("got %d rows", len(all))
		}
		want := []any{true, int16(-7), int32(123456), int64(-9000000000000000), float32(1.5), -2.25,
			pgtype.Numeric{Int: big.NewInt(1234550), Exp: -2, Valid: true}, "héllo", "",
			testDate, testTime, testTime,
			pgtype.Interval{Months: 14, Days: 3, Microseconds: 4000005, Valid: true},
			map[string]any{"a": []any{1.0, 2.0}}, []byte{0, 1, 255}}
		for i, w := range want {
			if !equalValues(all[0][i], w) {
				t.Errorf("column %d: got %#v, want %#v", i, all[0][i], w)
			}
			if all[1][i] != nil {
				t.Errorf("column %d of the NULL row: got %#v", i, all[1][i])
			}
		}
		fields := rows.FieldDescriptions()
		if fields[6].TableOID != 16384 || fields[6].TableAttributeNumber != 7 || fields[6].TypeModifier != (10<<16|2)+4 {
			t.Errorf("field n: %+v", fields[6])
		}
	})
}

func TestPgxErrorsKeepConnectionUsable(t *testing.T) {
	forEachMode(t, func(t *testing.T, conn *pgx.Conn, mode pgx.QueryExecMode) {
		ctx := context.Background()
		for _, q := range []struct{ sql, code string }{
			{"SELECT error('22012')", "22012"},
			{"SELEC 1", "42601"},
			{"SELECT nope", "42703"},
			{"SELECT rows_then_error()", "22012"},
			{"SELECT panic()", "XX000"},
			{"SELECT $1::int4", "22P02"},
		} {
			var n int
			var args []any
			if q.code == "22P02" {
				args = []any{"x"}
				if mode != pgx.QueryExecModeSimpleProtocol && mode != pgx.QueryExecModeExec {
					continue // pgx refuses to encode "x" as int4 itself
				}
			}
			err := conn.QueryRow(ctx, q.sql, args...).Scan(&n)
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != q.code {
				t.Errorf("%s: got %v, want SQLSTATE %s", q.sql, err, q.code)
			}
			if err := conn.QueryRow(ctx, "SELECT 5").Scan(&n); err != nil || n != 5 {
				t.Fatalf("after %s: got %d, %v", q.sql, n, err)
			}
		}
		// A failed statement inside a transaction fails the transaction.
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tx.Exec(ctx, "SELECT error('22012')")
		if err == nil {
			t.Fatal("expected an error")
		}
		if _, err := tx.Exec(ctx, "SELECT 1"); err == nil || !errors.As(err, new(*pgconn.PgError)) {
			t.Fatalf("in failed transaction: got %v, want 25P02", err)
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		if st := conn.PgConn().TxStatus(); st != 'I' {
			t.Fatalf("tx status %c", st)
		}
	})
}

func TestPgxCancel(t *testing.T) {
	forEachMode(t, func(t *testing.T, conn *pgx.Conn, mode pgx.QueryExecMode) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := conn.Exec(ctx, "SELECT pg_sleep(30)")
		if err == nil {
			t.Fatal("expected cancellation")
		}
		if time.Since(start) > 4*time.Second {
			t.Fatalf("cancel took %v", time.Since(start))
		}
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "57014" {
			t.Fatalf("got %v, want 57014", err)
		}
		var n int
		if err := conn.QueryRow(context.Background(), "SELECT 9").Scan(&n); err != nil || n != 9 {
			t.Fatalf("after cancel: %d, %v", n, err)
		}
	})
}

func TestPgxBatchAndManyRows(t *testing.T) {
	forEachMode(t, func(t *testing.T, conn *pgx.Conn, mode pgx.QueryExecMode) {
		ctx := context.Background()
		rows, err := conn.Query(ctx, "SELECT generate_series(1, 20000)")
		if err != nil {
			t.Fatal(err)
		}
		ns, err := pgx.CollectRows(rows, pgx.RowTo[int32])
		if err != nil || len(ns) != 20000 || ns[19999] != 20000 {
			t.Fatalf("got %d rows, %v", len(ns), err)
		}
		if tag := rows.CommandTag(); tag.String() != "SELECT 20000" {
			t.Fatalf("tag %q", tag)
		}
		b := &pgx.Batch{}
		b.Queue("SELECT 1")
		b.Queue("INSERT INTO t VALUES (1)")
		b.Queue("SELECT $1::int8", int64(3))
		res := conn.SendBatch(ctx, b)
		var x int64
		if err := res.QueryRow().Scan(&x); err != nil || x != 1 {
			t.Fatalf("batch 1: %d %v", x, err)
		}
		if tag, err := res.Exec(); err != nil || tag.String() != "INSERT 0 1" {
			t.Fatalf("batch 2: %q %v", tag, err)
		}
		if err := res.QueryRow().Scan(&x); err != nil || x != 3 {
			t.Fatalf("batch 3: %d %v", x, err)
		}
		if err := res.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestPgxProtocol32 connects with protocol 3.2 (32-byte cancel keys) and
// cancels a statement.
func TestPgxProtocol32(t *testing.T) {
	addr, _ := startServer(t, pgwire.Config{})
	cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://freshet@%s/freshet?sslmode=disable&max_protocol_version=3.2", addr))
	if err != nil {
		t.Fatal(err)
	}
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: 5 * time.Second}
	}
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	if len(conn.PgConn().SecretKey()) != 32 {
		t.Fatalf("secret key of %d bytes", len(conn.PgConn().SecretKey()))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = conn.Exec(ctx, "SELECT pg_sleep(30)")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "57014" {
		t.Fatalf("got %v, want 57014", err)
	}
}

// TestPgxSSLPrefer: with sslmode=prefer pgx sends SSLRequest, gets 'N' and
// goes on in clear.
func TestPgxSSLPrefer(t *testing.T) {
	addr, _ := startServer(t, pgwire.Config{})
	conn, err := pgx.Connect(context.Background(), fmt.Sprintf("postgres://freshet@%s/freshet?sslmode=prefer", addr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT 3").Scan(&n); err != nil || n != 3 {
		t.Fatalf("got %d, %v", n, err)
	}
}

package datum

import (
	"context"
	"errors"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/freshet-db/freshet/sql/types"
)

// TestParseTextAgainstPostgres checks the ParseText expectations against a
// real Postgres when FRESHET_TEST_PG holds a libpq connection string.
func TestParseTextAgainstPostgres(t *testing.T) {
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
	for _, tc := range parseCases {
		if tc.typ.Family == types.Unknown || notPG15[tc.in] {
			continue
		}
		sql := "SELECT '" + strings.ReplaceAll(tc.in, "'", "''") + "'::" + tc.typ.String()
		var got, code, msg string
		rows, err := conn.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
		if err == nil {
			for rows.Next() {
				got = string(rows.RawValues()[0])
			}
			err = rows.Err()
			rows.Close()
		}
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			code, msg = pe.Code, pe.Message
		} else if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		if tc.code != "" {
			if code != string(tc.code) || msg != tc.want {
				t.Errorf("%s: postgres says %s %q (result %q), table says %s %q", sql, code, msg, got, tc.code, tc.want)
			}
			continue
		}
		if code != "" || got != tc.want {
			t.Errorf("%s: postgres says %q %s %s, table says %q", sql, got, code, msg, tc.want)
		}
	}
}

// TestNumericAgainstPostgres compares random NUMERIC arithmetic (notably
// the division scale) with Postgres when FRESHET_TEST_PG is set.
func TestNumericAgainstPostgres(t *testing.T) {
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
	r := testRand(t)
	for i := 0; i < 500; i++ {
		a := randDatum(r, types.Numeric, false)
		b := randDatum(r, types.Numeric, r.IntN(2) == 0)
		if a.IsNumericSpecial() || b.IsNumericSpecial() || NumericSign(b) == 0 {
			continue
		}
		// Keep Postgres within its display scale limits.
		sa, sb := FormatText(a), FormatText(b)
		sql := "SELECT ('" + sa + "'::numeric / '" + sb + "'::numeric)::text, ('" + sa + "'::numeric % '" + sb +
			"'::numeric)::text, ('" + sa + "'::numeric * '" + sb + "'::numeric)::text, round('" + sa + "'::numeric, 3)::text"
		var div, mod, mul, rnd string
		if err := conn.QueryRow(ctx, sql).Scan(&div, &mod, &mul, &rnd); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		q, _ := NumericDiv(a, b)
		m, _ := NumericMod(a, b)
		p, _ := NumericMul(a, b)
		if got := FormatText(q); got != div {
			t.Errorf("%s / %s = %s, postgres %s", sa, sb, got, div)
		}
		if got := FormatText(m); got != mod {
			t.Errorf("%s %% %s = %s, postgres %s", sa, sb, got, mod)
		}
		if got := FormatText(p); got != mul {
			t.Errorf("%s * %s = %s, postgres %s", sa, sb, got, mul)
		}
		if got := FormatText(NumericRound(a, 3)); got != rnd {
			t.Errorf("round(%s, 3) = %s, postgres %s", sa, got, rnd)
		}
	}
}

// TestTextOutputAgainstPostgres feeds the text of random datums to
// Postgres and checks that it prints them back identically, which checks
// AppendText (and that Postgres reads our output as the same value).
func TestTextOutputAgainstPostgres(t *testing.T) {
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
	r := testRand(t)
	for i := 0; i < 2000; i++ {
		f := allFamilies[r.IntN(len(allFamilies))]
		d := randDatum(r, f, false)
		if (f == types.Timestamp || f == types.TimestampTZ) && d.Micros() > 9223371331200000000 {
			continue // beyond Postgres's own timestamp range
		}
		want := FormatText(d)
		sql := "SELECT '" + strings.ReplaceAll(want, "'", "''") + "'::" + types.T{Family: f}.String()
		rows, err := conn.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		var got string
		for rows.Next() {
			got = string(rows.RawValues()[0])
		}
		if err := rows.Err(); err != nil {
			t.Errorf("%s: %v", sql, err)
			continue
		}
		if got != want {
			t.Errorf("%s: postgres prints %q", sql, got)
		}
	}
}

// TestLargeFloatOutputAgainstPostgres targets the floats at or above 2^53,
// where shortest-digit ties between Go and Postgres's Ryu can differ.
func TestLargeFloatOutputAgainstPostgres(t *testing.T) {
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
	r := testRand(t)
	for i := 0; i < 3000; i++ {
		f := float64(r.Int64N(1<<62)) * math.Pow(2, float64(r.IntN(40)-8))
		bits, typ := 64, "float8"
		if i%3 == 0 {
			bits, typ = 32, "float4"
			f = float64(float32(f))
		}
		want := string(AppendFloat(nil, f, bits))
		var got string
		if err := conn.QueryRow(ctx, "SELECT ($1::"+typ+")::text", strconv.FormatFloat(f, 'g', -1, 64)).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s %v: postgres prints %q, we print %q", typ, f, got, want)
		}
	}
}

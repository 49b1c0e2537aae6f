package builtin

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

// castSamples are values of every type, chosen near the edges of the cast
// rules (rounding, ranges, special values).
var castSamples = map[types.Family][]string{
	types.Bool:        {"t", "f"},
	types.Int2:        {"0", "-32768", "7"},
	types.Int4:        {"0", "2147483647", "-5", "40000"},
	types.Int8:        {"9223372036854775807", "-1", "3000000000"},
	types.Float4:      {"1.5", "-2.5", "3.4e38", "NaN", "1e-30"},
	types.Float8:      {"0.5", "1.5", "-2.5", "1e300", "-Infinity", "123456789.987654321", "4e9"},
	types.Numeric:     {"0.5", "-1.5", "123.456", "99999999999999999999", "NaN", "1e-40", "32767.5"},
	types.Text:        {"1", "t", "2024-01-02", "x", "1.5", "{\"a\": 1}", "1 day"},
	types.Varchar:     {"42", "no", "abc"},
	types.Date:        {"2024-02-29", "1969-12-31", "infinity", "0044-03-15 BC"},
	types.Timestamp:   {"2024-02-29 23:59:59.999999", "1969-12-31 23:00:00", "-infinity"},
	types.TimestampTZ: {"2024-02-29 12:00:00+00", "1900-01-01 00:00:00+00"},
	types.Interval:    {"1 day 02:00:00", "-1 mons", "00:00:00.5"},
	types.JSONB:       {`{"a": [1, 2]}`, `12.5`, `true`, `"s"`, `null`},
	types.Bytea:       {`\x00ff`, `\x`},
}

func TestCastMatrixAgainstPostgres(t *testing.T) {
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
	targets := []types.T{types.BoolT, types.Int2T, types.Int4T, types.Int8T, types.Float4T, types.Float8T,
		types.NumericT, types.NumericOf(6, 2), types.TextT, types.VarcharOf(2), types.DateT, types.TimestampT,
		types.TimestampTZT, types.IntervalT, types.JSONBT, types.ByteaT}
	for fam, samples := range castSamples {
		from := types.T{Family: fam}
		for _, s := range samples {
			for _, to := range targets {
				c := castCase{from: a(from, s), to: to}
				d, err := runCast(c, false)
				got, code, msg := pgEval(ctx, conn, c.sql())
				if !CanCast(from, to) {
					if code != string(cannotCoerce) {
						t.Errorf("%s: CanCast says no, postgres says %q %s %s", c.sql(), got, code, msg)
					}
					continue
				}
				switch {
				case err != nil && code == "":
					t.Errorf("%s: we fail with %s %v, postgres gives %q", c.sql(), sqlerr.GetCode(err), err, got)
				case err == nil && code != "":
					t.Errorf("%s: we give %q, postgres fails with %s %s", c.sql(), datum.FormatText(d), code, msg)
				case err != nil && (string(sqlerr.GetCode(err)) != code || err.Error() != msg):
					t.Errorf("%s: we fail with %s %q, postgres with %s %q", c.sql(), sqlerr.GetCode(err), err, code, msg)
				case err == nil && datum.FormatText(d) != got:
					t.Errorf("%s: we give %q, postgres %q", c.sql(), datum.FormatText(d), got)
				}
			}
		}
	}
}

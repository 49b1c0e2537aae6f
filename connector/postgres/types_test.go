package postgres

import (
	"testing"

	"github.com/freshet-db/freshet/sql/types"
)

// TestTypesRoundTrip replicates a value of every supported type, through
// the snapshot and through the stream, and compares each column with
// Postgres's own text output of it.
func TestTypesRoundTrip(t *testing.T) {
	e := newEnv(t)
	e.exec(`CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')`)
	e.exec(`CREATE DOMAIN posint AS int CHECK (VALUE > 0)`)
	e.exec(`CREATE TABLE ty (
		id int PRIMARY KEY,
		b bool, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8,
		n numeric, n2 numeric(10, 2), t text, vc varchar(10), c char(5), ch "char",
		by bytea, d date, ts timestamp, ts3 timestamp(3), tz timestamptz, iv interval,
		u uuid, j json, jb jsonb, e mood, ai int[], at text[], dom posint,
		other inet, pt point)`)
	e.exec(`CREATE PUBLICATION pub FOR TABLE ty`)
	const values = `
	(1, true, -32768, -2147483648, -9223372036854775808, 1.5, 3.141592653589793,
	 123456789012345678901234567890.123456789, 12.30, 'text with	tab and
newline and \ backslash', 'varchar', 'ab', 'x',
	 '\x00ff10', '2024-02-29', '2024-02-29 23:59:59.999999', '2001-01-01 00:00:00.123', '2024-06-01 12:00:00+02', '1 year 2 mons 3 days 04:05:06.789',
	 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"b": 1,  "a": [1, 2.50, "x"]}', '{"z": null, "a": {"k": true}}', 'happy',
	 '{1,2,3}', '{"a b","c,d",NULL}', 7, '192.168.0.1/24', '(1.5,2)'),
	(2, false, 32767, 2147483647, 9223372036854775807, -0.25, -1e-300,
	 -0.000000001, -99999999.99, '', '', 'abcde', 'y',
	 '\x', '0001-01-01', '1970-01-01 00:00:00', '2000-12-31 23:59:59.999', '1999-12-31 23:59:59.5-08', '-1 days +00:00:01',
	 '00000000-0000-0000-0000-000000000000', '[]', '"str"', 'sad',
	 '{}', '{}', 1, '::1', '(0,0)'),
	(4, true, 0, 0, 0, 'NaN', '-Infinity',
	 'NaN', 0, 'ünïcødé ✓', 'ten chars!', 'ä', 'z',
	 '\x5c', 'infinity', '-infinity', 'infinity', '-infinity', '0 days',
	 'ffffffff-ffff-ffff-ffff-ffffffffffff', '{"a": "\u00e9\n"}', '1e400', 'ok',
	 '{{1,2},{3,4}}', '{"\"q\""}', 2147483647, '10.0.0.0/8', '(-1,-1)'),
	(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`
	e.exec(`INSERT INTO ty VALUES ` + values)

	s := e.newSource(e.testConfig())
	schemas := discover(t, s)
	sc := schemas[0]
	wantTypes := map[string]types.T{
		"b": types.BoolT, "i2": types.Int2T, "i8": types.Int8T, "f4": types.Float4T,
		"n": types.NumericT, "n2": types.NumericOf(10, 2), "vc": types.VarcharOf(10), "c": types.TextT,
		"by": types.ByteaT, "d": types.DateT, "ts3": types.TimestampT, "tz": types.TimestampTZT,
		"iv": types.IntervalT, "u": types.TextT, "j": types.JSONBT, "jb": types.JSONBT, "e": types.TextT,
		"ai": types.TextT, "dom": types.Int4T, "other": types.TextT, "pt": types.TextT,
	}
	for _, c := range sc.Columns {
		if want, ok := wantTypes[c.Name]; ok && c.Type != want {
			t.Errorf("column %s has type %s, want %s", c.Name, c.Type, want)
		}
	}
	w := newMemWriter(schemas)
	start(t, s, w, nil)
	exprs := map[string]string{"j": "j::jsonb::text"}
	e.waitEqual(w, 0, "ty", sc, exprs)

	// The same values through the stream: inserted, then updated in place.
	e.exec(`INSERT INTO ty SELECT id + 10, b, i2, i4, i8, f4, f8, n, n2, t, vc, c, ch, by, d, ts, ts3, tz, iv, u, j, jb, e, ai, at, dom, other, pt FROM ty`)
	e.exec(`UPDATE ty SET t = t || '!', n = n * 2, jb = jsonb_build_object('k', id), tz = tz + interval '1 hour' WHERE id > 10`)
	e.waitEqual(w, 0, "ty", sc, exprs)
	w.check(t)
}

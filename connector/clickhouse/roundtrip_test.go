package clickhouse

import (
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/stream"
	"github.com/freshet-db/freshet/sql/types"
)

func bigNum(t testing.TB, coef string, scale int32) datum.Datum {
	t.Helper()
	c, ok := new(big.Int).SetString(coef, 10)
	if !ok {
		t.Fatalf("bad coefficient %s", coef)
	}
	return datum.NewNumericBig(c, scale)
}

func micros(s string) int64 {
	ts, err := time.Parse("2006-01-02 15:04:05", s)
	if err != nil {
		panic(err)
	}
	return ts.UnixMicro()
}

func days(s string) int64 {
	ts, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return ts.Unix() / 86400
}

// typeCase is one view column type with two values, the ClickHouse 18.16
// type a new table gets and the values as ClickHouse prints them (TSV).
type typeCase struct {
	name       string
	typ        types.T
	v1, v2     datum.Datum
	chType     string
	tsv1, tsv2 string
}

func typeCases(t testing.TB) []typeCase {
	return []typeCase{
		{"b", types.BoolT, datum.NewBool(true), datum.NewBool(false), "UInt8", "1", "0"},
		{"i2", types.Int2T, datum.NewInt2(-32768), datum.NewInt2(0), "Int16", "-32768", "0"},
		{"i4", types.Int4T, datum.NewInt4(2147483647), datum.NewInt4(-1), "Int32", "2147483647", "-1"},
		{"i8", types.Int8T, datum.NewInt8(-9223372036854775808), datum.NewInt8(42), "Int64", "-9223372036854775808", "42"},
		{"f4", types.Float4T, datum.NewFloat4(1.5), datum.NewFloat4(-0.5), "Float32", "1.5", "-0.5"},
		{"f8", types.Float8T, datum.NewFloat8(-2.25), datum.NewFloat8(1e300), "Float64", "-2.25", "1e300"},
		{"n102", types.NumericOf(10, 2), datum.NewNumeric(1234567891, 2), datum.NewNumeric(-1, 2),
			"Decimal(10, 2)", "12345678.91", "-0.01"},
		{"n3820", types.NumericOf(38, 20), bigNum(t, "12345678901234567812345678901234567890", 20), datum.NewNumeric(0, 20),
			"Decimal(38, 20)", "123456789012345678.12345678901234567890", "0.00000000000000000000"},
		{"nwide", types.NumericOf(50, 5), bigNum(t, "12345678901234567890123456789012345678901234512345", 5),
			datum.NewNumeric(-150000, 5), "String",
			"123456789012345678901234567890123456789012345.12345", "-1.50000"},
		{"nun", types.NumericT, datum.NewNumeric(15, 1), datum.NewNumeric(-7, 0), "Decimal(38, 10)", "1.5000000000", "-7.0000000000"},
		{"t", types.TextT, datum.NewText("héllo\tx"), datum.NewText(""), "String", `héllo\tx`, ""},
		{"vc", types.VarcharOf(10), datum.NewVarchar("abc"), datum.NewVarchar("z"), "String", "abc", "z"},
		{"j", types.JSONBT, datum.NewJSONB(`{"a": 1}`), datum.NewJSONB(`[]`), "String", `{"a": 1}`, "[]"},
		{"by", types.ByteaT, datum.NewBytea("\x01\xfe"), datum.NewBytea(""), "String", "\x01\xfe", ""},
		{"iv", types.IntervalT, datum.NewInterval(1, 2, 3*3600_000_000), datum.NewInterval(0, 0, 0),
			"String", "1 mon 2 days 03:00:00", "00:00:00"},
		{"d", types.DateT, datum.NewDate(days("2024-02-29")), datum.NewDate(0), "Date", "2024-02-29", "0000-00-00"}, // 18.16 prints day 0 so,
		{"ts", types.TimestampT, datum.NewTimestamp(micros("2024-02-29 12:34:56")), datum.NewTimestamp(1_000_000),
			"DateTime('UTC')", "2024-02-29 12:34:56", "1970-01-01 00:00:01"},
		{"tz", types.TimestampTZT, datum.NewTimestampTZ(micros("2024-02-29 12:34:56")),
			datum.NewTimestampTZ(micros("2105-12-31 23:59:59")), "DateTime('UTC')", "2024-02-29 12:34:56", "2105-12-31 23:59:59"},
	}
}

// TestRoundTripEveryType creates a table for a view with a NOT NULL and a
// nullable column of every type, writes two rows (the second with NULLs in
// the nullable columns), and reads them back both as ClickHouse prints
// them and through StateAsOf.
func TestRoundTripEveryType(t *testing.T) {
	srv := server.Get(t)
	if strings.HasPrefix(srv.Version(), "18.") == false {
		t.Skipf("expected types are those of ClickHouse 18.16; server is %s", srv.Version())
	}
	db := srv.NewDatabase(t)
	cases := typeCases(t)
	var view connector.TableSchema
	view.Name = "every_type"
	var row1, row2 datum.Row
	for _, c := range cases {
		view.Columns = append(view.Columns,
			connector.Column{Name: c.name, Type: c.typ, NotNull: true},
			connector.Column{Name: c.name + "_null", Type: c.typ})
		row1 = append(row1, c.v1, c.v1)
		row2 = append(row2, c.v2, datum.Null)
	}
	s, f := openSink(t, Config{DSN: srv.DSN(db), Table: "every_type_history"}, view)
	if f != 0 {
		t.Fatalf("Open of a new table returned frontier %d, want 0", f)
	}

	// The table has the mapped types.
	var want strings.Builder
	for _, c := range cases {
		want.WriteString(c.name + "\t" + c.chType + "\n")
		want.WriteString(c.name + "_null\tNullable(" + c.chType + ")\n")
	}
	want.WriteString("freshet_ts\tUInt64\nfreshet_time\tDateTime('UTC')\nfreshet_diff\tInt64\n")
	got := srv.Query(t, "SELECT name, type FROM system.columns WHERE database = '"+db+
		"' AND table = 'every_type_history' FORMAT TSV")
	if got != strings.ReplaceAll(want.String(), `'`, `\'`) {
		t.Fatalf("columns:\n%s\nwant:\n%s", got, want.String())
	}
	if got := srv.Query(t, "SELECT engine_full FROM system.tables WHERE database = '"+db+
		"' AND name = 'every_type_history' FORMAT TSV"); !strings.HasPrefix(got, "MergeTree ORDER BY (b, ") ||
		!strings.Contains(got, ", tz, freshet_ts)") || strings.Contains(got, "_null") {
		t.Fatalf("engine: %s", got)
	}

	if err := s.Write(ctxT(t), []connector.SinkUpdate{upd(1, 1, row1...), upd(2, 1, row2...)}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if st := s.State(); st.Delivered != 2 || st.Rows != 2 || st.State != "running" {
		t.Fatalf("state after write: %+v", st)
	}

	// As ClickHouse prints them.
	var tsv1, tsv2 []string
	for _, c := range cases {
		tsv1 = append(tsv1, c.tsv1, c.tsv1)
		tsv2 = append(tsv2, c.tsv2, `\N`)
	}
	wantTSV := strings.Join(tsv1, "\t") + "\t1\t2023-11-14 22:13:21\t1\n" +
		strings.Join(tsv2, "\t") + "\t2\t2023-11-14 22:13:22\t1\n"
	gotTSV := srv.Query(t, "SELECT * FROM "+db+".every_type_history ORDER BY freshet_ts FORMAT TSV")
	if gotTSV != wantTSV {
		gl, wl := strings.Split(gotTSV, "\t"), strings.Split(wantTSV, "\t")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Errorf("field %d: got %q, want %q", i, gl[i], wl[i])
			}
		}
		t.Fatalf("TSV:\n%q\nwant:\n%q", gotTSV, wantTSV)
	}

	// Through clickhouse-go, back into datums.
	state, err := s.StateAsOf(ctxT(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	wantState := stream.Consolidate([]stream.Update{{Row: row1, Time: 2, Diff: 1}, {Row: row2, Time: 2, Diff: 1}})
	if fmtRows(state) != fmtRows(wantState) {
		t.Fatalf("StateAsOf(2):\n%s\nwant:\n%s", fmtRows(state), fmtRows(wantState))
	}
	for i := range state {
		for j := range state[i].Row {
			if g, w := state[i].Row[j].Kind(), wantState[i].Row[j].Kind(); g != w {
				t.Errorf("row %d column %s: kind %v, want %v", i, view.Columns[j].Name, g, w)
			}
		}
	}
	state, err = s.StateAsOf(ctxT(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmtRows([]stream.Update{{Row: row1, Time: 1, Diff: 1}}); fmtRows(state) != want {
		t.Fatalf("StateAsOf(1):\n%s\nwant:\n%s", fmtRows(state), want)
	}

	// A second sink on the same table accepts it and resumes after ts 2.
	_, f = openSink(t, Config{DSN: srv.DSN(db), Table: db + ".every_type_history"}, view)
	if f != 2 {
		t.Fatalf("re-Open returned frontier %d, want 2", f)
	}
}

// TestDecimalExact writes NUMERIC(10,2), NUMERIC(38,20) and unconstrained
// NUMERIC values and checks the stored decimals digit for digit, including
// rounding to the scale of Decimal(38, 10).
func TestDecimalExact(t *testing.T) {
	srv := server.Get(t)
	db := srv.NewDatabase(t)
	view := connector.TableSchema{Name: "money", Columns: []connector.Column{
		{Name: "id", Type: types.Int8T, NotNull: true},
		{Name: "price", Type: types.NumericOf(10, 2)},
		{Name: "big", Type: types.NumericOf(38, 20)},
		{Name: "any", Type: types.NumericT},
	}, PrimaryKey: []int{0}}
	s, _ := openSink(t, Config{DSN: srv.DSN(db), Table: "money"}, view)
	rows := []struct {
		price, big, any datum.Datum
		want            string
	}{
		{datum.NewNumeric(99999999_99, 2), bigNum(t, "99999999999999999999999999999999999999", 20),
			bigNum(t, "9999999999999999999999999999", 0),
			"99999999.99\t999999999999999999.99999999999999999999\t9999999999999999999999999999.0000000000"},
		{datum.NewNumeric(-99999999_99, 2), bigNum(t, "-1", 20), datum.NewNumeric(5, 11),
			"-99999999.99\t-0.00000000000000000001\t0.0000000001"},
		{datum.NewNumeric(10, 1), datum.NewNumeric(1, 0), datum.NewNumeric(-5, 11),
			"1.00\t1.00000000000000000000\t-0.0000000001"},
		{datum.NewNumeric(0, 0), datum.NewNumeric(3, 2), datum.NewNumeric(123456789014999, 14),
			"0.00\t0.03000000000000000000\t1.2345678901"},
	}
	var us []connector.SinkUpdate
	for i, r := range rows {
		us = append(us, upd(uint64(i+1), 1, datum.NewInt8(int64(i)), r.price, r.big, r.any))
	}
	if err := s.Write(ctxT(t), us); err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for _, r := range rows {
		want.WriteString(r.want + "\n")
	}
	if got := srv.Query(t, "SELECT price, big, any FROM "+db+".money ORDER BY id FORMAT TSV"); got != want.String() {
		t.Fatalf("stored:\n%s\nwant:\n%s", got, want.String())
	}
	// Sums in ClickHouse are exact too.
	if got := srv.Query(t, "SELECT sum(price) FROM "+db+".money FORMAT TSV"); got != "1.00\n" {
		t.Fatalf("sum(price) = %q, want 1.00", got)
	}

	// Values that do not fit fail the write, name the column, and write
	// nothing.
	for _, tc := range []struct {
		row  datum.Row
		frag string
	}{
		{datum.Row{datum.NewInt8(10), datum.NewNumeric(100000000_00, 2), datum.Null, datum.Null}, `"price"`},
		{datum.Row{datum.NewInt8(11), datum.Null, datum.Null, datum.NumericNaN()}, `"any"`},
		{datum.Row{datum.NewInt8(12), datum.Null, datum.Null, bigNum(t, "10000000000000000000000000000", 0)}, `"any"`},
	} {
		s2, _ := openSink(t, Config{DSN: srv.DSN(db), Table: "money"}, view)
		err := s2.Write(ctxT(t), []connector.SinkUpdate{upd(10, 1, tc.row...)})
		wantCode(t, err, sqlerr.NumericValueOutOfRange, tc.frag)
		if st := s2.State(); st.State != "failed" || st.Delivered != 4 || st.Errors != 1 {
			t.Fatalf("state after a bad value: %+v", st)
		}
	}
	if got := srv.Query(t, "SELECT count() FROM "+db+".money FORMAT TSV"); got != "4\n" {
		t.Fatalf("count after failed writes = %q, want 4", got)
	}
}

// TestTimestampPrecisionLoss checks what DateTime (ClickHouse 18.16) keeps
// of a timestamp: whole seconds, rounded down; and that timestamps it
// cannot hold are rejected.
func TestTimestampPrecisionLoss(t *testing.T) {
	srv := server.Get(t)
	if !strings.HasPrefix(srv.Version(), "18.") {
		t.Skip("DateTime64 servers keep microseconds")
	}
	db := srv.NewDatabase(t)
	view := connector.TableSchema{Name: "tsv", Columns: []connector.Column{
		{Name: "at", Type: types.TimestampTZT, NotNull: true},
		{Name: "d", Type: types.DateT},
	}}
	s, _ := openSink(t, Config{DSN: srv.DSN(db), Table: "tsv"}, view)
	if err := s.Write(ctxT(t), []connector.SinkUpdate{
		upd(1, 1, datum.NewTimestampTZ(micros("2024-01-01 00:00:01")+999_999), datum.NewDate(days("2105-12-31"))),
	}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Query(t, "SELECT at, d FROM "+db+".tsv FORMAT TSV"); got != "2024-01-01 00:00:01\t2105-12-31\n" {
		t.Fatalf("stored %q", got)
	}
	for _, row := range []datum.Row{
		{datum.NewTimestampTZ(-1), datum.Null},
		{datum.NewTimestampTZ(0), datum.NewDate(-1)},
		{datum.NewTimestampTZ(0), datum.NewDate(days("2106-01-01"))},
		{datum.NewTimestampTZ(micros("2106-01-01 00:00:00")), datum.Null},
	} {
		s2, _ := openSink(t, Config{DSN: srv.DSN(db), Table: "tsv"}, view)
		wantCode(t, s2.Write(ctxT(t), []connector.SinkUpdate{upd(2, 1, row...)}), sqlerr.NumericValueOutOfRange)
	}
}

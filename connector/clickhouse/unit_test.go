package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

func TestParseDSN(t *testing.T) {
	d, err := ParseDSN("clickhouse://default:@127.0.0.1:9000/shop")
	if err != nil {
		t.Fatal(err)
	}
	want := DSN{Addrs: []string{"127.0.0.1:9000"}, User: "default", Database: "shop",
		DialTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute, Settings: map[string]string{}}
	if !reflect.DeepEqual(d, want) {
		t.Fatalf("got %+v\nwant %+v", d, want)
	}

	d, err = ParseDSN("clickhouse://bob:s%40cret@ch1,ch2:9441/?secure=true&skip_verify&dial_timeout=2s&compress=lz4&insert_quorum=2")
	if err != nil {
		t.Fatal(err)
	}
	want = DSN{Addrs: []string{"ch1:9440", "ch2:9441"}, User: "bob", Password: "s@cret", Database: "default",
		Secure: true, SkipVerify: true, Compress: true, DialTimeout: 2 * time.Second, ReadTimeout: 5 * time.Minute,
		Settings: map[string]string{"insert_quorum": "2"}}
	if !reflect.DeepEqual(d, want) {
		t.Fatalf("got %+v\nwant %+v", d, want)
	}
	if s := d.String(); strings.Contains(s, "cret") || !strings.Contains(s, "xxxxx") {
		t.Fatalf("String() does not mask the password: %s", s)
	}
	o := d.options()
	if o.TLS == nil || !o.TLS.InsecureSkipVerify || o.Settings["insert_quorum"] != "2" || o.Auth.Password != "s@cret" {
		t.Fatalf("options: %+v", o)
	}

	d, err = ParseDSN("tcp://[::1]/db")
	if err != nil || d.Addrs[0] != "[::1]:9000" {
		t.Fatalf("IPv6: %+v %v", d, err)
	}

	for _, tc := range []struct{ dsn, frag string }{
		{"http://localhost:8123", "native protocol"},
		{"127.0.0.1:9000", "scheme"},
		{"clickhouse:///db", "missing host"},
		{"postgres://h/db", `unknown scheme "postgres"`},
		{"clickhouse://h:99999/db", `invalid port "99999"`},
		{"clickhouse://h/a/b", "slash"},
		{"clickhouse://h/db?secure=maybe", "not a boolean"},
		{"clickhouse://h/db?dial_timeout=fast", "not a positive duration"},
		{"clickhouse://h/db?compress=zstd", "compress"},
		{"clickhouse://h/db?password=x", "put it in the url"},
		{"clickhouse://h/db?x=1&x=2", "more than once"},
		{"clickhouse://u:p%zz@h/db", "invalid"},
	} {
		_, err := ParseDSN(tc.dsn)
		wantCode(t, err, sqlerr.InvalidParameterValue, tc.frag)
		if strings.Contains(err.Error(), "p%zz") {
			t.Errorf("error leaks the password: %v", err)
		}
	}
}

func TestParseVersion(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Version
	}{
		{"18.16.1", Version{18, 16, 1}},
		{"24.8.4.13", Version{24, 8, 4}},
		{"23.3.1.2823-lts", Version{23, 3, 1}},
		{"25.1", Version{25, 1, 0}},
	} {
		got, err := ParseVersion(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseVersion(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	if _, err := ParseVersion("unknown"); err == nil {
		t.Error("ParseVersion(unknown) succeeded")
	}
	f := featuresOf(Version{18, 16, 1})
	if f != (features{}) {
		t.Errorf("18.16 features: %+v", f)
	}
	f = featuresOf(Version{24, 8, 0})
	if !f.dateTime64 || !f.date32 || !f.boolType {
		t.Errorf("24.8 features: %+v", f)
	}
	if f := featuresOf(Version{20, 1, 0}); !f.dateTime64 || f.date32 {
		t.Errorf("20.1 features: %+v", f)
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"": Changelog, "changelog": Changelog, " UPSERT ": Upsert} {
		if got, err := ParseMode(in); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %v, %v", in, got, err)
		}
	}
	_, err := ParseMode("append")
	wantCode(t, err, sqlerr.InvalidParameterValue, "append")
}

// TestTypeMapping checks the mapping on an old and a current server and
// that every type this package creates parses back from system.columns'
// spelling.
func TestTypeMapping(t *testing.T) {
	old, cur := features{}, featuresOf(Version{Major: 24, Minor: 8})
	for _, tc := range []struct {
		t         types.T
		notNull   bool
		old, curr string
	}{
		{types.BoolT, true, "UInt8", "Bool"},
		{types.Int2T, true, "Int16", "Int16"},
		{types.Int8T, false, "Nullable(Int64)", "Nullable(Int64)"},
		{types.Float4T, true, "Float32", "Float32"},
		{types.NumericOf(10, 2), true, "Decimal(10, 2)", "Decimal(10, 2)"},
		{types.NumericOf(38, 0), true, "Decimal(38, 0)", "Decimal(38, 0)"},
		{types.NumericOf(39, 2), true, "String", "String"},
		{types.NumericT, false, "Nullable(Decimal(38, 10))", "Nullable(Decimal(38, 10))"},
		{types.VarcharOf(3), true, "String", "String"},
		{types.IntervalT, true, "String", "String"},
		{types.DateT, true, "Date", "Date32"},
		{types.TimestampT, true, "DateTime('UTC')", "DateTime64(6, 'UTC')"},
		{types.TimestampTZT, false, "Nullable(DateTime('UTC'))", "Nullable(DateTime64(6, 'UTC'))"},
	} {
		for _, v := range []struct {
			f    features
			want string
		}{{old, tc.old}, {cur, tc.curr}} {
			c, err := mapType(tc.t, tc.notNull, v.f)
			if err != nil {
				t.Fatal(err)
			}
			if c.String() != v.want {
				t.Errorf("mapType(%s, notNull=%v, %+v) = %s, want %s", tc.t, tc.notNull, v.f, c, v.want)
			}
			back, ok := parseType(c.String())
			if !ok || back != c {
				t.Errorf("parseType(%s) = %+v, %v", c, back, ok)
			}
		}
	}
	if _, err := mapType(types.UnknownT, true, old); err == nil {
		t.Error("mapType(unknown) succeeded")
	}
	for _, s := range []string{"Array(Int32)", "Decimal(10)", "Map(String, String)", "DateTime(1, 2)", "Int32(", "Nothing"} {
		if c, ok := parseType(s); ok {
			t.Errorf("parseType(%q) = %+v, want failure", s, c)
		}
	}
	lc, ok := parseType("LowCardinality(Nullable(String))")
	if !ok || !compatible(lc, colType{kind: kString, nullable: true}) {
		t.Errorf("LowCardinality(Nullable(String)) = %+v, %v", lc, ok)
	}
	berlin, _ := parseType("DateTime('Europe/Berlin')")
	if !compatible(berlin, colType{kind: kDateTime, tz: utc}) {
		t.Error("DateTime zones should not matter")
	}
	if q := quoteIdent("we`ird\\"); q != "`we\\`ird\\\\`" {
		t.Errorf("quoteIdent = %s", q)
	}
	if q := quoteString("it's"); q != `'it\'s'` {
		t.Errorf("quoteString = %s", q)
	}
}

func TestToDecimal(t *testing.T) {
	for _, tc := range []struct {
		d           datum.Datum
		prec, scale int
		want        string // "" for out of range
	}{
		{datum.NewNumeric(12345, 2), 10, 2, "123.45"},
		{datum.NewNumeric(5, 0), 10, 2, "5"},
		{datum.NewNumeric(125, 3), 10, 2, "0.13"},
		{datum.NewNumeric(-125, 3), 10, 2, "-0.13"},
		{datum.NewNumeric(124, 3), 10, 2, "0.12"},
		{datum.NewNumeric(-124, 3), 10, 2, "-0.12"},
		{datum.NewNumeric(99999999_995, 3), 10, 2, ""}, // rounds up to 10^8
		{datum.NewNumeric(99999999_994, 3), 10, 2, "99999999.99"},
		{datum.NewNumeric(1, 0), 1, 1, ""},
		{datum.NewNumeric(9, 1), 1, 1, "0.9"},
		{datum.NumericNaN(), 38, 10, ""},
		{datum.NumericInf(1), 38, 10, ""},
		{datum.NewNumeric(-9223372036854775808, 0), 19, 0, "-9223372036854775808"},
		{datum.NewNumeric(-9223372036854775808, 0), 18, 0, ""},
		{datum.NewNumeric(1, 30), 38, 10, "0"},
		{datum.NewNumeric(5, 11), 38, 10, "0.0000000001"},
		{datum.NewNumeric(1, 0), 38, 37, "1"},
		{datum.NewNumeric(10, 0), 38, 37, ""},
	} {
		got, ok := toDecimal(tc.d, tc.prec, tc.scale)
		switch {
		case tc.want == "" && ok:
			t.Errorf("toDecimal(%s, %d, %d) = %s, want out of range", datum.FormatText(tc.d), tc.prec, tc.scale, got)
		case tc.want != "" && (!ok || got.String() != tc.want):
			t.Errorf("toDecimal(%s, %d, %d) = %s, %v; want %s", datum.FormatText(tc.d), tc.prec, tc.scale, got, ok, tc.want)
		case ok && got.Exponent() != -int32(tc.scale):
			t.Errorf("toDecimal(%s, %d, %d) has exponent %d", datum.FormatText(tc.d), tc.prec, tc.scale, got.Exponent())
		}
	}
}

func TestChunkEnd(t *testing.T) {
	times := func(ts ...uint64) []connector.SinkUpdate {
		var us []connector.SinkUpdate
		for _, x := range ts {
			us = append(us, upd(x, 1))
		}
		return us
	}
	for _, tc := range []struct {
		ts    []uint64
		limit int
		want  int
	}{
		{[]uint64{1, 1, 2, 3}, 10, 4},
		{[]uint64{1, 1, 2, 3}, 3, 3},
		{[]uint64{1, 1, 2, 3}, 2, 2},
		{[]uint64{1, 1, 1, 2}, 2, 3}, // one timestamp is never split
		{[]uint64{1, 2, 2, 2}, 3, 1},
		{[]uint64{5}, 1, 1},
	} {
		if got := chunkEnd(times(tc.ts...), tc.limit); got != tc.want {
			t.Errorf("chunkEnd(%v, %d) = %d, want %d", tc.ts, tc.limit, got, tc.want)
		}
	}
}

func TestErrorClassification(t *testing.T) {
	for _, tc := range []struct {
		err       error
		transient bool
		code      sqlerr.Code
	}{
		{&ch.Exception{Code: 252, Message: "too many parts"}, true, sqlerr.ConnectionFailure},
		{&ch.Exception{Code: 216, Message: "same id"}, true, sqlerr.ConnectionFailure},
		{&ch.Exception{Code: 60, Message: "table doesn't exist"}, false, sqlerr.UndefinedTable},
		{&ch.Exception{Code: 516, Message: "auth"}, false, sqlerr.InvalidAuthorization},
		{fmt.Errorf("dial: %w", syscall.ECONNREFUSED), true, sqlerr.ConnectionFailure},
		{fmt.Errorf("read: %w", io.EOF), true, sqlerr.ConnectionFailure},
		{errInsertRunning, true, sqlerr.ConnectionFailure},
		{sqlerr.New(sqlerr.NumericValueOutOfRange, "x"), false, sqlerr.NumericValueOutOfRange},
		{permanent(errors.New("bug")), false, sqlerr.ConnectionFailure},
		{context.Canceled, false, sqlerr.ConnectionFailure},
	} {
		if got := transient(tc.err); got != tc.transient {
			t.Errorf("transient(%v) = %v", tc.err, got)
		}
		if got := sqlerr.GetCode(publicError(tc.err)); got != tc.code {
			t.Errorf("code of %v = %s, want %s", tc.err, got, tc.code)
		}
	}
}

func TestRateMeter(t *testing.T) {
	var m rateMeter
	now := time.Unix(1000, 0)
	m.add(now.Add(-20*time.Second), 1000) // outside the window
	m.add(now.Add(-5*time.Second), 30)
	m.add(now, 70)
	if got := m.rate(now); got != 10 {
		t.Fatalf("rate = %v, want 10", got)
	}
}

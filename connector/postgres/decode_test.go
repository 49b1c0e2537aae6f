package postgres

import (
	"encoding/binary"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/jackc/pglogrepl"

	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/sql/types"
)

// pgoutput message builders (protocol version 1), for tests that need no
// server.

type msgBuf []byte

func (b msgBuf) u8(v byte) msgBuf    { return append(b, v) }
func (b msgBuf) u16(v uint16) msgBuf { return binary.BigEndian.AppendUint16(b, v) }
func (b msgBuf) u32(v uint32) msgBuf { return binary.BigEndian.AppendUint32(b, v) }
func (b msgBuf) u64(v uint64) msgBuf { return binary.BigEndian.AppendUint64(b, v) }
func (b msgBuf) str(s string) msgBuf { return append(append(b, s...), 0) }
func (b msgBuf) lsn(l uint64) msgBuf { return b.u64(l) }
func (b msgBuf) tuple(vals ...*string) msgBuf {
	b = b.u16(uint16(len(vals)))
	for _, v := range vals {
		switch {
		case v == nil:
			b = b.u8('n')
		case *v == "\x00toast":
			b = b.u8('u')
		default:
			b = b.u8('t').u32(uint32(len(*v)))
			b = append(b, *v...)
		}
	}
	return b
}

func sp(s string) *string { return &s }

var toast = sp("\x00toast")

func relationMsg(t *tableInfo, ident byte) []byte {
	b := msgBuf{'R'}.u32(t.oid).str(t.nspname).str(t.relname).u8(ident).u16(uint16(len(t.cols)))
	for i, c := range t.cols {
		flags := byte(0)
		for _, k := range t.schema.PrimaryKey {
			if k == i {
				flags = 1
			}
		}
		b = b.u8(flags).str(c.name).u32(c.up.oid).u32(uint32(c.up.typmod))
	}
	return b
}

func beginMsg(final uint64) []byte { return msgBuf{'B'}.lsn(final).u64(0).u32(1) }
func commitMsg(commit, end uint64) []byte {
	return msgBuf{'C'}.u8(0).lsn(commit).lsn(end).u64(0)
}
func insertMsg(rel uint32, vals ...*string) []byte {
	return msgBuf{'I'}.u32(rel).u8('N').tuple(vals...)
}
func updateMsg(rel uint32, oldKind byte, old []*string, vals ...*string) []byte {
	b := msgBuf{'U'}.u32(rel)
	if oldKind != 0 {
		b = b.u8(oldKind).tuple(old...)
	}
	return b.u8('N').tuple(vals...)
}
func deleteMsg(rel uint32, kind byte, old ...*string) []byte {
	return msgBuf{'D'}.u32(rel).u8(kind).tuple(old...)
}

// testTable is a table (id int8 primary key, name text, amount numeric,
// at timestamptz) with OID 16400.
func testTable() *tableInfo {
	t := &tableInfo{oid: 16400, nspname: "public", relname: "t", replIdent: 'd'}
	add := func(name string, oid uint32, typ types.T) {
		t.cols = append(t.cols, colInfo{name: name, up: upstreamType{oid: oid, typmod: -1, baseOID: oid, baseMod: -1}, typ: typ})
		t.schema.Columns = append(t.schema.Columns, connector.Column{Name: name, Type: typ})
	}
	add("id", types.OIDInt8, types.Int8T)
	add("name", types.OIDText, types.TextT)
	add("amount", oidNumeric, types.NumericT)
	add("at", types.OIDTimestampTZ, types.TimestampTZT)
	t.schema.Name = "t"
	t.schema.PrimaryKey = []int{0}
	return t
}

func newTestDecoder(w connector.Writer, last uint64) (*decoder, *tableInfo) {
	t := testTable()
	return newDecoder([]*tableInfo{t}, w, pglogrepl.LSN(last), &stats{}, slog.New(slog.DiscardHandler)), t
}

func mustHandle(t testing.TB, d *decoder, msgs ...[]byte) *txn {
	t.Helper()
	var out *txn
	for _, m := range msgs {
		x, err := d.handle(m)
		if err != nil {
			t.Fatal(err)
		}
		if x != nil {
			out = x
		}
	}
	return out
}

// TestDecoderSkipsDurable: transactions the server sends again, ending at
// or before the durable position, produce no Commit.
func TestDecoderSkipsDurable(t *testing.T) {
	w := newMemWriter([]connector.TableSchema{testTable().schema})
	d, tbl := newTestDecoder(w, 0x2000)
	mustHandle(t, d, relationMsg(tbl, 'd'))
	row := []*string{sp("1"), sp("a"), sp("1.50"), sp("2024-01-02 03:04:05+00")}
	if x := mustHandle(t, d, beginMsg(0x1000), insertMsg(tbl.oid, row...), commitMsg(0x1000, 0x1100)); x != nil {
		t.Fatalf("transaction ending at 0/1100 delivered after durable 0/2000")
	}
	if x := mustHandle(t, d, beginMsg(0x1f00), insertMsg(tbl.oid, row...), commitMsg(0x1f00, 0x2000)); x != nil {
		t.Fatalf("transaction ending at the durable position delivered again")
	}
	x := mustHandle(t, d, beginMsg(0x2000), insertMsg(tbl.oid, row...), commitMsg(0x2000, 0x2100))
	if x == nil || x.end != 0x2100 || len(x.writes) != 1 || len(x.writes[0].Updates) != 1 {
		t.Fatalf("new transaction = %+v", x)
	}
	if got := rowText(x.writes[0].Updates[0].Row); got != "1|a|1.50|2024-01-02 03:04:05+00" {
		t.Errorf("row = %s", got)
	}
	if d.stats.skippedTxns.Load() != 2 {
		t.Errorf("skipped %d, want 2", d.stats.skippedTxns.Load())
	}
}

// TestDecoderSchemaChange: a Relation message that differs from the
// discovered schema is a definite error.
func TestDecoderSchemaChange(t *testing.T) {
	w := newMemWriter([]connector.TableSchema{testTable().schema})
	d, tbl := newTestDecoder(w, 0)
	changed := *tbl
	changed.cols = append([]colInfo(nil), tbl.cols...)
	changed.cols[2].up.oid = types.OIDFloat8
	_, err := d.handle(relationMsg(&changed, 'd'))
	if !IsDefinite(err) || !strings.Contains(err.Error(), "changed incompatibly") {
		t.Fatalf("err = %v", err)
	}
	_, err = d.handle(relationMsg(tbl, 'n'))
	if !IsDefinite(err) || !strings.Contains(err.Error(), "replica identity") {
		t.Fatalf("err = %v", err)
	}
}

// TestDecoderMalformed feeds truncated and corrupted messages: errors,
// never a panic.
func TestDecoderMalformed(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, seed))
	tbl := testTable()
	valid := [][]byte{
		relationMsg(tbl, 'd'), beginMsg(10),
		insertMsg(tbl.oid, sp("1"), sp("a"), nil, nil),
		updateMsg(tbl.oid, 'K', []*string{sp("1"), nil, nil, nil}, sp("2"), toast, nil, nil),
		deleteMsg(tbl.oid, 'K', sp("2"), nil, nil, nil),
		commitMsg(10, 20),
	}
	for i := 0; i < 5000; i++ {
		w := newMemWriter([]connector.TableSchema{tbl.schema})
		d := newDecoder([]*tableInfo{tbl}, w, 0, &stats{}, slog.New(slog.DiscardHandler))
		for _, m := range valid {
			m = append([]byte(nil), m...)
			switch rng.IntN(3) {
			case 0:
				m = m[:rng.IntN(len(m)+1)]
			case 1:
				if len(m) > 1 {
					m[1+rng.IntN(len(m)-1)] ^= byte(1 + rng.IntN(255))
				}
			}
			_, _ = d.handle(m) // must not panic
		}
	}
}

// BenchmarkDecode measures decoding pgoutput inserts into rows and
// assembling transactions of 100 rows.
func BenchmarkDecode(b *testing.B) { benchDecode(b, false) }

// BenchmarkDecodeApply also applies each transaction to an in-memory table
// (the test writer, with its exactly-once checks).
func BenchmarkDecodeApply(b *testing.B) { benchDecode(b, true) }

func benchDecode(b *testing.B, apply bool) {
	tbl := testTable()
	const perTxn = 100
	var msgs [][]byte
	lsn := uint64(0x10000)
	next := 0
	w := newMemWriter([]connector.TableSchema{tbl.schema})
	d := newDecoder([]*tableInfo{tbl}, w, 0, &stats{}, slog.New(slog.DiscardHandler))
	if _, err := d.handle(relationMsg(tbl, 'd')); err != nil {
		b.Fatal(err)
	}
	build := func() {
		msgs = msgs[:0]
		msgs = append(msgs, beginMsg(lsn))
		for i := 0; i < perTxn; i++ {
			next++
			msgs = append(msgs, insertMsg(tbl.oid, sp(fmt.Sprint(next)), sp(fmt.Sprintf("customer %d", next)),
				sp(fmt.Sprintf("%d.%02d", next%100000, next%100)), sp("2024-03-04 05:06:07.123456+00")))
		}
		msgs = append(msgs, commitMsg(lsn+1, lsn+2))
		lsn += 16
	}
	b.ReportAllocs()
	b.ResetTimer()
	rows := 0
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		build()
		b.StartTimer()
		for _, m := range msgs {
			x, err := d.handle(m)
			if err != nil {
				b.Fatal(err)
			}
			if x != nil {
				if !apply {
					d.last = x.end
					rows += x.rows
					continue
				}
				if err := w.Commit(b.Context(), x.writes, encodePosition(x.end)); err != nil {
					b.Fatal(err)
				}
				d.last = x.end
				rows += x.rows
			}
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

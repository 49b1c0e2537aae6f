package datum

import (
	"bytes"
	"flag"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/freshet-db/freshet/sql/types"
)

var seedFlag = flag.Uint64("seed", 0, "seed for the randomized datum tests (0: time based)")

// testRand returns a seeded generator and logs the seed on failure so the
// run can be repeated with -seed.
func testRand(t *testing.T) *rand.Rand {
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("random seed: %d (rerun with -seed=%d)", seed, seed)
		}
	})
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

var allFamilies = []types.Family{
	types.Bool, types.Int2, types.Int4, types.Int8, types.Float4, types.Float8, types.Numeric,
	types.Text, types.Varchar, types.Date, types.Timestamp, types.TimestampTZ, types.Interval,
	types.JSONB, types.Bytea,
}

func randString(r *rand.Rand) string {
	alphabet := []rune("ab c\\\"'\n\tzé€😀%_0")
	n := r.IntN(8)
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteRune(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}

func randDigits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

func randJSON(r *rand.Rand, depth int) string {
	k := r.IntN(7)
	if depth > 2 {
		k = r.IntN(4)
	}
	switch k {
	case 0:
		return "null"
	case 1:
		return []string{"true", "false"}[r.IntN(2)]
	case 2:
		return []string{"0", "-1.50", "1e3", "12345678901234567890.5", "0.001"}[r.IntN(5)]
	case 3:
		return string(AppendJSONString(nil, randString(r)))
	case 4:
		n := r.IntN(4)
		parts := make([]string, n)
		for i := range parts {
			parts[i] = randJSON(r, depth+1)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	n := r.IntN(4)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = string(AppendJSONString(nil, []string{"a", "b", "aa", "", "é"}[r.IntN(5)])) + ":" + randJSON(r, depth+1)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// randDatum returns a random non-NULL datum of family f. With narrow set,
// values come from small ranges so that equal values are frequent.
func randDatum(r *rand.Rand, f types.Family, narrow bool) Datum {
	switch f {
	case types.Bool:
		return NewBool(r.IntN(2) == 0)
	case types.Int2, types.Int4, types.Int8:
		if narrow {
			return NewInt(f, int64(r.IntN(5)-2))
		}
		lo, hi := IntRange(f)
		switch r.IntN(4) {
		case 0:
			return NewInt(f, lo)
		case 1:
			return NewInt(f, hi)
		}
		return NewInt(f, lo+int64(r.Uint64N(uint64(hi-lo))))
	case types.Float4, types.Float8:
		var v float64
		switch {
		case narrow:
			v = []float64{0, math.Copysign(0, -1), 1.5, -1, math.NaN(), math.Inf(1)}[r.IntN(6)]
		case r.IntN(8) == 0:
			v = []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.SmallestNonzeroFloat64, math.MaxFloat64}[r.IntN(5)]
		default:
			v = math.Float64frombits(r.Uint64())
			if math.IsNaN(v) {
				v = r.NormFloat64() * 1e6
			}
		}
		if f == types.Float4 {
			if !math.IsInf(v, 0) && !math.IsNaN(v) && math.Abs(v) > math.MaxFloat32 {
				v = math.MaxFloat32
			}
			return NewFloat4(v)
		}
		return NewFloat8(v)
	case types.Numeric:
		if narrow {
			return NewNumeric(int64(r.IntN(3))*[]int64{1, 10, 100}[r.IntN(3)], int32(r.IntN(3)))
		}
		switch r.IntN(10) {
		case 0:
			return []Datum{NumericNaN(), NumericInf(1), NumericInf(-1)}[r.IntN(3)]
		case 1, 2, 3:
			b, _ := new(big.Int).SetString(randDigits(r, 1+r.IntN(40)), 10)
			if r.IntN(2) == 0 {
				b.Neg(b)
			}
			return NewNumericBig(b, int32(r.IntN(30)))
		}
		return NewNumeric(int64(r.Uint64()), int32(r.IntN(20)))
	case types.Text:
		if narrow {
			return NewText([]string{"", "a", "b"}[r.IntN(3)])
		}
		return NewText(randString(r))
	case types.Varchar:
		return NewVarchar(randString(r))
	case types.Date:
		if narrow {
			return NewDate(int64(r.IntN(3)))
		}
		if r.IntN(10) == 0 {
			return NewDate([]int64{PosInfinity, NegInfinity}[r.IntN(2)])
		}
		return NewDate(minDateDays + r.Int64N(maxDateDays-minDateDays+1))
	case types.Timestamp, types.TimestampTZ:
		var us int64
		switch {
		case narrow:
			us = int64(r.IntN(3)) * MicrosPerSecond
		case r.IntN(10) == 0:
			us = []int64{PosInfinity, NegInfinity}[r.IntN(2)]
		default:
			if r.IntN(2) == 0 {
				us = -r.Int64N(-minTSMicros + 1)
			} else {
				us = r.Int64N(maxTSMicros)
			}
		}
		if f == types.Timestamp {
			return NewTimestamp(us)
		}
		return NewTimestampTZ(us)
	case types.Interval:
		if narrow {
			return NewInterval(int32(r.IntN(2)), int32(r.IntN(2)*30), int64(r.IntN(2))*MicrosPerDay*30)
		}
		return NewInterval(int32(r.Uint32()), int32(r.Uint32()), r.Int64N(2e15)-1e15)
	case types.JSONB:
		n, err := NormalizeJSON(randJSON(r, 0))
		if err != nil {
			panic(err)
		}
		return NewJSONB(n)
	case types.Bytea:
		b := make([]byte, r.IntN(6))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return NewBytea(string(b))
	}
	panic("unknown family")
}

func identical(a, b Datum) bool {
	if a.kind != b.kind {
		return false
	}
	if a.kind == types.Float4 || a.kind == types.Float8 {
		fa, fb := a.Float(), b.Float()
		return math.Float64bits(fa) == math.Float64bits(fb) || (math.IsNaN(fa) && math.IsNaN(fb))
	}
	return a == b
}

func TestTextRoundTrip(t *testing.T) {
	r := testRand(t)
	for i := 0; i < 20000; i++ {
		f := allFamilies[r.IntN(len(allFamilies))]
		d := randDatum(r, f, false)
		s := FormatText(d)
		back, err := ParseText(s, types.T{Family: f})
		if err != nil {
			t.Fatalf("ParseText(%q, %s) of %#v: %v", s, types.T{Family: f}, d, err)
		}
		if !identical(back, d) {
			t.Fatalf("%s %q reads back as %#v (%q), want %#v", types.T{Family: f}, s, back, FormatText(back), d)
		}
	}
}

func TestRowEncodingRoundTrip(t *testing.T) {
	r := testRand(t)
	for i := 0; i < 5000; i++ {
		row := make(Row, r.IntN(6))
		for j := range row {
			if r.IntN(6) == 0 {
				continue // NULL
			}
			row[j] = randDatum(r, allFamilies[r.IntN(len(allFamilies))], r.IntN(2) == 0)
		}
		enc := EncodeRow(nil, row)
		back, err := DecodeRow(enc, nil)
		if err != nil {
			t.Fatalf("DecodeRow(EncodeRow(%v)): %v", row, err)
		}
		if len(back) != len(row) {
			t.Fatalf("DecodeRow(EncodeRow(%v)) = %v", row, back)
		}
		for j := range row {
			if !identical(back[j], row[j]) {
				t.Fatalf("column %d: %#v decodes as %#v", j, row[j], back[j])
			}
		}
		// Every strict prefix of a non-empty encoding is corrupt or shorter.
		for n := 0; n < len(enc); n++ {
			if got, err := DecodeRow(enc[:n], nil); err == nil && len(got) >= len(row) && len(row) > 0 {
				if RowsEqual(got, row) {
					t.Fatalf("prefix %d of %x decodes to the whole row", n, enc)
				}
			}
		}
	}
}

// keyClasses groups the families whose values compare with each other and
// share a key encoding.
var keyClasses = [][]types.Family{
	{types.Bool}, {types.Int2, types.Int4, types.Int8}, {types.Float4, types.Float8}, {types.Numeric},
	{types.Text, types.Varchar}, {types.Date}, {types.Timestamp, types.TimestampTZ}, {types.Interval},
	{types.JSONB}, {types.Bytea},
}

func TestKeyEncodingMatchesCompare(t *testing.T) {
	r := testRand(t)
	for i := 0; i < 50000; i++ {
		class := keyClasses[r.IntN(len(keyClasses))]
		narrow := r.IntN(3) > 0
		a := randDatum(r, class[r.IntN(len(class))], narrow)
		b := randDatum(r, class[r.IntN(len(class))], narrow)
		ka := EncodeKeyDatums(nil, a)
		kb := EncodeKeyDatums(nil, b)
		if eq := Compare(a, b) == 0; eq != bytes.Equal(ka, kb) {
			t.Fatalf("Compare(%q, %q) == 0 is %v but keys %x, %x", FormatText(a), FormatText(b), eq, ka, kb)
		}
	}
	// Representations of equal values.
	pairs := [][2]Datum{
		{NewNumeric(150, 2), NewNumeric(15, 1)},
		{NewNumeric(0, 5), NewNumeric(0, 0)},
		{NewInt4(5), NewInt8(5)},
		{NewText("x"), NewVarchar("x")},
		{NewInterval(1, 0, 0), NewInterval(0, 30, 0)},
		{NewFloat8(0), NewFloat8(math.Copysign(0, -1))},
		{NewFloat4(1.5), NewFloat8(1.5)},
		{mustNumeric(t, "12345678901234567890.500"), mustNumeric(t, "12345678901234567890.5")},
		{mustNumeric(t, "100000000000000000000.00"), mustNumeric(t, "100000000000000000000")},
	}
	for _, p := range pairs {
		if Compare(p[0], p[1]) != 0 {
			t.Errorf("Compare(%q, %q) != 0", FormatText(p[0]), FormatText(p[1]))
		}
		if !bytes.Equal(EncodeKeyDatums(nil, p[0]), EncodeKeyDatums(nil, p[1])) {
			t.Errorf("keys of %q and %q differ", FormatText(p[0]), FormatText(p[1]))
		}
	}
}

func mustNumeric(t *testing.T, s string) Datum {
	t.Helper()
	d, err := ParseNumeric(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestNumericCompareMatchesBig checks Compare on random numerics against
// math/big rationals.
func TestNumericCompareMatchesBig(t *testing.T) {
	r := testRand(t)
	for i := 0; i < 20000; i++ {
		a := randDatum(r, types.Numeric, r.IntN(2) == 0)
		b := randDatum(r, types.Numeric, r.IntN(2) == 0)
		if a.IsNumericSpecial() || b.IsNumericSpecial() {
			continue
		}
		ra, _ := new(big.Rat).SetString(FormatText(a))
		rb, _ := new(big.Rat).SetString(FormatText(b))
		if got, want := Compare(a, b), ra.Cmp(rb); got != want {
			t.Fatalf("Compare(%s, %s) = %d, want %d", FormatText(a), FormatText(b), got, want)
		}
	}
}

func FuzzParseText(f *testing.F) {
	for _, c := range parseCases {
		f.Add(c.in, uint8(c.typ.Family), uint8(c.typ.Precision), uint8(c.typ.Scale))
	}
	f.Fuzz(func(t *testing.T, s string, fam, prec, scale uint8) {
		typ := types.T{Family: allFamilies[int(fam)%len(allFamilies)], Precision: int32(prec % 40), Scale: int32(scale % 40)}
		if typ.Scale > typ.Precision {
			typ.Scale = typ.Precision
		}
		d, err := ParseText(s, typ)
		if err != nil {
			return
		}
		// Whatever parses must print and parse back to an equal value.
		out := FormatText(d)
		back, err := ParseText(out, types.T{Family: typ.Family})
		if err != nil {
			t.Fatalf("ParseText(%q, %s) = %q, which does not parse back: %v", s, typ, out, err)
		}
		if Compare(back, d) != 0 {
			t.Fatalf("ParseText(%q, %s) = %q, which reads back as %q", s, typ, out, FormatText(back))
		}
		_ = strconv.Quote(out)
	})
}

func TestIntervalCompareExtremes(t *testing.T) {
	hi := NewInterval(math.MaxInt32, math.MaxInt32, math.MaxInt64)
	lo := NewInterval(math.MinInt32, math.MinInt32, math.MinInt64)
	if Compare(hi, lo) <= 0 || Compare(lo, hi) >= 0 {
		t.Errorf("extreme intervals compare wrongly")
	}
	// 1 day -1 µs < 1 day; 12 months == 360 days.
	if Compare(NewInterval(0, 1, -1), NewInterval(0, 1, 0)) >= 0 {
		t.Errorf("1 day -00:00:00.000001 >= 1 day")
	}
	if Compare(NewInterval(12, 0, 0), NewInterval(0, 360, 0)) != 0 {
		t.Errorf("1 year != 360 days")
	}
	if Compare(NewInterval(0, 0, -MicrosPerDay), NewInterval(0, -1, 0)) != 0 {
		t.Errorf("-24:00:00 != -1 days")
	}
}

package datum

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/freshet-db/freshet/sql/types"
)

// The row encoding is compact and exact: one tag byte per datum (its
// family) followed by a payload (zig-zag varints for integers and time,
// 8 bytes for floats, a length-prefixed string for text). EncodeRow and
// DecodeRow round-trip every datum. It is the form in which arrangements and
// the write-ahead log store rows.
//
// EncodeKey is the canonical form used for grouping and join keys: values
// that compare equal (5::int4 and 5::int8, 1.50 and 1.5, TEXT and VARCHAR,
// TIMESTAMP and TIMESTAMPTZ, '1 mon' and '30 days') encode to the same
// bytes. Keys are decodable, but decoding yields the
// canonical family (Int8, Text, normalized Numeric).

// ErrCorrupt is returned when bytes do not decode as a row.
var ErrCorrupt = errors.New("corrupt row encoding")

// EncodeRow appends the exact encoding of row to buf.
func EncodeRow(buf []byte, row Row) []byte {
	for _, d := range row {
		buf = encodeDatum(buf, d, d.kind)
	}
	return buf
}

// EncodeKey appends the canonical key encoding of the datums of row at the
// positions cols (all of them if cols is nil).
func EncodeKey(buf []byte, row Row, cols []int) []byte {
	if cols == nil {
		for _, d := range row {
			buf = encodeKeyDatum(buf, d)
		}
		return buf
	}
	for _, c := range cols {
		buf = encodeKeyDatum(buf, row[c])
	}
	return buf
}

// EncodeKeyDatums appends the canonical key encoding of datums.
func EncodeKeyDatums(buf []byte, datums ...Datum) []byte {
	for _, d := range datums {
		buf = encodeKeyDatum(buf, d)
	}
	return buf
}

func encodeKeyDatum(buf []byte, d Datum) []byte {
	switch d.kind {
	case types.Int2, types.Int4:
		return encodeDatum(buf, d, types.Int8)
	case types.Varchar:
		return encodeDatum(buf, d, types.Text)
	case types.JSONB:
		return encodeDatum(buf, Datum{kind: types.JSONB, s: canonicalJSONKey(d.s)}, types.JSONB)
	case types.TimestampTZ:
		// With the session in UTC both denote the same instant.
		return encodeDatum(buf, d, types.Timestamp)
	case types.Float4, types.Float8:
		f := d.Float()
		if f == 0 { // -0 and +0 are equal
			return encodeDatum(buf, NewFloat8(0), types.Float8)
		}
		if math.IsNaN(f) {
			return encodeDatum(buf, NewFloat8(math.NaN()), types.Float8)
		}
		return encodeDatum(buf, d, types.Float8)
	case types.Numeric:
		if d.s == "" {
			coef, scale := d.i, d.x
			for scale > 0 && coef%10 == 0 {
				coef /= 10
				scale--
			}
			return encodeDatum(buf, Datum{kind: types.Numeric, i: coef, x: scale}, types.Numeric)
		}
		return encodeDatum(buf, fromDec(parts(d).canonical()), types.Numeric)
	case types.Interval:
		// Canonical: whole days (30-day months) and the microseconds of
		// the last day. Decoding yields an interval of that many days
		// (truncated to 32 bits beyond 5.8 million years).
		days, us := d.intervalSpan()
		buf = append(buf, byte(types.Interval))
		buf = binary.AppendVarint(buf, us)
		buf = binary.AppendVarint(buf, days)
		return binary.AppendVarint(buf, 0)
	}
	return encodeDatum(buf, d, d.kind)
}

func encodeDatum(buf []byte, d Datum, tag types.Family) []byte {
	buf = append(buf, byte(tag))
	switch tag {
	case types.Unknown:
	case types.Bool:
		buf = append(buf, byte(d.i))
	case types.Int2, types.Int4, types.Int8, types.Date, types.Timestamp, types.TimestampTZ:
		buf = binary.AppendVarint(buf, d.i)
	case types.Float4, types.Float8:
		buf = binary.BigEndian.AppendUint64(buf, uint64(d.i))
	case types.Numeric:
		// Coefficient, scale, then the big coefficient or special value
		// text (empty on the int64 fast path).
		buf = binary.AppendVarint(buf, d.i)
		buf = binary.AppendVarint(buf, int64(d.x))
		buf = binary.AppendUvarint(buf, uint64(len(d.s)))
		buf = append(buf, d.s...)
	case types.Interval:
		buf = binary.AppendVarint(buf, d.i)
		buf = binary.AppendVarint(buf, int64(d.x))
		buf = binary.AppendVarint(buf, int64(d.y))
	case types.Text, types.Varchar, types.JSONB, types.Bytea:
		buf = binary.AppendUvarint(buf, uint64(len(d.s)))
		buf = append(buf, d.s...)
	default:
		panic(fmt.Sprintf("datum: cannot encode family %d", tag))
	}
	return buf
}

// DecodeRow decodes every datum of b, appending to dst.
func DecodeRow(b []byte, dst Row) (Row, error) {
	for len(b) > 0 {
		d, n, err := DecodeDatum(b)
		if err != nil {
			return dst, err
		}
		dst = append(dst, d)
		b = b[n:]
	}
	return dst, nil
}

// DecodeDatum decodes one datum from the front of b and returns it with the
// number of bytes read.
func DecodeDatum(b []byte) (Datum, int, error) {
	if len(b) == 0 {
		return Null, 0, ErrCorrupt
	}
	tag := types.Family(b[0])
	p := 1
	varint := func() int64 {
		if p < 0 {
			return 0
		}
		v, n := binary.Varint(b[p:])
		if n <= 0 {
			p = -1
			return 0
		}
		p += n
		return v
	}
	var d Datum
	switch tag {
	case types.Unknown:
		return Null, 1, nil
	case types.Bool:
		if len(b) < 2 {
			return Null, 0, ErrCorrupt
		}
		d = Datum{kind: tag, i: int64(b[1])}
		p = 2
	case types.Int2, types.Int4, types.Int8, types.Date, types.Timestamp, types.TimestampTZ:
		d = Datum{kind: tag, i: varint()}
	case types.Float4, types.Float8:
		if len(b) < 9 {
			return Null, 0, ErrCorrupt
		}
		d = Datum{kind: tag, i: int64(binary.BigEndian.Uint64(b[1:]))}
		p = 9
	case types.Numeric:
		c := varint()
		s := varint()
		if p < 0 || s < 0 || s > math.MaxInt32 {
			return Null, 0, ErrCorrupt
		}
		l, n := binary.Uvarint(b[p:])
		if n <= 0 || uint64(len(b)-p-n) < l {
			return Null, 0, ErrCorrupt
		}
		str := string(b[p+n : p+n+int(l)])
		p += n + int(l)
		if str != "" && !isSpecialStr(str) && !validBigCoef(str) {
			return Null, 0, ErrCorrupt
		}
		d = Datum{kind: tag, i: c, x: int32(s), s: str}
	case types.Interval:
		us := varint()
		days := varint()
		months := varint()
		d = Datum{kind: tag, i: us, x: int32(days), y: int32(months)}
	case types.Text, types.Varchar, types.JSONB, types.Bytea:
		l, n := binary.Uvarint(b[1:])
		if n <= 0 || uint64(len(b)-1-n) < l {
			return Null, 0, ErrCorrupt
		}
		p = 1 + n + int(l)
		d = Datum{kind: tag, s: string(b[1+n : p])}
	default:
		return Null, 0, ErrCorrupt
	}
	if p < 0 {
		return Null, 0, ErrCorrupt
	}
	return d, p, nil
}

// validBigCoef reports whether s is a signed decimal integer, as the s field
// of a big NUMERIC holds.
func validBigCoef(s string) bool {
	if s != "" && s[0] == '-' {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

package pgwire

import (
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

// Wire format codes.
const (
	textFormat   int16 = 0
	binaryFormat int16 = 1
)

// typeByOID returns the type a client means by a Parse parameter OID.
func typeByOID(oid uint32) (types.T, bool) {
	for f := types.Bool; f <= types.Bytea; f++ {
		t := types.T{Family: f}
		if t.OID() == oid {
			return t, true
		}
	}
	return types.UnknownT, false
}

// appendValue appends d in the given format as a column of type t. NULL is
// the caller's business (a nil value in DataRow).
func appendValue(m func() *pgtype.Map, buf []byte, d datum.Datum, t types.T, format int16) ([]byte, error) {
	if format == textFormat {
		return datum.AppendText(buf, d), nil
	}
	switch d.Kind() {
	case types.Text, types.Varchar, types.Bytea:
		// Binary text, varchar, unknown and bytea are the raw bytes.
		return append(buf, d.Str()...), nil
	}
	oid := t.OID()
	if t.Family == types.Unknown || t.IsString() {
		// unknownsend/textsend: the text form is the binary form.
		return datum.AppendText(buf, d), nil
	}
	v, err := goValue(d)
	if err != nil {
		return buf, err
	}
	return m().Encode(oid, binaryFormat, v, buf)
}

// goValue converts a datum to the pgtype value that encodes it.
func goValue(d datum.Datum) (any, error) {
	switch d.Kind() {
	case types.Bool:
		return d.Bool(), nil
	case types.Int2, types.Int4, types.Int8:
		return d.Int(), nil
	case types.Float4:
		return float32(d.Float()), nil
	case types.Float8:
		return d.Float(), nil
	case types.Numeric:
		if d.IsNumericSpecial() {
			// The text form is exactly "NaN", "Infinity" or "-Infinity".
			switch string(datum.AppendText(nil, d)) {
			case "NaN":
				return pgtype.Numeric{NaN: true, Valid: true}, nil
			case "Infinity":
				return pgtype.Numeric{InfinityModifier: pgtype.Infinity, Valid: true}, nil
			default:
				return pgtype.Numeric{InfinityModifier: pgtype.NegativeInfinity, Valid: true}, nil
			}
		}
		coef, scale := d.NumericBig()
		return pgtype.Numeric{Int: coef, Exp: -scale, Valid: true}, nil
	case types.JSONB:
		return d.Str(), nil
	case types.Date:
		return pgtype.Date{Time: time.Unix(d.Days()*86400, 0).UTC(), Valid: true}, nil
	case types.Timestamp:
		return pgtype.Timestamp{Time: time.UnixMicro(d.Micros()).UTC(), Valid: true}, nil
	case types.TimestampTZ:
		return pgtype.Timestamptz{Time: time.UnixMicro(d.Micros()).UTC(), Valid: true}, nil
	case types.Interval:
		months, days, micros := d.Interval()
		return pgtype.Interval{Months: months, Days: days, Microseconds: micros, Valid: true}, nil
	}
	return nil, sqlerr.New(sqlerr.Internal, "no binary output for type family %d", d.Kind())
}

// decodeParam decodes parameter i (0-based) of type t sent in format.
func decodeParam(m func() *pgtype.Map, i int, t types.T, format int16, b []byte) (datum.Datum, error) {
	if b == nil {
		return datum.Null, nil
	}
	if format == textFormat {
		s := string(b)
		if t.Family == types.Unknown {
			return datum.NewText(s), nil
		}
		d, err := datum.ParseText(s, t)
		if err != nil {
			if sqlerr.Find(err) == nil {
				err = sqlerr.WithCode(err, sqlerr.InvalidTextRepresentation)
			}
			return datum.Null, err
		}
		return d, nil
	}
	if format != binaryFormat {
		return datum.Null, protocolError("unsupported format code: %d", format)
	}
	d, err := decodeBinary(m(), t, b)
	if err != nil {
		if sqlerr.Find(err) == nil {
			err = sqlerr.New(sqlerr.InvalidBinaryRepresentation,
				"incorrect binary data format in bind parameter %d", i+1)
		}
		return datum.Null, err
	}
	return d, nil
}

func decodeBinary(m *pgtype.Map, t types.T, b []byte) (datum.Datum, error) {
	oid := t.OID()
	switch t.Family {
	case types.Unknown, types.Text:
		return datum.NewText(string(b)), nil
	case types.Varchar:
		return datum.NewVarchar(string(b)), nil
	case types.Bytea:
		return datum.NewBytea(string(b)), nil
	case types.JSONB:
		if len(b) == 0 || b[0] != 1 {
			return datum.Null, sqlerr.New(sqlerr.InvalidBinaryRepresentation, "unsupported jsonb version number")
		}
		return datum.ParseText(string(b[1:]), t)
	case types.Bool:
		var v bool
		err := m.Scan(oid, binaryFormat, b, &v)
		return datum.NewBool(v), err
	case types.Int2, types.Int4, types.Int8:
		var v int64
		err := m.Scan(oid, binaryFormat, b, &v)
		return datum.NewInt(t.Family, v), err
	case types.Float4:
		var v float32
		err := m.Scan(oid, binaryFormat, b, &v)
		return datum.NewFloat4(float64(v)), err
	case types.Float8:
		var v float64
		err := m.Scan(oid, binaryFormat, b, &v)
		return datum.NewFloat8(v), err
	case types.Numeric:
		var v pgtype.Numeric
		if err := m.Scan(oid, binaryFormat, b, &v); err != nil {
			return datum.Null, err
		}
		return numericDatum(v)
	case types.Date:
		var v pgtype.Date
		if err := m.Scan(oid, binaryFormat, b, &v); err != nil {
			return datum.Null, err
		}
		if v.InfinityModifier != pgtype.Finite {
			return datum.Null, errInfinite
		}
		return datum.NewDate(floorDiv(v.Time.Unix(), 86400)), nil
	case types.Timestamp:
		var v pgtype.Timestamp
		if err := m.Scan(oid, binaryFormat, b, &v); err != nil {
			return datum.Null, err
		}
		if v.InfinityModifier != pgtype.Finite {
			return datum.Null, errInfinite
		}
		return datum.NewTimestamp(v.Time.UnixMicro()), nil
	case types.TimestampTZ:
		var v pgtype.Timestamptz
		if err := m.Scan(oid, binaryFormat, b, &v); err != nil {
			return datum.Null, err
		}
		if v.InfinityModifier != pgtype.Finite {
			return datum.Null, errInfinite
		}
		return datum.NewTimestampTZ(v.Time.UnixMicro()), nil
	case types.Interval:
		var v pgtype.Interval
		if err := m.Scan(oid, binaryFormat, b, &v); err != nil {
			return datum.Null, err
		}
		return datum.NewInterval(v.Months, v.Days, v.Microseconds), nil
	}
	return datum.Null, sqlerr.New(sqlerr.FeatureNotSupported, "binary parameters of type %s are not supported", t)
}

var errInfinite = sqlerr.New(sqlerr.FeatureNotSupported, "infinite date and timestamp values are not supported")

// numericDatum converts a decoded numeric to a datum.
func numericDatum(v pgtype.Numeric) (datum.Datum, error) {
	switch {
	case !v.Valid:
		return datum.Null, nil
	case v.NaN:
		return datum.NumericNaN(), nil
	case v.InfinityModifier == pgtype.Infinity:
		return datum.NumericInf(1), nil
	case v.InfinityModifier == pgtype.NegativeInfinity:
		return datum.NumericInf(-1), nil
	}
	return datum.NewNumericBig(v.Int, -v.Exp), nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// Package types describes the SQL types Freshet stores, computes with and
// sends over the wire: a Family, optional precision/scale (NUMERIC(p,s),
// VARCHAR(n)), the Postgres OID and type modifier clients see.
package types

import (
	"fmt"
	"strings"
)

// Family is the kind of a SQL type. Each family has exactly one in-memory
// representation in datum.Datum.
type Family uint8

const (
	// Unknown is the type of an untyped NULL literal or an uninferred $n.
	Unknown Family = iota
	Bool
	Int2
	Int4
	Int8
	Float4
	Float8
	Numeric
	Text
	Varchar
	Date
	Timestamp
	TimestampTZ
	Interval
	JSONB
	Bytea
)

// T is a SQL type. The zero value is Unknown. T is comparable.
type T struct {
	Family Family
	// Precision and Scale apply to Numeric (0,0 = unconstrained); Precision is
	// also the maximum length of a Varchar (0 = unbounded).
	Precision int32
	Scale     int32
}

// Ready-made types.
var (
	UnknownT     = T{Family: Unknown}
	BoolT        = T{Family: Bool}
	Int2T        = T{Family: Int2}
	Int4T        = T{Family: Int4}
	Int8T        = T{Family: Int8}
	Float4T      = T{Family: Float4}
	Float8T      = T{Family: Float8}
	NumericT     = T{Family: Numeric}
	TextT        = T{Family: Text}
	VarcharT     = T{Family: Varchar}
	DateT        = T{Family: Date}
	TimestampT   = T{Family: Timestamp}
	TimestampTZT = T{Family: TimestampTZ}
	IntervalT    = T{Family: Interval}
	JSONBT       = T{Family: JSONB}
	ByteaT       = T{Family: Bytea}
)

// NumericOf returns NUMERIC(p,s).
func NumericOf(p, s int32) T { return T{Family: Numeric, Precision: p, Scale: s} }

// VarcharOf returns VARCHAR(n).
func VarcharOf(n int32) T { return T{Family: Varchar, Precision: n} }

// Postgres type OIDs (pg_type.oid) of the families.
const (
	OIDUnknown     uint32 = 705
	OIDBool        uint32 = 16
	OIDBytea       uint32 = 17
	OIDInt8        uint32 = 20
	OIDInt2        uint32 = 21
	OIDInt4        uint32 = 23
	OIDText        uint32 = 25
	OIDFloat4      uint32 = 700
	OIDFloat8      uint32 = 701
	OIDVarchar     uint32 = 1043
	OIDDate        uint32 = 1082
	OIDTimestamp   uint32 = 1114
	OIDTimestampTZ uint32 = 1184
	OIDInterval    uint32 = 1186
	OIDNumeric     uint32 = 1700
	OIDJSONB       uint32 = 3802
)

var familyInfo = [...]struct {
	name string // canonical Postgres name, as format_type prints it
	oid  uint32
	size int16 // pg_type.typlen; -1 for variable length
}{
	Unknown:     {"unknown", OIDUnknown, -2},
	Bool:        {"boolean", OIDBool, 1},
	Int2:        {"smallint", OIDInt2, 2},
	Int4:        {"integer", OIDInt4, 4},
	Int8:        {"bigint", OIDInt8, 8},
	Float4:      {"real", OIDFloat4, 4},
	Float8:      {"double precision", OIDFloat8, 8},
	Numeric:     {"numeric", OIDNumeric, -1},
	Text:        {"text", OIDText, -1},
	Varchar:     {"character varying", OIDVarchar, -1},
	Date:        {"date", OIDDate, 4},
	Timestamp:   {"timestamp without time zone", OIDTimestamp, 8},
	TimestampTZ: {"timestamp with time zone", OIDTimestampTZ, 8},
	Interval:    {"interval", OIDInterval, 16},
	JSONB:       {"jsonb", OIDJSONB, -1},
	Bytea:       {"bytea", OIDBytea, -1},
}

// OID is the Postgres type OID clients see in RowDescription.
func (t T) OID() uint32 { return familyInfo[t.Family].oid }

// Size is pg_type.typlen: the fixed width in bytes, or -1.
func (t T) Size() int16 { return familyInfo[t.Family].size }

// Modifier is the Postgres typmod (atttypmod): -1 when unconstrained.
func (t T) Modifier() int32 {
	switch t.Family {
	case Numeric:
		if t.Precision > 0 {
			return ((t.Precision << 16) | t.Scale) + 4
		}
	case Varchar:
		if t.Precision > 0 {
			return t.Precision + 4
		}
	}
	return -1
}

// String is the type as Postgres's format_type prints it, e.g. "numeric(10,2)".
func (t T) String() string {
	name := familyInfo[t.Family].name
	switch {
	case t.Family == Numeric && t.Precision > 0:
		return fmt.Sprintf("%s(%d,%d)", name, t.Precision, t.Scale)
	case t.Family == Varchar && t.Precision > 0:
		return fmt.Sprintf("%s(%d)", name, t.Precision)
	}
	return name
}

// IsInteger reports whether t is SMALLINT, INT or BIGINT.
func (t T) IsInteger() bool { return t.Family == Int2 || t.Family == Int4 || t.Family == Int8 }

// IsNumeric reports whether t is any number type.
func (t T) IsNumeric() bool {
	switch t.Family {
	case Int2, Int4, Int8, Float4, Float8, Numeric:
		return true
	}
	return false
}

// IsString reports whether t is TEXT or VARCHAR.
func (t T) IsString() bool { return t.Family == Text || t.Family == Varchar }

// Equivalent reports whether values of a and b share a representation and
// compare with each other without a cast (ignoring precision, scale and
// TEXT/VARCHAR and integer width differences).
func Equivalent(a, b T) bool {
	if a.Family == b.Family {
		return true
	}
	if a.IsString() && b.IsString() {
		return true
	}
	return a.IsInteger() && b.IsInteger()
}

// byName maps the type names accepted in DDL and casts (lower case) to types.
var byName = map[string]T{
	"bool": BoolT, "boolean": BoolT,
	"int2": Int2T, "smallint": Int2T,
	"int": Int4T, "int4": Int4T, "integer": Int4T, "serial": Int4T,
	"int8": Int8T, "bigint": Int8T, "bigserial": Int8T,
	"float4": Float4T, "real": Float4T,
	"float8": Float8T, "float": Float8T, "double": Float8T, "double precision": Float8T,
	"numeric": NumericT, "decimal": NumericT,
	"text": TextT, "string": TextT,
	"varchar": VarcharT, "character varying": VarcharT, "char": TextT, "character": TextT,
	"date":      DateT,
	"timestamp": TimestampT, "timestamp without time zone": TimestampT, "datetime": TimestampT,
	"timestamptz": TimestampTZT, "timestamp with time zone": TimestampTZT,
	"interval": IntervalT,
	"jsonb":    JSONBT, "json": JSONBT,
	"bytea": ByteaT,
}

// ByName looks up a type by its SQL name ("bigint", "double precision",
// "pg_catalog.int8"), case-insensitively. Modifiers are not part of the name.
func ByName(name string) (T, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	n = strings.TrimPrefix(n, "pg_catalog.")
	t, ok := byName[n]
	return t, ok
}

// FromOID returns the type of a Postgres type OID, and false for OIDs
// Freshet has no type for (0, "unspecified", among them).
func FromOID(oid uint32) (T, bool) {
	if oid == OIDUnknown || oid == 0 {
		return UnknownT, false
	}
	for f, info := range familyInfo {
		if info.oid == oid {
			return T{Family: Family(f)}, true
		}
	}
	switch oid {
	case 18, 19, 1042: // "char", name, bpchar
		return TextT, true
	case 114: // json
		return JSONBT, true
	}
	return UnknownT, false
}

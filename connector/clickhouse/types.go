package clickhouse

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/freshet-db/freshet/sql/types"
)

// Version is a ClickHouse server version, as SELECT version() reports it
// ("18.16.1", "24.8.4.13").
type Version struct {
	Major, Minor, Patch int
}

// ParseVersion parses the leading numeric components of a version string.
func ParseVersion(s string) (Version, error) {
	var v Version
	parts := strings.SplitN(strings.TrimSpace(s), ".", 4)
	dst := []*int{&v.Major, &v.Minor, &v.Patch}
	for i := 0; i < len(dst) && i < len(parts); i++ {
		digits := parts[i]
		if j := strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }); j >= 0 {
			digits = digits[:j]
		}
		n, err := strconv.Atoi(digits)
		if err != nil {
			if i == 0 {
				return Version{}, fmt.Errorf("unrecognized clickhouse version %q", s)
			}
			break
		}
		*dst[i] = n
	}
	return v, nil
}

// AtLeast reports whether v is major.minor or newer.
func (v Version) AtLeast(major, minor int) bool {
	return v.Major > major || (v.Major == major && v.Minor >= minor)
}

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// features are the column types a server version offers beyond those of
// ClickHouse 18.16, the oldest supported.
type features struct {
	dateTime64 bool // DateTime64(p): 20.1
	date32     bool // Date32: 21.9
	boolType   bool // Bool: 21.12
}

func featuresOf(v Version) features {
	return features{
		dateTime64: v.AtLeast(20, 1),
		date32:     v.AtLeast(21, 9),
		boolType:   v.AtLeast(21, 12),
	}
}

// kind is the base of a ClickHouse column type this package writes.
type kind uint8

const (
	kUnknown kind = iota
	kUInt8
	kBool
	kInt16
	kInt32
	kInt64
	kUInt64
	kFloat32
	kFloat64
	kDecimal
	kString
	kDate
	kDate32
	kDateTime
	kDateTime64
)

var kindNames = [...]string{
	kUInt8: "UInt8", kBool: "Bool", kInt16: "Int16", kInt32: "Int32",
	kInt64: "Int64", kUInt64: "UInt64", kFloat32: "Float32", kFloat64: "Float64",
	kDecimal: "Decimal", kString: "String", kDate: "Date", kDate32: "Date32",
	kDateTime: "DateTime", kDateTime64: "DateTime64",
}

// colType is a ClickHouse column type: a base kind, its parameters and
// whether it is Nullable. LowCardinality is recorded for tables users
// created themselves (this package never creates it); it does not change
// how values are written.
type colType struct {
	kind      kind
	nullable  bool
	lowCard   bool
	precision int // Decimal precision; DateTime64 precision (digits)
	scale     int // Decimal scale
	tz        string
}

// String is the type as DDL spells it.
func (t colType) String() string {
	var b string
	switch t.kind {
	case kDecimal:
		b = fmt.Sprintf("Decimal(%d, %d)", t.precision, t.scale)
	case kDateTime:
		b = "DateTime"
		if t.tz != "" {
			b += "(" + quoteString(t.tz) + ")"
		}
	case kDateTime64:
		b = fmt.Sprintf("DateTime64(%d", t.precision)
		if t.tz != "" {
			b += ", " + quoteString(t.tz)
		}
		b += ")"
	default:
		if int(t.kind) < len(kindNames) && kindNames[t.kind] != "" {
			b = kindNames[t.kind]
		} else {
			b = "?"
		}
	}
	if t.nullable {
		b = "Nullable(" + b + ")"
	}
	if t.lowCard {
		b = "LowCardinality(" + b + ")"
	}
	return b
}

// compatible reports whether values encoded for want can be written to a
// column of type have: the same type, ignoring the time zone of DateTime
// and DateTime64 (values are instants; the zone only changes how
// ClickHouse displays them) and LowCardinality.
func compatible(have, want colType) bool {
	return have.kind == want.kind && have.nullable == want.nullable &&
		have.precision == want.precision && have.scale == want.scale
}

// maxDecimalPrecision is the widest Decimal of ClickHouse 18.16 (Decimal128).
const maxDecimalPrecision = 38

// Unconstrained NUMERIC is written as Decimal(38, 10).
const (
	unconstrainedPrecision = 38
	unconstrainedScale     = 10
)

// utc is the zone of the DateTime columns this package creates.
const utc = "UTC"

// mapType maps a Freshet column type to the ClickHouse type a new table gets
// on a server with the given features. See the table in doc.go.
func mapType(t types.T, notNull bool, f features) (colType, error) {
	var c colType
	switch t.Family {
	case types.Bool:
		c.kind = kUInt8
		if f.boolType {
			c.kind = kBool
		}
	case types.Int2:
		c.kind = kInt16
	case types.Int4:
		c.kind = kInt32
	case types.Int8:
		c.kind = kInt64
	case types.Float4:
		c.kind = kFloat32
	case types.Float8:
		c.kind = kFloat64
	case types.Numeric:
		switch {
		case t.Precision == 0:
			c.kind, c.precision, c.scale = kDecimal, unconstrainedPrecision, unconstrainedScale
		case t.Precision <= maxDecimalPrecision:
			c.kind, c.precision, c.scale = kDecimal, int(t.Precision), int(t.Scale)
		default:
			c.kind = kString
		}
	case types.Text, types.Varchar, types.JSONB, types.Bytea, types.Interval:
		c.kind = kString
	case types.Date:
		c.kind = kDate
		if f.date32 {
			c.kind = kDate32
		}
	case types.Timestamp, types.TimestampTZ:
		c.kind, c.tz = kDateTime, utc
		if f.dateTime64 {
			c.kind, c.precision = kDateTime64, 6
		}
	default:
		return colType{}, fmt.Errorf("type %s has no clickhouse equivalent", t)
	}
	c.nullable = !notNull
	return c, nil
}

// parseType parses a type as system.columns spells it. ok is false for
// types this package does not write.
func parseType(s string) (colType, bool) {
	var c colType
	s = strings.TrimSpace(s)
	if inner, ok := unwrap(s, "LowCardinality"); ok {
		c.lowCard = true
		s = inner
	}
	if inner, ok := unwrap(s, "Nullable"); ok {
		c.nullable = true
		s = inner
	}
	name, args := s, []string(nil)
	if i := strings.IndexByte(s, '('); i >= 0 {
		if !strings.HasSuffix(s, ")") {
			return colType{}, false
		}
		name = strings.TrimSpace(s[:i])
		for _, a := range strings.Split(s[i+1:len(s)-1], ",") {
			args = append(args, strings.TrimSpace(a))
		}
	}
	intArg := func(i int) (int, bool) {
		if i >= len(args) {
			return 0, false
		}
		n, err := strconv.Atoi(args[i])
		return n, err == nil
	}
	switch name {
	case "Decimal":
		var ok1, ok2 bool
		c.kind = kDecimal
		c.precision, ok1 = intArg(0)
		c.scale, ok2 = intArg(1)
		if len(args) != 2 || !ok1 || !ok2 {
			return colType{}, false
		}
		return c, true
	case "DateTime":
		c.kind = kDateTime
		if len(args) > 1 {
			return colType{}, false
		}
		if len(args) == 1 {
			c.tz = unquote(args[0])
		}
		return c, true
	case "DateTime64":
		var ok bool
		c.kind = kDateTime64
		if c.precision, ok = intArg(0); !ok || len(args) > 2 {
			return colType{}, false
		}
		if len(args) == 2 {
			c.tz = unquote(args[1])
		}
		return c, true
	}
	if args != nil {
		return colType{}, false
	}
	for k, n := range kindNames {
		if n != "" && n == name {
			c.kind = kind(k)
			return c, true
		}
	}
	return colType{}, false
}

// unwrap returns x for "wrapper(x)".
func unwrap(s, wrapper string) (string, bool) {
	if strings.HasPrefix(s, wrapper+"(") && strings.HasSuffix(s, ")") {
		return strings.TrimSpace(s[len(wrapper)+1 : len(s)-1]), true
	}
	return s, false
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return strings.NewReplacer(`\'`, `'`, `\\`, `\`).Replace(s[1 : len(s)-1])
	}
	return s
}

// quoteIdent quotes a ClickHouse identifier with backticks.
func quoteIdent(s string) string {
	return "`" + strings.NewReplacer(`\`, `\\`, "`", "\\`").Replace(s) + "`"
}

// quoteString quotes a ClickHouse string literal.
func quoteString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

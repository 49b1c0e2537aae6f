package postgres

import (
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

// Upstream type OIDs this package maps beyond those of types.OID*.
const (
	oidChar    = 18   // "char"
	oidName    = 19   // name
	oidJSON    = 114  // json
	oidBpchar  = 1042 // character(n)
	oidUUID    = 2950 // uuid
	oidVarchar = 1043
	oidNumeric = 1700
)

// upstreamType is what Discover learns about a column's type from the
// catalog.
type upstreamType struct {
	oid      uint32 // pg_attribute.atttypid (what Relation messages carry)
	typmod   int32
	baseOID  uint32 // the base type when oid is a domain, else oid
	baseMod  int32
	typtype  byte   // pg_type.typtype of the base type: b, e (enum), ...
	category byte   // pg_type.typcategory of the base type: A (array), ...
	name     string // format_type(oid, typmod), for messages
}

// freshetType maps an upstream type to the Freshet type its values are
// stored as, and reports whether the mapping is exact. Inexact mappings
// (types Freshet does not have) keep Postgres's text output as TEXT.
func freshetType(u upstreamType) (t types.T, exact bool) {
	switch u.baseOID {
	case types.OIDBool:
		return types.BoolT, true
	case types.OIDInt2:
		return types.Int2T, true
	case types.OIDInt4:
		return types.Int4T, true
	case types.OIDInt8:
		return types.Int8T, true
	case types.OIDFloat4:
		return types.Float4T, true
	case types.OIDFloat8:
		return types.Float8T, true
	case oidNumeric:
		if u.baseMod >= 4 {
			m := u.baseMod - 4
			return types.NumericOf((m>>16)&0xffff, m&0xffff), true
		}
		return types.NumericT, true
	case types.OIDText, oidBpchar, oidChar, oidName:
		// character(n) arrives blank-padded, as Postgres prints it.
		return types.TextT, true
	case oidVarchar:
		if u.baseMod >= 4 {
			return types.VarcharOf(u.baseMod - 4), true
		}
		return types.VarcharT, true
	case types.OIDBytea:
		return types.ByteaT, true
	case types.OIDDate:
		return types.DateT, true
	case types.OIDTimestamp:
		return types.TimestampT, true
	case types.OIDTimestampTZ:
		return types.TimestampTZT, true
	case types.OIDInterval:
		return types.IntervalT, true
	case oidUUID:
		return types.TextT, true
	case oidJSON, types.OIDJSONB:
		return types.JSONBT, true
	}
	switch {
	case u.typtype == 'e':
		return types.TextT, true // enum: its label
	case u.category == 'A':
		return types.TextT, true // array: its literal, e.g. {1,2,3}
	}
	return types.TextT, false
}

// parseValue decodes one value in Postgres's text output format.
func parseValue(s string, t types.T) (datum.Datum, error) {
	if t.Family == types.Text {
		return datum.NewText(s), nil
	}
	return datum.ParseText(s, t)
}

// valueError reports a value that could not be decoded. It is definite:
// retrying reads the same value again.
func valueError(err error, table, column, typ string) error {
	code := sqlerr.GetCode(err)
	if code == sqlerr.Internal {
		code = sqlerr.DataException
	}
	e := sqlerr.New(code, "cannot decode column %s of upstream table %s (type %s): %v", quoteIdent(column), table, typ, err)
	return definite(e)
}

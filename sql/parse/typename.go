package parse

import (
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// CastFunc is the name of the function every cast is rewritten into:
// x::t, CAST(x AS t), typed literals (DATE '2024-01-01') and Postgres
// interval literals (INTERVAL '5 minutes') all arrive as
// freshet_cast(x, 'canonical type name'). Use CastTarget to recognise it.
const CastFunc = "freshet_cast"

// Function names the rewriter uses for Postgres array and composite
// syntax, which TiDB has no nodes for:
//
//	ARRAY[a, b]          → freshet_array(a, b)
//	ARRAY(subquery)      → freshet_array((subquery))
//	x[i]                 → freshet_subscript(x, i)
//	a op ANY (array)     → freshet_any(a, 'op', array)   (also SOME)
//	a op ALL (array)     → freshet_all(a, 'op', array)
//	(composite).field    → freshet_field(composite, 'field')
//	FROM f(args) alias   → FROM (SELECT freshet_table('f', args)) alias
//
// ANY/ALL over a subquery stay TiDB's *ast.CompareSubqueryExpr.
const (
	ArrayFunc     = "freshet_array"
	SubscriptFunc = "freshet_subscript"
	AnyFunc       = "freshet_any"
	AllFunc       = "freshet_all"
	FieldFunc     = "freshet_field"
	TableFunc     = "freshet_table"
)

// ExtractFunc is the name EXTRACT(field FROM x) is rewritten into:
// freshet_extract('field', x), field in lower case.
const ExtractFunc = "freshet_extract"

// ConcatFunc is what a user's concat(...) call becomes: TiDB turns `a || b`
// into concat(a, b) as well, and the two differ on NULL (concat skips
// NULLs, || yields NULL), so the planner must tell them apart.
const ConcatFunc = "freshet_concat"

// CastTarget reports whether node is a cast and returns its target type
// and operand. typeName is canonical: lower case, without "pg_catalog.",
// synonyms folded ("int4" → "integer", "float8" → "double precision",
// "timestamp with time zone" → "timestamptz", "varchar" → "character
// varying", "decimal" → "numeric"), modifiers kept ("numeric(10,2)",
// "character varying(20)"). SplitTypeName separates the modifiers.
func CastTarget(node ast.ExprNode) (typeName string, arg ast.ExprNode, ok bool) {
	f, isCall := node.(*ast.FuncCallExpr)
	if !isCall || f.FnName.L != CastFunc || len(f.Args) != 2 {
		return "", nil, false
	}
	v, isValue := f.Args[1].(ast.ValueExpr)
	if !isValue {
		return "", nil, false
	}
	s, isString := v.GetValue().(string)
	if !isString {
		return "", nil, false
	}
	return s, f.Args[0], true
}

// ExtractField reports whether node is EXTRACT(field FROM x) and returns
// the field (lower case, e.g. "epoch", "dow", "minute") and x.
func ExtractField(node ast.ExprNode) (field string, arg ast.ExprNode, ok bool) {
	f, isCall := node.(*ast.FuncCallExpr)
	if !isCall || f.FnName.L != ExtractFunc || len(f.Args) != 2 {
		return "", nil, false
	}
	v, isValue := f.Args[0].(ast.ValueExpr)
	if !isValue {
		return "", nil, false
	}
	s, isString := v.GetValue().(string)
	if !isString {
		return "", nil, false
	}
	return s, f.Args[1], true
}

// SplitTypeName splits a canonical type name into its base name and
// integer modifiers: "numeric(10,2)" → "numeric", [10 2]. Modifiers that
// are not integers are dropped.
func SplitTypeName(name string) (base string, mods []int32) {
	open := strings.IndexByte(name, '(')
	if open < 0 {
		return name, nil
	}
	close := strings.IndexByte(name[open:], ')')
	if close < 0 {
		return name, nil
	}
	base = name[:open] + name[open+close+1:]
	for _, part := range strings.Split(name[open+1:open+close], ",") {
		if n, err := strconv.ParseInt(strings.TrimSpace(part), 10, 32); err == nil {
			mods = append(mods, int32(n))
		}
	}
	return strings.TrimSpace(base), mods
}

// typeSynonyms folds Postgres type-name spellings to one canonical name.
var typeSynonyms = map[string]string{
	"int":                         "integer",
	"int4":                        "integer",
	"integer":                     "integer",
	"int2":                        "smallint",
	"smallint":                    "smallint",
	"int8":                        "bigint",
	"bigint":                      "bigint",
	"float4":                      "real",
	"real":                        "real",
	"float8":                      "double precision",
	"double precision":            "double precision",
	"float":                       "double precision",
	"decimal":                     "numeric",
	"dec":                         "numeric",
	"numeric":                     "numeric",
	"bool":                        "boolean",
	"boolean":                     "boolean",
	"varchar":                     "character varying",
	"character varying":           "character varying",
	"char varying":                "character varying",
	"char":                        "character",
	"character":                   "character",
	"bpchar":                      "character",
	"timestamp":                   "timestamp",
	"timestamp without time zone": "timestamp",
	"timestamptz":                 "timestamptz",
	"timestamp with time zone":    "timestamptz",
	"time":                        "time",
	"time without time zone":      "time",
	"timetz":                      "timetz",
	"time with time zone":         "timetz",
	"serial4":                     "serial",
	"serial8":                     "bigserial",
	"serial2":                     "smallserial",
	"bit varying":                 "varbit",
}

// typeStartWords are the words that, followed by a string constant, form
// a Postgres typed literal (DATE '2024-01-01').
var typeStartWords = map[string]bool{
	"date": true, "time": true, "timestamp": true, "timestamptz": true,
	"int": true, "int2": true, "int4": true, "int8": true, "integer": true,
	"smallint": true, "bigint": true, "numeric": true, "decimal": true,
	"real": true, "float4": true, "float8": true, "double": true,
	"bool": true, "boolean": true, "text": true, "varchar": true,
	"json": true, "jsonb": true, "bytea": true, "uuid": true,
	"oid": true, "regclass": true, "regtype": true, "regproc": true,
	"regnamespace": true, "name": true,
}

// typeName is a parsed Postgres type name.
type typeName struct {
	name  string // canonical, with modifiers
	array bool   // followed by [] or ARRAY
}

// parseTypeName reads a Postgres type name starting at toks[i] and
// returns it and the index after it, or ok=false if toks[i] does not start
// a type name.
func parseTypeName(toks []token, i int) (typeName, int, bool) {
	t := at(toks, i)
	// Qualified: pg_catalog.name or "pg_catalog"."name".
	if (t.kind == tkWord || t.kind == tkQuotedIdent) && at(toks, i+1).isOp(".") &&
		(at(toks, i+2).kind == tkWord || at(toks, i+2).kind == tkQuotedIdent) {
		if t.str != "pg_catalog" && t.str != "public" && t.str != "information_schema" {
			return typeName{}, i, false
		}
		i += 2
		t = at(toks, i)
	}
	var words []string
	switch t.kind {
	case tkQuotedIdent:
		if t.str == "char" {
			// The one-byte "char" of the catalogs.
			words = append(words, `"char"`)
		} else {
			words = append(words, t.str)
		}
		i++
	case tkWord:
		words = append(words, t.str)
		i++
		switch t.str {
		case "double":
			if at(toks, i).is("precision") {
				words = append(words, "precision")
				i++
			}
		case "character", "char", "bit", "national":
			if t.str == "national" && (at(toks, i).is("character") || at(toks, i).is("char")) {
				words = []string{"character"}
				i++
			}
			if at(toks, i).is("varying") {
				words = append(words, "varying")
				i++
			}
		}
	default:
		return typeName{}, i, false
	}
	base := strings.Join(words, " ")
	var mods []string
	if at(toks, i).isOp("(") {
		j := i + 1
		for {
			if at(toks, j).kind != tkNumber && !at(toks, j).is("max") {
				return typeName{}, i, false
			}
			mods = append(mods, at(toks, j).raw)
			j++
			if at(toks, j).isOp(",") {
				j++
				continue
			}
			if !at(toks, j).isOp(")") {
				return typeName{}, i, false
			}
			i = j + 1
			break
		}
	}
	// timestamp(3) with time zone, time without time zone.
	if base == "timestamp" || base == "time" {
		if (at(toks, i).is("with") || at(toks, i).is("without")) && at(toks, i+1).is("time") && at(toks, i+2).is("zone") {
			base += " " + at(toks, i).str + " time zone"
			i += 3
		}
	}
	// interval fields: INTERVAL DAY TO SECOND and the like.
	if base == "interval" {
		for at(toks, i).kind == tkWord && intervalFields[at(toks, i).str] || at(toks, i).is("to") && at(toks, i+1).kind == tkWord && intervalFields[at(toks, i+1).str] {
			base += " " + at(toks, i).str
			i++
		}
	}
	if c, ok := typeSynonyms[base]; ok {
		base = c
	}
	if base == "float" && len(mods) == 1 {
		if p, err := strconv.Atoi(mods[0]); err == nil && p <= 24 {
			base = "real"
		} else {
			base = "double precision"
		}
		mods = nil
	}
	name := base
	if len(mods) > 0 {
		name += "(" + strings.Join(mods, ",") + ")"
	}
	tn := typeName{name: name}
	for at(toks, i).isOp("[") {
		j := i + 1
		if at(toks, j).kind == tkNumber {
			j++
		}
		if !at(toks, j).isOp("]") {
			break
		}
		tn.array = true
		i = j + 1
	}
	if at(toks, i).is("array") {
		tn.array = true
		i++
	}
	return tn, i, true
}

var intervalFields = map[string]bool{
	"year": true, "month": true, "day": true, "hour": true, "minute": true, "second": true,
}

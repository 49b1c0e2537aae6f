package builtin

import (
	"fmt"
	"strings"

	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

// Overload resolution follows Postgres's func_select_candidate
// (src/backend/parser/parse_func.c, "Type Conversion" chapter of the
// manual), restricted to Freshet's types:
//
//  1. An overload whose parameters equal the argument types wins. For a
//     binary operator with one unknown argument, the unknown is assumed to
//     have the other argument's type for this check.
//  2. Otherwise keep the overloads every argument implicitly coerces to.
//  3. Keep those with the most exact matches.
//  4. Keep those accepting the preferred type of the argument's category
//     (float8, text, timestamptz, interval) at most coerced positions.
//  5. For unknown arguments: if a remaining overload takes a string at that
//     position, keep the string ones; else if all take the same category,
//     keep that category and prefer its preferred type.
//  6. If the known arguments share one type, prefer overloads taking that
//     type at the unknown positions.
//
// More than one survivor is 42725 "is not unique"; none is 42883 "does not
// exist".

// category is a Postgres type category (pg_type.typcategory).
type category byte

const (
	catUnknown  category = 'X'
	catBool     category = 'B'
	catNumeric  category = 'N'
	catString   category = 'S'
	catDateTime category = 'D'
	catTimespan category = 'T'
	catUser     category = 'U'
)

func categoryOf(f types.Family) category {
	switch f {
	case types.Unknown:
		return catUnknown
	case types.Bool:
		return catBool
	case types.Int2, types.Int4, types.Int8, types.Numeric, types.Float4, types.Float8:
		return catNumeric
	case types.Text, types.Varchar:
		return catString
	case types.Date, types.Timestamp, types.TimestampTZ:
		return catDateTime
	case types.Interval:
		return catTimespan
	}
	return catUser
}

// isPreferred reports whether f is the preferred type of its category.
func isPreferred(f types.Family) bool {
	switch f {
	case types.Float8, types.Text, types.TimestampTZ, types.Interval, types.Bool:
		return true
	}
	return false
}

// numberRank orders the numeric types along Postgres's implicit casts.
func numberRank(f types.Family) int {
	switch f {
	case types.Int2:
		return 0
	case types.Int4:
		return 1
	case types.Int8:
		return 2
	case types.Numeric:
		return 3
	case types.Float4:
		return 4
	case types.Float8:
		return 5
	}
	return -1
}

func timeRank(f types.Family) int {
	switch f {
	case types.Date:
		return 0
	case types.Timestamp:
		return 1
	case types.TimestampTZ:
		return 2
	}
	return -1
}

// CanCoerceImplicit reports whether a value of type from converts to type
// to without an explicit cast (Postgres's implicit casts: int2 → int4 →
// int8 → numeric → float4 → float8, varchar ↔ text, date → timestamp →
// timestamptz; unknown converts to anything).
func CanCoerceImplicit(from, to types.T) bool {
	f, t := from.Family, to.Family
	switch {
	case f == t, f == types.Unknown:
		return true
	case from.IsString() && to.IsString():
		return true
	}
	if a, b := numberRank(f), numberRank(t); a >= 0 && b >= 0 {
		return a < b
	}
	if a, b := timeRank(f), timeRank(t); a >= 0 && b >= 0 {
		return a < b
	}
	return false
}

// CanAssign reports whether a value of type from may be stored in a column
// of type to (Postgres's assignment casts: implicit ones, plus narrowing
// number conversions and anything to text).
func CanAssign(from, to types.T) bool {
	if CanCoerceImplicit(from, to) {
		return true
	}
	f, t := from.Family, to.Family
	switch {
	case numberRank(f) >= 0 && numberRank(t) >= 0:
		return true
	case to.IsString():
		return true
	case timeRank(f) >= 0 && timeRank(t) >= 0:
		return true
	}
	return false
}

// CanCast reports whether an explicit CAST(from AS to) exists.
func CanCast(from, to types.T) bool {
	if CanAssign(from, to) || from.IsString() || from.Family == types.Unknown {
		return true
	}
	f, t := from.Family, to.Family
	switch {
	case f == types.Bool && t == types.Int4, f == types.Int4 && t == types.Bool:
		return true
	case f == types.JSONB && (t == types.Bool || numberRank(t) >= 0):
		return true
	}
	return false
}

// Resolve returns the overload of the function or operator name that best
// fits args, by Postgres's rules (see the file comment). The planner casts
// every argument whose type differs from the overload's parameter type.
func Resolve(name string, args []types.T) (*Overload, error) {
	name = strings.ToLower(name)
	lib := library()
	if special, ok := lib.special[name]; ok {
		if ov, err := special(args); ov != nil || err != nil {
			return ov, err
		}
	}
	all, known := lib.byName[name]
	var cands []*Overload
	for _, o := range all {
		if arityOK(o, len(args)) {
			cands = append(cands, o)
		}
	}
	if ov := exactMatch(cands, args); ov != nil {
		return ov, nil
	}
	var fits []*Overload
	for _, o := range cands {
		if coercible(o, args) {
			fits = append(fits, o)
		}
	}
	if len(fits) == 1 {
		return fits[0], nil
	}
	if len(fits) == 0 {
		return nil, notExist(name, args, known)
	}
	fits = keepBest(fits, func(o *Overload) int {
		n := 0
		for i, a := range args {
			if a.Family != types.Unknown && paramType(o, i).Family == a.Family {
				n++
			}
		}
		return n
	})
	if len(fits) == 1 {
		return fits[0], nil
	}
	fits = keepBest(fits, func(o *Overload) int {
		n := 0
		for i, a := range args {
			p := paramType(o, i).Family
			if a.Family != types.Unknown && p != a.Family && isPreferred(p) && categoryOf(p) == categoryOf(a.Family) {
				n++
			}
		}
		return n
	})
	if len(fits) == 1 {
		return fits[0], nil
	}
	fits = resolveUnknowns(fits, args)
	if len(fits) == 1 {
		return fits[0], nil
	}
	if len(fits) > 1 {
		fits = assumeKnownType(fits, args)
		if len(fits) == 1 {
			return fits[0], nil
		}
	}
	return nil, notUnique(name, args)
}

func arityOK(o *Overload, n int) bool {
	if o.Variadic {
		return n >= len(o.Args)
	}
	return n == len(o.Args)
}

// paramType is the declared type of argument i (variadic aware).
func paramType(o *Overload, i int) types.T {
	if i < len(o.Args) {
		return o.Args[i]
	}
	return o.Args[len(o.Args)-1]
}

func exactMatch(cands []*Overload, args []types.T) *Overload {
	eff := args
	if len(args) == 2 && (args[0].Family == types.Unknown) != (args[1].Family == types.Unknown) {
		eff = []types.T{args[0], args[1]}
		if args[0].Family == types.Unknown {
			eff[0] = args[1]
		} else {
			eff[1] = args[0]
		}
	}
	for _, o := range cands {
		ok := true
		for i, a := range eff {
			if a.Family != paramType(o, i).Family {
				ok = false
				break
			}
		}
		if ok {
			return o
		}
	}
	return nil
}

func coercible(o *Overload, args []types.T) bool {
	for i, a := range args {
		if !CanCoerceImplicit(a, paramType(o, i)) {
			return false
		}
	}
	return true
}

// keepBest keeps the overloads with the highest score.
func keepBest(os []*Overload, score func(*Overload) int) []*Overload {
	best := -1
	var out []*Overload
	for _, o := range os {
		s := score(o)
		switch {
		case s > best:
			best, out = s, append(out[:0], o)
		case s == best:
			out = append(out, o)
		}
	}
	return out
}

func resolveUnknowns(fits []*Overload, args []types.T) []*Overload {
	for i, a := range args {
		if a.Family != types.Unknown {
			continue
		}
		cat := catUnknown
		conflict := false
		for _, o := range fits {
			c := categoryOf(paramType(o, i).Family)
			switch {
			case cat == catUnknown:
				cat = c
			case c == catString || cat == catString:
				cat = catString
			case c != cat:
				conflict = true
			}
		}
		if conflict && cat != catString {
			return nil
		}
		var keep []*Overload
		for _, o := range fits {
			if categoryOf(paramType(o, i).Family) == cat {
				keep = append(keep, o)
			}
		}
		fits = keep
		var pref []*Overload
		for _, o := range fits {
			if isPreferred(paramType(o, i).Family) {
				pref = append(pref, o)
			}
		}
		if len(pref) > 0 {
			fits = pref
		}
	}
	return fits
}

func assumeKnownType(fits []*Overload, args []types.T) []*Overload {
	var known types.T
	for _, a := range args {
		if a.Family == types.Unknown {
			continue
		}
		if known.Family != types.Unknown && known.Family != a.Family {
			return fits
		}
		known = a
	}
	if known.Family == types.Unknown {
		return fits
	}
	var keep []*Overload
	for _, o := range fits {
		ok := true
		for i, a := range args {
			if a.Family == types.Unknown && paramType(o, i).Family != known.Family {
				ok = false
			}
		}
		if ok {
			keep = append(keep, o)
		}
	}
	if len(keep) == 0 {
		return fits
	}
	return keep
}

func isOperatorName(name string) bool {
	if name == "" {
		return false
	}
	switch name {
	case "like", "ilike", "not like", "not ilike":
		return true
	}
	c := name[0]
	return !(c >= 'a' && c <= 'z' || c == '_')
}

// likeOperator maps the SQL spellings of LIKE to Postgres's operator
// names, which its error messages show.
var likeOperator = map[string]string{"like": "~~", "not like": "!~~", "ilike": "~~*", "not ilike": "!~~*"}

// describe renders "text + integer", "- integer" or "lower(integer)".
func describe(name string, args []types.T) string {
	if op, ok := likeOperator[name]; ok {
		name = op
	}
	if isOperatorName(name) {
		switch len(args) {
		case 1:
			return fmt.Sprintf("%s %s", name, args[0])
		case 2:
			return fmt.Sprintf("%s %s %s", args[0], name, args[1])
		}
	}
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = a.String()
	}
	return fmt.Sprintf("%s(%s)", name, strings.Join(parts, ", "))
}

func notExist(name string, args []types.T, known bool) error {
	if isOperatorName(name) {
		return sqlerr.New(sqlerr.UndefinedFunction, "operator does not exist: %s", describe(name, args)).
			WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
	}
	return sqlerr.New(sqlerr.UndefinedFunction, "function %s does not exist", describe(name, args)).
		WithHint("No function matches the given name and argument types. You might need to add explicit type casts.")
}

func notUnique(name string, args []types.T) error {
	if isOperatorName(name) {
		return sqlerr.New(sqlerr.AmbiguousFunction, "operator is not unique: %s", describe(name, args)).
			WithHint("Could not choose a best candidate operator. You might need to add explicit type casts.")
	}
	return sqlerr.New(sqlerr.AmbiguousFunction, "function %s is not unique", describe(name, args)).
		WithHint("Could not choose a best candidate function. You might need to add explicit type casts.")
}

// CommonType is the type that values of ts convert to in CASE, COALESCE,
// IN lists and UNION columns (Postgres's select_common_type, reporting
// mismatches as CASE's). Order matters as in Postgres: on a tie the first
// type wins (coalesce(varchar, text) is varchar), and for CASE Postgres
// puts the ELSE expression first.
func CommonType(ts ...types.T) (types.T, error) { return CommonTypeFor("CASE", ts...) }

// CommonTypeFor is CommonType naming the construct ("UNION", "COALESCE",
// "VALUES") in the 42804 error: "UNION types text and integer cannot be
// matched". Unknowns are skipped; all-unknown resolves to text. Precision
// and scale survive only when every input agrees on them.
func CommonTypeFor(context string, ts ...types.T) (types.T, error) {
	var cur types.T
	found := false
	sameMod := true
	for _, t := range ts {
		if t.Family == types.Unknown {
			continue
		}
		if !found {
			cur, found = t, true
			continue
		}
		if t != cur {
			if t.Family == cur.Family || (t.IsString() && cur.IsString()) {
				sameMod = sameMod && t.Precision == cur.Precision && t.Scale == cur.Scale
			} else {
				sameMod = false
			}
		}
		if t.Family == cur.Family {
			continue
		}
		if categoryOf(t.Family) != categoryOf(cur.Family) {
			return types.T{}, sqlerr.New(sqlerr.DatatypeMismatch, "%s types %s and %s cannot be matched", context, cur, t)
		}
		// Move to the new type if the current one converts to it
		// implicitly but not the other way round, unless the current one
		// is its category's preferred type.
		if !isPreferred(cur.Family) && CanCoerceImplicit(cur, t) && !CanCoerceImplicit(t, cur) {
			cur = t
		}
	}
	if !found {
		return types.TextT, nil
	}
	if !sameMod {
		cur.Precision, cur.Scale = 0, 0
	}
	// Every input must convert implicitly to the chosen type.
	for _, t := range ts {
		if !CanCoerceImplicit(t, cur) {
			return types.T{}, sqlerr.New(sqlerr.DatatypeMismatch, "%s could not convert type %s to %s", context, t, cur)
		}
	}
	return cur, nil
}

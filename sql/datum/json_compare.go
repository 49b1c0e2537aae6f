package datum

import (
	"strings"
)

// JSONB ordering, as Postgres's compareJsonbContainers defines it:
//
//	Object > Array > Boolean > Number > String > Null
//
// Postgres stores a top-level scalar as a one-element "raw scalar" array,
// so a top-level scalar against an array compares as an array of one
// element first ([] < true < [1, 2]), and only on equal counts is the array
// greater ([0] > true). Objects with more pairs are greater,
// as are arrays with more elements; otherwise objects compare key, value,
// key, value... in storage order (keys by length, then bytes) and arrays
// element by element. Numbers compare numerically (1.0 = 1), strings
// bytewise, false < true.

// compareJSONText compares two normalized jsonb texts.
func compareJSONText(a, b string) int {
	if a == b {
		return 0
	}
	ja, errA := ParseJSON(a)
	jb, errB := ParseJSON(b)
	if errA != nil || errB != nil {
		return strings.Compare(a, b) // unreachable for valid datums
	}
	return CompareJSON(ja, jb)
}

// CompareJSON orders two jsonb values as Postgres does.
func CompareJSON(a, b JSON) int {
	as, bs := isJSONScalar(a), isJSONScalar(b)
	if as != bs && (a.Kind == JSONArray || b.Kind == JSONArray) {
		na, nb := int64(1), int64(1)
		if !as {
			na = int64(len(a.Elems))
		}
		if !bs {
			nb = int64(len(b.Elems))
		}
		if c := cmpInt(na, nb); c != 0 {
			return c
		}
		if as {
			return -1
		}
		return 1
	}
	return compareJSONValue(a, b)
}

func isJSONScalar(j JSON) bool { return j.Kind != JSONArray && j.Kind != JSONObject }

// compareJSONValue compares values nested in containers (and top-level
// values of the same shape): by type rank, then by value.
func compareJSONValue(a, b JSON) int {
	ra, rb := jsonRank(a), jsonRank(b)
	if ra != rb {
		return cmpInt(int64(ra), int64(rb))
	}
	switch a.Kind {
	case JSONNull:
		return 0
	case JSONBool:
		return cmpInt(b2i(a.Bool), b2i(b.Bool))
	case JSONNumber:
		na, errA := parseNumeric(a.Str)
		nb, errB := parseNumeric(b.Str)
		if errA != nil || errB != nil {
			return strings.Compare(a.Str, b.Str)
		}
		return Compare(na, nb)
	case JSONString:
		return strings.Compare(a.Str, b.Str)
	case JSONArray:
		if c := cmpInt(int64(len(a.Elems)), int64(len(b.Elems))); c != 0 {
			return c
		}
		for i := range a.Elems {
			if c := compareJSONValue(a.Elems[i], b.Elems[i]); c != 0 {
				return c
			}
		}
		return 0
	}
	if c := cmpInt(int64(len(a.Keys)), int64(len(b.Keys))); c != 0 {
		return c
	}
	for i := range a.Keys {
		if c := strings.Compare(a.Keys[i], b.Keys[i]); c != 0 {
			return c
		}
		if c := compareJSONValue(a.Elems[i], b.Elems[i]); c != 0 {
			return c
		}
	}
	return 0
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func jsonRank(j JSON) int {
	switch j.Kind {
	case JSONNull:
		return 0
	case JSONString:
		return 1
	case JSONNumber:
		return 2
	case JSONBool:
		return 3
	case JSONArray:
		return 4
	}
	return 5
}

// canonicalJSONKey returns jsonb text in which equal values have equal
// text: numbers lose trailing fractional zeros (1.50 -> 1.5). Normalized
// jsonb only differs from that form when it contains a '.'.
func canonicalJSONKey(s string) string {
	if strings.IndexByte(s, '.') < 0 {
		return s
	}
	j, err := ParseJSON(s)
	if err != nil {
		return s
	}
	return string(canonicalNumbers(j).AppendText(nil))
}

func canonicalNumbers(j JSON) JSON {
	switch j.Kind {
	case JSONNumber:
		d, err := parseNumeric(j.Str)
		if err == nil {
			j.Str = string(appendDec(nil, parts(d).canonical()))
		}
	case JSONArray, JSONObject:
		elems := make([]JSON, len(j.Elems))
		for i, e := range j.Elems {
			elems[i] = canonicalNumbers(e)
		}
		j.Elems = elems
	}
	return j
}

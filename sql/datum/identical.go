package datum

import (
	"cmp"
	"strings"
)

// Identical reports whether two rows hold exactly the same datums: the
// same value in the same form (1.5 and 1.50 compare equal but are not
// identical). Consolidation of updates uses it, so a change of form is
// never lost.
func Identical(a, b Row) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// compareForm orders datums that Compare calls equal by their
// representation, so that identical datums sort next to each other.
func compareForm(a, b Datum) int {
	if c := cmp.Compare(a.kind, b.kind); c != 0 {
		return c
	}
	if c := cmp.Compare(a.i, b.i); c != 0 {
		return c
	}
	if c := cmp.Compare(a.x, b.x); c != 0 {
		return c
	}
	if c := cmp.Compare(a.y, b.y); c != 0 {
		return c
	}
	return strings.Compare(a.s, b.s)
}

// CompareRowsExact orders rows by CompareRows and, among rows it calls
// equal, by the form of their datums: a total order in which identical
// rows are adjacent.
func CompareRowsExact(a, b Row) int {
	if c := CompareRows(a, b); c != 0 {
		return c
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := compareForm(a[i], b[i]); c != 0 {
			return c
		}
	}
	return 0
}

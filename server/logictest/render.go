package logictest

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// renderSLT renders one value of the .slt dialect: the text format, NULL as
// NULL, the empty string as ·, R rounded to three decimals and F to six
// significant digits.
func renderSLT(v []byte, typ byte) string {
	if v == nil {
		return "NULL"
	}
	if len(v) == 0 {
		return "·"
	}
	s := string(v)
	switch typ {
	case 'R':
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return strconv.FormatFloat(roundHalfAway(f, 3), 'f', 3, 64)
		}
	case 'F':
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return strconv.FormatFloat(f, 'g', 6, 64)
		}
	}
	return s
}

// roundHalfAway rounds f to n decimals, halves away from zero, so that a
// value printed exactly by the server (2.0005) rounds like a person would.
func roundHalfAway(f float64, n int) float64 {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return f
	}
	p := math.Pow10(n)
	return math.Round(f*p) / p
}

// renderSLTResult renders a result as the lines of an .slt record: one row
// per line (one value per line with valuesort), preceded by the column
// names with colnames.
func renderSLTResult(rec *Record, o outcome) []string {
	rows := make([][]string, len(o.rows))
	for i, row := range o.rows {
		rows[i] = make([]string, len(row))
		for j, v := range row {
			rows[i][j] = renderSLT(v, rec.Types[j])
		}
	}
	var lines []string
	if rec.ColNames {
		lines = append(lines, strings.Join(o.cols, " "))
	}
	switch rec.Sort {
	case RowSort:
		sortRows(rows)
	case ValueSort:
		var vals []string
		for _, r := range rows {
			vals = append(vals, r...)
		}
		slices.Sort(vals)
		return append(lines, vals...)
	}
	for _, r := range rows {
		lines = append(lines, strings.Join(r, " "))
	}
	return lines
}

// sortRows sorts rows by their values, column by column, as strings.
func sortRows(rows [][]string) {
	slices.SortStableFunc(rows, func(a, b []string) int { return slices.Compare(a, b) })
}

// renderSQLite renders one value as SQLite's harness does: by the type
// letter, not by the column's type.
func renderSQLite(v []byte, typ byte) string {
	if v == nil {
		return "NULL"
	}
	s := string(v)
	switch typ {
	case 'I':
		return strconv.FormatInt(sqliteInt(s), 10)
	case 'R':
		return fmt.Sprintf("%.3f", sqliteFloat(s))
	default:
		if s == "" {
			return "(empty)"
		}
		b := []byte(s)
		for i, c := range b {
			if c < 0x20 || c > 0x7e {
				b[i] = '@'
			}
		}
		return string(b)
	}
}

// sqliteInt converts a value to an integer as sqlite3_column_int64 would:
// an integer as is, a real truncated toward zero, a boolean as 0 or 1, text
// by its leading digits.
func sqliteInt(s string) int64 {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i
	}
	switch s {
	case "t", "true":
		return 1
	case "f", "false":
		return 0
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f >= math.MaxInt64 {
			return math.MaxInt64
		}
		if f <= math.MinInt64 {
			return math.MinInt64
		}
		return int64(f)
	}
	return int64(sqliteFloat(s))
}

// leadingNumber matches the numeric prefix SQLite reads from text.
var leadingNumber = regexp.MustCompile(`^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?`)

// sqliteFloat converts a value to a float as sqlite3_column_double would.
func sqliteFloat(s string) float64 {
	switch s {
	case "t", "true":
		return 1
	case "f", "false":
		return 0
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f
	}
	if m := leadingNumber.FindString(s); m != "" {
		f, _ := strconv.ParseFloat(strings.TrimSpace(m), 64)
		return f
	}
	return 0
}

// hashLine matches "N values hashing to <md5>".
var hashLine = regexp.MustCompile(`^(\d+) values hashing to ([0-9a-f]{32})$`)

// hashValues returns the "N values hashing to H" line of values.
func hashValues(vals []string) string {
	h := md5.New()
	for _, v := range vals {
		h.Write([]byte(v))
		h.Write([]byte{'\n'})
	}
	return fmt.Sprintf("%d values hashing to %s", len(vals), hex.EncodeToString(h.Sum(nil)))
}

// sqliteValues renders and sorts a result as the SQLite harness does.
func sqliteValues(rec *Record, o outcome) []string {
	rows := make([][]string, len(o.rows))
	for i, row := range o.rows {
		rows[i] = make([]string, len(row))
		for j, v := range row {
			rows[i][j] = renderSQLite(v, rec.Types[j])
		}
	}
	if rec.Sort == RowSort {
		sortRows(rows)
	}
	vals := make([]string, 0, len(rows)*len(rec.Types))
	for _, r := range rows {
		vals = append(vals, r...)
	}
	if rec.Sort == ValueSort {
		slices.Sort(vals)
	}
	return vals
}

// compareSQLite checks a result against a record of the SQLite format.
func (fr *fileRun) compareSQLite(rec *Record, o outcome) string {
	vals := sqliteValues(rec, o)
	want := strings.TrimSpace(strings.Join(rec.Expected, "\n"))
	hashed := len(rec.Expected) == 1 && hashLine.MatchString(strings.TrimSpace(rec.Expected[0]))
	if rec.Label != "" || hashed || len(vals) > fr.hashThreshold {
		got := hashValues(vals)
		if rec.Label != "" {
			if prev, ok := fr.labels[rec.Label]; ok && prev != got {
				return fmt.Sprintf("label %s: result %q differs from an earlier query's %q", rec.Label, got, prev)
			}
			fr.labels[rec.Label] = got
		}
		if hashed {
			if got != want {
				return fmt.Sprintf("expected %s, got %s:\n%s", want, got, indent(strings.Join(head(vals, 20), "\n")))
			}
			return ""
		}
	}
	expected := make([]string, 0, len(rec.Expected))
	for _, e := range rec.Expected {
		expected = append(expected, strings.TrimSpace(e))
	}
	if slices.Equal(expected, vals) {
		return ""
	}
	return fmt.Sprintf("expected:\n%s\nbut found:\n%s", indent(strings.Join(head(expected, 20), "\n")), indent(strings.Join(head(vals, 20), "\n")))
}

// head returns up to n leading elements of s, with a marker if cut.
func head(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(slices.Clip(s[:n]), fmt.Sprintf("... (%d more)", len(s)-n))
}

package testutil

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/stream"
	"github.com/freshet-db/freshet/sql/types"
)

// ParseUpdate parses one line of the datadriven row notation:
//
//	(1, 'a', NULL, 1.50, true) +1
//
// Integers are bigint, quoted strings text, decimals numeric; the diff
// defaults to +1.
func ParseUpdate(line string) (stream.Update, error) {
	line = strings.TrimSpace(line)
	open, close := strings.Index(line, "("), strings.LastIndex(line, ")")
	if open != 0 || close < 0 {
		return stream.Update{}, fmt.Errorf("expected (values...) [diff]: %q", line)
	}
	row, err := ParseRow(line[1:close])
	if err != nil {
		return stream.Update{}, err
	}
	diff := int64(1)
	if rest := strings.TrimSpace(line[close+1:]); rest != "" {
		if diff, err = strconv.ParseInt(rest, 10, 64); err != nil {
			return stream.Update{}, fmt.Errorf("bad diff %q", rest)
		}
	}
	return stream.Update{Row: row, Diff: stream.Diff(diff)}, nil
}

// ParseRow parses comma-separated values.
func ParseRow(s string) (datum.Row, error) {
	var row datum.Row
	if strings.TrimSpace(s) == "" {
		return row, nil
	}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		switch {
		case strings.EqualFold(f, "null"):
			row = append(row, datum.Null)
		case f == "true" || f == "false":
			row = append(row, datum.NewBool(f == "true"))
		case strings.HasPrefix(f, "'"):
			row = append(row, datum.NewText(strings.Trim(f, "'")))
		case strings.Contains(f, "."):
			neg := strings.HasPrefix(f, "-")
			digits := strings.TrimPrefix(f, "-")
			dot := strings.Index(digits, ".")
			coef, err := strconv.ParseInt(digits[:dot]+digits[dot+1:], 10, 64)
			if err != nil {
				return nil, err
			}
			if neg {
				coef = -coef
			}
			row = append(row, datum.NewNumeric(coef, int32(len(digits)-dot-1)))
		default:
			v, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("bad value %q", f)
			}
			row = append(row, datum.NewInt8(v))
		}
	}
	return row, nil
}

// FormatRow prints a row in the notation ParseRow reads.
func FormatRow(r datum.Row) string {
	parts := make([]string, len(r))
	for i, d := range r {
		s := datum.FormatText(d)
		if d.Kind() == types.Text || d.Kind() == types.Varchar {
			s = "'" + s + "'"
		}
		parts[i] = s
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// FormatUpdates prints updates one per line, sorted by row then diff.
func FormatUpdates(us []stream.Update) string {
	lines := make([]string, len(us))
	for i, u := range us {
		lines[i] = fmt.Sprintf("%s %+d", FormatRow(u.Row), u.Diff)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// ConsolidateExact sums the diffs of identical rows (same exact encoding:
// unlike stream.Consolidate, 1.5 and 1.50 stay apart) and drops zeros.
func ConsolidateExact(us []stream.Update) []stream.Update {
	idx := map[string]int{}
	var out []stream.Update
	for _, u := range us {
		k := string(datum.EncodeRow(nil, u.Row))
		if i, ok := idx[k]; ok {
			out[i].Diff += u.Diff
			continue
		}
		idx[k] = len(out)
		out = append(out, u)
	}
	w := 0
	for _, u := range out {
		if u.Diff != 0 {
			out[w] = u
			w++
		}
	}
	return out[:w]
}

package coord

import (
	"fmt"
	"strings"

	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/stream"
)

// table holds the contents of one table: a multiset of rows. With a primary
// key the map is keyed by the canonical encoding of the key columns and
// every count is 1; without one it is keyed by the exact row encoding.
type table struct {
	rel  *catalog.Relation
	rows map[string]*tableRow
	n    int64 // rows, counting multiplicity
}

type tableRow struct {
	row   datum.Row
	count int64
}

func newTable(rel *catalog.Relation) *table {
	return &table{rel: rel, rows: map[string]*tableRow{}}
}

func (t *table) key(buf []byte, row datum.Row) []byte {
	if len(t.rel.PrimaryKey) > 0 {
		return datum.EncodeKey(buf, row, t.rel.PrimaryKey)
	}
	return datum.EncodeRow(buf, row)
}

// scan calls f for every row with its multiplicity.
func (t *table) scan(f func(row datum.Row, count int64)) {
	for _, r := range t.rows {
		f(r.row, r.count)
	}
}

// overlay holds, per key, the contents a table will have once the
// transactions checked before in the same commit group are applied (count
// 0: the key will be gone). It lets a group check many transactions on one
// table without copying it.
type overlay map[string]*tableRow

// get returns the row under key as the overlay (if any) and the table see it.
func (t *table) get(key string, ov overlay) (*tableRow, bool) {
	if r, ok := ov[key]; ok {
		return r, r.count > 0
	}
	r, ok := t.rows[key]
	return r, ok
}

// record applies checked, consolidated updates to the overlay.
func (t *table) record(ov overlay, us []stream.Update) {
	var buf []byte
	for pass := 0; pass < 2; pass++ {
		for _, u := range us {
			if (pass == 0) != (u.Diff < 0) {
				continue
			}
			buf = t.key(buf[:0], u.Row)
			k := string(buf)
			r, ok := ov[k]
			if !ok {
				r = &tableRow{row: u.Row}
				if cur, ok := t.rows[k]; ok {
					r.row, r.count = cur.row, cur.count
				}
				ov[k] = r
			}
			if u.Diff > 0 {
				r.row = u.Row
			}
			r.count += int64(u.Diff)
		}
	}
}

// check validates the consolidated updates of one transaction against the
// table (as the overlay shows it; nil for none) without changing it: every
// retracted row must be present (else a concurrent transaction changed it:
// 40001), and with a primary key no inserted key may already exist after
// the retractions (23505).
func (t *table) check(us []stream.Update, ov overlay) error {
	var buf []byte
	removed := map[string]int64{}
	for _, u := range us {
		if u.Diff >= 0 {
			continue
		}
		buf = t.key(buf[:0], u.Row)
		k := string(buf)
		cur, ok := t.get(k, ov)
		if !ok || !datum.RowsEqual(cur.row, u.Row) || cur.count+int64(u.Diff)-removed[k] < 0 {
			return sqlerr.New(sqlerr.SerializationFailure,
				"could not serialize access due to concurrent update of relation %q", t.rel.Name)
		}
		removed[k] -= int64(u.Diff)
	}
	if len(t.rel.PrimaryKey) == 0 {
		return nil
	}
	added := map[string]bool{}
	for _, u := range us {
		if u.Diff <= 0 {
			continue
		}
		buf = t.key(buf[:0], u.Row)
		k := string(buf)
		cur, ok := t.get(k, ov)
		present := ok && cur.count-removed[k] > 0
		if present || added[k] || u.Diff > 1 {
			return t.uniqueViolation(u.Row)
		}
		added[k] = true
	}
	return nil
}

func (t *table) uniqueViolation(row datum.Row) error {
	names := make([]string, len(t.rel.PrimaryKey))
	vals := make([]string, len(t.rel.PrimaryKey))
	for i, c := range t.rel.PrimaryKey {
		names[i] = t.rel.Columns[c].Name
		vals[i] = datum.FormatText(row[c])
	}
	return sqlerr.New(sqlerr.UniqueViolation,
		"duplicate key value violates unique constraint %q", t.rel.Name+"_pkey").
		WithDetail("Key (%s)=(%s) already exists.", strings.Join(names, ", "), strings.Join(vals, ", "))
}

// apply changes the table by consolidated, checked updates: retractions
// first, then insertions.
func (t *table) apply(us []stream.Update) {
	var buf []byte
	for pass := 0; pass < 2; pass++ {
		for _, u := range us {
			if (pass == 0) != (u.Diff < 0) {
				continue
			}
			buf = t.key(buf[:0], u.Row)
			cur, ok := t.rows[string(buf)]
			if !ok {
				cur = &tableRow{row: u.Row}
				t.rows[string(buf)] = cur
			}
			cur.count += int64(u.Diff)
			t.n += int64(u.Diff)
			if cur.count <= 0 {
				if cur.count < 0 {
					panic(fmt.Sprintf("coord: table %s: negative multiplicity after checked update", t.rel.Name))
				}
				delete(t.rows, string(buf))
			}
		}
	}
}

// CheckNotNull returns 23502 if row has a NULL in a NOT NULL column of rel.
func CheckNotNull(rel *catalog.Relation, row datum.Row) error {
	for i, c := range rel.Columns {
		if c.NotNull && row[i].IsNull() {
			return sqlerr.New(sqlerr.NotNullViolation,
				"null value in column %q of relation %q violates not-null constraint", c.Name, rel.Name).
				WithDetail("Failing row contains (%s).", formatRow(row))
		}
	}
	return nil
}

func formatRow(row datum.Row) string {
	s := make([]string, len(row))
	for i, d := range row {
		if d.IsNull() {
			s[i] = "null"
		} else {
			s[i] = datum.FormatText(d)
		}
	}
	return strings.Join(s, ", ")
}

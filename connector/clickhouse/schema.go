package clickhouse

import (
	"context"
	"fmt"
	"strings"

	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

// Names of the columns the sink adds after the view's.
const (
	ColTS      = "freshet_ts"      // UInt64: Freshet's logical timestamp
	ColTime    = "freshet_time"    // DateTime64(3) or DateTime: wall clock of freshet_ts
	ColDiff    = "freshet_diff"    // Int64: signed multiplicity (CHANGELOG)
	ColDeleted = "freshet_deleted" // UInt8: 1 when the key was deleted (UPSERT)
)

// meta identifies the columns the sink adds.
type meta uint8

const (
	metaNone meta = iota
	metaTS
	metaTime
	metaDiff
	metaDeleted
)

// column is one column of the ClickHouse table.
type column struct {
	name string
	view connector.Column // the view column (zero for meta columns)
	vt   types.T
	src  int  // position in the view's rows; -1 for meta columns
	meta meta // metaNone for view columns
	// want is the type a table created by this server gets, legacy the
	// type ClickHouse 18.16 gets: an existing table may have either (it
	// may predate an upgrade of the server).
	want, legacy colType
	// typ is the type the table has, set by Open.
	typ colType
}

// buildColumns lists the table's columns: the view's, then the meta
// columns of the mode.
func buildColumns(view connector.TableSchema, mode Mode) ([]column, error) {
	if len(view.Columns) == 0 {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "cannot sink %q: it has no columns", view.Name)
	}
	reserved := map[string]bool{ColTS: true, ColTime: true, ColDiff: true, ColDeleted: true}
	seen := map[string]bool{}
	var cols []column
	for i, vc := range view.Columns {
		if reserved[vc.Name] {
			return nil, sqlerr.New(sqlerr.DuplicateColumn,
				"column %q of %q clashes with a column the clickhouse sink adds", vc.Name, view.Name).
				WithHint("rename the column in the view")
		}
		if seen[vc.Name] {
			return nil, sqlerr.New(sqlerr.DuplicateColumn, "column %q of %q appears more than once", vc.Name, view.Name)
		}
		seen[vc.Name] = true
		legacy, err := mapType(vc.Type, vc.NotNull, features{})
		if err != nil {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "cannot sink column %q: %v", vc.Name, err)
		}
		cols = append(cols, column{name: vc.Name, view: vc, vt: vc.Type, src: i, want: legacy, legacy: legacy})
	}
	last := metaDiff
	if mode == Upsert {
		last = metaDeleted
	}
	for _, m := range []meta{metaTS, metaTime, last} {
		c := column{src: -1, meta: m}
		switch m {
		case metaTS:
			c.name, c.legacy = ColTS, colType{kind: kUInt64}
		case metaTime:
			c.name, c.legacy = ColTime, colType{kind: kDateTime, tz: utc}
		case metaDiff:
			c.name, c.legacy = ColDiff, colType{kind: kInt64}
		case metaDeleted:
			c.name, c.legacy = ColDeleted, colType{kind: kUInt8}
		}
		c.want = c.legacy
		cols = append(cols, c)
	}
	return cols, nil
}

// setFeatures computes the types a new table gets on the server.
func setFeatures(cols []column, f features) {
	for i := range cols {
		c := &cols[i]
		switch {
		case c.meta == metaTime && f.dateTime64:
			c.want = colType{kind: kDateTime64, precision: 3, tz: utc}
		case c.meta == metaNone:
			if t, err := mapType(c.vt, c.view.NotNull, f); err == nil {
				c.want = t
			}
		}
	}
}

// createSQL is the CREATE TABLE statement of a new table. See doc.go for
// the engines and sorting keys.
func createSQL(qualified string, cols []column, view connector.TableSchema, mode Mode) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s (", qualified)
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s", quoteIdent(c.name), c.want)
	}
	b.WriteString(") ENGINE = ")
	// The sorting key: the view's key columns (all columns when it has no
	// key) that are not Nullable (old servers reject Nullable keys), then
	// freshet_ts in CHANGELOG mode.
	keyCols := view.PrimaryKey
	if len(keyCols) == 0 {
		keyCols = make([]int, len(view.Columns))
		for i := range keyCols {
			keyCols[i] = i
		}
	}
	var key []string
	for _, k := range keyCols {
		if !cols[k].want.nullable {
			key = append(key, quoteIdent(cols[k].name))
		}
	}
	if mode == Upsert {
		fmt.Fprintf(&b, "ReplacingMergeTree(%s)", ColTS)
	} else {
		b.WriteString("MergeTree")
		key = append(key, ColTS)
	}
	// No PARTITION BY: one INSERT block then makes one part, which is what
	// makes a block atomic.
	fmt.Fprintf(&b, " ORDER BY (%s)", strings.Join(key, ", "))
	return b.String()
}

// tableInfo is what system.tables and system.columns say about a table.
type tableInfo struct {
	exists  bool
	engine  string
	columns map[string]string // name -> type
}

func (s *Sink) describe(ctx context.Context) (tableInfo, error) {
	var info tableInfo
	rows, err := s.conn.Query(ctx, fmt.Sprintf(
		"SELECT engine FROM system.tables WHERE database = %s AND name = %s",
		quoteString(s.db), quoteString(s.table)))
	if err != nil {
		return info, err
	}
	for rows.Next() {
		if err := rows.Scan(&info.engine); err != nil {
			rows.Close()
			return info, err
		}
		info.exists = true
	}
	rows.Close()
	if err := rows.Err(); err != nil || !info.exists {
		return info, err
	}
	rows, err = s.conn.Query(ctx, fmt.Sprintf(
		"SELECT name, type FROM system.columns WHERE database = %s AND table = %s",
		quoteString(s.db), quoteString(s.table)))
	if err != nil {
		return info, err
	}
	defer rows.Close()
	info.columns = map[string]string{}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return info, err
		}
		info.columns[name] = typ
	}
	return info, rows.Err()
}

// validate checks that an existing table can take the sink's rows and
// records the actual column types.
func (s *Sink) validate(info tableInfo) error {
	engine := info.engine
	switch {
	case s.cfg.Mode == Upsert && !strings.Contains(engine, "ReplacingMergeTree") && engine != "Distributed":
		return sqlerr.New(sqlerr.InvalidTableDefinition,
			"clickhouse table %s has engine %s; UPSERT mode needs ReplacingMergeTree(%s)", s.qualified, engine, ColTS).
			WithHint("drop the table to let the sink create it, or use MODE CHANGELOG")
	case s.cfg.Mode == Changelog && collapsingEngine(engine):
		return sqlerr.New(sqlerr.InvalidTableDefinition,
			"clickhouse table %s has engine %s, which merges rows; CHANGELOG mode needs MergeTree", s.qualified, engine).
			WithHint("drop the table to let the sink create it, or use MODE UPSERT")
	}
	for i := range s.cols {
		c := &s.cols[i]
		spelled, ok := info.columns[c.name]
		if !ok {
			return sqlerr.New(sqlerr.UndefinedColumn,
				"clickhouse table %s has no column %q (want %s)", s.qualified, c.name, c.want).
				WithHint("drop the table to let the sink create it, or add the column")
		}
		have, ok := parseType(spelled)
		if !ok || !(compatible(have, c.want) || compatible(have, c.legacy)) {
			want := c.want.String()
			if c.legacy != c.want {
				want += " or " + c.legacy.String()
			}
			return sqlerr.New(sqlerr.DatatypeMismatch,
				"clickhouse table %s column %q has type %s, want %s", s.qualified, c.name, spelled, want).
				WithHint("drop the table to let the sink create it, or choose another TABLE")
		}
		c.typ = have
	}
	return nil
}

func collapsingEngine(engine string) bool {
	for _, e := range []string{"Replacing", "Collapsing", "Summing", "Aggregating", "Graphite"} {
		if strings.Contains(engine, e) {
			return true
		}
	}
	return false
}

// insertSQL is the INSERT statement of the sink's blocks; old servers need
// the explicit column list.
func insertSQL(qualified string, cols []column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = quoteIdent(c.name)
	}
	return fmt.Sprintf("INSERT INTO %s (%s)", qualified, strings.Join(names, ", "))
}

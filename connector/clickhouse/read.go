package clickhouse

import (
	"context"
	"fmt"
	"strings"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/stream"
)

// StateAsOf reads back the view's contents as of timestamp ts: in
// CHANGELOG mode, sum(freshet_diff) per distinct row over freshet_ts <= ts
// (rows whose sum is not zero); in UPSERT mode, where old versions are
// merged away, only the current state (ts at or after the frontier). The
// result holds one update per row, with Time ts and the row's
// multiplicity as Diff, sorted by row.
func (s *Sink) StateAsOf(ctx context.Context, ts uint64) ([]stream.Update, error) {
	s.mu.Lock()
	opened, conn := s.opened && !s.closed, s.conn
	delivered := s.st.Delivered
	s.mu.Unlock()
	if !opened {
		return nil, sqlerr.New(sqlerr.ObjectNotInPrerequisiteState, "clickhouse sink is not open")
	}
	view := s.cols[:len(s.view.Columns)]
	names := make([]string, len(view))
	for i, c := range view {
		names[i] = quoteIdent(c.name)
	}
	list := strings.Join(names, ", ")
	var q string
	if s.cfg.Mode == Upsert {
		if ts < delivered {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported,
				"a MODE UPSERT sink keeps only the current state (as of %d), not the state as of %d", delivered, ts)
		}
		// FINAL keeps the newest version of each key; the WHERE applies
		// after it (it is not moved to PREWHERE with FINAL).
		q = fmt.Sprintf("SELECT %s, toInt64(1) FROM %s FINAL WHERE %s = 0", list, s.qualified, ColDeleted)
	} else if s.groupInGo() {
		// Consolidate below sums the diffs of equal rows.
		q = fmt.Sprintf("SELECT %s, %s FROM %s WHERE %s <= %d", list, ColDiff, s.qualified, ColTS, ts)
	} else {
		q = fmt.Sprintf("SELECT %s, sum(%s) FROM %s WHERE %s <= %d GROUP BY %s HAVING sum(%s) != 0",
			list, ColDiff, s.qualified, ColTS, ts, list, ColDiff)
	}
	scanners := make([]scanner, len(view))
	for i := range view {
		sc, err := newScanner(&s.cols[i])
		if err != nil {
			return nil, err
		}
		scanners[i] = sc
	}
	rows, err := conn.Query(ctx, q)
	if err != nil {
		return nil, publicError(err)
	}
	defer rows.Close()
	var out []stream.Update
	dests := make([]any, len(view)+1)
	for rows.Next() {
		var count int64
		for i, sc := range scanners {
			dests[i] = sc.dest()
		}
		dests[len(view)] = &count
		if err := rows.Scan(dests...); err != nil {
			return nil, publicError(err)
		}
		row := make(datum.Row, len(view))
		for i, sc := range scanners {
			if row[i], err = sc.datum(); err != nil {
				return nil, fmt.Errorf("clickhouse column %q: %w", view[i].name, err)
			}
		}
		out = append(out, stream.Update{Row: row, Time: stream.Timestamp(ts), Diff: stream.Diff(count)})
	}
	if err := rows.Err(); err != nil {
		return nil, publicError(err)
	}
	return stream.Consolidate(out), nil
}

// groupInGo reports whether StateAsOf must sum diffs itself: ClickHouse
// before 20.1 can crash (SIGSEGV in ColumnDecimal<Decimal128>::
// deserializeAndInsertFromArena, seen with 18.16) grouping by several keys
// of which one is a Decimal128 (precision above 18).
func (s *Sink) groupInGo() bool {
	s.mu.Lock()
	v := s.version
	s.mu.Unlock()
	if v.AtLeast(20, 1) {
		return false
	}
	for _, c := range s.cols {
		if c.typ.kind == kDecimal && c.typ.precision > 18 {
			return true
		}
	}
	return false
}

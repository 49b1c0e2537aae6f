package session

import (
	"context"
	"fmt"
	"slices"

	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/executor/dataflow"
	"github.com/freshet-db/freshet/planner"
	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/server/coord"
	"github.com/freshet-db/freshet/server/pgwire"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/stream"
	"github.com/freshet-db/freshet/sql/types"
)

// evaluate runs a plan once over a consistent snapshot of the relations it
// reads. Inside a transaction block, tables show the block's own pending
// writes.
func (s *Session) evaluate(ctx context.Context, root plan.Node, params []datum.Datum) ([]datum.Row, error) {
	root, err := plan.BindParams(root, params)
	if err != nil {
		return nil, err
	}
	ids := plan.Relations(root)
	var lookups map[plan.RelationID]coord.Lookup
	if len(s.pending) == 0 {
		lookups = pointLookups(root)
	}
	_, snap, err := s.coord.Read(ids, lookups)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if p := s.pending[catalog.ID(id)]; len(p) > 0 {
			snap[id] = overlay(snap[id], p)
		}
	}
	return dataflow.Evaluate(ctx, root, func(id plan.RelationID) ([]datum.Row, error) { return snap[id], nil })
}

// overlay applies pending updates to a snapshot of rows.
func overlay(rows []datum.Row, pending []stream.Update) []datum.Row {
	us := make([]stream.Update, 0, len(rows)+len(pending))
	for _, r := range rows {
		us = append(us, stream.Update{Row: r, Diff: 1})
	}
	us = stream.Consolidate(append(us, pending...))
	out := make([]datum.Row, 0, len(us))
	for _, u := range us {
		for range u.Diff {
			out = append(out, u.Row)
		}
	}
	return out
}

// query evaluates a SELECT and applies its ORDER BY, OFFSET and LIMIT.
func (s *Session) query(ctx context.Context, q *plan.Query, params []datum.Datum) ([]datum.Row, error) {
	rows, err := s.evaluate(ctx, q.Root, params)
	if err != nil {
		return nil, err
	}
	limit, offset, err := bounds(q, params)
	if err != nil {
		return nil, err
	}
	if len(q.OrderBy) > 0 {
		slices.SortStableFunc(rows, func(a, b datum.Row) int { return compareSort(q.OrderBy, a, b) })
	}
	if offset > 0 {
		rows = rows[min(offset, int64(len(rows))):]
	}
	if limit >= 0 && limit < int64(len(rows)) {
		rows = rows[:limit]
	}
	if n := visible(q); n < len(q.Root.Schema()) {
		for i, r := range rows {
			rows[i] = r[:n]
		}
	}
	return rows, nil
}

// compareSort orders rows by ORDER BY keys: NULLs last ascending and first
// descending unless NULLS FIRST/LAST says otherwise (Postgres's default).
func compareSort(keys []plan.SortKey, a, b datum.Row) int {
	for _, k := range keys {
		x, y := a[k.Col], b[k.Col]
		if x.IsNull() || y.IsNull() {
			if x.IsNull() && y.IsNull() {
				continue
			}
			if x.IsNull() == k.NullsFirst {
				return -1
			}
			return 1
		}
		c := datum.Compare(x, y)
		if k.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

func (s *Session) insert(ctx context.Context, p *planner.Insert, params []datum.Datum) (pgwire.Result, error) {
	rows, err := s.evaluate(ctx, p.Rows, params)
	if err != nil {
		return nil, err
	}
	us := make([]stream.Update, len(rows))
	for i, r := range rows {
		if err := coord.CheckNotNull(p.Table, r); err != nil {
			return nil, err
		}
		us[i] = stream.Update{Row: r, Diff: 1}
	}
	if err := s.write(ctx, p.Table, us); err != nil {
		return nil, err
	}
	return tagResult(fmt.Sprintf("INSERT 0 %d", len(rows))), nil
}

func (s *Session) update(ctx context.Context, p *planner.Update, params []datum.Datum) (pgwire.Result, error) {
	if err := appendOnly(p.Table, "UPDATE"); err != nil {
		return nil, err
	}
	rows, err := s.evaluate(ctx, p.Rows, params)
	if err != nil {
		return nil, err
	}
	n := len(p.Table.Columns)
	us := make([]stream.Update, 0, 2*len(rows))
	for _, r := range rows {
		old, neu := r[:n:n], r[n:]
		if err := coord.CheckNotNull(p.Table, neu); err != nil {
			return nil, err
		}
		us = append(us, stream.Update{Row: old, Diff: -1}, stream.Update{Row: neu, Diff: 1})
	}
	if err := s.write(ctx, p.Table, us); err != nil {
		return nil, err
	}
	return tagResult(fmt.Sprintf("UPDATE %d", len(rows))), nil
}

func (s *Session) delete(ctx context.Context, p *planner.Delete, params []datum.Datum) (pgwire.Result, error) {
	if err := appendOnly(p.Table, "DELETE"); err != nil {
		return nil, err
	}
	rows, err := s.evaluate(ctx, p.Rows, params)
	if err != nil {
		return nil, err
	}
	us := make([]stream.Update, len(rows))
	for i, r := range rows {
		us[i] = stream.Update{Row: r, Diff: -1}
	}
	if err := s.write(ctx, p.Table, us); err != nil {
		return nil, err
	}
	return tagResult(fmt.Sprintf("DELETE %d", len(rows))), nil
}

func appendOnly(rel *catalog.Relation, op string) error {
	if rel.AppendOnly {
		return sqlerr.New(sqlerr.FeatureNotSupported, "cannot %s append-only table %q", op, rel.Name).
			WithHint("Append-only tables accept INSERT only.")
	}
	return nil
}

// bounds returns a query's LIMIT (-1 for none) and OFFSET, taking them
// from their parameters when they are given as $n.
func bounds(q *plan.Query, params []datum.Datum) (limit, offset int64, err error) {
	limit, offset = q.Limit, q.Offset
	if q.LimitParam > 0 {
		if limit, err = paramInt(params, q.LimitParam, "LIMIT"); err != nil {
			return 0, 0, err
		}
	}
	if q.OffsetParam > 0 {
		if offset, err = paramInt(params, q.OffsetParam, "OFFSET"); err != nil {
			return 0, 0, err
		}
	}
	return limit, offset, nil
}

func paramInt(params []datum.Datum, n int, what string) (int64, error) {
	if n > len(params) {
		return 0, sqlerr.New(sqlerr.UndefinedParameter, "there is no parameter $%d", n)
	}
	d := params[n-1]
	switch {
	case d.IsNull():
		return -1, nil // LIMIT NULL is no limit; OFFSET NULL is zero below
	case d.Kind() == types.Text || d.Kind() == types.Varchar:
		v, err := datum.ParseText(d.Str(), types.Int8T)
		if err != nil {
			return 0, err
		}
		d = v
	}
	if !(types.T{Family: d.Kind()}).IsInteger() {
		return 0, sqlerr.New(sqlerr.DatatypeMismatch, "argument of %s must be type bigint", what)
	}
	if d.Int() < 0 {
		return 0, sqlerr.New(sqlerr.InvalidRowCountInLimitClause, "%s must not be negative", what)
	}
	return d.Int(), nil
}

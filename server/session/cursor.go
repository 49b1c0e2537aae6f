package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/planner"
	"github.com/freshet-db/freshet/server/pgwire"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/parse"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

// codeDuplicateCursor is SQLSTATE 42P03 duplicate_cursor.
const codeDuplicateCursor sqlerr.Code = "42P03"

// cursor is an open DECLARE ... CURSOR: a subscription read by FETCH, or
// the rows of a query computed at DECLARE. Cursors belong to the
// transaction block that declared them and are closed when it ends.
type cursor struct {
	cols []pgwire.Column
	sub  *Subscriber // DECLARE ... FOR SUBSCRIBE
	rows []datum.Row // DECLARE ... FOR SELECT: rows not yet fetched
}

func (c *cursor) close() {
	if c.sub != nil {
		c.sub.Close()
	}
	c.rows = nil
}

// closeCursors closes every cursor (at the end of a transaction block).
func (s *Session) closeCursors() {
	for name, c := range s.cursors {
		c.close()
		delete(s.cursors, name)
	}
}

// declare registers a cursor; open creates it once the checks passed.
func (s *Session) declare(name string, open func() (*cursor, error)) (pgwire.Result, error) {
	if s.tx == txIdle {
		return nil, sqlerr.New(sqlerr.NoActiveSQLTransaction, "DECLARE CURSOR can only be used in transaction blocks")
	}
	name = catalog.Normalize(name)
	if _, ok := s.cursors[name]; ok {
		return nil, sqlerr.New(codeDuplicateCursor, "cursor %q already exists", name)
	}
	c, err := open()
	if err != nil {
		return nil, err
	}
	if s.cursors == nil {
		s.cursors = map[string]*cursor{}
	}
	s.cursors[name] = c
	return tagResult("DECLARE CURSOR"), nil
}

// planDeclare plans DECLARE name CURSOR FOR SUBSCRIBE ... | SELECT ....
func (st *statement) planDeclare(cat *catalog.Catalog, n *parse.DeclareCursor) error {
	if n.Hold {
		return sqlerr.New(sqlerr.FeatureNotSupported, "cursors WITH HOLD are not supported")
	}
	s := st.s
	switch q := n.Query.(type) {
	case *parse.Subscribe:
		p, err := PlanSubscribe(cat, q)
		if err != nil {
			return err
		}
		st.run = func(ctx context.Context, _ []datum.Datum) (pgwire.Result, error) {
			return s.declare(n.Name, func() (*cursor, error) {
				sub, err := p.Open(s.coord, SubscribeBuffer)
				if err != nil {
					return nil, err
				}
				return &cursor{cols: p.Columns, sub: sub}, nil
			})
		}
		return nil
	case *parse.TiDB:
		rs, ok := q.Node.(ast.ResultSetNode)
		if !ok {
			break
		}
		pq, err := planner.PlanQuery(cat, rs, st.paramTypes)
		if err != nil {
			return err
		}
		st.params = pq.Params
		cols := queryColumns(cat, pq)
		st.run = func(ctx context.Context, params []datum.Datum) (pgwire.Result, error) {
			return s.declare(n.Name, func() (*cursor, error) {
				rows, err := s.query(ctx, pq, params)
				if err != nil {
					return nil, err
				}
				return &cursor{cols: cols, rows: rows}, nil
			})
		}
		return nil
	}
	return sqlerr.New(sqlerr.FeatureNotSupported, "DECLARE CURSOR supports a SELECT or a SUBSCRIBE only")
}

// lookupCursor finds an open cursor by name.
func (s *Session) lookupCursor(name string) (*cursor, error) {
	c, ok := s.cursors[catalog.Normalize(name)]
	if !ok {
		return nil, sqlerr.New(sqlerr.InvalidCursorName, "cursor %q does not exist", catalog.Normalize(name))
	}
	return c, nil
}

// planFetch plans FETCH [n | ALL] c [WITH (timeout = '1s')]. Over a
// subscription, FETCH waits until at least one row is available (for at
// most the timeout, if given; then it returns no rows), and returns up to
// n of the rows available then.
func (st *statement) planFetch(n *parse.Fetch) error {
	s := st.s
	c, err := s.lookupCursor(n.Cursor)
	if err != nil {
		return err
	}
	timeout := time.Duration(-1) // wait forever
	for k, v := range n.Options {
		if k != "timeout" {
			return sqlerr.New(sqlerr.InvalidParameterValue, "unrecognized FETCH option %q", k)
		}
		if timeout, err = parseTimeout(v); err != nil {
			return err
		}
	}
	st.cols = c.cols
	st.run = func(ctx context.Context, _ []datum.Datum) (pgwire.Result, error) {
		c, err := s.lookupCursor(n.Cursor)
		if err != nil {
			return nil, err
		}
		if !sameColumns(c.cols, st.cols) {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported,
				"cursor %q changed since this FETCH was prepared", catalog.Normalize(n.Cursor))
		}
		rows, err := c.fetch(ctx, n.Count, timeout)
		if err != nil {
			return nil, err
		}
		return &rowsResult{rows: rows, tag: fmt.Sprintf("FETCH %d", len(rows))}, nil
	}
	return nil
}

// fetch returns up to count rows (all available if count < 0).
func (c *cursor) fetch(ctx context.Context, count int64, timeout time.Duration) ([]datum.Row, error) {
	if count == 0 {
		return nil, nil
	}
	if c.sub == nil {
		k := int64(len(c.rows))
		if count > 0 && count < k {
			k = count
		}
		out := c.rows[:k:k]
		c.rows = c.rows[k:]
		return out, nil
	}
	var expire <-chan time.Time
	if timeout >= 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expire = t.C
	}
	err := c.sub.Wait(ctx, expire)
	switch {
	case errors.Is(err, errFetchTimeout), errors.Is(err, io.EOF):
		return nil, nil
	case err != nil:
		return nil, err
	}
	var out []datum.Row
	for count < 0 || int64(len(out)) < count {
		if c.sub.Available() == 0 {
			break
		}
		row, err := c.sub.Next(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, nil
}

// parseTimeout parses FETCH's timeout: a Go duration ("1s", "250ms") or an
// interval ("1 second").
func parseTimeout(v string) (time.Duration, error) {
	if d, err := time.ParseDuration(strings.TrimSpace(v)); err == nil && d >= 0 {
		return d, nil
	}
	d, err := datum.ParseText(v, types.IntervalT)
	if err == nil {
		months, days, micros := d.Interval()
		total := (int64(months)*30+int64(days))*86400*1_000_000 + micros
		if total >= 0 {
			return time.Duration(total) * time.Microsecond, nil
		}
	}
	return 0, sqlerr.New(sqlerr.InvalidParameterValue, "invalid timeout %q", v).
		WithHint("Use a non-negative interval such as '1s' or '500ms'.")
}

// planCloseCursor plans CLOSE name | ALL.
func (st *statement) planCloseCursor(n *parse.CloseCursor) error {
	s := st.s
	st.run = func(context.Context, []datum.Datum) (pgwire.Result, error) {
		if n.All {
			s.closeCursors()
			return tagResult("CLOSE CURSOR ALL"), nil
		}
		c, err := s.lookupCursor(n.Name)
		if err != nil {
			return nil, err
		}
		c.close()
		delete(s.cursors, catalog.Normalize(n.Name))
		return tagResult("CLOSE CURSOR"), nil
	}
	return nil
}

// sameColumns reports whether two row descriptions agree on names and
// types.
func sameColumns(a, b []pgwire.Column) bool {
	return slices.EqualFunc(a, b, func(x, y pgwire.Column) bool { return x.Name == y.Name && x.Type == y.Type })
}

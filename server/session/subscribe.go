package session

import (
	"context"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/planner"
	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/server/coord"
	"github.com/freshet-db/freshet/server/pgwire"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/parse"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/stream"
	"github.com/freshet-db/freshet/sql/types"
)

// SubscribeBuffer is how many change batches (one per timestamp) a
// subscription may fall behind its collection before the coordinator ends
// it with coord.ErrSubscriberTooSlow.
const SubscribeBuffer = 1024

// progressPoll is how often an idle subscription with PROGRESS asks the
// coordinator whether time advanced without changing its collection.
const progressPoll = 100 * time.Millisecond

// SubscribePlan is a planned SUBSCRIBE: what to subscribe to and how to
// shape its output. It holds no resources until Open.
type SubscribePlan struct {
	// Columns are the output columns: timestamp, [progressed,] diff, then
	// the collection's columns.
	Columns  []pgwire.Column
	Snapshot bool
	Progress bool

	id    catalog.ID // a table or materialized view; 0 for a query
	query plan.Node  // SUBSCRIBE (query) or a plain view's query
}

// PlanSubscribe plans a SUBSCRIBE against cat: a table or materialized
// view is followed through the coordinator's own maintenance; a plain view
// or a query gets a dataflow of its own (its query must be fit for a
// materialized view: no parameters, no volatile functions).
func PlanSubscribe(cat *catalog.Catalog, n *parse.Subscribe) (*SubscribePlan, error) {
	p := &SubscribePlan{Snapshot: true}
	for k, v := range n.Options {
		var err error
		switch k {
		case "snapshot":
			p.Snapshot, err = boolOption(k, v)
		case "progress":
			p.Progress, err = boolOption(k, v)
		case "as_of":
			err = sqlerr.New(sqlerr.FeatureNotSupported, "SUBSCRIBE ... AS OF is not supported")
		default:
			err = sqlerr.New(sqlerr.InvalidParameterValue, "unrecognized SUBSCRIBE option %q", k)
		}
		if err != nil {
			return nil, err
		}
	}
	if n.NumParams > 0 {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "SUBSCRIBE does not accept parameters")
	}
	var cols []pgwire.Column
	var names []string // a plain view's column names
	query := n.Query
	if query == nil {
		rel, err := cat.Resolve(catalog.Normalize(n.Name))
		if err != nil {
			return nil, err
		}
		switch rel.Kind {
		case catalog.Table, catalog.MaterializedView:
			p.id = rel.ID
			for _, c := range rel.Columns {
				cols = append(cols, pgwire.Column{Name: c.Name, Type: c.Type})
			}
		case catalog.View:
			if query, err = storedQuery(rel); err != nil {
				return nil, err
			}
			for _, c := range rel.Columns {
				names = append(names, c.Name)
			}
		default:
			return nil, sqlerr.New(sqlerr.WrongObjectType, "cannot subscribe to %s %q", rel.Kind, rel.Name)
		}
	}
	if query != nil {
		q, err := planner.PlanView(cat, "", query, names)
		if err != nil {
			return nil, err
		}
		p.query = q.Root
		for _, c := range q.Root.Schema()[:visible(q)] {
			cols = append(cols, pgwire.Column{Name: c.Name, Type: c.Type})
		}
	}
	p.Columns = append(p.Columns, pgwire.Column{Name: "timestamp", Type: types.Int8T})
	if p.Progress {
		p.Columns = append(p.Columns, pgwire.Column{Name: "progressed", Type: types.BoolT})
	}
	p.Columns = append(p.Columns, pgwire.Column{Name: "diff", Type: types.Int8T})
	p.Columns = append(p.Columns, cols...)
	return p, nil
}

// storedQuery parses the defining query of a plain view.
func storedQuery(rel *catalog.Relation) (ast.ResultSetNode, error) {
	stmts, err := parse.Parse(rel.Query)
	if err != nil {
		return nil, err
	}
	if len(stmts) == 1 {
		if t, ok := stmts[0].(*parse.TiDB); ok {
			if q, ok := t.Node.(ast.ResultSetNode); ok {
				return q, nil
			}
		}
	}
	return nil, sqlerr.New(sqlerr.Internal, "view %q has no stored query", rel.Name)
}

// boolOption parses the value of a boolean option the way Postgres parses
// a boolean setting.
func boolOption(name, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "on", "yes", "1", "t":
		return true, nil
	case "false", "off", "no", "0", "f":
		return false, nil
	}
	return false, sqlerr.New(sqlerr.InvalidParameterValue, "%s requires a Boolean value", name)
}

// Open starts the subscription: the snapshot (unless SNAPSHOT = false) is
// ready at once and every later change follows. buffer is the number of
// timestamps the reader may fall behind (SubscribeBuffer if <= 0).
func (p *SubscribePlan) Open(c *coord.Coordinator, buffer int) (*Subscriber, error) {
	if buffer <= 0 {
		buffer = SubscribeBuffer
	}
	var (
		snap []stream.Update
		ts   stream.Timestamp
		sub  *coord.Subscription
		err  error
	)
	if p.query != nil {
		snap, ts, sub, err = c.SubscribePlan(p.query, buffer)
	} else {
		snap, ts, sub, err = c.Subscribe(p.id, buffer)
	}
	if err != nil {
		return nil, err
	}
	s := &Subscriber{plan: p, coord: c, sub: sub}
	if p.Snapshot {
		s.appendUpdates(ts, snap)
	}
	s.progressTo(ts + 1)
	return s, nil
}

// Subscriber turns a coordinator subscription into the rows of SUBSCRIBE:
// the rows of one timestamp are together, timestamps ascend, and with
// PROGRESS a progress row with timestamp t says that every row with a
// timestamp below t has been returned.
//
// Progress is learned two ways: after the change batch of timestamp t
// (each batch holds all of its timestamp) the frontier is t+1, and while
// idle the subscriber reads coord.Now() every progressPoll: the
// coordinator publishes a timestamp's batches before Now() reports it, so
// once the channel is drained after reading Now() = n, every row up to n
// has been seen.
//
// A Subscriber is used by one goroutine at a time.
type Subscriber struct {
	plan  *SubscribePlan
	coord *coord.Coordinator
	sub   *coord.Subscription

	rows     []datum.Row // ready rows; rows[head:] not yet returned
	head     int
	frontier stream.Timestamp // progress reported so far
	done     error            // io.EOF or why the subscription ended
}

// Columns are the output columns.
func (s *Subscriber) Columns() []pgwire.Column { return s.plan.Columns }

// Close ends the subscription.
func (s *Subscriber) Close() { s.sub.Close() }

// appendUpdates adds the rows of the updates at ts: retractions first, then
// insertions, each in row order, so that output is deterministic.
func (s *Subscriber) appendUpdates(ts stream.Timestamp, us []stream.Update) {
	us = stream.Consolidate(slices.Clone(us))
	slices.SortFunc(us, func(a, b stream.Update) int {
		if (a.Diff < 0) != (b.Diff < 0) {
			if a.Diff < 0 {
				return -1
			}
			return 1
		}
		return datum.CompareRows(a.Row, b.Row)
	})
	prefix := 2
	if s.plan.Progress {
		prefix = 3
	}
	for _, u := range us {
		row := make(datum.Row, 0, prefix+len(u.Row))
		row = append(row, datum.NewInt8(int64(ts)))
		if s.plan.Progress {
			row = append(row, datum.NewBool(false))
		}
		row = append(row, datum.NewInt8(int64(u.Diff)))
		s.rows = append(s.rows, append(row, u.Row...))
	}
}

// progressTo reports (with PROGRESS) that every timestamp below ts is
// complete, if that is news.
func (s *Subscriber) progressTo(ts stream.Timestamp) {
	if ts <= s.frontier {
		return
	}
	s.frontier = ts
	if !s.plan.Progress {
		return
	}
	row := make(datum.Row, len(s.plan.Columns))
	for i := range row {
		row[i] = datum.Null
	}
	row[0] = datum.NewInt8(int64(ts))
	row[1] = datum.NewBool(true)
	s.rows = append(s.rows, row)
}

// take handles one receive from the subscription's channel.
func (s *Subscriber) take(b coord.ChangeBatch, ok bool) {
	if !ok {
		s.done = s.sub.Err()
		if s.done == nil {
			s.done = io.EOF
		}
		return
	}
	s.appendUpdates(b.Time, b.Updates)
	s.progressTo(b.Time + 1)
}

// poll collects, without waiting, every batch already delivered.
func (s *Subscriber) poll() {
	if s.done != nil {
		return
	}
	var now stream.Timestamp
	if s.plan.Progress {
		now = s.coord.Now()
	}
	for {
		select {
		case b, ok := <-s.sub.C:
			s.take(b, ok)
			if !ok {
				return
			}
		default:
			if s.plan.Progress {
				s.progressTo(now + 1)
			}
			return
		}
	}
}

// Available is the number of rows that can be returned without waiting.
func (s *Subscriber) Available() int {
	s.poll()
	return len(s.rows) - s.head
}

// errFetchTimeout ends a Wait whose timeout expired.
var errFetchTimeout = sqlerr.New(sqlerr.QueryCanceled, "timeout")

// Wait blocks until a row is available, the subscription ends (its error:
// io.EOF after Close), ctx is done, or timeout fires (errFetchTimeout; a
// nil channel never fires).
func (s *Subscriber) Wait(ctx context.Context, timeout <-chan time.Time) error {
	for {
		n := s.Available()
		if s.done != nil && s.done != io.EOF {
			// A failed subscription (too slow, view dropped) reports its
			// error at once rather than a stale prefix of its changes.
			return s.done
		}
		if n > 0 {
			return nil
		}
		if s.done != nil {
			return s.done
		}
		var tick <-chan time.Time
		var t *time.Timer
		if s.plan.Progress {
			t = time.NewTimer(progressPoll)
			tick = t.C
		}
		var err error
		select {
		case b, ok := <-s.sub.C:
			s.take(b, ok)
		case <-tick:
		case <-timeout:
			err = errFetchTimeout
		case <-ctx.Done():
			err = context.Cause(ctx)
		}
		if t != nil {
			t.Stop()
		}
		if err != nil {
			return err
		}
	}
}

// Next returns the next row, waiting for it if need be.
func (s *Subscriber) Next(ctx context.Context) (datum.Row, error) {
	if err := s.Wait(ctx, nil); err != nil {
		return nil, err
	}
	row := s.rows[s.head]
	s.rows[s.head] = nil
	s.head++
	if s.head == len(s.rows) {
		s.rows, s.head = s.rows[:0], 0
	}
	return row, nil
}

// subscribeResult streams a subscription as a statement's rows.
type subscribeResult struct{ sub *Subscriber }

var _ pgwire.BlockingResult = (*subscribeResult)(nil)

func (r *subscribeResult) Next(ctx context.Context) (datum.Row, error) { return r.sub.Next(ctx) }
func (r *subscribeResult) WillBlock() bool                             { return r.sub.Available() == 0 }
func (r *subscribeResult) Tag() string                                 { return "SUBSCRIBE" }
func (r *subscribeResult) Close()                                      { r.sub.Close() }

// copyResult sends a result's rows as COPY ... TO STDOUT data.
type copyResult struct {
	pgwire.Result
	columns int
}

var _ pgwire.CopyResult = (*copyResult)(nil)

func (r *copyResult) CopyColumns() int { return r.columns }

func (r *copyResult) WillBlock() bool {
	b, ok := r.Result.(pgwire.BlockingResult)
	return ok && b.WillBlock()
}

// planSubscribe plans SUBSCRIBE as a statement whose rows never end.
func (st *statement) planSubscribe(cat *catalog.Catalog, n *parse.Subscribe) error {
	p, err := PlanSubscribe(cat, n)
	if err != nil {
		return err
	}
	st.cols = p.Columns
	st.run = func(ctx context.Context, _ []datum.Datum) (pgwire.Result, error) {
		sub, err := p.Open(st.s.coord, SubscribeBuffer)
		if err != nil {
			return nil, err
		}
		return &subscribeResult{sub: sub}, nil
	}
	return nil
}

// planCopy plans COPY (SUBSCRIBE ... | SELECT ...) TO STDOUT. Like COPY in
// Postgres, the statement describes no columns: its rows travel as
// CopyData in the text format.
func (st *statement) planCopy(cat *catalog.Catalog, n *parse.Copy) error {
	for k, v := range n.Options {
		if k != "format" || strings.ToLower(v) != "text" {
			return sqlerr.New(sqlerr.FeatureNotSupported, "COPY option %s %s is not supported", strings.ToUpper(k), v).
				WithHint("Only the text format is supported.")
		}
	}
	switch q := n.Query.(type) {
	case *parse.Subscribe:
		p, err := PlanSubscribe(cat, q)
		if err != nil {
			return err
		}
		st.run = func(ctx context.Context, _ []datum.Datum) (pgwire.Result, error) {
			sub, err := p.Open(st.s.coord, SubscribeBuffer)
			if err != nil {
				return nil, err
			}
			return &copyResult{Result: &subscribeResult{sub: sub}, columns: len(p.Columns)}, nil
		}
		return nil
	case *parse.TiDB:
		rs, ok := q.Node.(ast.ResultSetNode)
		if !ok {
			return sqlerr.New(sqlerr.FeatureNotSupported, "COPY supports a SELECT or a SUBSCRIBE only")
		}
		pq, err := planner.PlanQuery(cat, rs, st.paramTypes)
		if err != nil {
			return err
		}
		st.params = pq.Params
		cols := len(queryColumns(cat, pq))
		st.run = func(ctx context.Context, params []datum.Datum) (pgwire.Result, error) {
			rows, err := st.s.query(ctx, pq, params)
			if err != nil {
				return nil, err
			}
			return &copyResult{Result: &rowsResult{rows: rows}, columns: cols}, nil
		}
		return nil
	}
	return sqlerr.New(sqlerr.FeatureNotSupported, "COPY supports a SELECT or a SUBSCRIBE only")
}

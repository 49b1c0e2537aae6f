package coord

import (
	"fmt"
	"slices"

	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/executor/arrangement"
	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/stream"
)

// Lookup asks a read for only the rows of a relation whose columns Cols
// equal Key (canonical SQL equality; NULL keys match nothing), instead of
// the whole relation.
type Lookup struct {
	Cols []int
	Key  datum.Row
}

// index is a view's rows arranged by some of its columns, built on the
// first read that asks for it and maintained with every step after.
type index struct {
	cols []int
	arr  *arrangement.Arrangement
}

func indexName(cols []int) string { return fmt.Sprint(cols) }

// Read copies the contents of the relations ids, all at one timestamp,
// which it returns (rows repeated by their multiplicity); a view with row
// errors fails with the first of them. For the relations in lookups it
// copies only the rows under the lookup's key: from a table's primary key,
// or from an index on the view (created on first use), so point reads on
// large views cost the rows they return.
func (c *Coordinator) Read(ids []plan.RelationID, lookups map[plan.RelationID]Lookup) (stream.Timestamp, map[plan.RelationID][]datum.Row, error) {
	c.ensureIndexes(lookups)
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make(map[plan.RelationID][]datum.Row, len(ids))
	for _, id := range ids {
		cid := catalog.ID(id)
		if src := c.snapshotting(cid, 0); src != nil {
			return 0, nil, sqlerr.New(sqlerr.ObjectNotInPrerequisiteState,
				"source %q is still taking its initial snapshot", src.Name).
				WithHint("Reads of its tables and of views over them wait for the snapshot to complete; SHOW SOURCES shows its progress.")
		}
		v, isView := c.views[cid]
		if isView {
			if v.broken != nil {
				return 0, nil, v.broken
			}
			if err := v.df.Errors(); err != nil {
				return 0, nil, err
			}
		} else if _, ok := c.tables[cid]; !ok {
			return 0, nil, sqlerr.New(sqlerr.UndefinedTable, "relation with id %d does not exist", id)
		}
		var rows []datum.Row
		emit := func(row datum.Row, n int64) {
			for range n {
				rows = append(rows, row)
			}
		}
		lk, ok := lookups[id]
		switch {
		case ok && anyNull(lk.Key):
		case ok && !isView && slices.Equal(lk.Cols, c.tables[cid].rel.PrimaryKey):
			if r, ok := c.tables[cid].rows[string(datum.EncodeKey(nil, lk.Key, nil))]; ok {
				emit(r.row, r.count)
			}
		case ok && isView && v.indexes[indexName(lk.Cols)] != nil:
			v.indexes[indexName(lk.Cols)].arr.Lookup(datum.EncodeKey(nil, lk.Key, nil), func(row datum.Row, n stream.Diff) bool {
				emit(row, int64(n))
				return true
			})
		default:
			c.scan(cid, emit)
		}
		out[id] = rows
	}
	return c.now, out, nil
}

// snapshotting returns the source that id reads, directly or through
// views, if that source has not completed its initial snapshot: a source
// has no durable position until its snapshot commits, so the state is
// derived, never stored.
func (c *Coordinator) snapshotting(id catalog.ID, depth int) *catalog.Relation {
	r, ok := c.cat.ByID(id)
	if !ok || depth > 64 {
		return nil
	}
	if r.Kind == catalog.Source {
		if _, done := c.positions[id]; !done {
			return r
		}
		return nil
	}
	for _, d := range r.DependsOn {
		if src := c.snapshotting(d, depth+1); src != nil {
			return src
		}
	}
	return nil
}

func anyNull(r datum.Row) bool {
	for _, d := range r {
		if d.IsNull() {
			return true
		}
	}
	return false
}

// ensureIndexes builds the view indexes lookups need and do not exist yet.
func (c *Coordinator) ensureIndexes(lookups map[plan.RelationID]Lookup) {
	missing := func() bool {
		for id, lk := range lookups {
			if v, ok := c.views[catalog.ID(id)]; ok && v.indexes[indexName(lk.Cols)] == nil {
				return true
			}
		}
		return false
	}
	c.mu.RLock()
	need := missing()
	c.mu.RUnlock()
	if !need {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, lk := range lookups {
		v, ok := c.views[catalog.ID(id)]
		if !ok || v.indexes[indexName(lk.Cols)] != nil {
			continue
		}
		idx := &index{cols: slices.Clone(lk.Cols), arr: arrangement.New(slices.Clone(lk.Cols))}
		var us []stream.Update
		v.df.Output().Scan(func(row datum.Row, n stream.Diff) bool {
			us = append(us, stream.Update{Row: row, Diff: n})
			return true
		})
		idx.arr.Insert(us)
		if v.indexes == nil {
			v.indexes = map[string]*index{}
		}
		v.indexes[indexName(lk.Cols)] = idx
		c.logger.Debug("built view index for point reads", "view", v.rel.Name, "columns", lk.Cols, "rows", len(us))
	}
}

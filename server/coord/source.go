package coord

import (
	"context"

	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/stream"
	"github.com/freshet-db/freshet/storage"
)

// SourceWriter is how one source writes into Freshet: each upstream
// transaction becomes one timestamp, durable together with the source's
// upstream position (DESIGN.md §1: a position is confirmed upstream only
// after what it covers is durable here).
type SourceWriter struct {
	c      *Coordinator
	source catalog.ID
	tables []catalog.ID // Write.Table indexes into this
}

var _ connector.BatchWriter = (*SourceWriter)(nil)

// SourceWriter returns the writer for source, whose tables are given in
// the order of the source's schema list.
func (c *Coordinator) SourceWriter(source catalog.ID, tables []catalog.ID) *SourceWriter {
	return &SourceWriter{c: c, source: source, tables: tables}
}

// Position returns the source's durable upstream position, nil if none.
func (c *Coordinator) Position(source catalog.ID) []byte {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.positions[source]
}

func (w *SourceWriter) commit(writes []connector.Write, pos connector.Position) *storage.Commit {
	cm := &storage.Commit{Writes: make([]storage.TableWrite, 0, len(writes))}
	for _, wr := range writes {
		us := wr.Updates
		if len(us) > 1 {
			us = stream.Consolidate(us)
		}
		if len(us) > 0 {
			cm.Writes = append(cm.Writes, storage.TableWrite{Table: w.tables[wr.Table], Updates: us})
		}
	}
	if pos != nil {
		cm.Positions = []storage.SourcePosition{{Source: w.source, Position: pos}}
	}
	return cm
}

// Commit makes one upstream transaction durable and visible.
func (w *SourceWriter) Commit(ctx context.Context, writes []connector.Write, pos connector.Position) error {
	cm := w.commit(writes, pos)
	if len(cm.Writes) == 0 && cm.Positions == nil {
		return nil
	}
	_, err := w.c.submit(ctx, request{commit: cm})
	return err
}

// CommitBatch commits several upstream transactions, each at its own
// timestamp, sharing the loop's group commit.
func (w *SourceWriter) CommitBatch(ctx context.Context, txns []connector.Txn) error {
	replies := make([]chan result, 0, len(txns))
	var err error
	for _, t := range txns {
		cm := w.commit(t.Writes, t.Pos)
		if len(cm.Writes) == 0 && cm.Positions == nil {
			continue
		}
		r, e := w.c.enqueue(ctx, request{commit: cm})
		if e != nil {
			err = e
			break
		}
		replies = append(replies, r)
	}
	for _, r := range replies {
		if res := <-r; res.err != nil && err == nil {
			err = res.err
		}
	}
	return err
}

// Lookup returns the current row of a table by primary key values.
func (w *SourceWriter) Lookup(table int, key datum.Row) (datum.Row, bool) {
	w.c.mu.RLock()
	defer w.c.mu.RUnlock()
	t, ok := w.c.tables[w.tables[table]]
	if !ok || len(t.rel.PrimaryKey) == 0 {
		return nil, false
	}
	r, ok := t.rows[string(datum.EncodeKey(nil, key, nil))]
	if !ok {
		return nil, false
	}
	return r.row, true
}

// Truncate returns the current rows of a table (each repeated by its
// multiplicity), so a source can retract them for an upstream TRUNCATE.
func (w *SourceWriter) Truncate(table int) []datum.Row {
	w.c.mu.RLock()
	defer w.c.mu.RUnlock()
	var rows []datum.Row
	if t, ok := w.c.tables[w.tables[table]]; ok {
		t.scan(func(row datum.Row, n int64) {
			for range n {
				rows = append(rows, row)
			}
		})
	}
	return rows
}

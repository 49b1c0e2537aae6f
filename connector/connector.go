// Package connector defines how external systems exchange update batches
// with Freshet: sources (Postgres CDC, Kafka, webhooks, the load generator)
// write transactions into Freshet through a Writer; sinks (ClickHouse,
// webhooks) receive a view's updates in timestamp order.
//
// Implementations live in connector/<name> and import only sql/* and their
// client libraries; the server wires them to the coordinator.
package connector

import (
	"context"
	"time"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/stream"
	"github.com/freshet-db/freshet/sql/types"
)

// Column is a column of a table a source provides, or of a view a sink
// receives.
type Column struct {
	Name    string
	Type    types.T
	NotNull bool
}

// TableSchema describes one relation a source writes (or a sink reads).
type TableSchema struct {
	// Name is the Freshet name of the relation.
	Name    string
	Columns []Column
	// PrimaryKey lists key column positions; empty if none.
	PrimaryKey []int
}

// Write is the updates of one transaction to one table (by its index in
// the source's schema list). Updates are row changes: +1 insert, -1
// delete; an update is -old +new. Their Time is ignored: the transaction
// gets one Freshet timestamp.
type Write struct {
	Table   int
	Updates []stream.Update
}

// Position is a source's resumable position upstream (a Postgres LSN, a
// Kafka offset map), opaque to Freshet. It is stored durably together with
// the transaction that reached it.
type Position []byte

// Writer is how a source hands transactions to Freshet. The server
// implements it over the coordinator.
type Writer interface {
	// Commit makes one upstream transaction durable and visible in every
	// view as one timestamp, together with the position after it. When
	// Commit returns nil the transaction and position survive a crash, and
	// the source may confirm the position upstream.
	Commit(ctx context.Context, writes []Write, pos Position) error
	// Lookup returns the current row of a table with the given primary key
	// values (in PrimaryKey order), for sources whose upstream omits the
	// old row of an update or unchanged large values.
	Lookup(table int, key datum.Row) (datum.Row, bool)
}

// SourceState is what SHOW SOURCES reports about a source.
type SourceState struct {
	// State is "snapshotting", "running", "retrying" or "failed".
	State string
	// Reason explains a retrying or failed state.
	Reason string
	// Upstream and Confirmed are the newest upstream position seen and the
	// last one confirmed upstream, in the source's own notation.
	Upstream, Confirmed string
	// LagBytes and Lag measure how far behind upstream the source is.
	LagBytes int64
	Lag      time.Duration
	// SnapshotRows counts rows copied by the initial snapshot.
	SnapshotRows int64
	// RowsPerSecond is the recent ingest rate.
	RowsPerSecond float64
	// Errors counts errors since start.
	Errors int64
}

// SinkUpdate is one update of a view delivered to a sink.
type SinkUpdate struct {
	Row  datum.Row
	Time stream.Timestamp
	// WallTime is the wall-clock time at which Time was assigned.
	WallTime time.Time
	Diff     stream.Diff
}

// Txn is one upstream transaction: its writes and the position after it.
type Txn struct {
	Writes []Write
	Pos    Position
}

// BatchWriter is implemented by Writers that can commit several
// transactions at once: each still gets its own timestamp, in order, but
// they share one durable flush. Sources that fall behind use it to catch
// up without merging transactions.
type BatchWriter interface {
	Writer
	CommitBatch(ctx context.Context, txns []Txn) error
}

// Package sinks runs Freshet's sinks: one goroutine per sink, delivering
// every change of a table or materialized view to ClickHouse (through
// connector/clickhouse), resuming exactly where ClickHouse left off after a
// restart, and reporting its state for SHOW SINKS.
//
// # Delivery
//
// A sink's goroutine opens the ClickHouse table, which returns the sink's
// durable frontier D: the largest freshet_ts in the table (0 when empty).
// It then subscribes to the view, which yields the view's contents S at
// some timestamp T and every change after T, in timestamp order.
//
//   - T > D: the table holds the view's history up to D but not the
//     changes in (D, T]. The sink reads the state at D back from ClickHouse
//     (sum(freshet_diff) per row over freshet_ts <= D; nothing to read when
//     D = 0) and writes the difference S minus that state as one step at
//     T. After it the state in ClickHouse at T equals the view at T.
//   - T <= D: everything up to T is in the table already; the sink writes
//     nothing for the snapshot, and the connector skips any change at or
//     below D.
//
// Then every change batch of the subscription is written with its own
// timestamp, its wall-clock time and its diffs. Batches are gathered until
// BatchRows updates or FlushInterval have passed and written as one INSERT;
// the connector inserts whole timestamps atomically and retries transient
// errors with backoff, re-reading the frontier after an ambiguous failure,
// so no timestamp is written twice and none is half written.
//
// Reconciliation runs on every start of the goroutine: at server start, on
// CREATE SINK, after the subscription ended because the sink fell more
// than its buffer of batches behind the view (a ClickHouse outage, a slow
// insert), and after any retried failure. So the sink never keeps an
// unbounded backlog in memory (the view itself is the backlog) and never
// slows the view: what it missed is recovered from the view's current
// contents. The price is precision of history, not of state: the changes
// a sink did not receive (Freshet was down, or ClickHouse was, for longer
// than the buffer lasts) are collapsed into one step at the timestamp of
// the new snapshot, since Freshet does not retain a view's past versions.
// The state ClickHouse reconstructs at every timestamp it holds is the
// view's state at that timestamp; timestamps in a collapsed interval are
// absent, so "state as of T" there answers with the last state before the
// interval.
//
// Values ClickHouse cannot keep exactly (a timestamp's fraction on a
// DateTime server, the display scale of an unconstrained NUMERIC) read
// back slightly differently from the view's; reconciliation then writes a
// retraction and an insertion that ClickHouse stores as the same value,
// which leaves the reconstructed state unchanged.
//
// # Options
//
// CONNECTION and TABLE name the ClickHouse server and table; WITH takes
// MODE ('changelog', the default, or 'upsert'), BATCH_ROWS (updates per
// INSERT, default 100000; a timestamp is never split), FLUSH_INTERVAL (how
// long changes are gathered, default 200ms) and BUFFER (change batches the
// subscription may hold before the sink is cut off and reconciles, default
// 4096). Unknown options fail with 22023.
//
// # Lifecycle
//
// CREATE SINK (Manager.Create) connects and creates or checks the table
// before it registers the sink, so connection, authentication and table
// shape errors fail the statement. StartAll starts every sink of the
// catalog at server start without waiting for ClickHouse. DROP SINK
// (Manager.Drop) and a DROP ... CASCADE of the view (Manager.Stopped,
// called by the session with what was dropped) stop the sink's goroutine
// before the statement returns; a sink whose view disappears by another
// path notices when its subscription ends and stops itself.
//
// One sink must own its ClickHouse table: the frontier is the table's
// max(freshet_ts). DROP SINK stops the sink and leaves the table and its
// history in ClickHouse. A sink depends on its view: dropping the view
// needs CASCADE, which drops the sink too.
package sinks

// Package postgres is the Postgres CDC source: it copies the tables of a
// publication at a consistent snapshot and then streams their changes from
// a logical replication slot (plugin pgoutput), handing each upstream
// transaction to Freshet as one connector.Writer Commit and confirming the
// slot only up to what Freshet has made durable.
//
// # Layers
//
//	config.go     Config, New, slot naming, the session settings every
//	              upstream connection uses (ISO dates, UTC, hex bytea...)
//	discover.go   catalog queries: wal_level, the publication, its tables,
//	              column lists and row filters, columns, primary keys and
//	              replica identity; the Freshet schemas (Discover)
//	types.go      upstream type -> types.T, and text value decoding
//	              (datum.ParseText)
//	snapshot.go   CREATE_REPLICATION_SLOT ... EXPORT_SNAPSHOT, COPY of each
//	              table under that snapshot, the COPY text format decoder
//	pgoutput.go   bounds-checked parsing of row messages (Insert, Update,
//	              Delete) and Truncate
//	decode.go     the decoder: pgoutput messages -> transactions of
//	              connector.Writes (no I/O but Writer.Lookup/Truncate)
//	stream.go     one replication session: START_REPLICATION, the receive
//	              loop, Commit, standby status updates, idle advance
//	run.go        Run: the retry loop, backoff, slot checks
//	errors.go     definite versus transient errors
//	state.go      Source, State(), rates, testing knobs
//	slot.go       dropping the slot (DropSlot, for DROP SOURCE)
//	position.go   the connector.Position encoding: an LSN, "16/B374D848"
//	writer.go     TruncateWriter, the optional Writer extension for TRUNCATE
//
// # Lifecycle
//
//  1. New parses the connection string; nothing connects yet.
//  2. Discover connects over a normal session, checks wal_level = logical,
//     the publication, and that each table has a primary key (REPLICA
//     IDENTITY DEFAULT) or REPLICA IDENTITY FULL; anything else would make
//     DELETE and UPDATE impossible to apply, so it is refused up front with
//     the table named. The result fixes the schemas for the life of the
//     source: Write.Table is an index into it.
//  3. Run with a nil position (a new source) takes the snapshot: over a
//     replication session (replication=database) it drops any leftover slot
//     of the same name and creates the slot with EXPORT_SNAPSHOT; a second,
//     normal session runs BEGIN ISOLATION LEVEL REPEATABLE READ; SET
//     TRANSACTION SNAPSHOT and COPYs every table in text format. All rows
//     go to Freshet in ONE Commit whose position is the slot's consistent
//     point. A restart before that Commit returns has nothing durable, so it
//     starts over with a new slot; no partial snapshot is ever visible.
//     The price is memory: the snapshot is held until it is committed.
//  4. Streaming: START_REPLICATION SLOT s LOGICAL <position> with
//     proto_version 1 and the publication. The decoder checks each Relation
//     message against the discovered schema, assembles Begin..Commit into
//     one transaction (every table it touched) and the streamer hands it to
//     Writer.Commit with the transaction's end LSN as position.
//  5. Errors: Run retries transient errors (connection lost, server
//     restarting, slot still held by a dying walsender) from the last durable
//     position with capped, jittered exponential backoff, showing
//     "retrying: <reason>" in State. Definite errors (IsDefinite: the
//     publication or slot is gone or invalidated, the schema changed, a
//     value cannot be decoded, TRUNCATE without a TruncateWriter) and
//     Writer errors end Run.
//  6. DropSlot, after Run has returned, drops the slot for DROP SOURCE.
//
// # Changes
//
// INSERT adds the row. UPDATE retracts the old row and adds the new one.
// The old row comes from the message under REPLICA IDENTITY FULL; else it
// is looked up by primary key (the old key, sent when the key changed) —
// first among the rows this same transaction wrote (the decoder's overlay,
// which Writer.Lookup cannot see yet), then with Writer.Lookup. Unchanged
// TOASTed values ('u' columns, which pgoutput does not send) are filled in
// from that old row. DELETE retracts the old row found the same way.
// TRUNCATE retracts every current row: the committed rows from
// TruncateWriter.Truncate plus this transaction's changes so far. An
// UPDATE or DELETE whose old row Freshet lacks means the two sides have
// diverged; it is logged and applied as far as possible (a DELETE of a
// missing row changes nothing).
//
// Types: bool, int2/4/8, float4/8, numeric(p,s), text, varchar(n), bytea,
// date, timestamp, timestamptz, interval and json/jsonb (as JSONB) map to
// their Freshet types; character(n), "char", name, uuid, enums and arrays
// keep Postgres's text output as TEXT (arrays in literal form, {1,2});
// domains map as their base type; any other type is replicated as TEXT
// with a warning at discovery.
//
// # Invariants
//
//   - Confirm only after durable. The flush position in every standby
//     status update is the position of a Commit that returned nil (the
//     snapshot's consistent point, a transaction's end LSN, or an idle
//     advance), never anything newer. The server may recycle WAL up to it,
//     so confirming earlier than durable loses changes on a crash.
//   - Exactly once. Positions are transaction end LSNs. On resume,
//     START_REPLICATION begins at the durable position, and the decoder
//     also drops any transaction whose commit lies before it. Run refuses a
//     slot whose confirmed_flush_lsn is past the durable position.
//   - One upstream transaction is one Commit, with all its tables'
//     changes; transactions that touch no replicated table produce none.
//   - Idle advance: when only other tables (or databases) write, nothing
//     would move the slot and WAL would pile up upstream. After IdleAdvance
//     without replicated transactions, a keepalive's WAL end is committed as
//     an empty transaction and then confirmed. This is safe because the
//     server decodes a transaction at its commit record and sends it before
//     any keepalive that reports a WAL end past that record.
//   - Schemas are fixed: a Relation message that differs from discovery (a
//     column added, dropped, renamed, retyped) is a definite error.
//   - Malformed messages are errors, never panics or huge allocations.
//
// # Debugging
//
// Upstream, the slot and its walsender:
//
//	SELECT slot_name, active_pid, confirmed_flush_lsn, restart_lsn,
//	       pg_current_wal_lsn() - confirmed_flush_lsn AS lag_bytes,
//	       wal_status FROM pg_replication_slots;
//	SELECT pid, application_name, state, sent_lsn, flush_lsn
//	FROM pg_stat_replication WHERE application_name = 'freshet';
//	SELECT * FROM pg_publication_tables WHERE pubname = '...';
//
// confirmed_flush_lsn equals State().Confirmed after at most StatusInterval.
// A confirmed_flush_lsn that does not move while State().Upstream does means
// no replicated transaction is arriving (idle advance moves it after
// IdleAdvance) or Commit is stuck; a Commit slower than the server's
// wal_sender_timeout gets the session killed and retried. To watch what the
// slot would send without consuming it, use a second slot with
// pg_recvlogical or pg_logical_slot_peek_binary_changes. The source logs
// snapshot progress, and rates, positions and lag every ProgressInterval
// (at debug level when idle). Tests: go test ./connector/postgres/ (a
// throw-away server from internal/testpg; -seed for TestRandomized; -v for
// logs); BenchmarkDecode and BenchmarkDecodeApply measure the decoder.
package postgres

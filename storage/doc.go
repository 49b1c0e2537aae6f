// Package storage makes Freshet's own state durable: the catalog and the
// contents of tables live in a write-ahead log in the data directory.
//
// # Layout
//
//	<data-dir>/FRESHET     format marker (JSON: format version, creator)
//	<data-dir>/wal         the log: a sequence of framed records
//	<data-dir>/wal.tmp     a checkpoint being written (ignored at startup)
//
// # Records
//
// Each record is framed as
//
//	[4 bytes length of payload, big endian][4 bytes CRC-32C of payload][payload]
//
// and the payload's first byte is its kind: a catalog change (create or
// drop a relation) or a commit (a timestamp and the row updates of one
// transaction, per table). Appends are fsynced before Append returns, so an
// acknowledged write survives kill -9.
//
// # Recovery
//
// Open replays the log in order. A torn final record (the process died
// mid-append: the frame runs past the end of the file or its checksum fails
// and nothing follows) is cut off; that write was never acknowledged. A bad
// record followed by more data is corruption and Open fails with its offset.
//
// # Checkpoints
//
// Checkpoint rewrites the log as one snapshot: the live catalog and each
// table's contents, written to wal.tmp, fsynced, and renamed over wal (then
// the directory is fsynced), so a crash at any point leaves either the old
// or the new log.
package storage

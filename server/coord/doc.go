// Package coord is the coordinator: the one goroutine that owns every
// change to Freshet's state. It assigns timestamps (the timestamp oracle),
// makes commits and catalog changes durable in the log before applying
// them, applies table writes, steps the dataflows of materialized views so
// that every view is up to date at every timestamp, and publishes the
// state that reads see.
//
// Invariants (see MAINTAINER_GUIDE.md):
//  1. One transaction is one timestamp; timestamps strictly increase.
//  2. A commit is acknowledged only after its log record is fsynced, and
//     only after every dependent view has been stepped through it.
//  3. Readers hold the read lock while copying state, so a read sees every
//     table and view at the same timestamp, never half a transaction.
//  4. Views are stepped in creation (ID) order; a view only reads relations
//     created before it, so its inputs are final for the timestamp.
package coord

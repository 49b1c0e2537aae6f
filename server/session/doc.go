// Package session is the SQL state of one client connection: settings,
// the transaction block and its pending writes, and the dispatch of each
// parsed statement to the planner, the coordinator and the executor. It
// implements pgwire.Session.
//
// Transactions: outside BEGIN each statement commits on its own (one
// timestamp). Inside BEGIN ... COMMIT the writes collect in the session and
// commit together as one timestamp; reads of a table inside the block see
// the block's own writes (materialized views reflect them only after
// COMMIT). After an error inside a block every statement fails with 25P02
// until ROLLBACK (or COMMIT, which then rolls back), as in Postgres.
//
// SUBSCRIBE (subscribe.go): PlanSubscribe and Subscriber turn a
// coordinator subscription into rows (timestamp, [progressed,] diff,
// columns...), shared by the SUBSCRIBE statement, COPY (...) TO STDOUT,
// cursors (cursor.go: DECLARE/FETCH/CLOSE, closed when the transaction
// block ends) and the server's HTTP event stream.
package session

// Package clickhouse is the ClickHouse history sink: it writes every update
// of a view, with its Freshet timestamp and diff, into a ClickHouse table
// through the native protocol (github.com/ClickHouse/clickhouse-go/v2).
//
//	CREATE SINK revenue_history FROM revenue_by_category
//	  INTO CLICKHOUSE CONNECTION 'clickhouse://default:@127.0.0.1:9000/shop'
//	  TABLE 'revenue_by_category_history' [MODE CHANGELOG | UPSERT]
//
// # Table
//
// Open creates the table when it is missing: the view's columns, with the
// same names and the types below, followed by
//
//	freshet_ts       UInt64          Freshet's logical timestamp of the update
//	freshet_time     DateTime64(3)   wall clock of that timestamp, UTC
//	                                 (DateTime, whole seconds, before 20.1)
//	freshet_diff     Int64           signed multiplicity (MODE CHANGELOG)
//	freshet_deleted  UInt8           1 when the key was deleted (MODE UPSERT)
//
// An existing table must have these columns with these types (or the types
// ClickHouse 18.16 would have got: a table may predate a server upgrade;
// DateTime time zones and LowCardinality do not matter) or Open fails with
// an error naming the first column that does not fit (SQLSTATE 42703 for a
// missing column, 42804 for a wrong type, 42P16 for an engine that would
// merge away changelog rows). Extra columns are allowed (they get their
// defaults: every INSERT lists its columns, as 18.16 requires).
//
// MODE CHANGELOG (the default) appends every update to a MergeTree ordered
// by the view's key columns (all its columns when it has no key; Nullable
// columns are left out, as old servers cannot sort by them) and freshet_ts.
// The view's state at any past timestamp T is
//
//	SELECT <columns>, sum(freshet_diff) AS count
//	FROM revenue_by_category_history
//	WHERE freshet_ts <= T
//	GROUP BY <columns>
//	HAVING count > 0
//
// MODE UPSERT (views with a unique key, NOT NULL key columns) keeps the
// current row per key in a ReplacingMergeTree(freshet_ts) ordered by the
// key: each timestamp writes, per changed key, the new row, or the old row
// with freshet_deleted = 1. Background merges keep the newest version of a
// key; until then several may coexist, so read the current state with
//
//	SELECT <columns> FROM revenue_by_category_history FINAL
//	WHERE freshet_deleted = 0
//
// ReplacingMergeTree with a marker column works on every version from 18.16
// on (the is_deleted parameter of ReplacingMergeTree needs 23.2, and
// CollapsingMergeTree would need the previous row's exact values at every
// update, which the server would have to read back after a restart). Deleted
// keys stay as markers; OPTIMIZE TABLE ... FINAL does not remove them.
//
// # Types
//
// The server version (SELECT version()) decides the types of a new table:
//
//	| Freshet                    | ClickHouse 18.16        | ClickHouse ≥ 20.1 / 21.9 / 21.12 | Notes |
//	|----------------------------|-------------------------|----------------------------------|-------|
//	| boolean                    | UInt8 (0/1)             | Bool (≥ 21.12)                   | |
//	| smallint, integer, bigint  | Int16, Int32, Int64     | same                             | |
//	| real, double precision     | Float32, Float64        | same                             | |
//	| numeric(p,s), p ≤ 38       | Decimal(p, s)           | same                             | exact |
//	| numeric(p,s), p > 38       | String                  | same                             | exact, Postgres text form |
//	| numeric                    | Decimal(38, 10)         | same                             | rounded half away from zero to 10 decimals; more than 28 integer digits, NaN and ±Infinity are rejected |
//	| text, varchar(n)           | String                  | same                             | |
//	| jsonb                      | String                  | same                             | normalized JSON text |
//	| bytea                      | String                  | same                             | raw bytes |
//	| interval                   | String                  | same                             | Postgres text form ("1 mon 2 days 03:00:00"): months and days are not a fixed number of seconds |
//	| date                       | Date                    | Date32 (≥ 21.9)                  | Date holds 1970-01-01..2105-12-31 (and 18.16 prints 1970-01-01 as 0000-00-00), Date32 1900..2299; other dates are rejected |
//	| timestamp, timestamptz     | DateTime('UTC')         | DateTime64(6, 'UTC') (≥ 20.1)    | DateTime keeps whole seconds (the fraction is dropped, rounding down) and holds 1970-01-01..2105-12-31; DateTime64(6) keeps microseconds, 1900..2262 |
//	| column that may be NULL    | Nullable(T)             | Nullable(T)                      | |
//
// A value a column cannot hold fails the Write with SQLSTATE 22003 and the
// sink stops (state "failed"): it never writes a different value.
//
// # Delivery
//
// Write receives whole timestamps in time order and inserts each run of
// them of up to BatchRows rows as one block. The table has no partition
// key, so one block is one part, which ClickHouse adds atomically: after a
// crash the table holds a prefix of the timestamps, and max(freshet_ts),
// which Open returns, is the sink's durable frontier. The server resumes
// after it and never re-sends a timestamp at or below it. Within one run,
// an error that may have hidden a successful insert (a connection lost
// while the server answered) makes the sink read max(freshet_ts) again
// before retrying, so a timestamp is written exactly once. This needs one
// sink per table (two sinks writing one table would see each other's
// frontier).
//
// An INSERT whose client gave up (a cancelled context, a crashed server)
// can still be running in ClickHouse, and commit, after the client is
// gone. So every INSERT carries the query_id
// "freshet-sink:<database>.<table>:<first ts>-<last ts>", and before it
// reads the frontier (in Open, and after an ambiguous error) the sink waits
// until system.processes lists no query with that prefix. ClickHouse also
// refuses a query whose id is that of a running one, so a retry of a block
// cannot overlap an earlier attempt of it.
//
// Transient errors (connection refused or lost, server restarting or
// overloaded, too many parts) are retried with exponential backoff (100ms
// doubling to 10s) and jitter until the caller's context ends; the state,
// retry count and last error are in State (SHOW SINKS). Other errors
// (authentication, a missing database, an incompatible table, a value out
// of range) fail at once.
//
// # Reading back
//
// StateAsOf(ts) returns the view's contents at ts, from the CHANGELOG
// table (the server uses it to reconcile after a restart), with the query
// above. On servers before 20.1 whose table has a Decimal column of
// precision above 18, the sink sums the diffs itself instead: ClickHouse
// 18.16 crashes (SIGSEGV in ColumnDecimal<Decimal128>) grouping by several
// keys of which one is a Decimal128. Values come back with the view's
// types; an unconstrained NUMERIC comes back without trailing zeros (the
// original display scale is not stored), a timestamp on a DateTime server
// without its fraction. For an UPSERT table only the current state can be
// read (old versions are merged away).
package clickhouse

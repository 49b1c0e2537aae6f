// Package logictest runs end-to-end SQL logic tests over the Postgres wire
// protocol, against a fresh Freshet server per file (or against any server
// that speaks the protocol, real PostgreSQL included).
//
// It reads two formats.
//
// # The .slt dialect (server/testdata/logic/*.slt)
//
// After CockroachDB's logic tests. A file is a sequence of records separated
// by blank lines; lines starting with # between records are comments. If the
// first line of a file is "# freshet-only", the file uses Freshet-only SQL
// and is skipped when the files are validated against PostgreSQL.
//
//	statement ok
//	CREATE TABLE t (a INT PRIMARY KEY, b TEXT)
//
//	statement count 2
//	INSERT INTO t VALUES (1, 'x'), (2, NULL)
//
//	statement error pgcode 23505 duplicate key
//	INSERT INTO t VALUES (1, 'y')
//
//	query IT rowsort
//	SELECT a, b FROM t
//	----
//	1 x
//	2 NULL
//
//	query error pgcode 42P01 relation "nope" does not exist
//	SELECT * FROM nope
//
// Record headers:
//
//   - statement ok: the SQL must succeed.
//   - statement count N: it must succeed and report N rows affected.
//   - statement error [pgcode CODE] [regexp]: it must fail, with SQLSTATE CODE
//     if given and a message matching regexp (the rest of the line, RE2
//     syntax, unanchored) if given.
//   - query <types> [options]: the SQL must return the rows after the "----"
//     line. <types> has one letter per column: T text, I integer, B boolean,
//     R a number shown with three decimals (the value is rounded, as in
//     SQLite's sqllogictest), F a float shown with 6 significant digits; other
//     letters compare the text as is. Options, separated by spaces or commas:
//     nosort (the default: the order is the server's), rowsort (sort rows),
//     valuesort (sort all values), colnames (the first expected line is the
//     column names), retry (run again until the result matches or the retry
//     timeout passes: the way to wait for a materialized view to catch up,
//     never a sleep), simple (use the simple query protocol for this record).
//   - query error [pgcode CODE] [regexp]: the query must fail.
//
// Any statement or query record may be preceded by "skipif <engine>" or
// "onlyif <engine>" lines; the engine is "freshet" or "postgresql".
//
// Expected rows are written one per line, columns separated by a space. Values
// are the server's text format (what psql prints), NULL as NULL and the empty
// string as ·. Results are compared as sequences of whitespace-separated
// words, so a value containing spaces is written as it is.
//
// Control records:
//
//   - connection <name>: run the following records on the named connection,
//     opened on first use (the first connection is "default"). Used to check
//     what one session sees of another's writes. "user <name>" is accepted as
//     a synonym.
//   - protocol simple | protocol extended: switch between the simple query
//     protocol and the extended one (the default, one Parse/Bind/Execute per
//     record with text results). Several statements in one record need simple.
//   - halt: stop reading the file.
//
// # SQLite's sqllogictest format (../shared/sqllogictest)
//
// The format of the external conformance corpus (see COMPAT.md §5.3): values
// one per line, "N values hashing to <md5>" above the hash threshold (default
// 8, changed by "hash-threshold N"), I/T/R rendering by the type letter,
// nosort/rowsort/valuesort, labels, skipif/onlyif with the engine name
// "mysql", statement ok/error without message checks, halt. Records are run
// with the simple query protocol.
//
// # Running
//
//	go test ./server/logictest                          # everything
//	go test ./server/logictest -run 'TestLogic/views'   # one .slt file on Freshet
//	go test ./server/logictest -run TestLogicPostgres   # the .slt files on PostgreSQL
//	go test ./server/logictest -run TestLogic -rewrite  # fill in expected output
//	go test ./server/logictest -run TestLogic -addr 127.0.0.1:6875  # a running server
//	go test ./server/logictest -run TestSQLite -v       # the SQLite corpus
//
// TestLogicPostgres validates every .slt file that is not "# freshet-only"
// against a real PostgreSQL (internal/testpg): the expected output of plain
// SQL is PostgreSQL's, and Freshet must match it. With -rewrite it fills in
// expected output from PostgreSQL.
//
// TestSQLite runs select1.test … select5.test and evidence/*.test from
// ../shared/sqllogictest (override with -slt-dir and -slt-files) and reports
// passed/failed/skipped counts per file and the first failures. Records that
// are known to fail are listed, as file:line, in
// testdata/sqlite-known-failures.txt: the test fails on any failure that is
// not in the list (a regression) and logs entries of the list that now pass.
// After fixing or breaking things on purpose, regenerate the list with
//
//	go test ./server/logictest -run TestSQLite -rewrite-known
//
// and review its diff: lines removed are progress, lines added are
// regressions that need a reason. -slt-strict ignores the list and fails on
// every failure.
package logictest

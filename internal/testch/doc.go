// Package testch starts throw-away ClickHouse servers for tests.
//
// Tests that need a real ClickHouse (the history sink in connector/clickhouse)
// call Start, which
//
//  1. finds the server binary: $FRESHET_CLICKHOUSE_SERVER if set, else
//     clickhouse-server on $PATH or in /usr/sbin or /usr/bin (Debian's
//     package clickhouse-server puts it in /usr/sbin), else the single
//     `clickhouse` binary of newer releases, run as `clickhouse server`;
//  2. writes a minimal configuration into a fresh temporary directory (data,
//     tmp and user_files paths there, logs to files there, listening on
//     127.0.0.1 only, native and HTTP ports chosen free, user default with no
//     password, a small mark cache, no ZooKeeper, time zone UTC);
//  3. starts the server and waits until `SELECT 1` succeeds over the native
//     protocol (polling with a deadline, no fixed sleeps; it fails at once
//     with the server's error log if the process exits, and retries on new
//     ports if a chosen one was taken meanwhile);
//  4. registers a t.Cleanup that stops the server and removes the directory.
//
// Debian's ClickHouse (18.16) runs as root without complaint, so the server
// runs with the test's own credentials.
//
// Exec and Query run SQL through the HTTP interface (which, unlike
// clickhouse-go's native protocol with 18.16, accepts INSERT ... VALUES);
// Query returns TabSeparated output, which makes exact assertions easy.
// Conn opens a clickhouse-go connection.
//
// Stop kills the server and Restart starts it again on the same ports with
// the same data, for tests of outages. NewDatabase gives each test an empty
// database of its own.
//
// When no binary is found, Start fails the test if the environment variable
// CI is set and skips it otherwise, with a message that says how to install
// one:
//
//	apt-get install -y clickhouse-server clickhouse-client
//
// To share one server among the tests of a package, declare a Shared and
// close it in TestMain, as with internal/testpg.
package testch

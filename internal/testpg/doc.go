// Package testpg starts throw-away PostgreSQL servers for tests.
//
// Tests that need a real Postgres (the CDC connector, the logic-test runner in
// its validation mode, wire-compatibility checks) call Start, which
//
//  1. finds the server binaries: $FRESHET_PG_BINDIR, else the newest
//     /usr/lib/postgresql/<version>/bin (Debian's layout; `make test` runs
//     scripts/install-deps.sh, which installs the packages when missing and
//     exports FRESHET_PG_BINDIR);
//  2. runs initdb into a fresh temporary directory (trust authentication,
//     including replication connections from 127.0.0.1; C locale, UTF8);
//  3. starts postgres on a free loopback port with wal_level=logical,
//     max_wal_senders=10, max_replication_slots=10 and fsync=off, its Unix
//     socket in the same temporary directory, and retries on another port if
//     the chosen one was taken in the meantime;
//  4. waits until a pgx connection succeeds (polling, with a deadline; it
//     fails at once with the server log if postgres exits);
//  5. registers a t.Cleanup that shuts the server down (immediate mode) and
//     removes the directory.
//
// PostgreSQL refuses to run as root. When the test runs as root, initdb and
// postgres run as the system user "postgres" (created if it does not exist),
// by setting the process credentials directly rather than through runuser,
// and the temporary directory is handed to that user. The server process
// gets SIGQUIT if the test binary dies, so no cluster outlives its test.
//
// When no binaries are found, Start fails the test if the environment variable
// CI is set and skips it otherwise, with a message that says how to install
// them.
//
// To share one server among the tests of a package, declare a Shared and close
// it in TestMain:
//
//	var pg testpg.Shared
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		pg.Close()
//		os.Exit(code)
//	}
//
//	func TestSomething(t *testing.T) {
//		srv := pg.Get(t)          // started on first use
//		dsn := srv.NewDatabase(t) // an empty database of this test's own
//		...
//	}
package testpg

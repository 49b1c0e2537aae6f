package pgwire_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/freshet-db/freshet/server/pgwire"
)

// runPsql runs psql 15 against addr with args and returns its combined
// output.
func runPsql(t *testing.T, addr string, args ...string) string {
	t.Helper()
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("psql not installed")
	}
	host, port, _ := net.SplitHostPort(addr)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, psql, append([]string{"-X", "-h", host, "-p", port, "-U", "freshet", "-d", "freshet"}, args...)...)
	cmd.Env = append(os.Environ(), "PGSSLMODE=prefer", "PGCONNECT_TIMEOUT=5", "PGTZ=UTC")
	out, _ := cmd.CombinedOutput()
	return string(out)
}

func TestPsql(t *testing.T) {
	addr, _ := startServer(t, pgwire.Config{})
	out := runPsql(t, addr, "-c", "SELECT 1 AS a, 'x' AS b")
	want := ` a | b 
---+---
 1 | x
(1 row)

`
	if out != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out, want)
	}

	script := filepath.Join(t.TempDir(), "script.sql")
	if err := os.WriteFile(script, []byte(`BEGIN;
SELECT * FROM all_types;
SELECT error('22012');
SELECT 1;
ROLLBACK;
SELECT generate_series(1, 3);
SET application_name = 'x';
`), 0o600); err != nil {
		t.Fatal(err)
	}
	out = runPsql(t, addr, "-f", script)
	want = `BEGIN
 b | i2 |   i4   |        i8         | f4  |  f8   |    n     |   t   | v |     d      |             ts             |             tstz              |                  iv                  |       j       |    by    
---+----+--------+-------------------+-----+-------+----------+-------+---+------------+----------------------------+-------------------------------+--------------------------------------+---------------+----------
 t | -7 | 123456 | -9000000000000000 | 1.5 | -2.25 | 12345.50 | héllo |   | 2024-03-05 | 2024-03-05 01:02:03.456789 | 2024-03-05 01:02:03.456789+00 | 1 year 2 mons 3 days 00:00:04.000005 | {"a": [1, 2]} | \x0001ff
   |    |        |                   |     |       |          |       |   |            |                            |                               |                                      |               | 
(2 rows)

psql:SCRIPT:3: ERROR:  test error 22012
HINT:  a hint
psql:SCRIPT:4: ERROR:  current transaction is aborted, commands ignored until end of transaction block
ROLLBACK
 generate_series 
-----------------
               1
               2
               3
(3 rows)

SET
`
	out = strings.ReplaceAll(out, script, "SCRIPT")
	if out != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out, want)
	}
}

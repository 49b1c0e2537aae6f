package server_test

import (
	"bytes"
	"flag"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite the psql golden files in testdata/psql")

// TestPsqlScripts runs each testdata/psql/*.sql script through the real
// psql client against a fresh server and compares everything psql prints
// (results, command tags, errors) with the .out golden file next to it.
func TestPsqlScripts(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("psql not found: make test installs postgresql-client")
		}
		t.Skip("psql not found; run make test to install it")
	}
	scripts, err := filepath.Glob("testdata/psql/*.sql")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no psql scripts found: %v", err)
	}
	for _, script := range scripts {
		name := strings.TrimSuffix(filepath.Base(script), ".sql")
		t.Run(name, func(t *testing.T) {
			s := startServer(t, "")
			host, port, _ := net.SplitHostPort(s.PGAddr())
			cmd := exec.Command(psql, "-X", "-h", host, "-p", port, "-U", "freshet", "-d", "freshet",
				"--echo-all", "-v", "VERBOSITY=default", "-f", script)
			cmd.Env = append(os.Environ(), "PGSSLMODE=disable", "PGTZ=UTC", "PAGER=", "PSQL_PAGER=")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				t.Fatalf("psql failed: %v\n%s", err, out.String())
			}
			// psql names the script file in error lines; keep the golden
			// file independent of the path.
			got := strings.ReplaceAll(out.String(), script, filepath.Base(script))
			golden := strings.TrimSuffix(script, ".sql") + ".out"
			if *updateGolden {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update-golden to create it)", err)
			}
			if got != string(want) {
				t.Errorf("psql output differs from %s (run with -update-golden after checking):\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
		})
	}
}

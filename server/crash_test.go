package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/freshet-db/freshet/server"
)

// TestMain lets the test binary double as a server process for the crash
// test: with FRESHET_TEST_SERVE_DIR set it serves that data directory and
// writes its address to <dir>/addr once ready.
func TestMain(m *testing.M) {
	if dir := os.Getenv("FRESHET_TEST_SERVE_DIR"); dir != "" {
		os.Exit(serveForTest(dir))
	}
	os.Exit(m.Run())
}

func serveForTest(dir string) int {
	cfg := server.DefaultConfig()
	cfg.PGListen, cfg.HTTPListen, cfg.DataDir = "127.0.0.1:0", "", dir
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	s, err := server.Start(ctx, cfg, logger)
	if err != nil {
		fmt.Fprintln(os.Stderr, "start:", err)
		return 1
	}
	addrFile := filepath.Join(dir, "addr")
	if err := os.WriteFile(addrFile+".tmp", []byte(s.PGAddr()), 0o600); err != nil {
		return 1
	}
	if err := os.Rename(addrFile+".tmp", addrFile); err != nil {
		return 1
	}
	<-ctx.Done()
	if err := s.Close(); err != nil {
		return 1
	}
	return 0
}

// startChild starts a server process over dir and returns it with its
// address, waiting for the address file (readiness, not a sleep).
func startChild(t *testing.T, dir string) (*exec.Cmd, string) {
	t.Helper()
	os.Remove(filepath.Join(dir, "addr"))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "FRESHET_TEST_SERVE_DIR="+dir)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(filepath.Join(dir, "addr"))
		if err == nil {
			return cmd, strings.TrimSpace(string(b))
		}
		if time.Now().After(deadline) {
			t.Fatal("server process did not become ready in 30s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Writes acknowledged before a kill -9 are all there after restart, and
// every transaction is there whole or not at all, in every view too.
func TestKill9KeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	dir := t.TempDir()
	cmd, addr := startChild(t, dir)
	c := connect(t, addr)
	mustExec(t, c, `CREATE TABLE events (id BIGINT PRIMARY KEY, pair BIGINT NOT NULL)`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW pairs AS SELECT pair, COUNT(*) AS n FROM events GROUP BY pair`)
	ctx := context.Background()
	var acked atomic.Int64
	errc := make(chan error, 1)
	stopAt := 150 + time.Now().UnixNano()%100
	go func() {
		for i := 0; ; i++ {
			tx, err := c.Begin(ctx)
			if err == nil {
				_, err = tx.Exec(ctx, `INSERT INTO events VALUES ($1, $3), ($2, $3)`, 2*i, 2*i+1, i)
			}
			if err == nil {
				err = tx.Commit(ctx)
			}
			if err != nil {
				errc <- err
				return
			}
			acked.Store(int64(i + 1))
			if int64(i) == stopAt {
				// Kill while the next transaction is in flight.
				go cmd.Process.Signal(syscall.SIGKILL)
			}
		}
	}()
	<-errc // the connection dies with the process
	cmd.Wait()
	ackedNow := int(acked.Load())

	_, addr = startChild(t, dir)
	c = connect(t, addr)
	var n, pairs, odd int
	if err := c.QueryRow(ctx, `SELECT COUNT(*) FROM events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n < 2*ackedNow {
		t.Fatalf("after kill -9: %d rows, but %d transactions (%d rows) were acknowledged", n, ackedNow, 2*ackedNow)
	}
	if n%2 != 0 {
		t.Fatalf("after kill -9: %d rows: a transaction was half applied", n)
	}
	if err := c.QueryRow(ctx, `SELECT COUNT(*) FROM pairs`).Scan(&pairs); err != nil {
		t.Fatal(err)
	}
	if err := c.QueryRow(ctx, `SELECT COUNT(*) FROM pairs WHERE n <> 2`).Scan(&odd); err != nil {
		t.Fatal(err)
	}
	if pairs != n/2 || odd != 0 {
		t.Fatalf("view after restart: %d pairs (%d incomplete), table has %d rows", pairs, odd, n)
	}
	// The server keeps working after recovery.
	mustExec(t, c, `INSERT INTO events VALUES (-1, -1)`)
	wantRows(t, c, `SELECT n FROM pairs WHERE pair = -1`, "1")
}

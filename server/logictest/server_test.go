package logictest

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/freshet-db/freshet/server"
)

// startFreshet starts a Freshet server with a fresh data directory on a free
// loopback port, stops it when the test ends, and returns a connection
// string for it. This is the only place the logic tests know how a server
// is started.
func startFreshet(t testing.TB) string {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.PGListen = "127.0.0.1:0"
	cfg.HTTPListen = ""
	cfg.DataDir = t.TempDir()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	srv, err := server.Start(context.Background(), cfg, logger)
	if err != nil {
		t.Fatalf("starting freshet: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("stopping freshet: %v", err)
		}
	})
	return freshetDSN(srv.PGAddr())
}

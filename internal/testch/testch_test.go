package testch

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"
)

func TestStartStopRestart(t *testing.T) {
	s := Start(t)
	if s.Version() == "" {
		t.Fatal("no version")
	}
	db := s.NewDatabase(t)
	s.Exec(t, "CREATE TABLE "+db+".t (x UInt64) ENGINE = MergeTree ORDER BY x")
	s.Exec(t, "INSERT INTO "+db+".t (x) VALUES (1), (2), (3)")

	count := func() uint64 {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var n uint64
		if err := s.Conn(t, db).QueryRow(ctx, "SELECT count() FROM t").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 3 {
		t.Fatalf("count = %d, want 3", n)
	}

	port := s.Port()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.exec("SELECT 1"); err == nil {
		t.Fatal("query succeeded on a stopped server")
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if s.Port() != port {
		t.Fatalf("port changed across restart: %d -> %d", port, s.Port())
	}
	if n := count(); n != 3 {
		t.Fatalf("count after restart = %d, want 3", n)
	}

	dir := s.dir
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("directory %s survives Close: %v", dir, err)
	}
}

func TestSkipsWithoutBinary(t *testing.T) {
	t.Setenv("FRESHET_CLICKHOUSE_SERVER", "/nonexistent/clickhouse-server")
	if _, err := start(); err == nil || !errors.Is(err, ErrNoBinary) {
		t.Fatalf("start() = %v, want ErrNoBinary", err)
	}
}

package testpg

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

var shared Shared

func TestMain(m *testing.M) {
	code := m.Run()
	if err := shared.Close(); err != nil {
		println("testpg: closing shared server:", err.Error())
	}
	os.Exit(code)
}

func queryString(t *testing.T, dsn, sql string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var s string
	if err := conn.QueryRow(ctx, sql, pgx.QueryExecModeSimpleProtocol).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}

func TestStart(t *testing.T) {
	srv := Start(t)
	if got := queryString(t, srv.ConnString(), "SELECT 1"); got != "1" {
		t.Errorf("SELECT 1 = %q", got)
	}
	if got := queryString(t, srv.ConnString(), "SHOW wal_level"); got != "logical" {
		t.Errorf("wal_level = %q, want logical", got)
	}
	srv.Exec(t, "CREATE TABLE t (a int PRIMARY KEY); INSERT INTO t VALUES (1), (2)")
	if got := queryString(t, srv.ConnString(), "SELECT sum(a) FROM t"); got != "3" {
		t.Errorf("sum = %q, want 3", got)
	}

	// Replication connections are trusted from 127.0.0.1.
	cfg, err := pgx.ParseConfig(srv.ConnString())
	if err != nil {
		t.Fatal(err)
	}
	cfg.RuntimeParams["replication"] = "database"
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("replication connection: %v", err)
	}
	if _, err := conn.PgConn().Exec(context.Background(), "IDENTIFY_SYSTEM").ReadAll(); err != nil {
		t.Errorf("IDENTIFY_SYSTEM: %v", err)
	}
	conn.Close(context.Background())

	dir := srv.dir
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("directory %s left behind (%v)", dir, err)
	}
	if _, err := pgx.Connect(context.Background(), srv.ConnString()); err == nil {
		t.Error("server still accepts connections after Close")
	}
}

func TestShared(t *testing.T) {
	srv := shared.Get(t)
	a, b := srv.NewDatabase(t), srv.NewDatabase(t)
	if a == b {
		t.Fatalf("NewDatabase returned %q twice", a)
	}
	if got := queryString(t, b, "SELECT current_database()"); got != "test_2" {
		t.Errorf("current_database() = %q, want test_2", got)
	}
	if again := shared.Get(t); again != srv {
		t.Error("Shared.Get started a second server")
	}
}

func TestBinDirEnv(t *testing.T) {
	t.Setenv("FRESHET_PG_BINDIR", t.TempDir())
	if _, err := BinDir(); err == nil {
		t.Fatal("BinDir accepted a directory without postgres")
	}
}

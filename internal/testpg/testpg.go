package testpg

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoBinaries is returned (wrapped) when no PostgreSQL server binaries can
// be found.
var ErrNoBinaries = errors.New("PostgreSQL server binaries not found; run `make test` (it installs them) or scripts/install-deps.sh")

// superuser is the name of the bootstrap superuser created by initdb.
const superuser = "postgres"

// Option changes how a server is started.
type Option func(*config)

type config struct {
	settings     map[string]string
	startTimeout time.Duration
}

// WithSetting passes `-c name=value` to postgres, overriding a default.
func WithSetting(name, value string) Option {
	return func(c *config) { c.settings[name] = value }
}

// WithStartTimeout bounds how long Start waits for the server to accept
// connections (default 60s).
func WithStartTimeout(d time.Duration) Option {
	return func(c *config) { c.startTimeout = d }
}

func newConfig(opts []Option) config {
	c := config{
		settings: map[string]string{
			"wal_level":             "logical",
			"max_wal_senders":       "10",
			"max_replication_slots": "10",
			"fsync":                 "off",
			"synchronous_commit":    "off",
			"full_page_writes":      "off",
			"listen_addresses":      "127.0.0.1",
		},
		startTimeout: 60 * time.Second,
	}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// Server is a running throw-away PostgreSQL server.
type Server struct {
	binDir  string
	dir     string // temporary directory holding data/, sock/ and server.log
	port    int
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the postgres process has exited
	waitErr error         // valid once exited is closed
	dbSeq   atomic.Int64
	stop    sync.Once
	stopErr error
}

// Start starts a server for the test and stops it when the test ends. It
// skips the test (or fails it when $CI is set) if no binaries are found.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := start(newConfig(opts))
	if err != nil {
		failOrSkip(t, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("testpg: stopping postgres: %v", err)
		}
	})
	return s
}

// failOrSkip ends the test because no server could be started.
func failOrSkip(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, ErrNoBinaries) && os.Getenv("CI") == "" {
		t.Skip(err.Error())
	}
	t.Fatal(err)
}

// ConnString returns a URL connecting as the superuser to database postgres.
func (s *Server) ConnString() string { return s.connString("postgres") }

func (s *Server) connString(db string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", superuser, s.port, db)
}

// Port returns the TCP port the server listens on (on 127.0.0.1).
func (s *Server) Port() int { return s.port }

// Addr returns host:port of the server.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// BinDir returns the directory of the binaries the server runs from (where
// psql, pgbench and pg_recvlogical usually are too).
func (s *Server) BinDir() string { return s.binDir }

// Exec runs sql (one or more statements, simple query protocol) on database
// postgres and fails the test on error.
func (s *Server) Exec(t testing.TB, sql string) {
	t.Helper()
	if err := execSQL(s.ConnString(), sql); err != nil {
		t.Fatalf("testpg: %v\n%s", err, sql)
	}
}

// NewDatabase creates an empty database and returns a URL connecting to it.
// Tests sharing one server use it to keep out of each other's way.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("test_%d", s.dbSeq.Add(1))
	s.Exec(t, "CREATE DATABASE "+name)
	return s.connString(name)
}

func execSQL(dsn, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	return err
}

// Close shuts the server down (immediate mode: tests need no checkpoint) and
// removes its directory. It is safe to call more than once.
func (s *Server) Close() error {
	s.stop.Do(func() {
		if s.cmd != nil && s.cmd.Process != nil {
			_ = s.cmd.Process.Signal(syscall.SIGQUIT)
			select {
			case <-s.exited:
			case <-time.After(30 * time.Second):
				_ = s.cmd.Process.Kill()
				<-s.exited
			}
		}
		s.stopErr = os.RemoveAll(s.dir)
	})
	return s.stopErr
}

// BinDir finds the PostgreSQL server binaries: $FRESHET_PG_BINDIR if set,
// else the newest /usr/lib/postgresql/<version>/bin that has postgres and
// initdb.
func BinDir() (string, error) {
	if dir := os.Getenv("FRESHET_PG_BINDIR"); dir != "" {
		if hasServer(dir) {
			return dir, nil
		}
		return "", fmt.Errorf("FRESHET_PG_BINDIR=%s has no postgres and initdb: %w", dir, ErrNoBinaries)
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	type cand struct {
		dir string
		ver int
	}
	var cands []cand
	for _, m := range matches {
		v, err := strconv.Atoi(filepath.Base(filepath.Dir(m)))
		if err != nil || !hasServer(m) {
			continue
		}
		cands = append(cands, cand{m, v})
	}
	if len(cands) == 0 {
		return "", ErrNoBinaries
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].ver > cands[j].ver })
	return cands[0].dir, nil
}

func hasServer(dir string) bool {
	for _, b := range []string{"postgres", "initdb"} {
		fi, err := os.Stat(filepath.Join(dir, b))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// start does the work of Start without a testing.TB.
func start(cfg config) (*Server, error) {
	binDir, err := BinDir()
	if err != nil {
		return nil, err
	}
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "freshet-testpg-")
	if err != nil {
		return nil, err
	}
	s := &Server{binDir: binDir, dir: dir}
	ok := false
	defer func() {
		if !ok {
			_ = s.Close()
		}
	}()
	for _, sub := range []string{"data", "sock"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, err
		}
	}
	if cred != nil {
		if err := chownTree(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, err
		}
	}
	if err := s.initdb(cred); err != nil {
		return nil, err
	}
	// The port is chosen by binding :0 and closing, so another process may
	// take it before postgres binds it; try again with a new port then.
	for attempt := 0; ; attempt++ {
		err = s.launch(cfg, cred)
		if err == nil {
			break
		}
		if attempt >= 4 || !errors.Is(err, errPortTaken) {
			return nil, err
		}
	}
	ok = true
	return s, nil
}

func (s *Server) initdb(cred *syscall.Credential) error {
	cmd := exec.Command(filepath.Join(s.binDir, "initdb"),
		"-D", filepath.Join(s.dir, "data"),
		"-U", superuser, "-A", "trust", "--locale=C", "-E", "UTF8", "--no-sync")
	cmd.Env = childEnv()
	cmd.Dir = s.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("testpg: initdb: %v\n%s", err, out)
	}
	return nil
}

var errPortTaken = errors.New("port taken")

// launch starts postgres on a fresh free port and waits for it to accept
// connections.
func (s *Server) launch(cfg config, cred *syscall.Credential) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	logPath := filepath.Join(s.dir, "server.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	args := []string{"-D", filepath.Join(s.dir, "data"), "-p", strconv.Itoa(port),
		"-k", filepath.Join(s.dir, "sock")}
	names := make([]string, 0, len(cfg.settings))
	for n := range cfg.settings {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		args = append(args, "-c", n+"="+cfg.settings[n])
	}
	cmd := exec.Command(filepath.Join(s.binDir, "postgres"), args...)
	cmd.Env = childEnv()
	cmd.Dir = s.dir
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: cred,
		Setpgid:    true,
		Pdeathsig:  syscall.SIGQUIT,
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("testpg: starting postgres: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		s.waitErr = cmd.Wait()
		close(exited)
	}()
	s.cmd, s.exited, s.port = cmd, exited, port

	ctx, cancel := context.WithTimeout(context.Background(), cfg.startTimeout)
	defer cancel()
	backoff := 5 * time.Millisecond
	for {
		cctx, ccancel := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgx.Connect(cctx, s.ConnString())
		ccancel()
		if err == nil {
			_ = conn.Close(context.Background())
			return nil
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(logPath)
			s.cmd = nil
			if strings.Contains(string(log), "Address already in use") {
				return errPortTaken
			}
			return fmt.Errorf("testpg: postgres exited during startup (%v):\n%s", s.waitErr, log)
		case <-ctx.Done():
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("testpg: postgres did not accept connections within %v (last error: %v):\n%s",
				cfg.startTimeout, err, log)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 200*time.Millisecond)
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// credential returns the credentials postgres must run with: nil when the
// test is not root, else those of the system user "postgres", which is
// created when missing.
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		out, uerr := exec.Command("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres").CombinedOutput()
		if uerr != nil {
			return nil, fmt.Errorf("testpg: running as root and there is no user postgres; useradd failed: %v: %s", uerr, out)
		}
		if u, err = user.Lookup("postgres"); err != nil {
			return nil, fmt.Errorf("testpg: %w", err)
		}
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, err
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
}

func chownTree(root string, uid, gid int) error {
	return filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}

// childEnv is the environment of initdb and postgres: the caller's, minus
// PG* variables that could redirect them, with a C locale.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") || strings.HasPrefix(kv, "LC_") || strings.HasPrefix(kv, "LANG") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C", "LANG=C")
}

// Shared is one server shared by the tests of a package, started on first
// use. The zero value is ready; call Close from TestMain after m.Run.
type Shared struct {
	// Options are used when the server is started.
	Options []Option

	once sync.Once
	srv  *Server
	err  error
}

// Get returns the shared server, starting it on the first call. It skips or
// fails t, as Start does, when no server can be started.
func (sh *Shared) Get(t testing.TB) *Server {
	t.Helper()
	sh.once.Do(func() { sh.srv, sh.err = start(newConfig(sh.Options)) })
	if sh.err != nil {
		failOrSkip(t, sh.err)
	}
	return sh.srv
}

// Close stops the shared server if it was started.
func (sh *Shared) Close() error {
	if sh.srv == nil {
		return nil
	}
	return sh.srv.Close()
}

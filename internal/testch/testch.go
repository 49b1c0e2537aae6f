package testch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
)

// ErrNoBinary is returned (wrapped) when no ClickHouse server binary can be
// found.
var ErrNoBinary = errors.New("clickhouse-server not found; install it with " +
	"`apt-get install -y clickhouse-server clickhouse-client` (make test does) " +
	"or set FRESHET_CLICKHOUSE_SERVER to the binary")

// startTimeout bounds how long Start and Restart wait for the server.
const startTimeout = 60 * time.Second

// stopTimeout bounds how long Stop waits for the killed server to exit.
const stopTimeout = 20 * time.Second

// Server is a running (or stopped, between Stop and Restart) throw-away
// ClickHouse server.
type Server struct {
	bin      []string // command line before --config-file
	dir      string   // temporary directory: config, data, logs
	tcpPort  int
	httpPort int
	version  string

	mu      sync.Mutex // guards cmd and exited
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the process has exited
	waitErr error         // valid once exited is closed

	dbSeq   atomic.Int64
	closed  sync.Once
	stopErr error
}

// Start starts a server for the test and stops it when the test ends. It
// skips the test (or fails it when $CI is set) if no binary is found.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := start()
	if err != nil {
		failOrSkip(t, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("testch: stopping clickhouse: %v", err)
		}
	})
	return s
}

func failOrSkip(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, ErrNoBinary) && os.Getenv("CI") == "" {
		t.Skip(err.Error())
	}
	t.Fatal(err)
}

// Shared is one server shared by the tests of a package, started on first
// use. The zero value is ready; call Close from TestMain after m.Run.
type Shared struct {
	once sync.Once
	srv  *Server
	err  error
}

// Get returns the shared server, starting it on the first call. It skips or
// fails t, as Start does, when no server can be started.
func (sh *Shared) Get(t testing.TB) *Server {
	t.Helper()
	sh.once.Do(func() { sh.srv, sh.err = start() })
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

// DSN returns a native-protocol URL for database db as user default, in
// the form connector/clickhouse accepts.
func (s *Server) DSN(db string) string {
	return fmt.Sprintf("clickhouse://default:@%s/%s", s.Addr(), db)
}

// Addr returns host:port of the native protocol.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.tcpPort)) }

// Port returns the native protocol port (on 127.0.0.1).
func (s *Server) Port() int { return s.tcpPort }

// HTTPPort returns the HTTP interface port (on 127.0.0.1).
func (s *Server) HTTPPort() int { return s.httpPort }

// Version returns what SELECT version() answered at startup, e.g. "18.16.1".
func (s *Server) Version() string { return s.version }

// Exec runs one statement (through the HTTP interface, in database
// default) and fails the test on error.
func (s *Server) Exec(t testing.TB, sql string) {
	t.Helper()
	if err := s.exec(sql); err != nil {
		t.Fatalf("testch: %v\n%s", err, sql)
	}
}

// NewDatabase creates an empty database and returns its name.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("test_%d", s.dbSeq.Add(1))
	s.Exec(t, "CREATE DATABASE "+name)
	return name
}

// Conn opens a clickhouse-go connection to database db, closed when the test
// ends.
func (s *Server) Conn(t testing.TB, db string) ch.Conn {
	t.Helper()
	conn, err := s.open(db)
	if err != nil {
		t.Fatalf("testch: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func (s *Server) open(db string) (ch.Conn, error) {
	return ch.Open(&ch.Options{
		Addr:        []string{s.Addr()},
		Auth:        ch.Auth{Database: db, Username: "default"},
		DialTimeout: 5 * time.Second,
	})
}

// Query runs one statement through the HTTP interface and returns its
// output in TabSeparated format; it fails the test on error.
func (s *Server) Query(t testing.TB, sql string) string {
	t.Helper()
	out, err := s.query(sql)
	if err != nil {
		t.Fatalf("testch: %v\n%s", err, sql)
	}
	return out
}

// exec runs sql through the HTTP interface, which (unlike the native
// protocol in clickhouse-go with old servers) accepts INSERT ... VALUES.
func (s *Server) exec(sql string) error {
	_, err := s.query(sql)
	return err
}

func (s *Server) query(sql string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	u := fmt.Sprintf("http://127.0.0.1:%d/", s.httpPort)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(sql))
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("clickhouse: %s", strings.TrimSpace(string(body)))
	}
	return string(body), nil
}

// Stop kills the server (SIGKILL: a crash, and quick even with clients
// connected) and keeps its data; Restart starts it again. Inserts the server
// acknowledged survive, as ClickHouse writes a part before acknowledging
// it. Connections fail in between.
func (s *Server) Stop() error {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	// The server runs in its own process group (Setpgid): kill the group.
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
		_ = cmd.Process.Kill()
	}
	select {
	case <-exited:
		return nil
	case <-time.After(stopTimeout):
		return fmt.Errorf("testch: clickhouse-server (pid %d) did not exit after SIGKILL", cmd.Process.Pid)
	}
}

// Restart starts a stopped server again on the same ports with the same
// data, and waits until it answers queries.
func (s *Server) Restart() error {
	s.mu.Lock()
	running := s.cmd != nil
	s.mu.Unlock()
	if running {
		return errors.New("testch: restart of a running server")
	}
	return s.launch()
}

// Close stops the server and removes its directory. It is safe to call more
// than once.
func (s *Server) Close() error {
	s.closed.Do(func() {
		_ = s.Stop()
		s.stopErr = os.RemoveAll(s.dir)
	})
	return s.stopErr
}

// binary finds the server command line.
func binary() ([]string, error) {
	if b := os.Getenv("FRESHET_CLICKHOUSE_SERVER"); b != "" {
		if isExecutable(b) {
			return serverArgs(b), nil
		}
		return nil, fmt.Errorf("FRESHET_CLICKHOUSE_SERVER=%s is not an executable: %w", b, ErrNoBinary)
	}
	if p, err := exec.LookPath("clickhouse-server"); err == nil {
		return []string{p}, nil
	}
	for _, p := range []string{"/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server"} {
		if isExecutable(p) {
			return []string{p}, nil
		}
	}
	if p, err := exec.LookPath("clickhouse"); err == nil {
		return []string{p, "server"}, nil
	}
	return nil, ErrNoBinary
}

// serverArgs runs the multi-tool binary `clickhouse` as `clickhouse server`.
func serverArgs(path string) []string {
	if filepath.Base(path) == "clickhouse" {
		return []string{path, "server"}
	}
	return []string{path}
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

func start() (*Server, error) {
	bin, err := binary()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "freshet-testch-")
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin, dir: dir}
	ok := false
	defer func() {
		if !ok {
			_ = s.Close()
		}
	}()
	// Ports are chosen by binding :0 and closing, so another process may
	// take one before the server binds it; try again with new ports then.
	for attempt := 0; ; attempt++ {
		if s.tcpPort, err = freePort(); err != nil {
			return nil, err
		}
		if s.httpPort, err = freePort(); err != nil {
			return nil, err
		}
		if err = s.writeConfig(); err != nil {
			return nil, err
		}
		err = s.launch()
		if err == nil {
			break
		}
		if attempt >= 4 || !errors.Is(err, errPortTaken) {
			return nil, err
		}
	}
	if err := s.readVersion(); err != nil {
		return nil, err
	}
	ok = true
	return s, nil
}

func (s *Server) readVersion() error {
	conn, err := s.open("default")
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return conn.QueryRow(ctx, "SELECT version()").Scan(&s.version)
}

// writeConfig writes config.xml and users.xml for the current ports.
func (s *Server) writeConfig() error {
	p := func(sub string) string { return filepath.Join(s.dir, sub) + "/" }
	config := fmt.Sprintf(`<?xml version="1.0"?>
<yandex>
    <logger>
        <level>information</level>
        <log>%s</log>
        <errorlog>%s</errorlog>
        <size>20M</size>
        <count>1</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <tcp_port>%d</tcp_port>
    <http_port>%d</http_port>
    <path>%s</path>
    <tmp_path>%s</tmp_path>
    <user_files_path>%s</user_files_path>
    <format_schema_path>%s</format_schema_path>
    <users_config>users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mark_cache_size>16777216</mark_cache_size>
    <uncompressed_cache_size>16777216</uncompressed_cache_size>
    <max_concurrent_queries>100</max_concurrent_queries>
</yandex>
`, filepath.Join(s.dir, "server.log"), filepath.Join(s.dir, "server.err.log"),
		s.tcpPort, s.httpPort, p("data"), p("tmp"), p("user_files"), p("format_schemas"))
	const users = `<?xml version="1.0"?>
<yandex>
    <profiles><default></default></profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas><default></default></quotas>
</yandex>
`
	if err := os.WriteFile(filepath.Join(s.dir, "config.xml"), []byte(config), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(s.dir, "users.xml"), []byte(users), 0o644)
}

var errPortTaken = errors.New("port taken")

// launch starts the server process and waits until it answers SELECT 1.
func (s *Server) launch() error {
	outPath := filepath.Join(s.dir, "stdout.log")
	out, err := os.OpenFile(outPath, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer out.Close()
	// Truncate the error log so that a failure reports this run only.
	errPath := filepath.Join(s.dir, "server.err.log")
	_ = os.Truncate(errPath, 0)

	args := append(append([]string(nil), s.bin[1:]...), "--config-file="+filepath.Join(s.dir, "config.xml"))
	cmd := exec.Command(s.bin[0], args...)
	cmd.Dir = s.dir
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("testch: starting %s: %w", s.bin[0], err)
	}
	exited := make(chan struct{})
	go func() {
		s.waitErr = cmd.Wait()
		close(exited)
	}()
	s.mu.Lock()
	s.cmd, s.exited = cmd, exited
	s.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	backoff := 5 * time.Millisecond
	for {
		err := s.ping(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			s.mu.Lock()
			s.cmd = nil
			s.mu.Unlock()
			logs := s.logs(outPath, errPath)
			if strings.Contains(logs, "Address already in use") {
				return errPortTaken
			}
			return fmt.Errorf("testch: clickhouse-server exited during startup (%v):\n%s", s.waitErr, logs)
		case <-ctx.Done():
			_ = s.Stop()
			return fmt.Errorf("testch: clickhouse-server did not answer within %v (last error: %v):\n%s",
				startTimeout, err, s.logs(outPath, errPath))
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 200*time.Millisecond)
	}
}

// ping runs SELECT 1 on a fresh connection.
func (s *Server) ping(ctx context.Context) error {
	conn, err := ch.Open(&ch.Options{
		Addr:        []string{s.Addr()},
		Auth:        ch.Auth{Database: "default", Username: "default"},
		DialTimeout: time.Second,
	})
	if err != nil {
		return err
	}
	defer conn.Close()
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var one uint8
	return conn.QueryRow(cctx, "SELECT toUInt8(1)").Scan(&one)
}

// logs returns the process output and the server's error log.
func (s *Server) logs(paths ...string) string {
	var b strings.Builder
	for _, p := range paths {
		data, _ := os.ReadFile(p)
		if len(data) > 8192 {
			data = data[len(data)-8192:]
		}
		fmt.Fprintf(&b, "== %s\n%s\n", filepath.Base(p), data)
	}
	return b.String()
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

package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/internal/testch"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/stream"
)

// server is the ClickHouse shared by the tests that do not stop it.
var server testch.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	_ = server.Close()
	os.Exit(code)
}

// testLogger logs to the test output when -v is set.
func testLogger(t testing.TB) *slog.Logger {
	if !testing.Verbose() {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// openSink creates and opens a sink, closed when the test ends.
func openSink(t testing.TB, cfg Config, view connector.TableSchema) (*Sink, uint64) {
	t.Helper()
	s, err := New(cfg, view, testLogger(t))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	f, err := s.Open(ctxT(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s, f
}

// upd builds a SinkUpdate at timestamp ts.
func upd(ts uint64, diff int64, row ...datum.Datum) connector.SinkUpdate {
	return connector.SinkUpdate{
		Row:      row,
		Time:     stream.Timestamp(ts),
		WallTime: time.Unix(1_700_000_000+int64(ts), 0),
		Diff:     stream.Diff(diff),
	}
}

// fmtRows renders updates one per line for comparisons.
func fmtRows(us []stream.Update) string {
	var b strings.Builder
	for _, u := range us {
		parts := make([]string, len(u.Row))
		for i, d := range u.Row {
			parts[i] = datum.FormatText(d)
		}
		fmt.Fprintf(&b, "(%s) x%d\n", strings.Join(parts, ", "), u.Diff)
	}
	return b.String()
}

// wantCode fails unless err has the SQLSTATE code and mentions every
// fragment.
func wantCode(t testing.TB, err error, code sqlerr.Code, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	if got := sqlerr.GetCode(err); got != code {
		t.Fatalf("error %q has code %s, want %s", err, got, code)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Fatalf("error %q does not mention %q", err, f)
		}
	}
}

func isCanceled(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

package clickhouse

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/internal/testch"
	"github.com/freshet-db/freshet/sql/datum"
)

func kvUpdates(from, to uint64) []connector.SinkUpdate {
	var us []connector.SinkUpdate
	for ts := from; ts <= to; ts++ {
		us = append(us, upd(ts, 1, datum.NewInt8(int64(ts)), datum.NewText(fmt.Sprint("v", ts))))
	}
	return us
}

// waitState polls State until cond holds or the deadline passes.
func waitState(t *testing.T, s *Sink, what string, cond func(SinkState) bool) SinkState {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		st := s.State()
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; state: %+v", what, st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestOutage stops ClickHouse while a Write is pending: the sink retries
// with backoff, reports the error in State, and completes once the server
// is back, with every timestamp written once.
func TestOutage(t *testing.T) {
	srv := testch.Start(t) // its own server: this test stops it
	db := srv.NewDatabase(t)
	cfg := Config{DSN: srv.DSN(db), Table: "kv", MinBackoff: 10 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}
	s, _ := openSink(t, cfg, kvView())
	if err := s.Write(ctxT(t), kvUpdates(1, 10)); err != nil {
		t.Fatal(err)
	}

	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Write(ctxT(t), kvUpdates(11, 20)) }()

	st := waitState(t, s, "retries", func(st SinkState) bool { return st.State == "retrying" && st.Retries >= 3 })
	t.Logf("state while the server is down: %+v", st)
	if !strings.Contains(st.LastError, "clickhouse") || st.Reason == "" || st.Errors < st.Retries || st.Delivered != 10 {
		t.Fatalf("state while the server is down: %+v", st)
	}
	select {
	case err := <-done:
		t.Fatalf("Write returned while the server was down: %v", err)
	default:
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Write after restart: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("Write did not complete after the server came back")
	}
	st = s.State()
	if st.State != "running" || st.Delivered != 20 || st.Reason != "" || st.LastError == "" {
		t.Fatalf("state after recovery: %+v", st)
	}
	got := countsByTS(t, srv.Query, db+".kv")
	for ts := uint64(1); ts <= 20; ts++ {
		if got[ts] != 1 {
			t.Errorf("freshet_ts %d: %d rows, want 1", ts, got[ts])
		}
	}
	if len(got) != 20 {
		t.Errorf("%d timestamps, want 20", len(got))
	}
}

// TestOpenUnreachable points a sink at a closed port: Open retries until
// its context ends and reports the connection error.
func TestOpenUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	s, err := New(Config{DSN: "clickhouse://" + addr + "/default", Table: "t",
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}, kvView(), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, err = s.Open(ctx)
	if !isCanceled(err) || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("Open: %v; want a deadline error mentioning the refused connection", err)
	}
	if st := s.State(); st.State != "retrying" || st.Retries < 2 || !strings.Contains(st.LastError, "refused") {
		t.Fatalf("state: %+v", st)
	}
}

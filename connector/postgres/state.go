package postgres

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/freshet-db/freshet/connector"
)

// Source is a Postgres CDC source. Discover, Run and DropSlot are called
// by one goroutine (the source's); State may be called from any.
type Source struct {
	cfg        Config
	logger     *slog.Logger
	replConfig *pgconn.Config
	knobs      testingKnobs

	mu     sync.Mutex
	tables []*tableInfo // from Discover; guarded by mu
	st     connector.SourceState
	// upstreamLSN and confirmedLSN back st.Upstream and st.Confirmed.
	upstreamLSN, confirmedLSN pglogrepl.LSN
	rate                      rateMeter

	stats stats
}

// stats are counters for logs and tests.
type stats struct {
	skippedTxns atomic.Int64 // transactions received again and skipped as durable
	toastFilled atomic.Int64 // unchanged TOASTed values filled from the old row
	missingOld  atomic.Int64 // UPDATEs and DELETEs whose old row Freshet lacked
}

// testingKnobs let tests stop the source at interesting points.
type testingKnobs struct {
	// afterSnapshotBegin runs once the snapshot transaction has imported
	// the slot's snapshot and before any table is copied.
	afterSnapshotBegin func()
	// beforeStatus runs before each standby status update with the flush
	// position it will report.
	beforeStatus func(flush pglogrepl.LSN)
	// noFinalStatus leaves out the status update sent when a session
	// ends, as a crash would.
	noFinalStatus bool
	// onState runs on each state change.
	onState func(state, reason string)
}

// State reports the source's state for SHOW SOURCES.
func (s *Source) State() connector.SourceState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	st.RowsPerSecond = s.rate.perSecond(time.Now())
	return st
}

func (s *Source) setState(state, reason string) {
	s.mu.Lock()
	s.st.State, s.st.Reason = state, reason
	s.mu.Unlock()
	if k := s.knobs.onState; k != nil {
		k(state, reason)
	}
}

func (s *Source) countError() {
	s.mu.Lock()
	s.st.Errors++
	s.mu.Unlock()
}

// observeUpstream records the server's WAL end, from a keepalive or a data
// message.
func (s *Source) observeUpstream(lsn pglogrepl.LSN) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if lsn > s.upstreamLSN {
		s.upstreamLSN = lsn
		s.st.Upstream = lsn.String()
	}
	s.updateLagLocked()
}

// observeConfirmed records a position confirmed upstream, and how stale
// the data of the transaction that reached it was when it became durable.
func (s *Source) observeConfirmed(lsn pglogrepl.LSN, lag time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if lsn > s.confirmedLSN {
		s.confirmedLSN = lsn
		s.st.Confirmed = lsn.String()
	}
	if lag >= 0 {
		s.st.Lag = lag
	}
	s.updateLagLocked()
}

func (s *Source) updateLagLocked() {
	s.st.LagBytes = 0
	if s.upstreamLSN > s.confirmedLSN && s.confirmedLSN != 0 {
		s.st.LagBytes = int64(s.upstreamLSN - s.confirmedLSN)
	}
	if s.st.LagBytes == 0 {
		s.st.Lag = 0
	}
}

func (s *Source) addRows(n int, now time.Time) {
	s.mu.Lock()
	s.rate.add(n, now)
	s.mu.Unlock()
}

func (s *Source) addSnapshotRows(n int, now time.Time) {
	s.mu.Lock()
	s.st.SnapshotRows += int64(n)
	s.rate.add(n, now)
	s.mu.Unlock()
}

// rateMeter measures rows per second over windows of about a second.
type rateMeter struct {
	start time.Time // of the current window
	n     int64     // rows in the current window
	last  float64   // rate of the previous window
	lastT time.Time // end of the previous window
}

const rateWindow = time.Second

func (r *rateMeter) add(n int, now time.Time) {
	r.roll(now)
	r.n += int64(n)
}

func (r *rateMeter) roll(now time.Time) {
	if r.start.IsZero() {
		r.start = now
		return
	}
	if el := now.Sub(r.start); el >= rateWindow {
		r.last = float64(r.n) / el.Seconds()
		r.lastT = now
		r.start, r.n = now, 0
	}
}

func (r *rateMeter) perSecond(now time.Time) float64 {
	r.roll(now)
	if now.Sub(r.lastT) > 3*rateWindow {
		return 0
	}
	return r.last
}

package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/stream"
)

// queryIDPrefix starts the query_id of every INSERT of a sink into its
// table.
func (s *Sink) queryIDPrefix() string { return "freshet-sink:" + s.db + "." + s.table + ":" }

// errInsertRunning is the error of an attempt while an earlier INSERT is
// still running.
var errInsertRunning = errors.New("an earlier insert into the table is still running")

// waitInserts waits until no INSERT of a sink into the table is running on
// the server. An INSERT whose client gave up (a cancelled context, a
// crashed process) may still be running, and commit, after the client's
// connection is gone: the frontier is only final once it has ended.
func (s *Sink) waitInserts(ctx context.Context) error {
	q := fmt.Sprintf("SELECT count() FROM system.processes WHERE startsWith(query_id, %s)", quoteString(s.queryIDPrefix()))
	delay := 5 * time.Millisecond
	deadline := time.Now().Add(s.cfg.MaxBackoff)
	for {
		var n uint64
		if err := s.connection().QueryRow(ctx, q).Scan(&n); err != nil {
			var ex *ch.Exception
			if errors.As(err, &ex) && ex.Code == 497 { // ACCESS_DENIED
				s.logger.Warn("cannot read system.processes; a crash during an insert may duplicate it", "err", err)
				return nil
			}
			return err
		}
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return errInsertRunning // transient: retried with backoff
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		delay = min(2*delay, 200*time.Millisecond)
	}
}

// readFrontier returns max(freshet_ts) of the table.
func (s *Sink) readFrontier(ctx context.Context) (uint64, error) {
	var f uint64
	err := s.connection().QueryRow(ctx, fmt.Sprintf("SELECT max(%s) FROM %s", ColTS, s.qualified)).Scan(&f)
	return f, err
}

func (s *Sink) setDelivered(f uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f < s.st.Delivered {
		s.logger.Warn("clickhouse table frontier went back; was the table truncated?", "was", s.st.Delivered, "now", f)
	}
	s.st.Delivered = f
}

// Delivered returns the largest freshet_ts known to be durable.
func (s *Sink) Delivered() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.Delivered
}

// Write makes the updates durable in ClickHouse. They must be sorted by
// time and hold complete timestamps; updates at or below the durable
// frontier are skipped (they are in the table already). Each run of whole
// timestamps of up to BatchRows rows is one INSERT block, which ClickHouse
// applies atomically, so a crash leaves a prefix of timestamps in the
// table: Open then returns its last one. Transient errors are retried with
// exponential backoff and jitter until ctx ends; after an error that may
// have hidden a successful insert, the table's frontier is read again
// before retrying, so that no timestamp is written twice.
func (s *Sink) Write(ctx context.Context, us []connector.SinkUpdate) error {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	s.mu.Lock()
	opened, closed := s.opened, s.closed
	s.mu.Unlock()
	switch {
	case closed:
		return errClosed
	case !opened:
		return sqlerr.New(sqlerr.ObjectNotInPrerequisiteState, "clickhouse sink is not open")
	}
	for i := 1; i < len(us); i++ {
		if us[i].Time < us[i-1].Time {
			return sqlerr.New(sqlerr.Internal, "clickhouse sink: updates not sorted by time (%d after %d)", us[i].Time, us[i-1].Time)
		}
	}
	for {
		if s.uncertain {
			if err := s.retry(ctx, "write", s.refreshFrontier); err != nil {
				return err
			}
		}
		delivered := s.Delivered()
		for len(us) > 0 && uint64(us[0].Time) <= delivered {
			us = us[1:]
		}
		if len(us) == 0 {
			return nil
		}
		end := chunkEnd(us, s.cfg.BatchRows)
		if err := s.writeChunk(ctx, us[:end]); err != nil {
			return err
		}
		us = us[end:]
	}
}

func (s *Sink) refreshFrontier(ctx context.Context) error {
	if err := s.waitInserts(ctx); err != nil {
		return err
	}
	f, err := s.readFrontier(ctx)
	if err != nil {
		return err
	}
	s.setDelivered(f)
	s.uncertain = false
	return nil
}

// chunkEnd returns the end of the first run of whole timestamps with at
// most limit updates (at least one timestamp).
func chunkEnd(us []connector.SinkUpdate, limit int) int {
	end := 0
	for end < len(us) {
		next := end + 1
		for next < len(us) && us[next].Time == us[end].Time {
			next++
		}
		if end > 0 && next > limit {
			break
		}
		end = next
	}
	return end
}

// writeChunk encodes and inserts one block of whole timestamps.
func (s *Sink) writeChunk(ctx context.Context, chunk []connector.SinkUpdate) error {
	defer s.resetBuilders()
	last := uint64(chunk[len(chunk)-1].Time)
	n, err := s.encode(chunk)
	if err != nil {
		s.fail(err)
		return err
	}
	if n > 0 {
		// The timestamps of the rows written (the chunk's first and last may
		// have had only updates that cancel out).
		lo, hi := s.metaTS[0], s.metaTS[n-1]
		err = s.retry(ctx, "write", func(ctx context.Context) error {
			if s.uncertain {
				if err := s.refreshFrontier(ctx); err != nil {
					return err
				}
				switch f := s.Delivered(); {
				case f >= hi:
					return nil // the failed attempt did commit
				case f >= lo:
					return permanent(sqlerr.New(sqlerr.DataCorrupted,
						"clickhouse table %s holds part of the block of timestamps %d..%d (up to %d)", s.qualified, lo, hi, f))
				}
			}
			if err := s.send(ctx, lo, hi); err != nil {
				s.uncertain = true
				return err
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.st.Delivered = max(s.st.Delivered, last)
	s.st.Rows += int64(n)
	s.rate.add(time.Now(), int64(n))
	if s.st.State == "failed" {
		s.st.State, s.st.Reason = "running", ""
	}
	s.mu.Unlock()
	return nil
}

// send inserts the encoded block.
func (s *Sink) send(ctx context.Context, lo, hi uint64) error {
	// The query_id names the block. The server refuses a second query with
	// the id of a running one, so a retry cannot overlap an attempt that
	// is still running, and waitInserts finds attempts of a previous run.
	ctx = ch.Context(ctx, ch.WithQueryID(fmt.Sprintf("%s%d-%d", s.queryIDPrefix(), lo, hi)))
	b, err := s.connection().PrepareBatch(ctx, s.insert)
	if err != nil {
		return err
	}
	i := 0
	for _, bl := range s.builders {
		if err := b.Column(i).Append(bl.values()); err != nil {
			_ = b.Abort()
			return permanent(fmt.Errorf("column %q: %w", s.cols[i].name, err))
		}
		i++
	}
	for _, c := range s.cols[i:] {
		var v any
		switch c.meta {
		case metaTS:
			v = s.metaTS
		case metaTime:
			v = s.metaTime
		case metaDiff:
			v = s.metaDiff
		case metaDeleted:
			v = s.metaDel
		}
		if err := b.Column(i).Append(v); err != nil {
			_ = b.Abort()
			return permanent(fmt.Errorf("column %q: %w", c.name, err))
		}
		i++
	}
	return b.Send()
}

// encode fills the builders with the rows of a chunk and returns the row
// count.
func (s *Sink) encode(chunk []connector.SinkUpdate) (int, error) {
	if s.cfg.Mode == Upsert {
		return s.encodeUpsert(chunk)
	}
	n := 0
	for _, u := range chunk {
		if u.Diff == 0 {
			continue
		}
		if err := s.addRow(u.Row, u.Time, u.WallTime); err != nil {
			return 0, err
		}
		s.metaDiff = append(s.metaDiff, int64(u.Diff))
		n++
	}
	return n, nil
}

// encodeUpsert reduces each timestamp's updates to one row per key: the
// key's new row, or its old row marked deleted.
func (s *Sink) encodeUpsert(chunk []connector.SinkUpdate) (int, error) {
	n := 0
	var buf []stream.Update
	var key []byte
	for start := 0; start < len(chunk); {
		end := start + 1
		for end < len(chunk) && chunk[end].Time == chunk[start].Time {
			end++
		}
		buf = buf[:0]
		for _, u := range chunk[start:end] {
			buf = append(buf, stream.Update{Row: u.Row, Time: u.Time, Diff: u.Diff})
		}
		buf = stream.Consolidate(buf)
		type entry struct {
			row     datum.Row
			deleted bool
		}
		byKey := map[string]int{}
		var entries []entry
		for _, u := range buf {
			if len(u.Row) != len(s.view.Columns) {
				return 0, rowWidthError(len(u.Row), len(s.view.Columns))
			}
			key = datum.EncodeKey(key[:0], u.Row, s.view.PrimaryKey)
			i, seen := byKey[string(key)]
			switch {
			case !seen:
				byKey[string(key)] = len(entries)
				entries = append(entries, entry{row: u.Row, deleted: u.Diff < 0})
			case u.Diff > 0:
				entries[i] = entry{row: u.Row}
			}
		}
		wall := chunk[start].WallTime
		for _, e := range entries {
			if err := s.addRow(e.row, chunk[start].Time, wall); err != nil {
				return 0, err
			}
			var del uint8
			if e.deleted {
				del = 1
			}
			s.metaDel = append(s.metaDel, del)
			n++
		}
		start = end
	}
	return n, nil
}

func rowWidthError(got, want int) error {
	return sqlerr.New(sqlerr.Internal, "clickhouse sink: row has %d columns, want %d", got, want)
}

// addRow appends a row's view columns, freshet_ts and freshet_time.
func (s *Sink) addRow(row datum.Row, ts stream.Timestamp, wall time.Time) error {
	if len(row) != len(s.builders) {
		return rowWidthError(len(row), len(s.builders))
	}
	for i, b := range s.builders {
		if err := b.add(row[i]); err != nil {
			return err
		}
	}
	if wall.IsZero() {
		wall = time.Unix(0, 0)
	}
	s.metaTS = append(s.metaTS, uint64(ts))
	s.metaTime = append(s.metaTime, wall.UTC())
	return nil
}

func (s *Sink) resetBuilders() {
	for _, b := range s.builders {
		b.reset()
	}
	s.metaTS, s.metaTime, s.metaDiff, s.metaDel = s.metaTS[:0], s.metaTime[:0], s.metaDiff[:0], s.metaDel[:0]
}

// retry runs fn until it succeeds, fails permanently or ctx ends.
func (s *Sink) retry(ctx context.Context, op string, fn func(context.Context) error) error {
	backoff := s.cfg.MinBackoff
	var last error // the last transient error
	for {
		err := fn(ctx)
		if err == nil {
			s.mu.Lock()
			if s.st.State == "retrying" {
				s.st.State, s.st.Reason = "running", ""
				if !s.opened {
					s.st.State = "starting"
				}
			}
			s.mu.Unlock()
			return nil
		}
		if s.isClosed() {
			return errClosed
		}
		if ctx.Err() != nil {
			// The error is likely the context's own; report the one that
			// made the sink retry, if any.
			if last == nil {
				last = err
			}
			return canceled(ctx, op, last)
		}
		if !transient(err) {
			err = publicError(err)
			s.fail(err)
			return err
		}
		last = err
		s.noteError(err)
		s.mu.Lock()
		s.st.Retries++
		s.st.State, s.st.Reason = "retrying", publicError(err).Error()
		s.mu.Unlock()
		sleep := backoff/2 + rand.N(backoff/2+1)
		s.logger.Warn("clickhouse sink retrying", "op", op, "err", err, "in", sleep)
		t := time.NewTimer(sleep)
		select {
		case <-ctx.Done():
			t.Stop()
			return canceled(ctx, op, err)
		case <-t.C:
		}
		backoff = min(2*backoff, s.cfg.MaxBackoff)
	}
}

// canceled is the error of an operation whose context ended; it wraps the
// context's error.
func canceled(ctx context.Context, op string, last error) error {
	return sqlerr.WithCode(fmt.Errorf("clickhouse sink %s: %w (last error: %v)", op, ctx.Err(), publicError(last)),
		sqlerr.QueryCanceled)
}

func (s *Sink) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *Sink) noteError(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.Errors++
	s.st.LastError = publicError(err).Error()
	s.st.LastErrorAt = time.Now()
}

func (s *Sink) fail(err error) {
	s.noteError(err)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.State, s.st.Reason = "failed", publicError(err).Error()
	s.logger.Error("clickhouse sink failed", "err", err)
}

package sinks

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/connector/clickhouse"
	"github.com/freshet-db/freshet/server/coord"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/stream"
)

// sink is one running sink.
type sink struct {
	rel    *catalog.Relation // the sink
	view   *catalog.Relation // what it reads
	cfg    options
	ch     *clickhouse.Sink
	cancel context.CancelFunc
	done   chan struct{}

	mu sync.Mutex // guards what follows
	// phase is "starting", "snapshotting", "running", "retrying" or
	// "failed"; while running, the connector's state refines it.
	phase  string
	failed error // a definite error: the sink stopped
	retry  error // the error being retried
	errors int64 // failures outside the connector (subscription, reconcile)
	cutoff int64 // times the sink fell behind its buffer and reconciled
	// pending counts updates received from the view and not yet durable
	// in ClickHouse; since is the wall time of the oldest of them (or of
	// the moment the sink fell behind), zero when nothing is pending.
	pending int64
	since   time.Time
	viewTS  stream.Timestamp // the newest timestamp received from the view
}

func (sk *sink) setPhase(phase string, err error) {
	sk.mu.Lock()
	defer sk.mu.Unlock()
	sk.phase = phase
	if phase == "retrying" {
		sk.retry = err
	} else if phase != "failed" {
		sk.retry = nil
	}
}

// received notes updates that are now waiting to be delivered.
func (sk *sink) received(n int, ts stream.Timestamp, wall time.Time) {
	sk.mu.Lock()
	defer sk.mu.Unlock()
	if sk.since.IsZero() && n > 0 {
		sk.since = wall
	}
	sk.pending += int64(n)
	if ts > sk.viewTS {
		sk.viewTS = ts
	}
}

// delivered notes that everything received so far is durable.
func (sk *sink) delivered() {
	sk.mu.Lock()
	defer sk.mu.Unlock()
	sk.pending, sk.since = 0, time.Time{}
}

// behind notes that the sink lost its subscription with changes undelivered.
func (sk *sink) behind(at time.Time) {
	sk.mu.Lock()
	defer sk.mu.Unlock()
	sk.cutoff++
	if sk.since.IsZero() {
		sk.since = at
	}
}

// run delivers the view's changes until ctx ends, the sink is dropped or
// fails for good. Each round of deliver starts by reconciling.
func (m *Manager) run(ctx context.Context, sk *sink) {
	const minBackoff, maxBackoff = 100 * time.Millisecond, 10 * time.Second
	backoff := minBackoff
	for ctx.Err() == nil {
		started := time.Now()
		err := m.deliver(ctx, sk)
		if ctx.Err() != nil {
			return
		}
		if _, ok := m.coord.Catalog().ByID(sk.rel.ID); !ok {
			m.logger.Info("sink dropped; stopping", "sink", sk.rel.Name)
			m.forget(sk)
			return
		}
		if errors.Is(err, coord.ErrSubscriberTooSlow) {
			// Not an error: the view ran ahead of ClickHouse by more than
			// the buffer. Reconcile from the view's present contents.
			m.logger.Warn("sink fell behind its view; reconciling", "sink", sk.rel.Name)
			sk.behind(time.Now())
			backoff = minBackoff
			continue
		}
		if sk.ch.State().State == "failed" {
			m.logger.Error("sink failed", "sink", sk.rel.Name, "err", err)
			sk.mu.Lock()
			sk.failed, sk.phase = err, "failed"
			sk.mu.Unlock()
			return
		}
		sk.mu.Lock()
		sk.errors++
		if sk.since.IsZero() {
			// Nothing reaches ClickHouse while the sink retries: count the
			// lag from when this failed round began, even if the changes
			// it had received were dropped with the subscription.
			sk.since = started
		}
		sk.mu.Unlock()
		if time.Since(started) > time.Minute {
			backoff = minBackoff
		}
		sk.setPhase("retrying", err)
		wait := backoff/2 + rand.N(backoff/2+1)
		m.logger.Warn("sink failed; retrying", "sink", sk.rel.Name, "err", err, "in", wait.Round(time.Millisecond))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// deliver opens the table, subscribes to the view, reconciles, and then
// writes the view's changes until the subscription or a write fails.
func (m *Manager) deliver(ctx context.Context, sk *sink) error {
	delivered, err := sk.ch.Open(ctx)
	if err != nil {
		return err
	}
	buffer := sk.cfg.Buffer
	if buffer == 0 {
		buffer = m.Buffer
	}
	snap, ts, sub, err := m.coord.Subscribe(sk.view.ID, buffer)
	if err != nil {
		return err
	}
	defer sub.Close()
	if uint64(ts) > delivered {
		sk.setPhase("snapshotting", nil)
		if err := m.reconcile(ctx, sk, snap, ts, delivered); err != nil {
			return err
		}
	}
	sk.delivered()
	sk.setPhase("running", nil)
	return m.stream(ctx, sk, sub)
}

// reconcile writes, at the snapshot's timestamp ts, the difference between
// the view's contents snap and the state ClickHouse holds at delivered.
func (m *Manager) reconcile(ctx context.Context, sk *sink, snap []stream.Update, ts stream.Timestamp, delivered uint64) error {
	var old []stream.Update
	if delivered > 0 {
		var err error
		if old, err = sk.ch.StateAsOf(ctx, delivered); err != nil {
			return err
		}
	}
	now := time.Now()
	out := make([]connector.SinkUpdate, 0, len(snap))
	for _, u := range difference(snap, old) {
		out = append(out, connector.SinkUpdate{Row: u.Row, Time: ts, WallTime: now, Diff: u.Diff})
	}
	if len(out) == 0 {
		return nil
	}
	m.logger.Info("sink reconciling", "sink", sk.rel.Name, "from", delivered, "to", uint64(ts), "updates", len(out))
	return sk.ch.Write(ctx, out)
}

// difference returns cur minus old, both consolidated collections (each
// row once, with its multiplicity), as updates with the changed
// multiplicities. Rows are matched by their canonical key encoding, so
// values that compare equal (1.5 and 1.50) match.
func difference(cur, old []stream.Update) []stream.Update {
	if len(old) == 0 {
		return cur
	}
	idx := make(map[string]int, len(old))
	var key []byte
	for i, u := range old {
		key = datum.EncodeKey(key[:0], u.Row, nil)
		idx[string(key)] = i
	}
	matched := make([]bool, len(old))
	out := make([]stream.Update, 0, len(cur))
	for _, u := range cur {
		key = datum.EncodeKey(key[:0], u.Row, nil)
		if i, ok := idx[string(key)]; ok && !matched[i] {
			matched[i] = true
			u.Diff -= old[i].Diff
		}
		if u.Diff != 0 {
			out = append(out, u)
		}
	}
	for i, u := range old {
		if !matched[i] {
			out = append(out, stream.Update{Row: u.Row, Time: u.Time, Diff: -u.Diff})
		}
	}
	return out
}

// stream writes the subscription's batches, gathered up to BatchRows
// updates or FlushInterval.
func (m *Manager) stream(ctx context.Context, sk *sink, sub *coord.Subscription) error {
	var pending []connector.SinkUpdate
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var timerC <-chan time.Time
	flush := func() error {
		timer.Stop()
		timerC = nil
		if len(pending) == 0 {
			return nil
		}
		if err := sk.ch.Write(ctx, pending); err != nil {
			return err
		}
		clear(pending)
		pending = pending[:0]
		sk.delivered()
		return nil
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case b, ok := <-sub.C:
			if !ok {
				// The batches received are a prefix of the view's changes:
				// write them, then let run reconcile the rest.
				if err := flush(); err != nil {
					return err
				}
				if err := sub.Err(); err != nil {
					return err
				}
				return errors.New("subscription ended")
			}
			for _, u := range b.Updates {
				pending = append(pending, connector.SinkUpdate{Row: u.Row, Time: b.Time, WallTime: b.Wall, Diff: u.Diff})
			}
			sk.received(len(b.Updates), b.Time, b.Wall)
			if len(pending) >= sk.cfg.BatchRows {
				if err := flush(); err != nil {
					return err
				}
			} else if timerC == nil && len(pending) > 0 {
				timer.Reset(sk.cfg.FlushInterval)
				timerC = timer.C
			}
		case <-timerC:
			timerC = nil
			if err := flush(); err != nil {
				return err
			}
		}
	}
}

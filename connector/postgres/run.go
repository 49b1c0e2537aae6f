package postgres

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/sql/sqlerr"
)

// Run snapshots the tables (when resume is nil) and then streams until ctx
// ends, when it returns nil. resume is the Position of the last durable
// Commit, or nil for a new source.
//
// Transient errors (the connection is lost, the upstream restarts, the
// slot is still held by a dying session) are retried with capped, jittered
// exponential backoff, from the last durable position; State shows
// "retrying" and the reason meanwhile. Definite errors (IsDefinite: the
// publication or slot is gone, the schema changed incompatibly, a value
// cannot be decoded) and errors of w.Commit are returned.
func (s *Source) Run(ctx context.Context, w connector.Writer, resume connector.Position) error {
	var pos *pglogrepl.LSN
	if resume != nil {
		lsn, err := decodePosition(resume)
		if err != nil {
			return err
		}
		pos = &lsn
	}
	attempt := 0
	for {
		progressed, err := s.runOnce(ctx, w, &pos)
		if ctx.Err() != nil {
			s.setState("stopped", "")
			return nil
		}
		if err == nil {
			err = sqlerr.New(sqlerr.ConnectionFailure, "replication ended unexpectedly")
		}
		s.countError()
		var we *writerError
		if errors.As(err, &we) {
			s.setState("failed", err.Error())
			s.logger.Error("postgres source: writer failed", "err", err)
			return err
		}
		if err = classify(err); IsDefinite(err) {
			s.setState("failed", err.Error())
			s.logger.Error("postgres source: failed", "err", err)
			return err
		}
		if progressed {
			attempt = 0
		}
		delay := backoff(s.cfg.RetryBackoff, s.cfg.MaxRetryBackoff, attempt)
		attempt++
		s.setState("retrying", err.Error())
		s.logger.Warn("postgres source: retrying", "err", err, "attempt", attempt, "delay", delay.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			s.setState("stopped", "")
			return nil
		case <-time.After(delay):
		}
	}
}

// backoff is base*2^attempt, capped, with the upper half jittered so that
// many sources do not reconnect in lockstep.
func backoff(base, maxDelay time.Duration, attempt int) time.Duration {
	d := base
	for i := 0; i < attempt && d < maxDelay; i++ {
		d *= 2
	}
	d = min(d, maxDelay)
	half := d / 2
	return half + rand.N(half+1)
}

// runOnce validates the upstream, connects, snapshots if there is no
// position yet, and streams. progressed reports whether it got anywhere,
// which resets the backoff.
func (s *Source) runOnce(ctx context.Context, w connector.Writer, pos **pglogrepl.LSN) (progressed bool, err error) {
	tables, err := s.discover(ctx)
	if err != nil {
		return false, err
	}
	s.mu.Lock()
	prev := s.tables
	if prev == nil {
		s.tables = tables
	}
	s.mu.Unlock()
	if prev != nil {
		if err := sameSchema(prev, tables); err != nil {
			return false, err
		}
		tables = prev
	}
	if *pos != nil {
		if err := s.checkSlot(ctx, **pos); err != nil {
			return false, err
		}
	}
	conn, err := pgconn.ConnectConfig(ctx, s.replConfig)
	if err != nil {
		return false, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if *pos == nil {
		cp, err := s.snapshot(ctx, conn, w, tables)
		if err != nil {
			return false, err
		}
		*pos = &cp
		progressed = true
	}
	lsn := **pos
	streamed, err := s.stream(ctx, conn, w, tables, &lsn)
	*pos = &lsn
	return progressed || streamed, err
}

// checkSlot verifies that the slot exists and has not been confirmed past
// the durable position, which would mean changes in between are lost.
func (s *Source) checkSlot(ctx context.Context, pos pglogrepl.LSN) error {
	conn, err := s.connectSQL(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var (
		plugin, database, current string
		confirmed                 *string
	)
	err = conn.QueryRow(ctx, `
SELECT coalesce(plugin, ''), confirmed_flush_lsn::text, coalesce(database, ''),
       current_database()
FROM pg_replication_slots WHERE slot_name = $1`, s.cfg.Slot).Scan(&plugin, &confirmed, &database, &current)
	if errors.Is(err, pgx.ErrNoRows) {
		return definite(sqlerr.New(sqlerr.UndefinedObject, "replication slot %q does not exist", s.cfg.Slot).
			WithHint("The slot was dropped upstream; recreate the source to take a new snapshot."))
	}
	if err != nil {
		return err
	}
	if plugin != "pgoutput" || database != current {
		return definite(sqlerr.New(sqlerr.ObjectNotInPrerequisiteState,
			"replication slot %q is not a pgoutput slot of database %q", s.cfg.Slot, current))
	}
	if confirmed != nil {
		c, err := pglogrepl.ParseLSN(*confirmed)
		if err == nil && c > pos {
			return definite(sqlerr.New(sqlerr.DataCorrupted,
				"replication slot %q was confirmed up to %s, past the source's durable position %s", s.cfg.Slot, c, pos).
				WithDetail("Changes between the two positions cannot be read again; recreate the source."))
		}
	}
	return nil
}

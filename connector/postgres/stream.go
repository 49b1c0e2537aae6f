package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/sql/sqlerr"
)

// writerError wraps an error of connector.Writer.Commit. Run returns it
// rather than retrying: the writer's failure is not the upstream's.
type writerError struct{ err error }

func (e *writerError) Error() string { return "postgres source: commit: " + e.err.Error() }
func (e *writerError) Unwrap() error { return e.err }

// minStatusGap is the least time between two status updates sent because
// the confirmed position moved (updates the server asks for, and the
// periodic one, are not limited).
const minStatusGap = time.Second

// streamer is one replication session: START_REPLICATION until an error
// or the end of ctx.
type streamer struct {
	s    *Source
	conn *pgconn.PgConn
	w    connector.Writer
	dec  *decoder
	// confirmed is the end of the last transaction Commit made durable;
	// the only position ever reported as flushed.
	confirmed  pglogrepl.LSN
	lastStatus time.Time
	// lastActivity is when the last transaction of a replicated table was
	// seen, for IdleAdvance.
	lastActivity time.Time
	received     bool // whether any message arrived (the session works)
	// Progress log.
	lastLog   time.Time
	rowsSince int64
	txnsSince int64
}

// stream replicates from start until ctx ends or an error occurs. *pos is
// updated after each durable Commit.
func (s *Source) stream(ctx context.Context, conn *pgconn.PgConn, w connector.Writer, tables []*tableInfo, pos *pglogrepl.LSN) (progressed bool, err error) {
	start := *pos
	args := []string{
		"proto_version '1'",
		"publication_names " + quoteLiteral(quoteIdent(s.cfg.Publication)),
	}
	if err := pglogrepl.StartReplication(ctx, conn, s.cfg.Slot, start, pglogrepl.StartReplicationOptions{
		Mode: pglogrepl.LogicalReplication, PluginArgs: args,
	}); err != nil {
		return false, fmt.Errorf("starting replication from slot %s: %w", s.cfg.Slot, err)
	}
	s.logger.Info("postgres source: streaming", "from", start.String())
	s.setState("running", "")
	now := time.Now()
	st := &streamer{
		s: s, conn: conn, w: w,
		dec:          newDecoder(tables, w, start, &s.stats, s.logger),
		confirmed:    start,
		lastActivity: now,
		lastLog:      now,
	}
	s.observeConfirmed(start, -1)
	defer func() {
		// Tell the server where we are before leaving, so that the slot
		// is as far along as it may be; best effort.
		if conn.IsClosed() || s.knobs.noFinalStatus {
			return
		}
		_ = st.sendStatus(false)
	}()
	err = st.loop(ctx)
	*pos = st.confirmed
	return st.received, err
}

func (st *streamer) loop(ctx context.Context) error {
	s := st.s
	if err := st.sendStatus(false); err != nil {
		return err
	}
	for {
		now := time.Now()
		next := st.lastStatus.Add(s.cfg.StatusInterval)
		if !now.Before(next) {
			if err := st.sendStatus(false); err != nil {
				return err
			}
			next = now.Add(s.cfg.StatusInterval)
		}
		if now.Sub(st.lastLog) >= s.cfg.ProgressInterval {
			st.logProgress(now)
		}
		if logAt := st.lastLog.Add(s.cfg.ProgressInterval); logAt.Before(next) {
			next = logAt
		}
		rctx, cancel := context.WithDeadline(ctx, next)
		raw, err := st.conn.ReceiveMessage(rctx)
		cancel()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			if pgconn.Timeout(err) {
				continue
			}
			return err
		}
		st.received = true
		switch msg := raw.(type) {
		case *pgproto3.CopyData:
			if err := st.copyData(ctx, msg.Data); err != nil {
				return err
			}
		case *pgproto3.ErrorResponse:
			return pgconn.ErrorResponseToPgError(msg)
		case *pgproto3.CopyDone:
			return sqlerr.New(sqlerr.ConnectionFailure, "upstream server ended replication")
		default:
			return sqlerr.New(sqlerr.ProtocolViolation, "unexpected message %T during replication", raw)
		}
	}
}

func (st *streamer) copyData(ctx context.Context, data []byte) error {
	if len(data) == 0 {
		return nil
	}
	switch data[0] {
	case pglogrepl.PrimaryKeepaliveMessageByteID:
		ka, err := pglogrepl.ParsePrimaryKeepaliveMessage(data[1:])
		if err != nil {
			return sqlerr.WithCode(err, sqlerr.ProtocolViolation)
		}
		st.s.observeUpstream(ka.ServerWALEnd)
		if err := st.maybeIdleAdvance(ctx, ka.ServerWALEnd); err != nil {
			return err
		}
		if ka.ReplyRequested {
			return st.sendStatus(false)
		}
	case pglogrepl.XLogDataByteID:
		xld, err := pglogrepl.ParseXLogData(data[1:])
		if err != nil {
			return sqlerr.WithCode(err, sqlerr.ProtocolViolation)
		}
		st.s.observeUpstream(xld.ServerWALEnd)
		t, err := st.dec.handle(xld.WALData)
		if err != nil {
			return err
		}
		if st.dec.inTxn {
			st.lastActivity = time.Now()
		}
		if t != nil {
			return st.commit(ctx, t)
		}
	}
	return nil
}

// commit hands a transaction to the writer and, once it is durable,
// advances the confirmed position.
func (st *streamer) commit(ctx context.Context, t *txn) error {
	if err := st.w.Commit(ctx, t.writes, encodePosition(t.end)); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &writerError{err}
	}
	now := time.Now()
	st.confirmed = t.end
	st.dec.last = t.end
	st.lastActivity = now
	st.rowsSince += int64(t.rows)
	st.txnsSince++
	st.s.addRows(t.rows, now)
	st.s.observeConfirmed(t.end, now.Sub(t.commitTime))
	if now.Sub(st.lastStatus) >= min(minStatusGap, st.s.cfg.StatusInterval) {
		return st.sendStatus(false)
	}
	return nil
}

// maybeIdleAdvance moves the durable position to the server's WAL end
// when no replicated transaction has been seen for a while. Without it, a
// source whose tables are quiet would hold back WAL written by other
// tables and databases forever. The position is made durable with an empty
// Commit before it is confirmed, like any other.
//
// This is safe because the server decodes a transaction only at its commit
// record and has sent everything it decoded before the keepalive: no
// transaction committing before walEnd can still arrive.
func (st *streamer) maybeIdleAdvance(ctx context.Context, walEnd pglogrepl.LSN) error {
	if st.s.cfg.IdleAdvance < 0 || st.dec.inTxn || walEnd <= st.confirmed ||
		time.Since(st.lastActivity) < st.s.cfg.IdleAdvance {
		return nil
	}
	st.lastActivity = time.Now()
	return st.commit(ctx, &txn{end: walEnd, commitTime: time.Now()})
}

// sendStatus reports the confirmed position as written, flushed and
// applied. It never reports anything newer: the server may then recycle
// the WAL of everything up to it.
func (st *streamer) sendStatus(replyRequested bool) error {
	if k := st.s.knobs.beforeStatus; k != nil {
		k(st.confirmed)
	}
	st.lastStatus = time.Now()
	err := pglogrepl.SendStandbyStatusUpdate(context.Background(), st.conn, pglogrepl.StandbyStatusUpdate{
		WALWritePosition: st.confirmed,
		WALFlushPosition: st.confirmed,
		WALApplyPosition: st.confirmed,
		ClientTime:       st.lastStatus,
		ReplyRequested:   replyRequested,
	})
	if err != nil {
		return fmt.Errorf("sending standby status: %w", err)
	}
	return nil
}

func (st *streamer) logProgress(now time.Time) {
	s := st.s
	el := now.Sub(st.lastLog).Seconds()
	state := s.State()
	level := slog.LevelInfo
	if st.txnsSince == 0 {
		level = slog.LevelDebug
	}
	s.logger.Log(context.Background(), level, "postgres source: progress",
		"txns_per_second", int64(float64(st.txnsSince)/el),
		"rows_per_second", int64(float64(st.rowsSince)/el),
		"upstream", state.Upstream, "confirmed", state.Confirmed,
		"lag_bytes", state.LagBytes, "lag", state.Lag.Round(time.Millisecond),
		"skipped_txns", s.stats.skippedTxns.Load(), "missing_old_rows", s.stats.missingOld.Load())
	st.lastLog, st.rowsSince, st.txnsSince = now, 0, 0
}

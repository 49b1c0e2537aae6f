package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5/pgconn"
)

// dropSlot drops the slot over a replication connection, if it exists.
func dropSlot(ctx context.Context, repl *pgconn.PgConn, slot string) error {
	err := pglogrepl.DropReplicationSlot(ctx, repl, slot, pglogrepl.DropReplicationSlotOptions{})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42704" { // undefined_object
		return nil
	}
	return err
}

// DropSlot drops the source's replication slot, for DROP SOURCE. Run must
// have returned. It waits for a walsender that still holds the slot (a
// connection that has not noticed yet that Run ended) and succeeds when the
// slot does not exist.
func (s *Source) DropSlot(ctx context.Context) error {
	conn, err := pgconn.ConnectConfig(ctx, s.replConfig)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	err = pglogrepl.DropReplicationSlot(ctx, conn, s.cfg.Slot, pglogrepl.DropReplicationSlotOptions{Wait: true})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42704" {
		return nil
	}
	if err == nil {
		s.logger.Info("postgres source: dropped replication slot")
	}
	return err
}

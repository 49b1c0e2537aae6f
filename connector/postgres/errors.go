package postgres

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// definiteError marks an error that retrying cannot fix: the publication
// or slot is gone, the upstream schema changed incompatibly, a value cannot
// be decoded. Run returns it; every other upstream error is transient and
// retried (Materialize's DefiniteError and TransientError).
type definiteError struct{ err error }

func (e *definiteError) Error() string { return e.err.Error() }
func (e *definiteError) Unwrap() error { return e.err }

func definite(err error) error {
	if err == nil {
		return nil
	}
	var d *definiteError
	if errors.As(err, &d) {
		return err
	}
	return &definiteError{err}
}

// IsDefinite reports whether err, returned by Run or Discover, is definite:
// the source cannot make progress until someone changes the upstream (or
// recreates the source).
func IsDefinite(err error) bool {
	var d *definiteError
	return errors.As(err, &d)
}

// classify decides whether an upstream error is definite.
func classify(err error) error {
	if err == nil || IsDefinite(err) {
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception
			strings.HasPrefix(pgErr.Code, "53"), // insufficient resources
			strings.HasPrefix(pgErr.Code, "57"), // operator intervention: shutdown, termination, cancel
			strings.HasPrefix(pgErr.Code, "58"), // system error
			pgErr.Code == "55006",               // object in use: the slot is still held by a dying walsender
			pgErr.Code == "40001", pgErr.Code == "40P01":
			return err
		case pgErr.Code == "55000" && strings.Contains(pgErr.Message, "replication slot"):
			return definite(err) // slot invalidated (max_slot_wal_keep_size)
		case strings.HasPrefix(pgErr.Code, "XX"):
			return err // internal upstream error: worth a retry
		}
		return definite(err)
	}
	// Network errors, unexpected EOF, protocol confusion: reconnect.
	return err
}

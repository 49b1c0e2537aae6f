package postgres

import (
	"github.com/jackc/pglogrepl"

	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/sql/sqlerr"
)

// A Position is an upstream LSN in Postgres's notation ("16/B374D848"):
// the end of the last transaction a Commit made durable, or the slot's
// consistent point for the snapshot's Commit. Everything up to it is in
// Freshet; everything after it is not.
func encodePosition(lsn pglogrepl.LSN) connector.Position {
	return connector.Position(lsn.String())
}

func decodePosition(p connector.Position) (pglogrepl.LSN, error) {
	lsn, err := pglogrepl.ParseLSN(string(p))
	if err != nil {
		return 0, definite(sqlerr.New(sqlerr.DataCorrupted, "invalid postgres source position %q", string(p)))
	}
	return lsn, nil
}

// PositionString renders a position of this source for humans.
func PositionString(p connector.Position) string {
	if p == nil {
		return ""
	}
	return string(p)
}

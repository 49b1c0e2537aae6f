package postgres

import (
	"github.com/freshet-db/freshet/sql/datum"
)

// TruncateWriter is implemented by connector.Writers that can list the
// current rows of a table. The source needs it to turn an upstream
// TRUNCATE into deletions: pgoutput names the truncated tables but not
// their rows. A Writer without it makes a TRUNCATE of a replicated table a
// definite error (0A000).
//
// Truncate returns every row of the table as of the last Commit (with
// duplicates, for tables without a primary key). The source combines them
// with the changes of the current transaction that precede the TRUNCATE
// and retracts the result in that transaction's Commit. The rows are only
// read, never modified.
type TruncateWriter interface {
	Truncate(table int) []datum.Row
}

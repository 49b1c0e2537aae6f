package postgres

import (
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/freshet-db/freshet/sql/sqlerr"
)

// Config configures a Postgres CDC source.
type Config struct {
	// ConnString is a libpq conninfo ("host=... dbname=...") or a
	// postgres:// URL. TLS follows its sslmode.
	ConnString string
	// Publication names the upstream publication whose tables are
	// replicated.
	Publication string
	// Slot is the logical replication slot; default "freshet_<SourceName>",
	// sanitized to a valid slot name.
	Slot string
	// Tables optionally selects and renames tables of the publication (FOR
	// TABLES (a, b AS c)); empty means every table of the publication.
	Tables []TableMapping
	// SourceName is the Freshet name of the source, used in logs and for the
	// default slot name.
	SourceName string

	// StatusInterval is how often a standby status update is sent even
	// when the server asks for none (default 10s).
	StatusInterval time.Duration
	// IdleAdvance is how long the stream must be idle (no transaction of a
	// replicated table) before the source commits an empty transaction at
	// the server's WAL end so that the slot can release WAL written by
	// other tables and databases (default 30s; negative disables).
	IdleAdvance time.Duration
	// RetryBackoff and MaxRetryBackoff bound the exponential, jittered
	// delay between reconnection attempts (defaults 250ms and 30s).
	RetryBackoff, MaxRetryBackoff time.Duration
	// ProgressInterval is how often progress is logged (default 10s).
	ProgressInterval time.Duration
}

// TableMapping selects one upstream table and names it in Freshet.
type TableMapping struct {
	// Upstream is "schema.table" or "table" (found in any schema of the
	// publication, if unambiguous).
	Upstream string
	// Name is the Freshet relation name; empty means the upstream table
	// name.
	Name string
}

func (c *Config) setDefaults() {
	if c.Slot == "" {
		c.Slot = SlotName(c.SourceName)
	}
	if c.StatusInterval <= 0 {
		c.StatusInterval = 10 * time.Second
	}
	if c.IdleAdvance == 0 {
		c.IdleAdvance = 30 * time.Second
	}
	if c.RetryBackoff <= 0 {
		c.RetryBackoff = 250 * time.Millisecond
	}
	if c.MaxRetryBackoff <= 0 {
		c.MaxRetryBackoff = 30 * time.Second
	}
	if c.ProgressInterval <= 0 {
		c.ProgressInterval = 10 * time.Second
	}
}

// SlotName returns the default slot name of a source: "freshet_" followed
// by the source name lower-cased, with every character other than a-z, 0-9
// and _ replaced by _, cut to Postgres's 63-byte identifier limit.
func SlotName(source string) string {
	var b strings.Builder
	b.WriteString("freshet_")
	for _, r := range strings.ToLower(source) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	s := b.String()
	if len(s) > 63 {
		s = s[:63]
	}
	return s
}

// validSlotName reports whether s is a valid replication slot name (lower
// case letters, digits and underscores, at most 63 bytes), which also makes
// it safe to splice into replication commands.
func validSlotName(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
			return false
		}
	}
	return true
}

// sessionParams are set on every upstream session so that values arrive in
// the text forms datum.ParseText reads: ISO dates, UTC offsets, postgres
// interval style, hex bytea and shortest round-trip floats.
var sessionParams = [...][2]string{
	{"DateStyle", "ISO, MDY"},
	{"TimeZone", "UTC"},
	{"IntervalStyle", "postgres"},
	{"extra_float_digits", "3"},
	{"bytea_output", "hex"},
	{"client_encoding", "UTF8"},
	{"application_name", "freshet"},
}

// New checks cfg and returns a source. It does not connect.
func New(cfg Config, logger *slog.Logger) (*Source, error) {
	cfg.setDefaults()
	if cfg.Publication == "" {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "postgres source needs a publication")
	}
	if !validSlotName(cfg.Slot) {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "invalid replication slot name %q", cfg.Slot).
			WithHint("Slot names may contain only lower case letters, numbers and the underscore character.")
	}
	base, err := pgconn.ParseConfig(cfg.ConnString)
	if err != nil {
		return nil, sqlerr.WithCode(err, sqlerr.InvalidParameterValue)
	}
	for _, p := range sessionParams {
		base.RuntimeParams[p[0]] = p[1]
	}
	repl := base.Copy()
	repl.RuntimeParams["replication"] = "database"
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("source", cfg.SourceName, "slot", cfg.Slot)
	s := &Source{cfg: cfg, logger: logger, replConfig: repl}
	s.st.State = "starting"
	return s, nil
}

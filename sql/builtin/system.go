package builtin

import (
	"runtime"
	"strings"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

// The Postgres version Freshet claims. psql and drivers pick their query
// variants by it, and SQLAlchemy (Superset) parses version() for it.
const (
	PostgresVersion    = "16.4"
	PostgresVersionNum = "160004"
)

// serverSettings are the server-wide settings current_setting can read
// without a session (the session's SHOW answers the session-level ones).
var serverSettings = map[string]string{
	"server_version":                PostgresVersion,
	"server_version_num":            PostgresVersionNum,
	"server_encoding":               "UTF8",
	"client_encoding":               "UTF8",
	"integer_datetimes":             "on",
	"max_identifier_length":         "63",
	"standard_conforming_strings":   "on",
	"timezone":                      "UTC",
	"datestyle":                     "ISO, MDY",
	"intervalstyle":                 "postgres",
	"search_path":                   `"$user", public`,
	"transaction_isolation":         "serializable",
	"default_transaction_isolation": "serializable",
}

func (l *lib) addSystemFunctions() {
	text := types.TextT
	version := "PostgreSQL " + PostgresVersion + " (Freshet) on " + arch() + "-pc-linux-gnu, 64-bit"
	constant := func(name, v string) *Overload {
		return fn(name, text, func([]datum.Datum) (datum.Datum, error) { return datum.NewText(v), nil })
	}
	l.add(
		constant("version", version),
		constant("current_database", "freshet"),
		constant("current_catalog", "freshet"),
		constant("current_schema", "public"),
		fn("current_setting", text, func(a []datum.Datum) (datum.Datum, error) {
			name := strings.ToLower(a[0].Str())
			if v, ok := serverSettings[name]; ok {
				return datum.NewText(v), nil
			}
			return datum.Null, sqlerr.New(sqlerr.UndefinedObject, "unrecognized configuration parameter %q", a[0].Str())
		}, text),
	)
}

func arch() string {
	if runtime.GOARCH == "amd64" {
		return "x86_64"
	}
	return runtime.GOARCH
}

package session

import (
	"slices"
	"strings"

	"github.com/freshet-db/freshet/sql/builtin"
	"github.com/freshet-db/freshet/sql/sqlerr"
)

// ServerVersion is the Postgres version Freshet claims. psql and drivers
// pick their query variants by it (COMPAT.md §2.1).
const (
	ServerVersion    = builtin.PostgresVersion
	ServerVersionNum = builtin.PostgresVersionNum
)

// variable is a session setting (GUC).
type variable struct {
	value string
	// report: sent as ParameterStatus at startup and when changed.
	report bool
	// readOnly settings cannot be SET.
	readOnly bool
}

func defaultVars(version string) map[string]*variable {
	return map[string]*variable{
		"application_name":                    {value: "", report: true},
		"client_encoding":                     {value: "UTF8", report: true},
		"datestyle":                           {value: "ISO, MDY", report: true},
		"default_transaction_read_only":       {value: "off", report: true},
		"in_hot_standby":                      {value: "off", report: true, readOnly: true},
		"integer_datetimes":                   {value: "on", report: true, readOnly: true},
		"intervalstyle":                       {value: "postgres", report: true},
		"is_superuser":                        {value: "on", report: true, readOnly: true},
		"server_encoding":                     {value: "UTF8", report: true, readOnly: true},
		"server_version":                      {value: ServerVersion + " (Freshet " + version + ")", report: true, readOnly: true},
		"server_version_num":                  {value: ServerVersionNum, readOnly: true},
		"session_authorization":               {value: "freshet", report: true},
		"standard_conforming_strings":         {value: "on", report: true},
		"timezone":                            {value: "UTC", report: true},
		"search_path":                         {value: `"$user", public`},
		"transaction_isolation":               {value: "serializable"},
		"default_transaction_isolation":       {value: "serializable"},
		"transaction_read_only":               {value: "off"},
		"extra_float_digits":                  {value: "1"},
		"max_identifier_length":               {value: "63", readOnly: true},
		"statement_timeout":                   {value: "0"},
		"lock_timeout":                        {value: "0"},
		"idle_in_transaction_session_timeout": {value: "0"},
		"client_min_messages":                 {value: "notice"},
		"bytea_output":                        {value: "hex"},
	}
}

// reportName is the spelling Postgres uses in ParameterStatus.
var reportName = map[string]string{
	"datestyle":     "DateStyle",
	"intervalstyle": "IntervalStyle",
	"timezone":      "TimeZone",
}

func displayName(name string) string {
	if n, ok := reportName[name]; ok {
		return n
	}
	return name
}

func normalizeVar(name string) string {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "time zone", "time_zone":
		return "timezone"
	case "transaction isolation level":
		return "transaction_isolation"
	}
	return n
}

// set changes a setting, validating the few whose values matter.
func (s *Session) set(name, value string) error {
	name = normalizeVar(name)
	value = strings.Trim(strings.TrimSpace(value), "'")
	v, ok := s.vars[name]
	if !ok {
		// Unknown settings are accepted and kept, as clients set many
		// that Freshet has no use for (Postgres would say 42704 for truly
		// unknown names; being lenient keeps BI tools connecting).
		v = &variable{}
		s.vars[name] = v
	}
	if v.readOnly {
		return sqlerr.New(sqlerr.CantChangeRuntimeParam, "parameter %q cannot be changed", name)
	}
	switch name {
	case "client_encoding":
		if u := strings.ToUpper(strings.ReplaceAll(value, "-", "")); u != "UTF8" && u != "UNICODE" {
			return sqlerr.New(sqlerr.FeatureNotSupported, "only UTF8 client_encoding is supported")
		}
		value = "UTF8"
	case "timezone":
		if u := strings.ToUpper(value); u != "UTC" && u != "ETC/UTC" && u != "GMT" && u != "Z" && u != "0" && u != "+00" && u != "00:00" {
			return sqlerr.New(sqlerr.FeatureNotSupported, "time zone %q is not supported yet: Freshet sessions run in UTC", value)
		}
		value = "UTC"
	case "datestyle":
		if !strings.HasPrefix(strings.ToUpper(value), "ISO") {
			return sqlerr.New(sqlerr.FeatureNotSupported, "only the ISO DateStyle is supported")
		}
	case "standard_conforming_strings":
		if v := strings.ToLower(value); v != "on" && v != "true" {
			return sqlerr.New(sqlerr.FeatureNotSupported, "standard_conforming_strings must be on")
		}
		value = "on"
	}
	if v.value != value {
		v.value = value
		if v.report {
			s.changed[displayName(name)] = value
		}
	}
	return nil
}

func (s *Session) reset(name string) {
	defaults := defaultVars(s.version)
	if name == "all" {
		for n, d := range defaults {
			if !d.readOnly {
				_ = s.set(n, d.value)
			}
		}
		return
	}
	if d, ok := defaults[normalizeVar(name)]; ok && !d.readOnly {
		_ = s.set(name, d.value)
	}
}

func (s *Session) get(name string) (string, error) {
	n := normalizeVar(name)
	if v, ok := s.vars[n]; ok {
		return v.value, nil
	}
	return "", sqlerr.New(sqlerr.UndefinedObject, "unrecognized configuration parameter %q", name)
}

// sortedVars lists settings for SHOW ALL.
func (s *Session) sortedVars() []string {
	names := make([]string, 0, len(s.vars))
	for n := range s.vars {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

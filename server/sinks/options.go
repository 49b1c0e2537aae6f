package sinks

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/connector/clickhouse"
	"github.com/freshet-db/freshet/sql/sqlerr"
)

// Defaults of the sink options.
const (
	defaultBatchRows     = 100_000
	defaultFlushInterval = 200 * time.Millisecond
)

// options are a sink's settings: the connector's and the buffer of its
// subscription (0: the manager's default).
type options struct {
	clickhouse.Config
	Buffer int
}

// parseOptions turns a sink's options into its configuration.
func parseOptions(opts map[string]string) (options, error) {
	cfg := options{Config: clickhouse.Config{BatchRows: defaultBatchRows, FlushInterval: defaultFlushInterval}}
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := opts[k]
		switch k {
		case "connection":
			cfg.DSN = v
		case "table":
			cfg.Table = v
		case "mode":
			m, err := clickhouse.ParseMode(v)
			if err != nil {
				return cfg, err
			}
			cfg.Mode = m
		case "batch_rows":
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 1 || n > 10_000_000 {
				return cfg, sqlerr.New(sqlerr.InvalidParameterValue, "invalid sink option BATCH_ROWS %q", v).
					WithHint("BATCH_ROWS is a number of rows between 1 and 10000000.")
			}
			cfg.BatchRows = n
		case "buffer":
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 1 || n > 1_000_000 {
				return cfg, sqlerr.New(sqlerr.InvalidParameterValue, "invalid sink option BUFFER %q", v).
					WithHint("BUFFER is a number of change batches between 1 and 1000000.")
			}
			cfg.Buffer = n
		case "flush_interval":
			d, err := parseInterval(v)
			if err != nil || d < time.Millisecond || d > time.Hour {
				return cfg, sqlerr.New(sqlerr.InvalidParameterValue, "invalid sink option FLUSH_INTERVAL %q", v).
					WithHint("FLUSH_INTERVAL is a duration between 1ms and 1h, such as '200ms' or '2s' (a bare number is milliseconds).")
			}
			cfg.FlushInterval = d
		default:
			return cfg, sqlerr.New(sqlerr.InvalidParameterValue, "unknown sink option %s", strings.ToUpper(k)).
				WithHint("The options of a ClickHouse sink are MODE ('changelog' or 'upsert'), BATCH_ROWS, FLUSH_INTERVAL and BUFFER.")
		}
	}
	if cfg.DSN == "" {
		return cfg, sqlerr.New(sqlerr.InvalidParameterValue, "a clickhouse sink needs a CONNECTION").
			WithHint("CONNECTION 'clickhouse://user:password@host:9000/database'")
	}
	return cfg, nil
}

// parseInterval reads a Go duration ("250ms", "2s") or a number of
// milliseconds.
func parseInterval(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Duration(n) * time.Millisecond, nil
	}
	return time.ParseDuration(v)
}

// schemaOf describes the relation a sink reads.
func schemaOf(rel *catalog.Relation) connector.TableSchema {
	s := connector.TableSchema{Name: rel.Name, PrimaryKey: slices.Clone(rel.PrimaryKey)}
	for _, c := range rel.Columns {
		s.Columns = append(s.Columns, connector.Column{Name: c.Name, Type: c.Type, NotNull: c.NotNull})
	}
	return s
}

package sinks

import (
	"testing"
	"time"

	"github.com/freshet-db/freshet/connector/clickhouse"
	"github.com/freshet-db/freshet/sql/sqlerr"
)

func TestParseOptions(t *testing.T) {
	base := func() map[string]string {
		return map[string]string{"connection": "clickhouse://default:@127.0.0.1:9000/db", "table": "t"}
	}
	cfg, err := parseOptions(base())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Mode != clickhouse.Changelog || cfg.BatchRows != defaultBatchRows || cfg.FlushInterval != defaultFlushInterval || cfg.Buffer != 0 {
		t.Fatalf("defaults: %+v", cfg)
	}
	o := base()
	o["mode"], o["batch_rows"], o["flush_interval"], o["buffer"] = "UPSERT", "5000", "250", "16"
	if cfg, err = parseOptions(o); err != nil {
		t.Fatal(err)
	}
	if cfg.Mode != clickhouse.Upsert || cfg.BatchRows != 5000 || cfg.FlushInterval != 250*time.Millisecond || cfg.Buffer != 16 {
		t.Fatalf("parsed: %+v", cfg)
	}
	o["flush_interval"] = "2s"
	if cfg, err = parseOptions(o); err != nil || cfg.FlushInterval != 2*time.Second {
		t.Fatalf("flush_interval 2s: %+v %v", cfg, err)
	}
	for _, bad := range []map[string]string{
		{"colour": "blue"},
		{"mode": "sideways"},
		{"batch_rows": "0"},
		{"batch_rows": "many"},
		{"flush_interval": "soon"},
		{"flush_interval": "0"},
		{"buffer": "-1"},
		{"connection": ""},
	} {
		o := base()
		for k, v := range bad {
			o[k] = v
		}
		_, err := parseOptions(o)
		if se := sqlerr.Find(err); se == nil || se.Code != sqlerr.InvalidParameterValue {
			t.Errorf("%v: got %v, want 22023", bad, err)
		}
	}
}

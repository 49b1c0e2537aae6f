package session

import (
	"context"
	"fmt"
	"maps"

	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/server/pgwire"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/parse"
	"github.com/freshet-db/freshet/sql/sqlerr"
)

// planCreateSink plans CREATE SINK name FROM view INTO CLICKHOUSE ...
func (st *statement) planCreateSink(n *parse.CreateSink) error {
	st.run = func(ctx context.Context, _ []datum.Datum) (pgwire.Result, error) {
		if err := st.s.ddlAllowed("CREATE SINK"); err != nil {
			return nil, err
		}
		if err := st.s.sinksManager(); err != nil {
			return nil, err
		}
		err := st.s.sinks.Create(ctx, catalog.Normalize(n.Name), catalog.Normalize(n.From), maps.Clone(n.Options), n.SQL, n.IfNotExists)
		if err != nil {
			return nil, err
		}
		return tagResult("CREATE SINK"), nil
	}
	return nil
}

// planDropSink plans DROP SINK [IF EXISTS] name, ...
func (st *statement) planDropSink(n *parse.Drop) error {
	st.run = func(ctx context.Context, _ []datum.Datum) (pgwire.Result, error) {
		if err := st.s.ddlAllowed("DROP SINK"); err != nil {
			return nil, err
		}
		if err := st.s.sinksManager(); err != nil {
			return nil, err
		}
		for _, name := range n.Names {
			if err := st.s.sinks.Drop(ctx, catalog.Normalize(name), n.IfExists); err != nil {
				return nil, err
			}
		}
		return tagResult("DROP SINK"), nil
	}
	return nil
}

// droppedRelations tells the sinks manager about relations a DROP ...
// CASCADE removed, so that the sinks among them stop before the statement
// returns.
func (s *Session) droppedRelations(rels []*catalog.Relation) {
	if s.sinks != nil {
		s.sinks.Stopped(rels)
	}
}

// planShowSinks plans SHOW SINKS.
func (st *statement) planShowSinks() {
	st.cols = textColumns("name", "view", "table", "mode", "state", "reason", "delivered_ts", "lag_ms", "lag_updates",
		"rows", "rows_per_second", "errors", "cutoffs", "last_error")
	st.run = func(context.Context, []datum.Datum) (pgwire.Result, error) {
		var rows [][]string
		if st.s.sinks != nil {
			for _, k := range st.s.sinks.Statuses() {
				rows = append(rows, []string{k.Name, k.View, k.Table, k.Mode, k.State, k.Reason,
					fmt.Sprint(k.Delivered), fmt.Sprint(k.Lag.Milliseconds()), fmt.Sprint(k.LagUpdates),
					fmt.Sprint(k.Rows), fmt.Sprintf("%.1f", k.RowsPerSecond), fmt.Sprint(k.Errors),
					fmt.Sprint(k.Cutoffs), k.LastError})
			}
		}
		return &rowsResult{rows: textRows(rows...), tag: "SHOW"}, nil
	}
}

// sinksManager fails when the engine runs without sinks (some tests).
func (s *Session) sinksManager() error {
	if s.sinks == nil {
		return sqlerr.New(sqlerr.FeatureNotSupported, "sinks are not available in this server")
	}
	return nil
}

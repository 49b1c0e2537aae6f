package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/freshet-db/freshet/server/session"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/parse"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

// subscribeEvent is the JSON payload of one Server-Sent Event of
// GET /api/v1/subscribe: an update (Diff and Row set) or, for event type
// "progress", the news that every update before Timestamp was sent.
type subscribeEvent struct {
	Timestamp int64          `json:"timestamp"`
	Diff      *int64         `json:"diff,omitempty"`
	Row       map[string]any `json:"row,omitempty"`
	Progress  bool           `json:"progress,omitempty"`
}

// handleSubscribe serves GET /api/v1/subscribe?query=SQL, where SQL is a
// SUBSCRIBE or a SELECT (subscribed to as SUBSCRIBE (SELECT ...)), as a
// text/event-stream: an "update" event per changed row and a "progress"
// event per completed timestamp, until the client disconnects or the
// server stops. Errors before the stream starts are JSON with the status
// of their SQLSTATE class; an error afterwards is an "error" event.
func (s *Server) handleSubscribe(w http.ResponseWriter, r *http.Request) {
	sub, err := s.planSubscribeHTTP(r.URL.Query().Get("query"))
	if err != nil {
		writeSubscribeError(w, err)
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeSubscribeError(w, sqlerr.New(sqlerr.Internal, "streaming is not supported by this connection"))
		return
	}
	sp, err := sub.Open(s.coord, session.SubscribeBuffer)
	if err != nil {
		writeSubscribeError(w, err)
		return
	}
	defer sp.Close()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flusher.Flush()
	cols := sp.Columns()
	ctx := r.Context()
	for {
		if sp.Available() == 0 {
			flusher.Flush()
		}
		row, err := sp.Next(ctx)
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, io.EOF) {
				b, _ := json.Marshal(map[string]string{"code": string(sqlerr.GetCode(err)), "message": err.Error()})
				fmt.Fprintf(w, "event: error\ndata: %s\n\n", b)
				flusher.Flush()
			}
			return
		}
		// Columns: timestamp, progressed, diff, then the collection's.
		ev := subscribeEvent{Timestamp: row[0].Int()}
		kind := "progress"
		if row[1].Bool() {
			ev.Progress = true
		} else {
			kind = "update"
			d := row[2].Int()
			ev.Diff = &d
			ev.Row = make(map[string]any, len(cols)-3)
			for i, c := range cols[3:] {
				ev.Row[c.Name] = jsonValue(row[3+i])
			}
		}
		b, err := json.Marshal(ev)
		if err != nil {
			return
		}
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", kind, b); err != nil {
			return
		}
	}
}

// planSubscribeHTTP plans the query of the SSE endpoint, always with
// PROGRESS.
func (s *Server) planSubscribeHTTP(query string) (*session.SubscribePlan, error) {
	if query == "" {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "missing query parameter \"query\"")
	}
	stmts, err := parse.Parse(query)
	if err != nil {
		return nil, err
	}
	if len(stmts) != 1 {
		return nil, sqlerr.New(sqlerr.SyntaxError, "expected one SUBSCRIBE or SELECT statement, got %d statements", len(stmts))
	}
	var sub *parse.Subscribe
	switch n := stmts[0].(type) {
	case *parse.Subscribe:
		sub = n
	case *parse.TiDB:
		q, ok := n.Node.(ast.ResultSetNode)
		if !ok {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "only SUBSCRIBE and SELECT can be subscribed to")
		}
		sub = &parse.Subscribe{Query: q, QueryText: n.SQL, NumParams: n.NumParams, Options: map[string]string{}, SQL: n.SQL}
	default:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "only SUBSCRIBE and SELECT can be subscribed to")
	}
	sub.Options["progress"] = "true"
	return session.PlanSubscribe(s.coord.Catalog(), sub)
}

// jsonValue renders a datum for JSON: NULL as null, booleans and integers
// natively, everything else in its Postgres text form.
func jsonValue(d datum.Datum) any {
	switch {
	case d.IsNull():
		return nil
	case d.Kind() == types.Bool:
		return d.Bool()
	case d.Kind() == types.Int2 || d.Kind() == types.Int4 || d.Kind() == types.Int8:
		return d.Int()
	case d.Kind() == types.JSONB:
		return json.RawMessage(d.Str())
	}
	return string(datum.AppendText(nil, d))
}

// writeSubscribeError answers a request that failed before streaming.
func writeSubscribeError(w http.ResponseWriter, err error) {
	status := http.StatusBadRequest
	code := sqlerr.GetCode(err)
	switch code[:2] {
	case "42":
		if code == sqlerr.UndefinedTable {
			status = http.StatusNotFound
		}
	case "0A":
		status = http.StatusNotImplemented
	case "XX":
		status = http.StatusInternalServerError
	}
	writeJSON(w, status, ingestError{Error: err.Error(), Code: string(code)})
}

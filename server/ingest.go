package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/server/coord"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/stream"
	"github.com/freshet-db/freshet/sql/types"
	"github.com/freshet-db/freshet/storage"
)

// maxIngestBody bounds one ingest request.
const maxIngestBody = 64 << 20

// ingestError is the JSON body of a failed ingest request.
type ingestError struct {
	Error  string `json:"error"`
	Code   string `json:"code,omitempty"`
	Row    *int   `json:"row,omitempty"` // 0-based index of the offending row
	Column string `json:"column,omitempty"`
}

// handleIngest serves POST /api/v1/tables/{name}/rows: a JSON array of
// objects, or NDJSON (one object per line), inserted into the table as one
// transaction (one timestamp). The reply is 200 only after the rows are
// durable and visible in every view; on any error nothing is applied.
func (s *Server) handleIngest(w http.ResponseWriter, r *http.Request) {
	name := catalog.Normalize(r.PathValue("name"))
	rel, ok := s.coord.Catalog().Lookup(name)
	if !ok {
		// As an unquoted SQL identifier would be folded.
		rel, ok = s.coord.Catalog().Lookup(strings.ToLower(name))
	}
	if !ok || rel.Kind != catalog.Table {
		writeJSON(w, http.StatusNotFound, ingestError{Error: fmt.Sprintf("table %q does not exist", name), Code: string(sqlerr.UndefinedTable)})
		return
	}
	if rel.Source != 0 {
		writeJSON(w, http.StatusForbidden, ingestError{Error: fmt.Sprintf("table %q is maintained by a source", name), Code: string(sqlerr.WrongObjectType)})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxIngestBody))
	if err != nil {
		writeJSON(w, http.StatusRequestEntityTooLarge, ingestError{Error: fmt.Sprintf("request body: %v", err)})
		return
	}
	objs, derr := decodeRows(body, r.Header.Get("Content-Type"))
	if derr != nil {
		writeJSON(w, http.StatusBadRequest, *derr)
		return
	}
	us := make([]stream.Update, len(objs))
	for i, obj := range objs {
		row, ierr := rowFromJSON(rel, obj)
		if ierr != nil {
			ierr.Row = &i
			writeJSON(w, http.StatusBadRequest, *ierr)
			return
		}
		us[i] = stream.Update{Row: row, Diff: 1}
	}
	ts, cerr := s.coord.Commit(r.Context(), []storage.TableWrite{{Table: rel.ID, Updates: stream.Consolidate(us)}})
	if cerr != nil {
		status := http.StatusBadRequest
		switch sqlerr.GetCode(cerr) {
		case sqlerr.UniqueViolation, sqlerr.SerializationFailure:
			status = http.StatusConflict
		case sqlerr.Internal:
			status = http.StatusInternalServerError
		}
		writeJSON(w, status, ingestError{Error: cerr.Error(), Code: string(sqlerr.GetCode(cerr))})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"rows": len(objs), "timestamp": uint64(ts)})
}

// decodeRows reads a JSON array of objects or NDJSON.
func decodeRows(body []byte, contentType string) ([]map[string]json.RawMessage, *ingestError) {
	mt, _, _ := mime.ParseMediaType(contentType)
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '[' && mt != "application/x-ndjson" {
		var objs []map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &objs); err != nil {
			return nil, &ingestError{Error: fmt.Sprintf("body is not a JSON array of objects: %v", err)}
		}
		return objs, nil
	}
	var objs []map[string]json.RawMessage
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 64<<10), maxIngestBody)
	for line := 0; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(text, &obj); err != nil {
			n := len(objs)
			return nil, &ingestError{Error: fmt.Sprintf("line %d is not a JSON object: %v", line+1, err), Row: &n}
		}
		objs = append(objs, obj)
	}
	if len(objs) == 0 {
		return nil, &ingestError{Error: "no rows in the request body"}
	}
	return objs, nil
}

// rowFromJSON converts one JSON object into a row of rel: missing columns
// are NULL, unknown fields are an error, values are converted to the
// column's type with the same rules as SQL input.
func rowFromJSON(rel *catalog.Relation, obj map[string]json.RawMessage) (datum.Row, *ingestError) {
	row := make(datum.Row, len(rel.Columns))
	for k := range obj {
		if rel.ColumnIndex(strings.ToLower(k)) < 0 {
			return nil, &ingestError{Error: fmt.Sprintf("column %q of relation %q does not exist", k, rel.Name),
				Code: string(sqlerr.UndefinedColumn), Column: k}
		}
	}
	for k, raw := range obj {
		i := rel.ColumnIndex(strings.ToLower(k))
		c := rel.Columns[i]
		d, err := datumFromJSON(raw, c.Type)
		if err != nil {
			return nil, &ingestError{Error: fmt.Sprintf("column %q: %v", c.Name, err), Code: string(sqlerr.GetCode(err)), Column: c.Name}
		}
		row[i] = d
	}
	if err := coord.CheckNotNull(rel, row); err != nil {
		col := ""
		for i, c := range rel.Columns {
			if c.NotNull && row[i].IsNull() {
				col = c.Name
				break
			}
		}
		return nil, &ingestError{Error: err.Error(), Code: string(sqlerr.NotNullViolation), Column: col}
	}
	return row, nil
}

func datumFromJSON(raw json.RawMessage, t types.T) (datum.Datum, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return datum.Null, nil
	}
	if t.Family == types.JSONB {
		return datum.ParseText(string(raw), t)
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return datum.Null, sqlerr.New(sqlerr.InvalidTextRepresentation, "invalid JSON string: %v", err)
		}
		return datum.ParseText(s, t)
	case '{', '[':
		return datum.Null, sqlerr.New(sqlerr.DatatypeMismatch, "a JSON %s cannot be stored in a column of type %s",
			map[byte]string{'{': "object", '[': "array"}[raw[0]], t)
	case 't', 'f':
		if t.Family != types.Bool {
			return datum.Null, sqlerr.New(sqlerr.DatatypeMismatch, "a JSON boolean cannot be stored in a column of type %s", t)
		}
		return datum.ParseText(string(raw), t)
	}
	// A JSON number, kept exact: its text goes through the type's parser.
	if t.Family == types.Text || t.Family == types.Varchar || t.IsNumeric() {
		return datum.ParseText(string(raw), t)
	}
	return datum.Null, sqlerr.New(sqlerr.DatatypeMismatch, "a JSON number cannot be stored in a column of type %s", t)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	// The status is sent; a client that went away cannot be told more.
	_ = json.NewEncoder(w).Encode(v)
}

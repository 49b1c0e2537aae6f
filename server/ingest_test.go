package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func post(t *testing.T, url, contentType, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(url, contentType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("response %q is not JSON: %v", b, err)
	}
	return resp.StatusCode, out
}

// HTTP ingest: one request is one transaction, visible in views when the
// 200 arrives; a bad row rejects the whole request, naming row and column.
func TestHTTPIngest(t *testing.T) {
	s := startServer(t, "")
	c := connect(t, s.PGAddr())
	mustExec(t, c, `CREATE TABLE clicks (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL, product TEXT, price NUMERIC(10,2), meta JSONB, at TIMESTAMP)`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW per_user AS SELECT user_id, COUNT(*) AS n, SUM(price) AS spend FROM clicks GROUP BY user_id`)
	url := "http://" + s.HTTPAddr() + "/api/v1/tables/clicks/rows"

	code, body := post(t, url, "application/json", `[
		{"id": 1, "user_id": 7, "product": "lamp", "price": 19.99, "meta": {"b": 1, "a": [true]}, "at": "2026-11-25 10:00:00"},
		{"id": 2, "user_id": 7, "price": "0.01"}
	]`)
	if code != 200 || body["rows"] != float64(2) {
		t.Fatalf("array ingest: %d %v", code, body)
	}
	wantRows(t, c, `SELECT * FROM per_user`, "7|2|20.00")
	wantRows(t, c, `SELECT meta, at FROM clicks WHERE id = 1`, `{"a": [true], "b": 1}|2026-11-25 10:00:00`)

	code, body = post(t, url, "application/x-ndjson", "{\"id\": 3, \"user_id\": 8}\n\n{\"id\": 4, \"user_id\": 8, \"price\": 1}\n")
	if code != 200 || body["rows"] != float64(2) {
		t.Fatalf("ndjson ingest: %d %v", code, body)
	}
	wantRows(t, c, `SELECT * FROM per_user`, "7|2|20.00", "8|2|1.00")

	// Each failure applies nothing.
	for _, tc := range []struct {
		body   string
		status int
		row    float64
		column string
		code   string
	}{
		{`[{"id": 5, "user_id": 9}, {"id": 6, "user_id": null}]`, 400, 1, "user_id", "23502"},
		{`[{"id": 5, "user_id": 9}, {"id": 6, "user_id": 9, "nope": 1}]`, 400, 1, "nope", "42703"},
		{`[{"id": 5, "user_id": "x"}]`, 400, 0, "user_id", "22P02"},
		{`[{"id": 5, "user_id": 9, "price": {"x": 1}}]`, 400, 0, "price", "42804"},
		{`[{"id": 5, "user_id": 9}, {"id": 1, "user_id": 9}]`, 409, -1, "", "23505"},
	} {
		code, body := post(t, url, "application/json", tc.body)
		if code != tc.status || body["code"] != tc.code {
			t.Errorf("%s: got %d %v, want %d with code %s", tc.body, code, body, tc.status, tc.code)
		}
		if tc.row >= 0 && (body["row"] != tc.row || body["column"] != tc.column) {
			t.Errorf("%s: error names row %v column %v, want row %v column %s", tc.body, body["row"], body["column"], tc.row, tc.column)
		}
	}
	wantRows(t, c, `SELECT count(*) FROM clicks`, "4")
	if code, _ := post(t, "http://"+s.HTTPAddr()+"/api/v1/tables/nope/rows", "application/json", `[{}]`); code != 404 {
		t.Errorf("unknown table: %d, want 404", code)
	}
}

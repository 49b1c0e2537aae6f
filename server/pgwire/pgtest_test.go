package pgwire_test

import (
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cockroachdb/datadriven"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/freshet-db/freshet/server/pgwire"
)

var pgtestAddr = flag.String("pgtest.addr", "",
	"replay testdata/pgtest against this server (host:port, user freshet, trust auth) instead of a test server; e.g. a real Postgres")

// TestPGTest runs the wire-level scripts of testdata/pgtest, in the manner
// of CockroachDB's pkg/testutils/pgtest:
//
//	send
//	Parse {"Query": "SELECT 1"}
//	Sync
//	----
//
//	until [ignore=Type,...]
//	ReadyForQuery
//	----
//	{"Type":"ParseComplete"}
//	{"Type":"ReadyForQuery","TxStatus":"I"}
//
// send writes the messages (JSON as pgproto3 marshals them); until reads
// messages until it has seen each listed type in order and prints them.
// ErrorResponse prints only Severity, Code and Message.
func TestPGTest(t *testing.T) {
	datadriven.Walk(t, "testdata/pgtest", func(t *testing.T, path string) {
		addr := *pgtestAddr
		if addr == "" {
			addr, _ = startServer(t, pgwire.Config{})
		}
		c, _ := connectRaw(t, addr)
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "send":
				for _, line := range strings.Split(d.Input, "\n") {
					if line = strings.TrimSpace(line); line != "" {
						c.send(parseFrontendMessage(t, line))
					}
				}
				return ""
			case "until":
				var ignore []string
				for _, arg := range d.CmdArgs {
					if arg.Key == "ignore" {
						ignore = arg.Vals
					}
				}
				var out strings.Builder
				for _, want := range strings.Fields(d.Input) {
					for {
						m := c.receive()
						typ := strings.TrimPrefix(fmt.Sprintf("%T", m), "*pgproto3.")
						if !slices.Contains(ignore, typ) {
							out.WriteString(messageJSON(t, m))
							out.WriteByte('\n')
						}
						if typ == want {
							break
						}
					}
				}
				return out.String()
			}
			t.Fatalf("unknown command %q", d.Cmd)
			return ""
		})
	})
}

// parseFrontendMessage parses "Type {json}".
func parseFrontendMessage(t *testing.T, line string) pgproto3.FrontendMessage {
	typ, body, _ := strings.Cut(line, " ")
	var m pgproto3.FrontendMessage
	switch typ {
	case "Query":
		m = &pgproto3.Query{}
	case "Parse":
		m = &pgproto3.Parse{}
	case "Bind":
		m = &pgproto3.Bind{}
	case "Describe":
		m = &pgproto3.Describe{}
	case "Execute":
		m = &pgproto3.Execute{}
	case "Close":
		m = &pgproto3.Close{}
	case "Sync":
		m = &pgproto3.Sync{}
	case "Flush":
		m = &pgproto3.Flush{}
	case "Terminate":
		m = &pgproto3.Terminate{}
	default:
		t.Fatalf("unknown message type %q", typ)
	}
	if body = strings.TrimSpace(body); body != "" {
		if err := json.Unmarshal([]byte(body), m); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
	}
	return m
}

func messageJSON(t *testing.T, m pgproto3.BackendMessage) string {
	var v any = m
	switch m := m.(type) {
	case *pgproto3.ErrorResponse:
		v = struct{ Type, Severity, Code, Message string }{"ErrorResponse", m.Severity, m.Code, m.Message}
	case *pgproto3.DataRow:
		// Like pgproto3's JSON, but hex for anything that is not printable
		// UTF-8 (pgproto3 only checks for control characters).
		vals := make([]map[string]string, len(m.Values))
		for i, b := range m.Values {
			switch {
			case b == nil:
			case utf8.Valid(b) && !slices.ContainsFunc(b, func(c byte) bool { return c < 32 }):
				vals[i] = map[string]string{"text": string(b)}
			default:
				vals[i] = map[string]string{"binary": hex.EncodeToString(b)}
			}
		}
		v = struct {
			Type   string
			Values []map[string]string
		}{"DataRow", vals}
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

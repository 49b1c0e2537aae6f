package pgwire_test

import (
	"context"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/freshet-db/freshet/server/pgwire"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

// copyStmt is the test engine's COPY ... TO STDOUT:
//
//	COPY rows TO STDOUT      two rows with values that need escaping
//	COPY forever TO STDOUT   one row, then waits for cancellation
type copyStmt struct{ forever bool }

func prepareCopy(lq string) (pgwire.Statement, error) {
	switch lq {
	case "copy rows to stdout":
		return &copyStmt{}, nil
	case "copy forever to stdout":
		return &copyStmt{forever: true}, nil
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "COPY is not supported: %s", lq)
}

func (*copyStmt) ParamTypes() []types.T    { return nil }
func (*copyStmt) Columns() []pgwire.Column { return nil }
func (s *copyStmt) Execute(context.Context, []datum.Datum) (pgwire.Result, error) {
	rows := []datum.Row{
		{datum.NewInt4(1), datum.NewText("tab\there"), datum.NewText("line\nbreak\\")},
		{datum.NewInt4(2), datum.Null, datum.NewText("")},
	}
	if s.forever {
		rows = rows[:1]
	}
	return &copyRes{rows: rows, forever: s.forever}, nil
}

type copyRes struct {
	rows    []datum.Row
	forever bool
}

func (r *copyRes) CopyColumns() int { return 3 }
func (r *copyRes) WillBlock() bool  { return len(r.rows) == 0 }
func (r *copyRes) Tag() string      { return "" }
func (r *copyRes) Close()           {}
func (r *copyRes) Next(ctx context.Context) (datum.Row, error) {
	if len(r.rows) > 0 {
		row := r.rows[0]
		r.rows = r.rows[1:]
		return row, nil
	}
	if !r.forever {
		return nil, io.EOF
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

var (
	_ pgwire.CopyResult     = (*copyRes)(nil)
	_ pgwire.BlockingResult = (*copyRes)(nil)
)

// copySummary adds CopyOutResponse and CopyData detail to summary.
func copySummary(msgs []pgproto3.BackendMessage) []string {
	out := summary(msgs)
	for i, m := range msgs {
		switch m := m.(type) {
		case *pgproto3.CopyOutResponse:
			out[i] = "CopyOutResponse " + string('0'+m.OverallFormat) + " " + string(rune('0'+len(m.ColumnFormatCodes)))
		case *pgproto3.CopyData:
			out[i] = "CopyData " + string(m.Data)
		}
	}
	return out
}

func TestCopyOutSimple(t *testing.T) {
	addr, _ := startServer(t, pgwire.Config{})
	c, _ := connectRaw(t, addr)
	c.send(&pgproto3.Query{String: "COPY rows TO STDOUT"})
	var got []pgproto3.BackendMessage
	for {
		m := c.receive()
		if d, ok := m.(*pgproto3.CopyData); ok {
			m = &pgproto3.CopyData{Data: append([]byte{}, d.Data...)}
		}
		got = append(got, m)
		if _, ok := m.(*pgproto3.ReadyForQuery); ok {
			break
		}
	}
	want := []string{
		"CopyOutResponse 0 3",
		"CopyData 1\ttab\\there\tline\\nbreak\\\\\n",
		"CopyData 2\t\\N\t\n",
		"CopyDone",
		"CommandComplete COPY 2",
		"ReadyForQuery I",
	}
	if g := copySummary(got); !slices.Equal(g, want) {
		t.Fatalf("got %q\nwant %q", g, want)
	}

	// The extended protocol: Describe says NoData, Execute copies.
	c.send(&pgproto3.Parse{Query: "COPY rows TO STDOUT"}, &pgproto3.Bind{}, &pgproto3.Describe{ObjectType: 'P'},
		&pgproto3.Execute{}, &pgproto3.Sync{})
	got = nil
	for {
		m := c.receive()
		if d, ok := m.(*pgproto3.CopyData); ok {
			m = &pgproto3.CopyData{Data: append([]byte{}, d.Data...)}
		}
		got = append(got, m)
		if _, ok := m.(*pgproto3.ReadyForQuery); ok {
			break
		}
	}
	want = append([]string{"ParseComplete", "BindComplete", "NoData"}, want...)
	if g := copySummary(got); !slices.Equal(g, want) {
		t.Fatalf("extended: got %q\nwant %q", g, want)
	}
}

// A CancelRequest ends a never-ending COPY with 57014 after the rows sent
// so far (flushed before the wait), and the connection goes on.
func TestCopyOutCancel(t *testing.T) {
	addr, _ := startServer(t, pgwire.Config{})
	c, msgs := connectRaw(t, addr)
	var key *pgproto3.BackendKeyData
	for _, m := range msgs {
		if k, ok := m.(*pgproto3.BackendKeyData); ok {
			key = k
		}
	}
	c.send(&pgproto3.Query{String: "COPY forever TO STDOUT"})
	if m, ok := c.receive().(*pgproto3.CopyOutResponse); !ok {
		t.Fatalf("got %T, want CopyOutResponse", m)
	}
	// The first row arrives while the COPY waits: it was flushed.
	if m, ok := c.receive().(*pgproto3.CopyData); !ok || string(m.Data) != "1\ttab\\there\tline\\nbreak\\\\\n" {
		t.Fatalf("got %#v, want the first CopyData", m)
	}
	time.Sleep(20 * time.Millisecond)
	cr := dialRaw(t, addr)
	cr.send(&pgproto3.CancelRequest{ProcessID: key.ProcessID, SecretKey: key.SecretKey})
	cr.expectClosed()
	expectMessages(t, c.untilReady(), "ErrorResponse ERROR 57014 canceling statement due to user request", "ReadyForQuery I")
	c.send(&pgproto3.Query{String: "SELECT 1"})
	expectMessages(t, c.untilReady(), "RowDescription ?column?:23:0", `DataRow "1"`, "CommandComplete SELECT 1", "ReadyForQuery I")
}

package pgwire_test

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/freshet-db/freshet/server/pgwire"
)

// FuzzReadMessages sends arbitrary bytes after a valid startup. The server
// must neither panic (a panic in a connection goroutine kills the test
// binary) nor hang: once the client half-closes, the connection must end
// within a few seconds, and the server must still accept new connections.
func FuzzReadMessages(f *testing.F) {
	encode := func(msgs ...pgproto3.FrontendMessage) []byte {
		var b []byte
		for _, m := range msgs {
			var err error
			if b, err = m.Encode(b); err != nil {
				f.Fatal(err)
			}
		}
		return b
	}
	f.Add(encode(&pgproto3.Query{String: "SELECT 1; SELECT * FROM all_types"}))
	f.Add(encode(&pgproto3.Parse{Query: "SELECT $1::int8"}, &pgproto3.Bind{ParameterFormatCodes: []int16{1}, Parameters: [][]byte{{1}}}, &pgproto3.Execute{}, &pgproto3.Sync{}))
	f.Add(encode(&pgproto3.Parse{Name: "s", Query: "SELECT generate_series(1, 5)"}, &pgproto3.Bind{PreparedStatement: "s", DestinationPortal: "p", ResultFormatCodes: []int16{1, 0}}, &pgproto3.Execute{Portal: "p", MaxRows: 2}, &pgproto3.Describe{ObjectType: 'X'}, &pgproto3.Sync{}))
	f.Add(encode(&pgproto3.Bind{Parameters: [][]byte{nil}}, &pgproto3.Close{ObjectType: 'P'}, &pgproto3.Flush{}, &pgproto3.Sync{}))
	f.Add([]byte{'Q', 0x40, 0, 0, 0})
	f.Add([]byte{'B', 0, 0, 0, 8, 0, 0, 0xff, 0xff})
	f.Add([]byte{'Z', 0, 0, 0, 4})
	f.Add([]byte{'p', 0, 0, 0, 5, 0})

	addr, _ := startServer(f, pgwire.Config{MaxMessageBytes: 1 << 20})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, _ := connectRaw(t, addr)
		_ = c.nc.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.nc.Write(data); err != nil {
			return // the server may already have closed on a bad prefix
		}
		_ = c.nc.(*net.TCPConn).CloseWrite()
		if _, err := io.Copy(io.Discard, c.nc); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("server did not close the connection after %q", data)
			}
		}
	})
}

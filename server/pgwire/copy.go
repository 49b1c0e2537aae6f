package pgwire

import (
	"context"
	"errors"
	"io"
	"strconv"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
)

// CopyResult is implemented by the Result of COPY ... TO STDOUT. Its
// statement describes no columns (Describe answers NoData, as in
// Postgres); pgwire sends CopyOutResponse (text format), one CopyData per
// row in the COPY text format, CopyDone and CommandComplete "COPY n". A
// CopyResult that also implements BlockingResult is flushed before a Next
// that may wait, so a never-ending COPY (SUBSCRIBE ...) reaches the client
// row by row. An error from Next ends the copy with an ErrorResponse and
// no CopyDone, as in Postgres.
type CopyResult interface {
	Result
	// CopyColumns is the number of columns of every row.
	CopyColumns() int
}

// sendCopy streams a CopyResult to the client. It returns the
// CommandComplete tag on success.
func (c *conn) sendCopy(ctx context.Context, res CopyResult) (string, error) {
	c.be.Send(&pgproto3.CopyOutResponse{
		OverallFormat:     byte(textFormat),
		ColumnFormatCodes: make([]uint16, res.CopyColumns()),
	})
	br, blocking := res.(BlockingResult)
	var n int64
	var msg pgproto3.CopyData
	for {
		if err := ctx.Err(); err != nil {
			return "", statementError(ctx, err)
		}
		if blocking && c.pending > 0 && br.WillBlock() {
			c.flush()
			if c.writeErr != nil {
				return "", c.writeErr
			}
		}
		row, err := res.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", statementError(ctx, err)
		}
		if len(row) != res.CopyColumns() {
			return "", sqlerr.New(sqlerr.Internal, "row has %d values but COPY describes %d columns", len(row), res.CopyColumns())
		}
		c.buf = appendCopyRow(c.buf[:0], row)
		msg.Data = c.buf
		c.be.Send(&msg) // encoded at once: reusing the buffer is safe
		c.pending += len(c.buf) + 5
		n++
		if c.pending >= c.srv.cfg.FlushBytes {
			c.flush()
			if c.writeErr != nil {
				return "", c.writeErr
			}
		}
	}
	c.be.Send(&pgproto3.CopyDone{})
	return "COPY " + strconv.FormatInt(n, 10), nil
}

// appendCopyRow appends a row in the COPY text format: values separated by
// tabs, NULL as \N, backslash escapes for the delimiter, line breaks and
// backslash, and a newline at the end.
func appendCopyRow(buf []byte, row datum.Row) []byte {
	for i, d := range row {
		if i > 0 {
			buf = append(buf, '\t')
		}
		if d.IsNull() {
			buf = append(buf, `\N`...)
			continue
		}
		start := len(buf)
		buf = datum.AppendText(buf, d)
		buf = escapeCopy(buf, start)
	}
	return append(buf, '\n')
}

// escapeCopy escapes buf[start:] in place for the COPY text format.
func escapeCopy(buf []byte, start int) []byte {
	special := 0
	for _, b := range buf[start:] {
		if copyEscape(b) != 0 {
			special++
		}
	}
	if special == 0 {
		return buf
	}
	val := string(buf[start:])
	buf = buf[:start]
	for i := 0; i < len(val); i++ {
		if e := copyEscape(val[i]); e != 0 {
			buf = append(buf, '\\', e)
			continue
		}
		buf = append(buf, val[i])
	}
	return buf
}

// copyEscape returns the letter that follows a backslash for b in the COPY
// text format, or 0 if b is written as is.
func copyEscape(b byte) byte {
	switch b {
	case '\\':
		return '\\'
	case '\t':
		return 't'
	case '\n':
		return 'n'
	case '\r':
		return 'r'
	case '\b':
		return 'b'
	case '\f':
		return 'f'
	case '\v':
		return 'v'
	}
	return 0
}

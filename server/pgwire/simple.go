package pgwire

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
)

// simpleQuery runs a Query message: every statement in order, stopping at
// the first error, then one ReadyForQuery.
func (c *conn) simpleQuery(query string) {
	// A simple query drops the unnamed statement and portal, as in Postgres.
	delete(c.stmts, "")
	c.closePortal("")

	ctx, cancel := context.WithCancelCause(c.ctx)
	defer cancel(nil)
	c.setRunning(cancel)
	defer c.setRunning(nil)

	stmts, err := c.sess.Prepare(ctx, query, nil)
	if err != nil {
		c.sendError(statementError(ctx, err), false)
	} else if len(stmts) == 0 {
		c.be.Send(&pgproto3.EmptyQueryResponse{})
	} else {
		for _, st := range stmts {
			if fail, err := c.runSimple(ctx, st); err != nil {
				c.sendError(err, fail)
				break
			}
		}
	}
	c.readyForQuery()
}

// runSimple runs one statement of a simple query with text results. On
// error it reports whether the session must be told (Session.Fail).
func (c *conn) runSimple(ctx context.Context, st Statement) (fail bool, err error) {
	if n := len(st.ParamTypes()); n > 0 {
		return true, sqlerr.New(sqlerr.UndefinedParameter, "there is no parameter $1")
	}
	res, err := st.Execute(ctx, nil)
	if err != nil {
		return false, statementError(ctx, err)
	}
	defer c.safely("close result", res.Close)
	cols := st.Columns()
	if cr, ok := res.(CopyResult); ok && cols == nil {
		tag, err := c.sendCopy(ctx, cr)
		if err != nil {
			return true, err
		}
		c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
		return false, nil
	}
	if cols == nil {
		if err := c.deallocate(res); err != nil {
			return true, err
		}
		c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(res.Tag())})
		return false, nil
	}
	formats := make([]int16, len(cols))
	c.be.Send(rowDescription(cols, formats))
	n, _, err := c.sendRows(ctx, res, cols, formats, 0)
	if err != nil {
		return true, err
	}
	c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(rowTag(res.Tag(), n))})
	return false, nil
}

// rowDescription describes cols sent in the given formats.
func rowDescription(cols []Column, formats []int16) *pgproto3.RowDescription {
	fields := make([]pgproto3.FieldDescription, len(cols))
	for i, col := range cols {
		fields[i] = pgproto3.FieldDescription{
			Name:                 []byte(col.Name),
			TableOID:             col.TableOID,
			TableAttributeNumber: uint16(col.AttNum),
			DataTypeOID:          col.Type.OID(),
			DataTypeSize:         col.Type.Size(),
			TypeModifier:         col.Type.Modifier(),
			Format:               formats[i],
		}
	}
	return &pgproto3.RowDescription{Fields: fields}
}

// rowTag is the CommandComplete tag of a row-returning statement that sent
// n rows in the last Execute.
func rowTag(tag string, n int64) string {
	if tag == "" || strings.HasPrefix(tag, "SELECT") {
		return "SELECT " + strconv.FormatInt(n, 10)
	}
	return tag
}

// sendRows sends up to maxRows rows of res (all if maxRows is 0). It
// returns the rows sent and whether the limit stopped it before the end.
func (c *conn) sendRows(ctx context.Context, res Result, cols []Column, formats []int16, maxRows int64) (n int64, suspended bool, err error) {
	for maxRows <= 0 || n < maxRows {
		if err := ctx.Err(); err != nil {
			return n, false, statementError(ctx, err)
		}
		if br, ok := res.(BlockingResult); ok && c.pending > 0 && br.WillBlock() {
			c.flush()
			if c.writeErr != nil {
				return n, false, c.writeErr
			}
		}
		row, err := res.Next(ctx)
		if errors.Is(err, io.EOF) {
			return n, false, nil
		}
		if err != nil {
			return n, false, statementError(ctx, err)
		}
		if err := c.sendDataRow(row, cols, formats); err != nil {
			return n, false, err
		}
		n++
		if c.pending >= c.srv.cfg.FlushBytes {
			c.flush()
			if c.writeErr != nil {
				return n, false, c.writeErr
			}
		}
	}
	return n, true, nil
}

// sendDataRow encodes one row in the formats of its columns.
func (c *conn) sendDataRow(row datum.Row, cols []Column, formats []int16) error {
	if len(row) != len(cols) {
		return sqlerr.New(sqlerr.Internal, "row has %d values but the statement describes %d columns", len(row), len(cols))
	}
	buf := c.buf[:0]
	ends := c.vals[:0]
	var err error
	for i, d := range row {
		if d.IsNull() {
			ends = append(ends, nil)
			continue
		}
		start := len(buf)
		buf, err = appendValue(c.typeMap, buf, d, cols[i].Type, formats[i])
		if err != nil {
			return sqlerr.WithCode(err, sqlerr.Internal)
		}
		// If a later append reallocates buf, this span still points at
		// the old array, whose bytes no one overwrites. buf is never nil,
		// so an empty value stays distinct from NULL.
		ends = append(ends, buf[start:len(buf):len(buf)])
	}
	c.dataRow.Values = ends
	c.be.Send(&c.dataRow) // encoded at once: reusing the message is safe
	c.pending += len(buf) + 4*len(row) + 7
	c.buf, c.vals = buf, ends
	return nil
}

// deallocate applies a DeallocateResult.
func (c *conn) deallocate(res Result) error {
	d, ok := res.(DeallocateResult)
	if !ok {
		return nil
	}
	name, all := d.Deallocate()
	if all {
		clear(c.stmts)
		return nil
	}
	if _, ok := c.stmts[name]; !ok {
		return sqlerr.New(sqlerr.InvalidSQLStatementName, "prepared statement %q does not exist", name)
	}
	delete(c.stmts, name)
	return nil
}

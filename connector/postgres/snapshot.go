package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/stream"
)

// snapshot creates the slot and copies every table as of the slot's
// consistent point, then commits all of it as one transaction at that
// position. It returns the consistent point, from which streaming starts.
//
// A leftover slot of the same name is dropped first: a source without a
// durable position has nothing to resume, and the exported snapshot of an
// old slot is gone with the session that created it.
func (s *Source) snapshot(ctx context.Context, repl *pgconn.PgConn, w connector.Writer, tables []*tableInfo) (pglogrepl.LSN, error) {
	s.setState("snapshotting", "")
	s.mu.Lock()
	s.st.SnapshotRows = 0
	s.mu.Unlock()
	if err := dropSlot(ctx, repl, s.cfg.Slot); err != nil {
		return 0, err
	}
	res, err := pglogrepl.CreateReplicationSlot(ctx, repl, s.cfg.Slot, "pgoutput",
		pglogrepl.CreateReplicationSlotOptions{Mode: pglogrepl.LogicalReplication, SnapshotAction: "EXPORT_SNAPSHOT"})
	if err != nil {
		return 0, fmt.Errorf("creating replication slot %s: %w", s.cfg.Slot, err)
	}
	cp, err := pglogrepl.ParseLSN(res.ConsistentPoint)
	if err != nil {
		return 0, sqlerr.New(sqlerr.ProtocolViolation, "invalid consistent point %q", res.ConsistentPoint)
	}
	s.logger.Info("postgres source: created replication slot", "consistent_point", cp.String(), "snapshot", res.SnapshotName)

	conn, err := s.connectSQL(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	pc := conn.PgConn()
	if _, err := pc.Exec(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET TRANSACTION SNAPSHOT "+quoteLiteral(res.SnapshotName)).ReadAll(); err != nil {
		return 0, fmt.Errorf("importing the slot's snapshot: %w", err)
	}
	if s.knobs.afterSnapshotBegin != nil {
		s.knobs.afterSnapshotBegin()
	}
	start := time.Now()
	var writes []connector.Write
	var total int64
	for i, t := range tables {
		cd := newCopyDecoder(s, t)
		if _, err := pc.CopyTo(ctx, cd, copyQuery(t)); err != nil {
			return 0, fmt.Errorf("copying upstream table %s: %w", t.qualified(), err)
		}
		if err := cd.finish(); err != nil {
			return 0, err
		}
		total += int64(len(cd.updates))
		s.logger.Info("postgres source: copied table", "table", t.qualified(), "rows", len(cd.updates))
		if len(cd.updates) > 0 {
			writes = append(writes, connector.Write{Table: i, Updates: cd.updates})
		}
	}
	if _, err := pc.Exec(ctx, "COMMIT").ReadAll(); err != nil {
		return 0, err
	}
	if err := w.Commit(ctx, writes, encodePosition(cp)); err != nil {
		return 0, &writerError{err}
	}
	el := time.Since(start)
	s.logger.Info("postgres source: snapshot committed", "rows", total, "elapsed", el.Round(time.Millisecond),
		"rows_per_second", int64(float64(total)/max(el.Seconds(), 1e-3)), "position", cp.String())
	s.observeConfirmed(cp, -1)
	return cp, nil
}

// copyQuery selects the published columns (and rows, under a publication
// row filter) of t.
func copyQuery(t *tableInfo) string {
	cols := make([]string, len(t.cols))
	for i, c := range t.cols {
		cols[i] = quoteIdent(c.name)
	}
	q := "SELECT " + strings.Join(cols, ", ") + " FROM ONLY " + t.qualified()
	if t.rowFilter != "" {
		q += " WHERE " + t.rowFilter
	}
	return "COPY (" + q + ") TO STDOUT"
}

// copyDecoder is the io.Writer COPY TO STDOUT writes to: it splits the
// text format into rows, decodes the fields and reports progress.
type copyDecoder struct {
	s        *Source
	t        *tableInfo
	partial  []byte
	fields   []copyField
	updates  []stream.Update
	err      error
	lastLog  time.Time
	lastRows int
	pending  int // rows not yet counted in State
}

func newCopyDecoder(s *Source, t *tableInfo) *copyDecoder {
	return &copyDecoder{s: s, t: t, lastLog: time.Now()}
}

// Write receives COPY data. Postgres sends one row per CopyData message,
// but rows split across writes are handled too.
func (c *copyDecoder) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n := len(p)
	if len(c.partial) > 0 {
		c.partial = append(c.partial, p...)
		p = c.partial
	}
	for {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			break
		}
		if err := c.row(p[:i]); err != nil {
			c.err = err
			return 0, err
		}
		p = p[i+1:]
	}
	c.partial = append(c.partial[:0], p...)
	return n, nil
}

func (c *copyDecoder) row(line []byte) error {
	var err error
	c.fields, err = splitCopyLine(c.fields[:0], line)
	if err != nil {
		return err
	}
	if len(c.fields) != len(c.t.cols) {
		return sqlerr.New(sqlerr.ProtocolViolation, "COPY of %s returned %d columns, want %d", c.t.qualified(), len(c.fields), len(c.t.cols))
	}
	row := make(datum.Row, len(c.fields))
	for i, f := range c.fields {
		if f.null {
			continue
		}
		v, err := parseValue(f.s, c.t.cols[i].typ)
		if err != nil {
			return valueError(err, c.t.qualified(), c.t.cols[i].name, c.t.cols[i].up.name)
		}
		row[i] = v
	}
	c.updates = append(c.updates, stream.Update{Row: row, Diff: 1})
	if c.pending++; c.pending >= 1024 {
		c.flushProgress()
	}
	return nil
}

func (c *copyDecoder) flushProgress() {
	now := time.Now()
	c.s.addSnapshotRows(c.pending, now)
	c.pending = 0
	if el := now.Sub(c.lastLog); el >= c.s.cfg.ProgressInterval {
		rows := len(c.updates)
		c.s.logger.Info("postgres source: snapshot progress", "table", c.t.qualified(), "rows", rows,
			"rows_per_second", int64(float64(rows-c.lastRows)/el.Seconds()))
		c.lastLog, c.lastRows = now, rows
	}
}

func (c *copyDecoder) finish() error {
	if c.err != nil {
		return c.err
	}
	if len(c.partial) > 0 {
		return sqlerr.New(sqlerr.ProtocolViolation, "COPY of %s ended inside a row", c.t.qualified())
	}
	c.flushProgress()
	return nil
}

// copyField is one field of a COPY row.
type copyField struct {
	s    string
	null bool
}

var errCopyEscape = errors.New("invalid escape in COPY data")

// splitCopyLine splits one line of COPY's text format into its fields,
// undoing the backslash escapes.
func splitCopyLine(dst []copyField, line []byte) ([]copyField, error) {
	for {
		end := bytes.IndexByte(line, '\t')
		field := line
		if end >= 0 {
			field = line[:end]
		}
		switch {
		case len(field) == 2 && field[0] == '\\' && field[1] == 'N':
			dst = append(dst, copyField{null: true})
		case bytes.IndexByte(field, '\\') < 0:
			dst = append(dst, copyField{s: string(field)})
		default:
			f, err := unescapeCopy(field)
			if err != nil {
				return dst, sqlerr.WithCode(err, sqlerr.ProtocolViolation)
			}
			dst = append(dst, copyField{s: f})
		}
		if end < 0 {
			return dst, nil
		}
		line = line[end+1:]
	}
}

func unescapeCopy(f []byte) (string, error) {
	out := make([]byte, 0, len(f))
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(f) {
			return "", errCopyEscape
		}
		switch c = f[i]; c {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'v':
			out = append(out, '\v')
		case 'x':
			v, n := 0, 0
			for n < 2 && i+1 < len(f) && isHex(f[i+1]) {
				i++
				v = v*16 + hexVal(f[i])
				n++
			}
			if n == 0 {
				out = append(out, 'x')
			} else {
				out = append(out, byte(v))
			}
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(c - '0')
			for n := 1; n < 3 && i+1 < len(f) && f[i+1] >= '0' && f[i+1] <= '7'; n++ {
				i++
				v = v*8 + int(f[i]-'0')
			}
			out = append(out, byte(v))
		default:
			out = append(out, c)
		}
	}
	return string(out), nil
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}

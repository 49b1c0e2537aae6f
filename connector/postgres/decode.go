package postgres

import (
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/jackc/pglogrepl"

	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/stream"
)

// decoder turns pgoutput messages into transactions of connector.Writes.
// It does no I/O other than Writer.Lookup and TruncateWriter.Truncate, so
// it can be tested and benchmarked without a server.
type decoder struct {
	tables []*tableInfo
	byOID  map[uint32]int
	rels   map[uint32]*relation // from Relation messages of this session
	w      connector.Writer
	logger *slog.Logger

	// last is the end LSN of the last transaction that is durable in
	// Freshet (or the position streaming resumed from): transactions that
	// end at or before it are skipped.
	last pglogrepl.LSN

	// The transaction being assembled.
	inTxn     bool
	skip      bool
	writes    [][]stream.Update // per table
	overlay   []map[string]overlayRow
	truncated []bool
	rows      int

	keyBuf []byte
	msg    rowMsg // reused by every row message
	stats  *stats
}

// relation is an upstream relation as the current session described it.
type relation struct {
	table int // index into decoder.tables; -1 = not replicated
}

// overlayRow is the state of a key written earlier in the current
// transaction, which Writer.Lookup cannot see yet.
type overlayRow struct {
	row     datum.Row
	present bool
}

// txn is an assembled upstream transaction.
type txn struct {
	writes     []connector.Write
	end        pglogrepl.LSN
	commitTime time.Time
	rows       int
}

func newDecoder(tables []*tableInfo, w connector.Writer, last pglogrepl.LSN, st *stats, logger *slog.Logger) *decoder {
	d := &decoder{
		tables: tables,
		byOID:  make(map[uint32]int, len(tables)),
		rels:   map[uint32]*relation{},
		w:      w,
		logger: logger,
		last:   last,
		stats:  st,
	}
	for i, t := range tables {
		d.byOID[t.oid] = i
	}
	return d
}

// parse decodes one pgoutput message. pglogrepl trusts lengths inside the
// message; a malformed message must not crash the server.
func parse(data []byte) (m pglogrepl.Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, sqlerr.New(sqlerr.ProtocolViolation, "malformed pgoutput message: %v", r)
		}
	}()
	return pglogrepl.Parse(data)
}

// handle consumes one message and returns a transaction when the message
// completes one that must be committed.
func (d *decoder) handle(data []byte) (*txn, error) {
	if len(data) == 0 {
		return nil, errMalformed("empty")
	}
	switch data[0] {
	case 'I', 'U', 'D':
		if err := parseRowMsg(data, &d.msg); err != nil {
			return nil, err
		}
		r, ok, err := d.change(d.msg.rel)
		if !ok || err != nil {
			return nil, err
		}
		switch d.msg.kind {
		case 'I':
			return nil, d.insert(r, &d.msg)
		case 'U':
			return nil, d.update(r, &d.msg)
		}
		return nil, d.delete(r, &d.msg)
	case 'T':
		ids, err := parseTruncate(data)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			r, ok, err := d.change(id)
			if err != nil {
				return nil, err
			}
			if ok {
				if err := d.truncate(r); err != nil {
					return nil, err
				}
			}
		}
		return nil, nil
	}
	msg, err := parse(data)
	if err != nil {
		return nil, err
	}
	switch m := msg.(type) {
	case *pglogrepl.BeginMessage:
		if d.inTxn {
			return nil, sqlerr.New(sqlerr.ProtocolViolation, "pgoutput: BEGIN inside a transaction")
		}
		d.begin(m)
	case *pglogrepl.CommitMessage:
		if !d.inTxn {
			return nil, sqlerr.New(sqlerr.ProtocolViolation, "pgoutput: COMMIT outside a transaction")
		}
		return d.commit(m), nil
	case *pglogrepl.RelationMessage:
		return nil, d.relation(m)
	}
	// Type, Origin and logical decoding messages carry nothing to apply.
	return nil, nil
}

func (d *decoder) begin(m *pglogrepl.BeginMessage) {
	d.inTxn = true
	d.rows = 0
	// FinalLSN is the commit record's LSN; a transaction whose commit lies
	// before the durable position ended at or before it.
	d.skip = m.FinalLSN < d.last
	if d.writes == nil {
		d.writes = make([][]stream.Update, len(d.tables))
		d.overlay = make([]map[string]overlayRow, len(d.tables))
		d.truncated = make([]bool, len(d.tables))
	}
}

func (d *decoder) commit(m *pglogrepl.CommitMessage) *txn {
	d.inTxn = false
	var out *txn
	if d.skip || m.TransactionEndLSN <= d.last {
		d.stats.skippedTxns.Add(1)
	} else if d.rows > 0 {
		out = &txn{end: m.TransactionEndLSN, commitTime: m.CommitTime, rows: d.rows}
		for i, us := range d.writes {
			if len(us) > 0 {
				out.writes = append(out.writes, connector.Write{Table: i, Updates: us})
			}
		}
	}
	for i := range d.writes {
		d.writes[i] = nil
		if d.overlay[i] != nil {
			clear(d.overlay[i])
		}
		d.truncated[i] = false
	}
	return out
}

// change resolves the relation of a row change; ok is false for relations
// that are not replicated or changes of skipped transactions.
func (d *decoder) change(relID uint32) (*relation, bool, error) {
	if !d.inTxn {
		return nil, false, sqlerr.New(sqlerr.ProtocolViolation, "pgoutput: change outside a transaction")
	}
	r := d.rels[relID]
	if r == nil {
		return nil, false, sqlerr.New(sqlerr.ProtocolViolation, "pgoutput: change of relation %d before its Relation message", relID)
	}
	return r, r.table >= 0 && !d.skip, nil
}

// relation checks a Relation message against the discovered schema. A
// relation that differs (a column added, dropped, renamed or retyped) is a
// definite error: Freshet's schema of the table is fixed.
func (d *decoder) relation(m *pglogrepl.RelationMessage) error {
	idx, ok := d.byOID[m.RelationID]
	if !ok {
		for _, t := range d.tables {
			if t.nspname == m.Namespace && t.relname == m.RelationName {
				return definite(sqlerr.New(sqlerr.ObjectNotInPrerequisiteState,
					"upstream table %s was dropped and recreated", t.qualified()))
			}
		}
		d.rels[m.RelationID] = &relation{table: -1}
		return nil
	}
	t := d.tables[idx]
	compatible := len(m.Columns) == len(t.cols)
	for i := 0; compatible && i < len(m.Columns); i++ {
		c, want := m.Columns[i], t.cols[i]
		compatible = c.Name == want.name && c.DataType == want.up.oid && c.TypeModifier == want.up.typmod
	}
	if !compatible {
		got := make([]string, len(m.Columns))
		for i, c := range m.Columns {
			got[i] = fmt.Sprintf("%s oid %d", quoteIdent(c.Name), c.DataType)
		}
		return definite(sqlerr.New(sqlerr.ObjectNotInPrerequisiteState,
			"the schema of upstream table %s changed incompatibly", t.qualified()).
			WithDetail("columns were %s, now %v", describeCols(t.cols), got))
	}
	ident := m.ReplicaIdentity
	if ident != 'f' && (ident != 'd' || len(t.schema.PrimaryKey) == 0) {
		return definite(sqlerr.New(sqlerr.ObjectNotInPrerequisiteState,
			"the replica identity of upstream table %s changed to %q; only DEFAULT (with a primary key) and FULL are supported",
			t.qualified(), string(ident)))
	}
	d.rels[m.RelationID] = &relation{table: idx}
	return nil
}

// decodeTuple decodes a tuple of table t. unchanged lists the columns sent
// as unchanged TOASTed values ('u'), which the caller fills in.
func (d *decoder) decodeTuple(t *tableInfo, tup []tupleCol) (row datum.Row, unchanged []int, err error) {
	if len(tup) != len(t.cols) {
		return nil, nil, sqlerr.New(sqlerr.ProtocolViolation, "pgoutput: tuple of %s does not match its relation", t.qualified())
	}
	row = make(datum.Row, len(t.cols))
	for i, c := range tup {
		switch c.kind {
		case colNull:
		case colUnchanged:
			unchanged = append(unchanged, i)
		case colText:
			v, err := parseValue(string(c.data), t.cols[i].typ)
			if err != nil {
				return nil, nil, valueError(err, t.qualified(), t.cols[i].name, t.cols[i].up.name)
			}
			row[i] = v
		default:
			return nil, nil, sqlerr.New(sqlerr.ProtocolViolation, "pgoutput: unexpected tuple data kind %q", string(rune(c.kind)))
		}
	}
	return row, unchanged, nil
}

func (d *decoder) keyOf(t *tableInfo, row datum.Row) datum.Row {
	key := make(datum.Row, len(t.schema.PrimaryKey))
	for i, c := range t.schema.PrimaryKey {
		key[i] = row[c]
	}
	return key
}

func (d *decoder) keyString(key datum.Row) string {
	d.keyBuf = datum.EncodeKeyDatums(d.keyBuf[:0], key...)
	return string(d.keyBuf)
}

// lookup finds the current row with a primary key: first among this
// transaction's own writes, then in Freshet.
func (d *decoder) lookup(table int, key datum.Row) (datum.Row, bool) {
	if ov := d.overlay[table]; ov != nil {
		if e, ok := ov[d.keyString(key)]; ok {
			return e.row, e.present
		}
	}
	if d.truncated[table] {
		return nil, false
	}
	return d.w.Lookup(table, key)
}

func (d *decoder) remember(table int, t *tableInfo, row datum.Row, present bool) {
	if len(t.schema.PrimaryKey) == 0 {
		return
	}
	if d.overlay[table] == nil {
		d.overlay[table] = map[string]overlayRow{}
	}
	d.overlay[table][d.keyString(d.keyOf(t, row))] = overlayRow{row: row, present: present}
}

func (d *decoder) emit(table int, row datum.Row, diff stream.Diff) {
	d.writes[table] = append(d.writes[table], stream.Update{Row: row, Diff: diff})
	d.rows++
}

func (d *decoder) insert(r *relation, m *rowMsg) error {
	t := d.tables[r.table]
	row, unchanged, err := d.decodeTuple(t, m.new)
	if err != nil {
		return err
	}
	if len(unchanged) > 0 {
		return sqlerr.New(sqlerr.ProtocolViolation, "pgoutput: INSERT into %s with an unchanged TOASTed value", t.qualified())
	}
	d.emit(r.table, row, 1)
	d.remember(r.table, t, row, true)
	return nil
}

// oldRow returns the row an UPDATE or DELETE replaces: the old tuple when
// the message has one (REPLICA IDENTITY FULL), else the current row with
// the old key (when the key changed) or the given key.
func (d *decoder) oldRow(r *relation, t *tableInfo, kind byte, old []tupleCol, key datum.Row) (datum.Row, bool, error) {
	if kind == oldFull {
		row, unchanged, err := d.decodeTuple(t, old)
		if err != nil {
			return nil, false, err
		}
		if len(unchanged) == 0 {
			return row, true, nil
		}
		// Postgres flattens old tuples; if it ever does not, look the row up.
		if len(t.schema.PrimaryKey) == 0 {
			return nil, false, sqlerr.New(sqlerr.ProtocolViolation, "pgoutput: old tuple of %s has an unchanged TOASTed value", t.qualified())
		}
		key = d.keyOf(t, row)
	} else if kind == oldKey {
		row, _, err := d.decodeTuple(t, old)
		if err != nil {
			return nil, false, err
		}
		key = d.keyOf(t, row)
	}
	if key == nil {
		return nil, false, sqlerr.New(sqlerr.ProtocolViolation, "pgoutput: change of %s without a key", t.qualified())
	}
	row, ok := d.lookup(r.table, key)
	return row, ok, nil
}

func (d *decoder) update(r *relation, m *rowMsg) error {
	t := d.tables[r.table]
	row, unchanged, err := d.decodeTuple(t, m.new)
	if err != nil {
		return err
	}
	var key datum.Row
	if m.oldKind == oldNone {
		key = d.keyOf(t, row) // the key did not change
	}
	old, found, err := d.oldRow(r, t, m.oldKind, m.old, key)
	if err != nil {
		return err
	}
	if !found {
		d.miss(t, "UPDATE")
		if len(unchanged) > 0 {
			return definite(sqlerr.New(sqlerr.DataCorrupted,
				"cannot complete an UPDATE of upstream table %s: the row is not in Freshet and the update left TOASTed values out", t.qualified()))
		}
	} else {
		for _, c := range unchanged {
			row[c] = old[c]
		}
		d.stats.toastFilled.Add(int64(len(unchanged)))
		d.emit(r.table, old, -1)
		d.remember(r.table, t, old, false)
	}
	d.emit(r.table, row, 1)
	d.remember(r.table, t, row, true)
	return nil
}

func (d *decoder) delete(r *relation, m *rowMsg) error {
	t := d.tables[r.table]
	old, found, err := d.oldRow(r, t, m.oldKind, m.old, nil)
	if err != nil {
		return err
	}
	if !found {
		d.miss(t, "DELETE")
		return nil
	}
	d.emit(r.table, old, -1)
	d.remember(r.table, t, old, false)
	return nil
}

// miss records an UPDATE or DELETE whose old row Freshet does not have.
// That means Freshet and the upstream have diverged; the change is applied
// as far as it can be (a DELETE of a missing row changes nothing) and the
// divergence is logged.
func (d *decoder) miss(t *tableInfo, what string) {
	d.stats.missingOld.Add(1)
	d.logger.Warn("postgres source: old row of an upstream change not found", "table", t.qualified(), "change", what)
}

func (d *decoder) truncate(r *relation) error {
	t := d.tables[r.table]
	tw, ok := d.w.(TruncateWriter)
	if !ok {
		return definite(sqlerr.New(sqlerr.FeatureNotSupported, "TRUNCATE of replicated table %s is not supported by this writer", t.qualified()))
	}
	// The table's current rows are its committed rows plus this
	// transaction's changes so far (which include the retractions of any
	// earlier TRUNCATE in it).
	var cur []stream.Update
	for _, row := range tw.Truncate(r.table) {
		cur = append(cur, stream.Update{Row: row, Diff: 1})
	}
	cur = append(cur, slices.Clone(d.writes[r.table])...)
	for _, u := range stream.Consolidate(cur) {
		if u.Diff > 0 {
			d.writes[r.table] = append(d.writes[r.table], stream.Update{Row: u.Row, Diff: -u.Diff})
			d.rows++
		}
	}
	d.truncated[r.table] = true
	if d.overlay[r.table] != nil {
		clear(d.overlay[r.table])
	}
	return nil
}

package pgwire

import (
	"context"
	"slices"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/types"
)

// prepared is a statement created by Parse.
type prepared struct {
	stmt Statement // nil for an empty query
	// paramTypes are the statement's parameter types and clientTypes the
	// ones the client declared in Parse (Unknown where it did not, or
	// declared a type Freshet lacks). See paramType.
	paramTypes  []types.T
	clientTypes []types.T
	paramOIDs   []uint32 // for ParameterDescription; 0 = unspecified
	cols        []Column
}

// portal is a statement bound to parameters by Bind.
type portal struct {
	ps      *prepared
	params  []datum.Datum
	formats []int16 // result format per column
	// ctx lives as long as the portal: a suspended portal's Result may
	// hold on to it between Execute messages.
	ctx    context.Context
	cancel context.CancelCauseFunc
	res    Result // nil until the first Execute
	done   bool   // ran to completion or failed
	failed bool   // failed: it cannot be run again
}

// extError reports an error of an extended-protocol message: ErrorResponse,
// then every message up to the next Sync is skipped.
func (c *conn) extError(err error, fail bool) {
	c.sendError(err, fail)
	c.ignoreTillSync = true
}

func (c *conn) parse(m *pgproto3.Parse) {
	if m.Name != "" {
		if _, ok := c.stmts[m.Name]; ok {
			c.extError(sqlerr.New(codeDuplicatePreparedStatement, "prepared statement %q already exists", m.Name), true)
			return
		}
	}
	oids := slices.Clone(m.ParameterOIDs)
	ctx, cancel := context.WithCancelCause(c.ctx)
	defer cancel(nil)
	c.setRunning(cancel)
	stmts, err := c.sess.Prepare(ctx, m.Query, oids)
	c.setRunning(nil)
	if err != nil {
		c.extError(statementError(ctx, err), false)
		return
	}
	if len(stmts) > 1 {
		c.extError(sqlerr.New(sqlerr.SyntaxError, "cannot insert multiple commands into a prepared statement"), true)
		return
	}
	ps := &prepared{}
	var stmtTypes []types.T
	if len(stmts) == 1 {
		ps.stmt = stmts[0]
		ps.cols = ps.stmt.Columns()
		stmtTypes = ps.stmt.ParamTypes()
	}
	n := max(len(oids), len(stmtTypes))
	ps.paramTypes = make([]types.T, n)
	ps.clientTypes = make([]types.T, n)
	ps.paramOIDs = make([]uint32, n)
	for i := range n {
		if i < len(stmtTypes) {
			ps.paramTypes[i] = stmtTypes[i]
			if stmtTypes[i].Family != types.Unknown {
				ps.paramOIDs[i] = stmtTypes[i].OID()
			}
		}
		if i < len(oids) && oids[i] != 0 {
			ps.paramOIDs[i] = oids[i]
			ps.clientTypes[i], _ = typeByOID(oids[i])
		}
	}
	c.stmts[m.Name] = ps
	c.be.Send(&pgproto3.ParseComplete{})
}

func (c *conn) bind(m *pgproto3.Bind) {
	ps, ok := c.stmts[m.PreparedStatement]
	if !ok {
		c.extError(sqlerr.New(sqlerr.InvalidSQLStatementName, "prepared statement %q does not exist", m.PreparedStatement), true)
		return
	}
	if m.DestinationPortal != "" {
		if _, ok := c.portals[m.DestinationPortal]; ok {
			c.extError(sqlerr.New(codeDuplicateCursor, "portal %q already exists", m.DestinationPortal), true)
			return
		}
	}
	n := len(ps.paramTypes)
	if len(m.Parameters) != n {
		c.extError(protocolError("bind message supplies %d parameters, but prepared statement %q requires %d",
			len(m.Parameters), m.PreparedStatement, n), true)
		return
	}
	if f := len(m.ParameterFormatCodes); f > 1 && f != n {
		c.extError(protocolError("bind message has %d parameter formats but %d parameters", f, n), true)
		return
	}
	params := make([]datum.Datum, n)
	for i, b := range m.Parameters {
		format := formatAt(m.ParameterFormatCodes, i)
		d, err := decodeParam(c.typeMap, i, ps.paramType(i, format), format, b)
		if err != nil {
			c.extError(err, true)
			return
		}
		params[i] = d
	}
	formats := make([]int16, len(ps.cols))
	// Result formats of a statement without rows are ignored, as in Postgres.
	if f := len(m.ResultFormatCodes); f > 1 && f != len(ps.cols) && len(ps.cols) > 0 {
		c.extError(protocolError("bind message has %d result formats but query has %d columns", f, len(ps.cols)), true)
		return
	}
	for i := range formats {
		formats[i] = formatAt(m.ResultFormatCodes, i)
		if formats[i] != textFormat && formats[i] != binaryFormat {
			c.extError(protocolError("unsupported format code: %d", formats[i]), true)
			return
		}
	}
	c.closePortal(m.DestinationPortal) // replaces the unnamed portal
	ctx, cancel := context.WithCancelCause(c.ctx)
	c.portals[m.DestinationPortal] = &portal{ps: ps, params: params, formats: formats, ctx: ctx, cancel: cancel}
	c.be.Send(&pgproto3.BindComplete{})
}

// paramType is the type parameter i is decoded as. Text is parsed as the
// statement's type, which is what the session expects; binary data is laid
// out for the type the client declared, so that type decodes it. Either
// falls back to the other when unknown.
func (ps *prepared) paramType(i int, format int16) types.T {
	first, second := ps.paramTypes[i], ps.clientTypes[i]
	if format == binaryFormat {
		first, second = second, first
	}
	if first.Family != types.Unknown {
		return first
	}
	return second
}

// formatAt applies Bind's format code rules: none = all text, one = all
// the same, else one per value.
func formatAt(codes []int16, i int) int16 {
	switch len(codes) {
	case 0:
		return textFormat
	case 1:
		return codes[0]
	}
	return codes[i]
}

func (c *conn) describe(m *pgproto3.Describe) {
	switch m.ObjectType {
	case 'S':
		ps, ok := c.stmts[m.Name]
		if !ok {
			c.extError(sqlerr.New(sqlerr.InvalidSQLStatementName, "prepared statement %q does not exist", m.Name), true)
			return
		}
		c.be.Send(&pgproto3.ParameterDescription{ParameterOIDs: ps.paramOIDs})
		if ps.cols == nil {
			c.be.Send(&pgproto3.NoData{})
			return
		}
		c.be.Send(rowDescription(ps.cols, make([]int16, len(ps.cols))))
	case 'P':
		p, ok := c.portals[m.Name]
		if !ok {
			c.extError(sqlerr.New(sqlerr.InvalidCursorName, "portal %q does not exist", m.Name), true)
			return
		}
		if p.ps.cols == nil {
			c.be.Send(&pgproto3.NoData{})
			return
		}
		c.be.Send(rowDescription(p.ps.cols, p.formats))
	default:
		c.extError(protocolError("invalid DESCRIBE message subtype %d", m.ObjectType), true)
	}
}

func (c *conn) execute(m *pgproto3.Execute) {
	p, ok := c.portals[m.Portal]
	if !ok {
		c.extError(sqlerr.New(sqlerr.InvalidCursorName, "portal %q does not exist", m.Portal), true)
		return
	}
	if p.ps.stmt == nil {
		c.be.Send(&pgproto3.EmptyQueryResponse{})
		return
	}
	if p.failed || (p.done && p.ps.cols == nil) {
		// As in Postgres: a failed portal, or one of a statement without
		// rows that ran, cannot run again.
		c.extError(sqlerr.New(sqlerr.ObjectNotInPrerequisiteState, "portal %q cannot be run", m.Portal), true)
		return
	}
	if p.done {
		// A row portal at its end returns no more rows, as in Postgres.
		c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(rowTag("", 0))})
		return
	}
	c.setRunning(p.cancel)
	defer c.setRunning(nil)
	if p.res == nil {
		res, err := p.ps.stmt.Execute(p.ctx, p.params)
		if err != nil {
			p.done, p.failed = true, true
			c.extError(statementError(p.ctx, err), false)
			return
		}
		p.res = res
	}
	if cr, ok := p.res.(CopyResult); ok && p.ps.cols == nil {
		tag, err := c.sendCopy(p.ctx, cr)
		p.finish()
		if err != nil {
			p.failed = true
			c.extError(err, true)
			return
		}
		c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
		return
	}
	if p.ps.cols == nil {
		tag := p.res.Tag()
		err := c.deallocate(p.res)
		p.finish()
		if err != nil {
			p.failed = true
			c.extError(err, true)
			return
		}
		c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
		return
	}
	n, suspended, err := c.sendRows(p.ctx, p.res, p.ps.cols, p.formats, int64(m.MaxRows))
	if err != nil {
		p.finish()
		p.failed = true
		c.extError(err, true)
		return
	}
	if suspended {
		c.be.Send(&pgproto3.PortalSuspended{})
		return
	}
	tag := rowTag(p.res.Tag(), n)
	p.finish()
	c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
}

// finish closes the portal's result; the portal stays until closed.
func (p *portal) finish() {
	p.done = true
	if p.res != nil {
		res := p.res
		p.res = nil
		res.Close()
	}
}

func (c *conn) close(m *pgproto3.Close) {
	switch m.ObjectType {
	case 'S':
		delete(c.stmts, m.Name)
	case 'P':
		c.closePortal(m.Name)
	default:
		c.extError(protocolError("invalid CLOSE message subtype %d", m.ObjectType), true)
		return
	}
	c.be.Send(&pgproto3.CloseComplete{})
}

// closePortal drops a portal, if it exists, and releases its result.
func (c *conn) closePortal(name string) {
	p, ok := c.portals[name]
	if !ok {
		return
	}
	delete(c.portals, name)
	c.safely("close result", p.finish)
	p.cancel(nil)
}

// closeAllPortals drops every portal (at the end of a transaction).
func (c *conn) closeAllPortals() {
	for name := range c.portals {
		c.closePortal(name)
	}
}

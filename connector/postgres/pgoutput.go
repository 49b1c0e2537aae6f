package postgres

import (
	"encoding/binary"

	"github.com/freshet-db/freshet/sql/sqlerr"
)

// This file parses the pgoutput messages that carry rows (Insert, Update,
// Delete) and Truncate. pglogrepl's decoders trust the lengths inside a
// message (a corrupt length allocates gigabytes, then indexes out of
// range) and allocate per column; these check every length against the
// message, allocate nothing per column, and alias the message's bytes.
// Begin, Commit and Relation messages are small and go through pglogrepl
// (under recover, see parse).

// Tuple column kinds.
const (
	colNull      = 'n'
	colUnchanged = 'u' // unchanged TOASTed value, not sent
	colText      = 't'
	colBinary    = 'b'
)

// Old tuple kinds of Update and Delete messages.
const (
	oldNone = 0
	oldKey  = 'K' // the replica identity key columns (others are null)
	oldFull = 'O' // the whole old row (REPLICA IDENTITY FULL)
)

// tupleCol is one column of a tuple; data aliases the message.
type tupleCol struct {
	kind byte
	data []byte
}

// rowMsg is a parsed Insert, Update or Delete message.
type rowMsg struct {
	kind    byte // 'I', 'U' or 'D'
	rel     uint32
	oldKind byte
	old     []tupleCol
	new     []tupleCol
}

func errMalformed(what string) error {
	return sqlerr.New(sqlerr.ProtocolViolation, "malformed pgoutput %s message", what)
}

// parseTuple parses TupleData at the start of src into dst and returns
// the rest of src.
func parseTuple(src []byte, dst []tupleCol, what string) ([]tupleCol, []byte, error) {
	if len(src) < 2 {
		return dst, nil, errMalformed(what)
	}
	n := int(binary.BigEndian.Uint16(src))
	src = src[2:]
	dst = dst[:0]
	for i := 0; i < n; i++ {
		if len(src) < 1 {
			return dst, nil, errMalformed(what)
		}
		c := tupleCol{kind: src[0]}
		src = src[1:]
		switch c.kind {
		case colNull, colUnchanged:
		case colText, colBinary:
			if len(src) < 4 {
				return dst, nil, errMalformed(what)
			}
			l := binary.BigEndian.Uint32(src)
			src = src[4:]
			if uint64(l) > uint64(len(src)) {
				return dst, nil, errMalformed(what)
			}
			c.data, src = src[:l], src[l:]
		default:
			return dst, nil, errMalformed(what)
		}
		dst = append(dst, c)
	}
	return dst, src, nil
}

// parseRowMsg parses an Insert, Update or Delete message, reusing the
// column slices of m.
func parseRowMsg(data []byte, m *rowMsg) error {
	what := "delete"
	switch data[0] {
	case 'I':
		what = "insert"
	case 'U':
		what = "update"
	}
	m.kind, m.oldKind = data[0], oldNone
	src := data[1:]
	if len(src) < 5 {
		return errMalformed(what)
	}
	m.rel = binary.BigEndian.Uint32(src)
	tag := src[4]
	src = src[5:]
	var err error
	if tag == oldKey || tag == oldFull {
		if m.kind == 'I' {
			return errMalformed(what)
		}
		m.oldKind = tag
		if m.old, src, err = parseTuple(src, m.old, what); err != nil {
			return err
		}
		if m.kind == 'D' {
			if len(src) != 0 {
				return errMalformed(what)
			}
			return nil
		}
		if len(src) < 1 {
			return errMalformed(what)
		}
		tag, src = src[0], src[1:]
	}
	if tag != 'N' || m.kind == 'D' {
		return errMalformed(what)
	}
	if m.new, src, err = parseTuple(src, m.new, what); err != nil {
		return err
	}
	if len(src) != 0 {
		return errMalformed(what)
	}
	return nil
}

// parseTruncate returns the relation OIDs of a Truncate message.
func parseTruncate(data []byte) ([]uint32, error) {
	src := data[1:]
	if len(src) < 5 {
		return nil, errMalformed("truncate")
	}
	n := binary.BigEndian.Uint32(src)
	src = src[5:] // count and option bits
	if uint64(n)*4 != uint64(len(src)) {
		return nil, errMalformed("truncate")
	}
	ids := make([]uint32, n)
	for i := range ids {
		ids[i] = binary.BigEndian.Uint32(src[4*i:])
	}
	return ids, nil
}

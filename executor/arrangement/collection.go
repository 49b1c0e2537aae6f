package arrangement

import (
	"fmt"
	"slices"
	"strings"
	"unsafe"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/stream"
)

// Collection is a multiset of rows: exact row encoding -> multiplicity.
//
// The map holds only an index into a slice of entries, so that changing
// the multiplicity of a present row never re-inserts into the map (which,
// for string keys, would allocate a fresh key).
type Collection struct {
	index   map[string]int32
	ents    []centry
	free    []int32
	epoch   uint64
	len     int64
	bytes   int
	buf     []byte
	touched []touched // rows touched by the current Update
}

type touched struct {
	row datum.Row
	i   int32
}

type centry struct {
	n      stream.Diff
	before stream.Diff // multiplicity before the current Update
	epoch  uint64      // the Update that last touched the entry
}

// collectionEntryBytes approximates the memory of one distinct row beyond
// its encoding: the map slot, the key header, the entry.
const collectionEntryBytes = 64

// NewCollection returns an empty collection.
func NewCollection() *Collection {
	return &Collection{index: make(map[string]int32)}
}

// Apply adds every update's diff to its row's multiplicity. Update times
// are ignored: a collection holds one version.
func (c *Collection) Apply(us []stream.Update) {
	for i := range us {
		c.buf = datum.EncodeRow(c.buf[:0], us[i].Row)
		c.AddEncoded(c.buf, us[i].Diff)
	}
}

// Update applies us and then calls f once for every distinct row they
// touched, with its multiplicity before and after (after may be 0: the
// row is gone). Rows are reported in first-touch order.
func (c *Collection) Update(us []stream.Update, f func(row datum.Row, before, after stream.Diff)) {
	c.epoch++
	c.touched = c.touched[:0]
	for i := range us {
		c.buf = datum.EncodeRow(c.buf[:0], us[i].Row)
		ei := c.entry(c.buf)
		e := &c.ents[ei]
		if e.epoch != c.epoch {
			e.epoch, e.before = c.epoch, e.n
			c.touched = append(c.touched, touched{us[i].Row, ei})
		}
		e.n += us[i].Diff
		c.len += int64(us[i].Diff)
	}
	// Entries stay in place during the loop above (removals wait until
	// here), so the indexes in c.touched are stable.
	for _, t := range c.touched {
		e := c.ents[t.i]
		if e.n == 0 {
			c.buf = datum.EncodeRow(c.buf[:0], t.row)
			c.remove(c.buf, t.i)
		}
		if e.n != e.before {
			f(t.row, e.before, e.n)
		}
	}
	clear(c.touched)
}

// entry returns the index of the entry of enc, creating it with
// multiplicity 0.
func (c *Collection) entry(enc []byte) int32 {
	if i, ok := c.index[string(enc)]; ok {
		return i
	}
	var i int32
	if n := len(c.free); n > 0 {
		i, c.free = c.free[n-1], c.free[:n-1]
		c.ents[i] = centry{}
	} else {
		i = int32(len(c.ents))
		c.ents = append(c.ents, centry{})
	}
	c.index[string(enc)] = i
	c.bytes += len(enc) + collectionEntryBytes
	return i
}

func (c *Collection) remove(enc []byte, i int32) {
	delete(c.index, string(enc))
	c.ents[i] = centry{}
	c.free = append(c.free, i)
	c.bytes -= len(enc) + collectionEntryBytes
}

// Add adds d to the multiplicity of row and returns the multiplicity
// before and after.
func (c *Collection) Add(row datum.Row, d stream.Diff) (before, after stream.Diff) {
	c.buf = datum.EncodeRow(c.buf[:0], row)
	return c.AddEncoded(c.buf, d)
}

// AddEncoded is Add for a row already in its exact encoding. enc is not
// retained.
func (c *Collection) AddEncoded(enc []byte, d stream.Diff) (before, after stream.Diff) {
	if d == 0 {
		return c.CountEncoded(string(enc)), c.CountEncoded(string(enc))
	}
	c.len += int64(d)
	i, ok := c.index[string(enc)]
	if !ok {
		c.ents[c.entry(enc)].n = d
		return 0, d
	}
	e := &c.ents[i]
	before = e.n
	e.n += d
	after = e.n
	if after == 0 {
		c.remove(enc, i)
	}
	return before, after
}

// Count returns the multiplicity of row.
func (c *Collection) Count(row datum.Row) stream.Diff {
	c.buf = datum.EncodeRow(c.buf[:0], row)
	return c.CountEncoded(string(c.buf))
}

// CountEncoded returns the multiplicity of an exactly encoded row.
func (c *Collection) CountEncoded(enc string) stream.Diff {
	if i, ok := c.index[enc]; ok {
		return c.ents[i].n
	}
	return 0
}

// Scan calls f for each distinct row and its multiplicity, in no
// particular order, until f returns false.
func (c *Collection) Scan(f func(row datum.Row, count stream.Diff) bool) {
	for enc, i := range c.index {
		if !f(MustDecode(enc, nil), c.ents[i].n) {
			return
		}
	}
}

// Sorted returns the rows with their multiplicities in datum order (rows
// that compare equal but differ in representation order by encoding).
func (c *Collection) Sorted() []stream.Update {
	out := make([]stream.Update, 0, len(c.index))
	for enc, i := range c.index {
		out = append(out, stream.Update{Row: MustDecode(enc, nil), Diff: c.ents[i].n})
	}
	slices.SortFunc(out, func(a, b stream.Update) int {
		if c := datum.CompareRows(a.Row, b.Row); c != 0 {
			return c
		}
		return strings.Compare(string(datum.EncodeRow(nil, a.Row)), string(datum.EncodeRow(nil, b.Row)))
	})
	return out
}

// Len is the number of rows, counting multiplicity.
func (c *Collection) Len() int { return int(c.len) }

// Distinct is the number of distinct rows.
func (c *Collection) Distinct() int { return len(c.index) }

// Bytes approximates the memory the collection holds.
func (c *Collection) Bytes() int { return c.bytes }

// MustDecode decodes a row this package encoded, appending to dst. The
// bytes never come from outside the process, so a failure is a bug.
func MustDecode(enc string, dst datum.Row) datum.Row {
	row, err := datum.DecodeRow(bytesOf(enc), dst)
	if err != nil {
		panic(fmt.Sprintf("arrangement: corrupt stored row %q: %v", enc, err))
	}
	return row
}

// bytesOf views s as a byte slice without copying. The result must not be
// written to; datum.DecodeRow only reads it (and copies string payloads).
func bytesOf(s string) []byte {
	if s == "" {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

package operator

import (
	"context"

	"github.com/freshet-db/freshet/executor/arrangement"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/stream"
)

// Distinct turns every positive multiplicity into one (SELECT DISTINCT,
// UNION), with SQL equality: rows that are equal but differ in
// representation (1.5 and 1.50) are one row, output as the representation
// with the smallest exact encoding (see repSet). It emits a change only for
// the rows (classes of equal rows) whose output changed during a step.
type Distinct struct {
	classifier
}

// NewDistinct returns a distinct operator.
func NewDistinct() *Distinct {
	return &Distinct{newClassifier(func(n stream.Diff) stream.Diff {
		if n > 0 {
			return 1
		}
		return 0
	})}
}

// Explain implements Operator.
func (d *Distinct) Explain() string { return "Distinct state=rows" }

// Threshold keeps the rows with a positive multiplicity, with that
// multiplicity (EXCEPT and INTERSECT, over Negate and Union), under SQL
// equality like Distinct.
type Threshold struct {
	classifier
}

// NewThreshold returns a threshold operator.
func NewThreshold() *Threshold {
	return &Threshold{newClassifier(func(n stream.Diff) stream.Diff { return max(n, 0) })}
}

// Explain implements Operator.
func (t *Threshold) Explain() string { return "Threshold state=rows" }

// classifier is the state of Distinct and Threshold: the multiplicity of
// each class of equal rows, and its output multiplicity, a function of it.
//
// Rows with a single representation per value (canonical: integers,
// text, ...) take a fast path: a Collection of exact encodings, where a
// class is a row. The first non-canonical row moves the state into
// classes that track representations.
type classifier struct {
	outCount func(n stream.Diff) stream.Diff
	fast     *arrangement.Collection
	classes  map[string]*rowClass
	touched  []*rowClass
	kbuf     []byte
	rbuf     []byte
	out      []stream.Update
}

type rowClass struct {
	key     string
	reps    repSet
	total   stream.Diff
	emitted datum.Row   // the row output for the class, nil if none
	count   stream.Diff // its output multiplicity
	touched bool
}

func newClassifier(outCount func(stream.Diff) stream.Diff) classifier {
	return classifier{outCount: outCount, fast: arrangement.NewCollection(), classes: map[string]*rowClass{}}
}

// Step implements Operator.
func (c *classifier) Step(ctx context.Context, s *Scope, ins [][]stream.Update) ([]stream.Update, error) {
	if err := s.Poll(ctx); err != nil {
		return nil, err
	}
	in := ins[0]
	out := c.out[:0]
	fast := len(c.classes) == 0
	for i := 0; fast && i < len(in); i++ {
		fast = canonical(in[i].Row)
	}
	if fast {
		c.fast.Update(in, func(row datum.Row, before, after stream.Diff) {
			if d := c.outCount(after) - c.outCount(before); d != 0 {
				out = append(out, stream.Update{Row: row, Time: s.Time, Diff: d})
			}
		})
		c.out = out
		return out, nil
	}
	if c.fast.Distinct() > 0 {
		// Move the fast path's rows into classes, as already output.
		var moved []stream.Update
		c.fast.Scan(func(row datum.Row, n stream.Diff) bool {
			moved = append(moved, stream.Update{Row: row, Diff: n})
			return true
		})
		c.fast = arrangement.NewCollection()
		c.classify(moved)
		for i, cl := range c.touched {
			c.touched[i] = nil
			cl.touched = false
			cl.emitted, _ = cl.reps.best()
			cl.count = c.outCount(cl.total)
		}
		c.touched = c.touched[:0]
	}
	c.classify(in)
	for i, cl := range c.touched {
		c.touched[i] = nil
		cl.touched = false
		row, _ := cl.reps.best()
		count := c.outCount(cl.total)
		if count == 0 {
			row = nil
		}
		if cl.count == count && identicalRows(cl.emitted, row) {
			continue
		}
		if cl.emitted != nil && cl.count != 0 {
			out = append(out, stream.Update{Row: cl.emitted, Time: s.Time, Diff: -cl.count})
		}
		if row != nil {
			out = append(out, stream.Update{Row: row, Time: s.Time, Diff: count})
		}
		cl.emitted, cl.count = row, count
		if len(cl.reps.reps) == 0 {
			delete(c.classes, cl.key)
		}
	}
	c.touched = c.touched[:0]
	c.out = out
	return out, nil
}

// classify adds updates to their classes, marking them touched.
func (c *classifier) classify(in []stream.Update) {
	for _, u := range in {
		c.kbuf = datum.EncodeKey(c.kbuf[:0], u.Row, nil)
		cl, ok := c.classes[string(c.kbuf)]
		if !ok {
			cl = &rowClass{key: string(c.kbuf)}
			c.classes[cl.key] = cl
		}
		if !cl.touched {
			cl.touched = true
			c.touched = append(c.touched, cl)
		}
		c.rbuf = datum.EncodeRow(c.rbuf[:0], u.Row)
		cl.reps.add(c.rbuf, u.Row, u.Diff)
		cl.total += u.Diff
	}
}

// identicalRows reports whether a and b are the same datums exactly (nil
// only equals nil).
func identicalRows(a, b datum.Row) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// StateBytes implements Operator.
func (c *classifier) StateBytes() int { return c.fast.Bytes() + 128*len(c.classes) }

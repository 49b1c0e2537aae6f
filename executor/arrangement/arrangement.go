package arrangement

import (
	"unsafe"

	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/stream"
)

// Arrangement is a multiset of rows indexed by key: for each key (bytes of
// datum.EncodeKey) the rows with that key, in their exact encoding, with
// their multiplicities.
//
// Memory layout, chosen so that the common case of few rows per key costs
// one map slot, one slice entry and one allocation: the map holds the
// index of the key's group in a slice (so that changing a group never
// re-inserts into the map, which would allocate a new key string); a group
// holds its first row inline; groups with more rows spill into a slice,
// and into a slice plus an index once they are large. For a new group, key
// and row share one allocation (the map key and the row are substrings of
// the same string).
type Arrangement struct {
	keyCols []int
	index   map[string]int32
	groups  []group
	free    []int32
	rows    int64 // distinct (key, row) entries
	count   int64 // rows counting multiplicity
	bytes   int
	kbuf    []byte
	rbuf    []byte
}

type rowCount struct {
	row string
	n   stream.Diff
}

type group struct {
	first rowCount
	more  *spill
}

// spill holds the rows of a group beyond the first.
type spill struct {
	rows []rowCount
	idx  map[string]int32 // row -> position in rows, once len(rows) > spillIndexAt
}

const spillIndexAt = 8

// New returns an empty arrangement keyed by the columns keyCols (used by
// Insert; callers that compute keys themselves use Add and may pass nil).
func New(keyCols []int) *Arrangement {
	return &Arrangement{keyCols: keyCols, index: make(map[string]int32)}
}

// Insert adds each update, keyed by the arrangement's key columns.
func (a *Arrangement) Insert(us []stream.Update) {
	for i := range us {
		a.kbuf = datum.EncodeKey(a.kbuf[:0], us[i].Row, a.keyCols)
		a.rbuf = datum.EncodeRow(a.rbuf[:0], us[i].Row)
		a.Add(a.kbuf, a.rbuf, us[i].Diff)
	}
}

// Add adds d to the multiplicity of the encoded row under key. Neither key
// nor row is retained.
func (a *Arrangement) Add(key, row []byte, d stream.Diff) {
	if d == 0 {
		return
	}
	a.count += int64(d)
	gi, ok := a.index[string(key)]
	if !ok {
		s := concat(key, row)
		if n := len(a.free); n > 0 {
			gi, a.free = a.free[n-1], a.free[:n-1]
		} else {
			gi = int32(len(a.groups))
			a.groups = append(a.groups, group{})
		}
		a.groups[gi] = group{first: rowCount{row: s[len(key):], n: d}}
		a.index[s[:len(key)]] = gi
		a.rows++
		a.bytes += len(key) + groupOverhead + len(row) + rowOverhead
		return
	}
	g := &a.groups[gi]
	if g.first.row == string(row) {
		g.first.n += d
		if g.first.n != 0 {
			return
		}
		a.rows--
		a.bytes -= len(row) + rowOverhead
		if g.more == nil {
			delete(a.index, string(key))
			a.groups[gi] = group{}
			a.free = append(a.free, gi)
			a.bytes -= len(key) + groupOverhead
			return
		}
		// Promote the last spilled row to first.
		g.first = g.more.removeAt(len(g.more.rows) - 1)
		if len(g.more.rows) == 0 {
			g.more = nil
		}
		return
	}
	if g.more == nil {
		g.more = &spill{}
	}
	sp := g.more
	i := sp.find(row)
	if i < 0 {
		sp.add(rowCount{row: string(row), n: d})
		a.rows++
		a.bytes += len(row) + rowOverhead
		return
	}
	sp.rows[i].n += d
	if sp.rows[i].n == 0 {
		sp.removeAt(i)
		a.rows--
		a.bytes -= len(row) + rowOverhead
		if len(sp.rows) == 0 {
			g.more = nil
		}
	}
}

const (
	rowOverhead   = 32 // a rowCount in a spill slice, plus its string's allocation slack
	groupOverhead = 64 // the map slot of a group, its key header and slice entry
)

func (sp *spill) find(row []byte) int {
	if sp.idx != nil {
		if i, ok := sp.idx[string(row)]; ok {
			return int(i)
		}
		return -1
	}
	for i := range sp.rows {
		if sp.rows[i].row == string(row) {
			return i
		}
	}
	return -1
}

func (sp *spill) add(rc rowCount) {
	sp.rows = append(sp.rows, rc)
	if sp.idx != nil {
		sp.idx[rc.row] = int32(len(sp.rows) - 1)
	} else if len(sp.rows) > spillIndexAt {
		sp.idx = make(map[string]int32, len(sp.rows)*2)
		for i, r := range sp.rows {
			sp.idx[r.row] = int32(i)
		}
	}
}

// removeAt removes the row at i by moving the last row into its place.
func (sp *spill) removeAt(i int) rowCount {
	rc := sp.rows[i]
	last := len(sp.rows) - 1
	if sp.idx != nil {
		delete(sp.idx, rc.row)
		if i != last {
			sp.idx[sp.rows[last].row] = int32(i)
		}
	}
	sp.rows[i] = sp.rows[last]
	sp.rows[last] = rowCount{}
	sp.rows = sp.rows[:last]
	if len(sp.rows) <= spillIndexAt/2 {
		sp.idx = nil
	}
	return rc
}

// LookupEncoded calls f for each row under key (exact encoding, valid only
// during the call) with its multiplicity, until f returns false.
func (a *Arrangement) LookupEncoded(key []byte, f func(row string, count stream.Diff) bool) {
	gi, ok := a.index[string(key)]
	if !ok {
		return
	}
	g := &a.groups[gi]
	if !f(g.first.row, g.first.n) || g.more == nil {
		return
	}
	for _, rc := range g.more.rows {
		if !f(rc.row, rc.n) {
			return
		}
	}
}

// Lookup calls f for each row under key with its multiplicity, until f
// returns false.
func (a *Arrangement) Lookup(key []byte, f func(row datum.Row, count stream.Diff) bool) {
	a.LookupEncoded(key, func(row string, n stream.Diff) bool {
		return f(MustDecode(row, nil), n)
	})
}

// HasKey reports whether any row is stored under key.
func (a *Arrangement) HasKey(key []byte) bool {
	_, ok := a.index[string(key)]
	return ok
}

// ScanKeys calls f for every key, in no particular order, until f returns
// false.
func (a *Arrangement) ScanKeys(f func(key string) bool) {
	for k := range a.index {
		if !f(k) {
			return
		}
	}
}

// Len is the number of rows, counting multiplicity.
func (a *Arrangement) Len() int { return int(a.count) }

// Keys is the number of distinct keys.
func (a *Arrangement) Keys() int { return len(a.index) }

// Bytes approximates the memory the arrangement holds.
func (a *Arrangement) Bytes() int {
	if a.rows == 0 {
		return 0
	}
	return a.bytes
}

// concat returns key ++ row as a string in a single allocation.
func concat(key, row []byte) string {
	n := len(key) + len(row)
	if n == 0 {
		return ""
	}
	b := make([]byte, n)
	copy(b, key)
	copy(b[len(key):], row)
	return unsafe.String(&b[0], n)
}

package operator

import "github.com/freshet-db/freshet/sql/datum"

// slab hands out rows carved from large blocks of datums, so that an
// operator building many output rows allocates once per block instead of
// once per row. Rows are never reused: a block stays alive while any row
// carved from it is referenced.
type slab struct {
	block []datum.Datum
}

const slabBlock = 4096

// row returns a zeroed (all NULL) row of length n and capacity n.
func (s *slab) row(n int) datum.Row {
	if n > len(s.block) {
		if n > slabBlock/4 {
			return make(datum.Row, n)
		}
		s.block = make([]datum.Datum, slabBlock)
	}
	r := s.block[:n:n]
	s.block = s.block[n:]
	return r
}

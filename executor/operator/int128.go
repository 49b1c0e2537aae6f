package operator

import (
	"math/big"
	"math/bits"
)

// int128 is a two's-complement 128-bit integer: the exact accumulator of
// integer sums (a sum of up to 2^64 int64 values cannot overflow it).
type int128 struct {
	hi int64
	lo uint64
}

// addProduct adds v*d to a.
func (a *int128) addProduct(v, d int64) {
	if d == 1 {
		a.add(v)
		return
	}
	neg := (v < 0) != (d < 0)
	hi, lo := bits.Mul64(absU(v), absU(d))
	p := int128{hi: int64(hi), lo: lo}
	if neg {
		p = p.neg()
	}
	var carry uint64
	a.lo, carry = bits.Add64(a.lo, p.lo, 0)
	a.hi += p.hi + int64(carry)
}

// add adds v to a.
func (a *int128) add(v int64) {
	var carry uint64
	a.lo, carry = bits.Add64(a.lo, uint64(v), 0)
	a.hi += (v >> 63) + int64(carry)
}

func (a int128) neg() int128 {
	lo, borrow := bits.Sub64(0, a.lo, 0)
	return int128{hi: -a.hi - int64(borrow), lo: lo}
}

func absU(v int64) uint64 {
	if v < 0 {
		return uint64(-(v + 1)) + 1
	}
	return uint64(v)
}

// int64 returns a as an int64 and whether it fits.
func (a int128) int64() (int64, bool) {
	v := int64(a.lo)
	if (a.hi == 0 && v >= 0) || (a.hi == -1 && v < 0) {
		return v, true
	}
	return 0, false
}

// big returns a as a big integer.
func (a int128) big() *big.Int {
	if v, ok := a.int64(); ok {
		return big.NewInt(v)
	}
	neg := a.hi < 0
	if neg {
		a = a.neg()
	}
	b := new(big.Int).SetUint64(uint64(a.hi))
	b.Lsh(b, 64)
	b.Or(b, new(big.Int).SetUint64(a.lo))
	if neg {
		b.Neg(b)
	}
	return b
}

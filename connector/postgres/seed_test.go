package postgres

import (
	"flag"
	"os"
	"strconv"
	"testing"
	"time"
)

var seedFlag = flag.Uint64("seed", 0, "seed for randomized tests (0: from FRESHET_SEED or the clock)")

// testSeed returns the seed of a randomized test and prints it if the
// test fails.
func testSeed(t testing.TB) uint64 {
	seed := *seedFlag
	if seed == 0 {
		if s, err := strconv.ParseUint(os.Getenv("FRESHET_SEED"), 10, 64); err == nil {
			seed = s
		}
	}
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("seed %d (rerun with -seed %d)", seed, seed)
		}
	})
	return seed
}

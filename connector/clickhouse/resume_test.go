package clickhouse

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/types"
)

var seedFlag = flag.Uint64("seed", 0, "seed of the randomized tests (default: $FRESHET_SEED or the time)")

// testSeed returns the seed of a randomized test and logs it on failure.
func testSeed(t *testing.T) uint64 {
	seed := *seedFlag
	if seed == 0 {
		if env := os.Getenv("FRESHET_SEED"); env != "" {
			v, err := strconv.ParseUint(env, 10, 64)
			if err != nil {
				t.Fatalf("FRESHET_SEED=%q: %v", env, err)
			}
			seed = v
		}
	}
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("seed: %d (rerun with -seed %d or FRESHET_SEED=%d)", seed, seed, seed)
		}
	})
	return seed
}

func kvView() connector.TableSchema {
	return connector.TableSchema{Name: "kv", Columns: []connector.Column{
		{Name: "k", Type: types.Int8T, NotNull: true},
		{Name: "v", Type: types.TextT},
	}, PrimaryKey: []int{0}}
}

// randomHistory returns updates of a keyed view over timestamps 1..n
// (every one of them), each timestamp an insert, an update (-old +new) or
// a delete, and the count of updates per timestamp.
func randomHistory(rng *rand.Rand, n int) ([]connector.SinkUpdate, map[uint64]int) {
	cur := map[int64]string{}
	var us []connector.SinkUpdate
	perTS := map[uint64]int{}
	for ts := uint64(1); ts <= uint64(n); ts++ {
		changes := 1 + rng.IntN(4)
		for range changes {
			k := int64(rng.IntN(20))
			old, exists := cur[k]
			if exists {
				us = append(us, upd(ts, -1, datum.NewInt8(k), datum.NewText(old)))
				perTS[ts]++
				delete(cur, k)
				if rng.IntN(3) == 0 {
					continue // a delete
				}
			}
			v := fmt.Sprintf("v%d_%d", ts, rng.IntN(1000))
			cur[k] = v
			us = append(us, upd(ts, 1, datum.NewInt8(k), datum.NewText(v)))
			perTS[ts]++
		}
	}
	return us, perTS
}

// countsByTS returns count() per freshet_ts in the table.
func countsByTS(t *testing.T, query func(testing.TB, string) string, table string) map[uint64]int {
	t.Helper()
	got := map[uint64]int{}
	out := query(t, "SELECT freshet_ts, count() FROM "+table+" GROUP BY freshet_ts FORMAT TSV")
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var ts uint64
		var n int
		if _, err := fmt.Sscanf(line, "%d\t%d", &ts, &n); err != nil {
			t.Fatalf("bad line %q: %v", line, err)
		}
		got[ts] = n
	}
	return got
}

// TestCrashResume interrupts Writes at random points (by cancelling their
// context, as a crash or shutdown would), then resumes from the frontier
// Open returns, as the server does after a restart, or retries the same
// Write on the same sink. Every timestamp must end up in the table exactly
// once, and every frontier must be the end of a prefix of whole timestamps.
func TestCrashResume(t *testing.T) {
	srv := server.Get(t)
	db := srv.NewDatabase(t)
	rng := rand.New(rand.NewPCG(testSeed(t), 1))
	us, perTS := randomHistory(rng, 300)
	table := db + ".kv_history"
	cfg := Config{DSN: srv.DSN(db), Table: "kv_history", BatchRows: 7}

	wantUpTo := func(f uint64) int {
		n := 0
		for ts, c := range perTS {
			if ts <= f {
				n += c
			}
		}
		return n
	}
	var s *Sink
	interrupted := 0
	for round := 0; ; round++ {
		if round > 200 {
			t.Fatal("no Write completed in 200 rounds")
		}
		var from uint64
		if s == nil || round%2 == 0 {
			// Restart: a new sink resumes from the table's frontier.
			if s != nil {
				_ = s.Close()
			}
			var err error
			if s, err = New(cfg, kvView(), testLogger(t)); err != nil {
				t.Fatal(err)
			}
			if from, err = s.Open(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			got := srv.Query(t, fmt.Sprintf("SELECT countIf(freshet_ts <= %d), countIf(freshet_ts > %d) FROM %s FORMAT TSV", from, from, table))
			if want := fmt.Sprintf("%d\t0\n", wantUpTo(from)); got != want {
				t.Fatalf("round %d: frontier %d is not a prefix of whole timestamps: rows <= and > it: %q, want %q", round, from, got, want)
			}
		} else {
			from = s.Delivered() // the same sink retries what it was given
		}
		i := 0
		for i < len(us) && uint64(us[i].Time) <= from {
			i++
		}
		ctx, cancel := context.WithCancel(context.Background())
		delay := time.Duration(rng.IntN(1+round)) * time.Millisecond
		timer := time.AfterFunc(delay, cancel)
		err := s.Write(ctx, us[i:])
		timer.Stop()
		cancel()
		if err == nil {
			break
		}
		if !isCanceled(err) {
			t.Fatalf("round %d: Write: %v", round, err)
		}
		interrupted++
	}
	_ = s.Close()
	t.Logf("%d interrupted writes", interrupted)
	if interrupted == 0 {
		t.Log("no write was interrupted")
	}

	got := countsByTS(t, srv.Query, table)
	if len(got) != len(perTS) {
		t.Errorf("%d timestamps in the table, want %d", len(got), len(perTS))
	}
	for ts, n := range perTS {
		if got[ts] != n {
			t.Errorf("freshet_ts %d: %d rows, want %d", ts, got[ts], n)
		}
	}
	s, f := openSink(t, cfg, kvView())
	if f != 300 {
		t.Fatalf("final frontier %d, want 300", f)
	}
	// Writing everything again (a server that lost track) adds nothing.
	if err := s.Write(ctxT(t), us); err != nil {
		t.Fatal(err)
	}
	if got := srv.Query(t, "SELECT count() FROM "+table+" FORMAT TSV"); got != fmt.Sprintf("%d\n", len(us)) {
		t.Fatalf("count after re-Write: %s, want %d", got, len(us))
	}
}

// TestCancellingUpdates writes timestamps whose updates cancel out: they
// count as delivered, write nothing, and the table's frontier is the last
// timestamp with rows.
func TestCancellingUpdates(t *testing.T) {
	srv := server.Get(t)
	db := srv.NewDatabase(t)
	cfg := Config{DSN: srv.DSN(db), Table: "kv"}
	s, _ := openSink(t, cfg, kvView())
	us := []connector.SinkUpdate{kv(1, 1, 1, "a"), kv(2, 1, 2, "b"), kv(2, -1, 2, "b"), upd(3, 0, datum.NewInt8(3), datum.NewText("c"))}
	if err := s.Write(ctxT(t), us); err != nil {
		t.Fatal(err)
	}
	if st := s.State(); st.Delivered != 3 || st.Rows != 3 {
		t.Fatalf("state: %+v", st)
	}
	if err := s.Write(ctxT(t), us[3:]); err != nil {
		t.Fatal(err)
	}
	if _, f := openSink(t, cfg, kvView()); f != 2 {
		t.Fatalf("frontier %d, want 2", f)
	}
	state, err := s.StateAsOf(ctxT(t), 3)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmtRows(state); got != "(1, a) x1\n" {
		t.Fatalf("state:\n%s", got)
	}
}

package server_test

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/freshet-db/freshet/internal/testch"
)

// ingestRows posts n rows (id from, from+1, ...) into table events(id, v, s)
// as one transaction.
func ingestRows(b *testing.B, url string, from, n int) {
	b.Helper()
	var sb strings.Builder
	for i := from; i < from+n; i++ {
		fmt.Fprintf(&sb, "{\"id\": %d, \"v\": %d, \"s\": \"item-%d\"}\n", i, i%1000, i%97)
	}
	resp, err := http.Post(url, "application/x-ndjson", strings.NewReader(sb.String()))
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("ingest: %s", resp.Status)
	}
}

func chCount(b *testing.B, srv *testch.Server, table string) int {
	b.Helper()
	n, err := strconv.Atoi(strings.TrimSpace(srv.Query(b, "SELECT count() FROM "+table)))
	if err != nil {
		b.Fatal(err)
	}
	return n
}

func sinkBenchSetup(b *testing.B) (*testch.Server, string, string) {
	b.Helper()
	srv := testch.Start(b)
	db := srv.NewDatabase(b)
	s := startServer(b, "")
	c := connect(b, s.PGAddr())
	mustExec(b, c, "CREATE TABLE events (id bigint NOT NULL, v bigint NOT NULL, s text NOT NULL) APPEND ONLY")
	mustExec(b, c, fmt.Sprintf("CREATE SINK events_history FROM events INTO CLICKHOUSE CONNECTION '%s' TABLE 'events_history'",
		srv.DSN(db)))
	return srv, db + ".events_history", "http://" + s.HTTPAddr() + "/api/v1/tables/events/rows"
}

// BenchmarkSinkThroughput measures rows/s from an ingest of rows into a
// table to their arrival in ClickHouse (100k-row transactions).
func BenchmarkSinkThroughput(b *testing.B) {
	srv, table, url := sinkBenchSetup(b)
	const batch = 100_000
	total := 0
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		for range 5 {
			ingestRows(b, url, total, batch)
			total += batch
		}
	}
	acked := time.Now()
	for chCount(b, srv, table) < total {
		time.Sleep(5 * time.Millisecond)
	}
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "rows/s")
	b.ReportMetric(float64(time.Since(acked).Milliseconds()), "catch-up-ms")
}

// BenchmarkSinkLag ingests 5,000 rows every 100 ms (50k updates/s) and
// reports how long after its commit each transaction is in ClickHouse.
func BenchmarkSinkLag(b *testing.B) {
	srv, table, url := sinkBenchSetup(b)
	const batch, every = 5000, 100 * time.Millisecond
	var lags []time.Duration
	total := 0
	b.ResetTimer()
	for range b.N {
		type sent struct {
			upto int
			at   time.Time
		}
		var pending []sent
		next := time.Now()
		for i := 0; i < 50 || len(pending) > 0; {
			if i < 50 && !time.Now().Before(next) {
				ingestRows(b, url, total, batch)
				total += batch
				pending = append(pending, sent{total, time.Now()})
				next = next.Add(every)
				i++
			}
			n := chCount(b, srv, table)
			now := time.Now()
			for len(pending) > 0 && pending[0].upto <= n {
				lags = append(lags, now.Sub(pending[0].at))
				pending = pending[1:]
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	slices.Sort(lags)
	b.ReportMetric(float64(lags[len(lags)/2].Milliseconds()), "p50-lag-ms")
	b.ReportMetric(float64(lags[len(lags)*99/100].Milliseconds()), "p99-lag-ms")
}

// BenchmarkSinkSnapshot measures the sink alone: 500k rows are in the
// table before CREATE SINK, which writes them as its snapshot.
func BenchmarkSinkSnapshot(b *testing.B) {
	srv := testch.Start(b)
	s := startServer(b, "")
	c := connect(b, s.PGAddr())
	mustExec(b, c, "CREATE TABLE events (id bigint NOT NULL, v bigint NOT NULL, s text NOT NULL) APPEND ONLY")
	url := "http://" + s.HTTPAddr() + "/api/v1/tables/events/rows"
	const total = 500_000
	for i := 0; i < total; i += 100_000 {
		ingestRows(b, url, i, 100_000)
	}
	b.ResetTimer()
	var elapsed time.Duration
	for range b.N {
		db := srv.NewDatabase(b)
		start := time.Now()
		mustExec(b, c, fmt.Sprintf("CREATE SINK snap_%s FROM events INTO CLICKHOUSE CONNECTION '%s' TABLE 'events_history'",
			db, srv.DSN(db)))
		for chCount(b, srv, db+".events_history") < total {
			time.Sleep(5 * time.Millisecond)
		}
		elapsed += time.Since(start)
	}
	b.ReportMetric(float64(total*b.N)/elapsed.Seconds(), "rows/s")
}

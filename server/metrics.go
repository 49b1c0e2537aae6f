package server

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/server/coord"
	"github.com/freshet-db/freshet/server/sources"
)

// metrics is the Prometheus registry of one server. Counters that live in
// the coordinator and the sources are read at scrape time (a Collector),
// so the hot paths carry no metric updates beyond one histogram
// observation per commit.
type metrics struct {
	reg           *prometheus.Registry
	commitLatency prometheus.Histogram
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		commitLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "freshet_commit_to_visible_seconds",
			Help: "Time from a transaction's submission until it is durable and visible in every materialized view.",
			// 50 µs to ~3 s.
			Buckets: prometheus.ExponentialBuckets(50e-6, 2, 17),
		}),
	}
	m.reg.MustRegister(m.commitLatency, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// watch registers the scrape-time collector over the coordinator and the
// sources.
func (m *metrics) watch(c *coord.Coordinator, src *sources.Manager) {
	m.reg.MustRegister(&stateCollector{coord: c, sources: src})
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

var (
	descTimestamp  = prometheus.NewDesc("freshet_timestamp", "The latest complete logical timestamp.", nil, nil)
	descCommits    = prometheus.NewDesc("freshet_commits_total", "Transactions committed.", nil, nil)
	descLastCommit = prometheus.NewDesc("freshet_last_commit_timestamp_seconds",
		"Wall-clock time of the latest applied commit: every view reflects it (views are stepped before a commit is acknowledged).", nil, nil)
	descLogBytes = prometheus.NewDesc("freshet_wal_bytes", "Size of the write-ahead log.", nil, nil)
	descRows     = prometheus.NewDesc("freshet_relation_rows", "Rows of a table or materialized view.", []string{"relation", "kind"}, nil)
	descState    = prometheus.NewDesc("freshet_view_state_bytes", "Approximate memory of a materialized view's dataflow state.", []string{"view"}, nil)
	descErrors   = prometheus.NewDesc("freshet_view_row_errors", "Distinct row errors (division by zero, bad casts) a view currently holds.", []string{"view"}, nil)
	descSubs     = prometheus.NewDesc("freshet_subscribers", "Open subscriptions (SUBSCRIBE, sinks) to a relation.", []string{"relation"}, nil)
	descSource   = prometheus.NewDesc("freshet_source_state", "1 for the state a source is in.", []string{"source", "connector", "state"}, nil)
	descSrcLag   = prometheus.NewDesc("freshet_source_lag_bytes", "How far a source is behind its upstream, in bytes (Postgres WAL).", []string{"source"}, nil)
	descSrcLagS  = prometheus.NewDesc("freshet_source_lag_seconds", "How far a source is behind its upstream, in time.", []string{"source"}, nil)
	descSrcErr   = prometheus.NewDesc("freshet_source_errors_total", "Errors a source met since start.", []string{"source"}, nil)
	descSnap     = prometheus.NewDesc("freshet_source_snapshot_rows", "Rows copied by a source's initial snapshot.", []string{"source"}, nil)
)

type stateCollector struct {
	coord   *coord.Coordinator
	sources *sources.Manager
}

func (s *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descTimestamp, descCommits, descLastCommit, descLogBytes, descRows, descState,
		descErrors, descSubs, descSource, descSrcLag, descSrcLagS, descSrcErr, descSnap} {
		ch <- d
	}
}

func (s *stateCollector) Collect(ch chan<- prometheus.Metric) {
	st := s.coord.Stats()
	ch <- prometheus.MustNewConstMetric(descTimestamp, prometheus.GaugeValue, float64(st.Timestamp))
	ch <- prometheus.MustNewConstMetric(descCommits, prometheus.CounterValue, float64(st.Commits))
	if !st.LastCommit.IsZero() {
		ch <- prometheus.MustNewConstMetric(descLastCommit, prometheus.GaugeValue, float64(st.LastCommit.UnixNano())/1e9)
	}
	ch <- prometheus.MustNewConstMetric(descLogBytes, prometheus.GaugeValue, float64(st.LogBytes))
	for _, r := range st.Relations {
		ch <- prometheus.MustNewConstMetric(descRows, prometheus.GaugeValue, float64(r.Rows), r.Name, r.Kind.String())
		ch <- prometheus.MustNewConstMetric(descSubs, prometheus.GaugeValue, float64(r.Subscribers), r.Name)
		if r.Kind == catalog.MaterializedView {
			ch <- prometheus.MustNewConstMetric(descState, prometheus.GaugeValue, float64(r.StateBytes), r.Name)
			ch <- prometheus.MustNewConstMetric(descErrors, prometheus.GaugeValue, float64(r.Errors), r.Name)
		}
	}
	for _, src := range s.sources.Statuses() {
		ch <- prometheus.MustNewConstMetric(descSource, prometheus.GaugeValue, 1, src.Name, src.Connector, src.State)
		ch <- prometheus.MustNewConstMetric(descSrcLag, prometheus.GaugeValue, float64(src.LagBytes), src.Name)
		ch <- prometheus.MustNewConstMetric(descSrcLagS, prometheus.GaugeValue, src.Lag.Seconds(), src.Name)
		ch <- prometheus.MustNewConstMetric(descSrcErr, prometheus.CounterValue, float64(src.Errors), src.Name)
		ch <- prometheus.MustNewConstMetric(descSnap, prometheus.GaugeValue, float64(src.SnapshotRows), src.Name)
	}
}

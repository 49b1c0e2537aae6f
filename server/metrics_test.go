package server_test

import (
	"net/http"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// /metrics is valid Prometheus text and reports commits, relations and the
// commit-to-visible histogram.
func TestMetricsEndpoint(t *testing.T) {
	s := startServer(t, "")
	c := connect(t, s.PGAddr())
	mustExec(t, c, `CREATE TABLE t (k INT PRIMARY KEY, v INT)`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW mv AS SELECT v, COUNT(*) AS n FROM t GROUP BY v`)
	mustExec(t, c, `INSERT INTO t VALUES (1, 1), (2, 1), (3, 2)`)
	resp, err := http.Get("http://" + s.HTTPAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("metrics do not parse: %v", err)
	}
	value := func(name string, labels map[string]string) float64 {
		t.Helper()
		f, ok := families[name]
		if !ok {
			t.Fatalf("no metric %s", name)
		}
	next:
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				if want, ok := labels[lp.GetName()]; ok && want != lp.GetValue() {
					continue next
				}
			}
			switch {
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue()
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			case m.GetHistogram() != nil:
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
		t.Fatalf("no %s with %v", name, labels)
		return 0
	}
	if v := value("freshet_commits_total", nil); v != 1 {
		t.Errorf("commits = %v, want 1", v)
	}
	if v := value("freshet_relation_rows", map[string]string{"relation": "t"}); v != 3 {
		t.Errorf("rows of t = %v, want 3", v)
	}
	if v := value("freshet_relation_rows", map[string]string{"relation": "mv"}); v != 2 {
		t.Errorf("rows of mv = %v, want 2", v)
	}
	if v := value("freshet_commit_to_visible_seconds", nil); v != 1 {
		t.Errorf("commit latency samples = %v, want 1", v)
	}
	if v := value("freshet_view_state_bytes", map[string]string{"view": "mv"}); v <= 0 {
		t.Errorf("state bytes of mv = %v", v)
	}
	value("go_goroutines", nil)
}

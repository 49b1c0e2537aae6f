package coord

import (
	"time"

	"github.com/freshet-db/freshet/catalog"
)

// RelationStats describes one table or materialized view for monitoring.
type RelationStats struct {
	Name string
	Kind catalog.Kind
	// Rows counts rows with their multiplicity.
	Rows int64
	// StateBytes approximates the memory of a view's dataflow state.
	StateBytes int64
	// Errors counts a view's distinct row errors (division by zero...).
	Errors int
	// Subscribers counts open subscriptions (SUBSCRIBE, sinks).
	Subscribers int
}

// Stats is a consistent picture of the coordinator for monitoring.
type Stats struct {
	Timestamp uint64
	// LastCommit is the wall-clock time of the latest applied commit.
	LastCommit time.Time
	Commits    uint64
	LogBytes   int64
	Relations  []RelationStats
}

// Stats reports the coordinator's state (for /metrics).
func (c *Coordinator) Stats() Stats {
	c.mu.RLock()
	defer c.mu.RUnlock()
	st := Stats{Timestamp: uint64(c.now), LastCommit: c.lastCommit, Commits: c.commits, LogBytes: c.log.Size()}
	for _, r := range c.cat.Relations() {
		rs := RelationStats{Name: r.Name, Kind: r.Kind, Subscribers: len(c.subs[r.ID])}
		switch {
		case c.tables[r.ID] != nil:
			rs.Rows = c.tables[r.ID].n
		case c.views[r.ID] != nil:
			v := c.views[r.ID]
			rs.Rows = int64(v.df.Output().Len())
			rs.StateBytes = int64(v.df.StateBytes())
			rs.Errors = v.df.ErrorCount()
		default:
			continue
		}
		st.Relations = append(st.Relations, rs)
	}
	return st
}

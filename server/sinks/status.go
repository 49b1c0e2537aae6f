package sinks

import (
	"slices"
	"strings"
	"time"

	"github.com/freshet-db/freshet/connector/clickhouse"
)

// Status is one row of SHOW SINKS.
type Status struct {
	Name string
	// View is the relation the sink reads; Table the ClickHouse table.
	View, Table string
	Mode        string
	// State is "starting", "snapshotting" (reconciling with ClickHouse),
	// "running", "retrying" or "failed"; Reason explains the last two.
	State, Reason string
	// Delivered is the last timestamp durable in ClickHouse.
	Delivered uint64
	// Lag is how long the oldest change not yet in ClickHouse has waited,
	// LagUpdates how many updates received from the view wait (changes the
	// sink missed while cut off are not counted: they are recovered by
	// reconciliation).
	Lag        time.Duration
	LagUpdates int64
	// Rows counts rows inserted since start; RowsPerSecond is the recent
	// rate.
	Rows          int64
	RowsPerSecond float64
	// Errors counts failed attempts, Cutoffs the times the sink fell
	// behind its buffer and reconciled.
	Errors, Cutoffs int64
	LastError       string
}

// Statuses lists the sinks by name.
func (m *Manager) Statuses() []Status {
	m.mu.Lock()
	sks := make([]*sink, 0, len(m.running))
	for _, sk := range m.running {
		sks = append(sks, sk)
	}
	m.mu.Unlock()
	now := time.Now()
	out := make([]Status, 0, len(sks))
	for _, sk := range sks {
		st := Status{Name: sk.rel.Name, Table: sk.rel.Options["table"], Mode: strings.ToLower(sk.cfg.Mode.String())}
		if sk.view != nil {
			st.View = sk.view.Name
		}
		var cs clickhouse.SinkState
		if sk.ch != nil {
			cs = sk.ch.State()
		}
		st.Delivered, st.Rows, st.RowsPerSecond = cs.Delivered, cs.Rows, cs.RowsPerSecond
		st.Errors, st.LastError = cs.Errors, cs.LastError
		sk.mu.Lock()
		st.State = sk.phase
		switch {
		case sk.failed != nil:
			st.State, st.Reason = "failed", describeErr(sk.failed)
		case sk.phase == "retrying":
			st.Reason = describeErr(sk.retry)
		case cs.State == "retrying" || cs.State == "failed":
			st.State, st.Reason = cs.State, cs.Reason
		}
		st.Errors += sk.errors
		st.Cutoffs = sk.cutoff
		st.LagUpdates = sk.pending
		if !sk.since.IsZero() {
			st.Lag = max(now.Sub(sk.since), 0)
		}
		if st.LastError == "" && sk.retry != nil {
			st.LastError = describeErr(sk.retry)
		}
		sk.mu.Unlock()
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b Status) int { return strings.Compare(a.Name, b.Name) })
	return out
}

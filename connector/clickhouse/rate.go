package clickhouse

import "time"

// rateWindow is the span RowsPerSecond averages over.
const rateWindow = 10 * time.Second

// rateMeter measures rows per second over the last rateWindow, in buckets
// of one second.
type rateMeter struct {
	buckets [10]rateBucket
}

type rateBucket struct {
	sec  int64 // Unix second the bucket counts
	rows int64
}

func (m *rateMeter) add(now time.Time, rows int64) {
	sec := now.Unix()
	b := &m.buckets[sec%int64(len(m.buckets))]
	if b.sec != sec {
		*b = rateBucket{sec: sec}
	}
	b.rows += rows
}

func (m *rateMeter) rate(now time.Time) float64 {
	sec := now.Unix()
	var rows int64
	for _, b := range m.buckets {
		if age := sec - b.sec; age >= 0 && age < int64(len(m.buckets)) {
			rows += b.rows
		}
	}
	return float64(rows) / rateWindow.Seconds()
}

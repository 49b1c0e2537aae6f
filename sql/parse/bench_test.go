package parse

import "testing"

const benchQuery = `SELECT o.customer_id, c.name, count(*) AS n, sum(o.amount) AS total,
       avg(o.amount) OVER (PARTITION BY o.customer_id ORDER BY o.ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS moving
FROM orders o
JOIN customers c ON c.id = o.customer_id
WHERE o.ts > now() - INTERVAL '5 minutes'
  AND o.status IN ('new', 'paid', 'shipped')
  AND o.amount::numeric(10,2) > $1
GROUP BY o.customer_id, c.name
HAVING count(*) > 1
ORDER BY total DESC LIMIT $2`

func BenchmarkParse(b *testing.B) {
	b.SetBytes(int64(len(benchQuery)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(benchQuery); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseParallel(b *testing.B) {
	b.SetBytes(int64(len(benchQuery)))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := Parse(benchQuery); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkTiDBOnly is the baseline: the TiDB grammar alone on the
// already-rewritten text, with a fresh parser per call as Parse uses.
func BenchmarkTiDBOnly(b *testing.B) {
	toks, err := lex(benchQuery)
	if err != nil {
		b.Fatal(err)
	}
	rw, err := newRewriter(benchQuery, toks).run()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(benchQuery)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := newParser().ParseSQL(rw.text); err != nil {
			b.Fatal(err)
		}
	}
}

package postgres_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streamfront/streamfront/internal/store"
	"github.com/streamfront/streamfront/internal/store/postgres/pgtest"
	"github.com/streamfront/streamfront/internal/store/sqlite"
	"github.com/streamfront/streamfront/internal/testenv"
)

// BenchmarkCreate measures CreateDistribution from benchWriters goroutines,
// in one run: SQLite (the baseline), PostgreSQL with every create in one
// account, and PostgreSQL with the creates spread over benchWriters
// accounts. Creates of one account take turns on its quota row until commit,
// so the last two show what the quota costs and what PostgreSQL does
// without it. Without HTTP, this isolates the store; internal/cluster
// measures whole nodes.
//
//	go test ./internal/store/postgres -run '^$' -bench . -benchtime 3000x
func BenchmarkCreate(b *testing.B) {
	sq, err := sqlite.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sq.Close() })
	pg := open(b, pgtest.DSN(b))
	cases := []struct {
		name     string
		s        store.Store
		accounts int
	}{{"sqlite-1account", sq, 1}, {"postgres-1account", pg, 1}, {"postgres-8accounts", pg, benchWriters}}
	var ids atomic.Int64
	rates := make([]float64, len(cases))
	b.ResetTimer()
	for i, c := range cases {
		rates[i] = createMany(b, c.s, c.accounts, b.N, &ids)
	}
	b.StopTimer()
	for i, c := range cases {
		b.ReportMetric(rates[i], c.name+"-ops/s")
		if i > 0 {
			b.ReportMetric(rates[i]/rates[0], c.name+"/sqlite")
		}
	}
}

const benchWriters = 8

// createMany creates n distributions from benchWriters goroutines, writer w
// in account w % accounts, and returns creates per second.
func createMany(b *testing.B, s store.Store, accounts, n int, ids *atomic.Int64) float64 {
	elapsed, err := testenv.Parallel(benchWriters, n, func(w, _ int) error {
		id := fmt.Sprintf("EBENCH%08d", ids.Add(1))
		now := time.Now()
		return s.CreateDistribution(b.Context(), &store.Distribution{Account: fmt.Sprintf("%012d", w%accounts),
			ID: id, ETag: "E1", Version: 1, CallerReference: id, DomainName: id + ".cloudfront.net",
			Enabled: true, Config: []byte(`{}`), CreatedAt: now, ModifiedAt: now}, nil, 1<<30)
	})
	if err != nil {
		b.Fatal(err)
	}
	return float64(n) / elapsed.Seconds()
}

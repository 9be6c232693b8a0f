package cluster_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/streamfront/streamfront/internal/store/postgres/pgtest"
	"github.com/streamfront/streamfront/internal/testenv"
)

// The benchmarks run the real binary (not race-built when the benchmark is
// not) and compare, in one run, three deployments under the same load:
// one node on SQLite (the baseline), one node on PostgreSQL, and two nodes
// sharing that PostgreSQL with the clients spread over both. benchClients
// AWS SDK clients send b.N requests to each deployment; each reports ops/s
// and the PostgreSQL rates relative to SQLite. docs/performance.md records
// the figures.
//
//	go test ./internal/cluster -run '^$' -bench . -benchtime 2000x
const benchClients = 8

// deployment is a running set of nodes and one SDK client per node.
type deployment struct {
	name  string
	nodes []*cloudfront.Client
}

func deployments(b *testing.B) []deployment {
	sqliteAddr := testenv.FreeAddr(b)
	sqlite := testenv.StartProc(b, sqliteAddr, "serve", "--listen", sqliteAddr, "--data-dir", b.TempDir(), "--max-distributions", "100000000")
	pg := &cluster{dsn: pgtest.DSN(b), args: []string{"--max-distributions", "100000000"}}
	pg.addNode(b)
	pg2 := &cluster{dsn: pgtest.DSN(b), args: pg.args}
	pg2.addNode(b)
	pg2.addNode(b)
	return []deployment{
		{"sqlite-1node", []*cloudfront.Client{testenv.Client(sqlite.URL, "AKIDEXAMPLE", "secret")}},
		{"postgres-1node", pg.nodes},
		{"postgres-2nodes", pg2.nodes},
	}
}

func BenchmarkCreate(b *testing.B) {
	var refs atomic.Int64
	compareDeployments(b, func(d deployment) func(node *cloudfront.Client) error {
		return func(node *cloudfront.Client) error {
			_, err := create(node, config(fmt.Sprintf("bench-%d", refs.Add(1)), "benchmark"))
			return err
		}
	})
}

func BenchmarkGet(b *testing.B) {
	compareDeployments(b, func(d deployment) func(node *cloudfront.Client) error {
		out, err := create(d.nodes[0], config("bench-seed", "benchmark"))
		if err != nil {
			b.Fatal(err)
		}
		return func(node *cloudfront.Client) error {
			_, err := node.GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: out.StreamingDistribution.Id})
			return err
		}
	})
}

// compareDeployments runs b.N requests made by op against every deployment
// and reports each rate.
func compareDeployments(b *testing.B, op func(deployment) func(*cloudfront.Client) error) {
	ds := deployments(b)
	ops := make([]func(*cloudfront.Client) error, len(ds))
	for i, d := range ds {
		ops[i] = op(d)
		drive(b, d.nodes, 4*benchClients, ops[i]) // warm connections and caches
	}
	b.ResetTimer()
	rates := make([]float64, len(ds))
	for i, d := range ds {
		rates[i] = drive(b, d.nodes, b.N, ops[i])
	}
	b.StopTimer()
	for i, d := range ds {
		b.ReportMetric(rates[i], d.name+"-ops/s")
		if i > 0 {
			b.ReportMetric(rates[i]/rates[0], d.name+"/sqlite")
		}
	}
}

// drive sends n requests from benchClients clients, client c using node
// c % len(nodes), and returns requests per second.
func drive(b *testing.B, nodes []*cloudfront.Client, n int, op func(*cloudfront.Client) error) float64 {
	elapsed, err := testenv.Parallel(benchClients, n, func(c, _ int) error { return op(nodes[c%len(nodes)]) })
	if err != nil {
		b.Fatal(err)
	}
	return float64(n) / elapsed.Seconds()
}

package api_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	cf "github.com/streamfront/streamfront/internal/cloudfront"
	"github.com/streamfront/streamfront/internal/testenv"
)

// The benchmarks compare the real server (SQLite store, synchronous=FULL,
// the deployer running) with a bare net/http handler that answers the same
// requests with a canned body of the same size, in the same run, over
// loopback HTTP with benchClients concurrent keep-alive clients. Each
// reports server-ops/s, bare-ops/s and their ratio; docs/performance.md
// records the figures.
//
//	go test ./internal/api -run '^$' -bench . -benchtime 4000x
const benchClients = 8

func BenchmarkGet(b *testing.B) {
	srv := benchServer(b)
	id, body := createForBench(b, srv.URL)
	bare := bareServer(b, http.StatusOK, body)
	get := func(base string) func(int) *http.Request {
		return func(int) *http.Request {
			r, _ := http.NewRequest(http.MethodGet, base+"/2020-05-31/streaming-distribution/"+id, nil)
			return r
		}
	}
	compare(b, http.StatusOK, get(srv.URL), get(bare))
}

func BenchmarkCreate(b *testing.B) {
	srv := benchServer(b)
	_, body := createForBench(b, srv.URL)
	bare := bareServer(b, http.StatusCreated, body)
	var refs atomic.Int64 // every create needs a fresh CallerReference
	create := func(base string) func(int) *http.Request {
		return func(int) *http.Request {
			r, _ := http.NewRequest(http.MethodPost, base+"/2020-05-31/streaming-distribution",
				bytes.NewReader(createBody(fmt.Sprint("bench-", refs.Add(1)))))
			return r
		}
	}
	compare(b, http.StatusCreated, create(srv.URL), create(bare))
}

func benchServer(b *testing.B) *testenv.Server {
	return testenv.Start(b, testenv.Options{
		DeployDelay: 2 * time.Second, // the binary's default
		Service:     cf.Options{MaxDistributions: 1 << 30},
	})
}

func createBody(ref string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<StreamingDistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><CallerReference>` + ref +
		`</CallerReference><S3Origin><DomainName>media.s3.amazonaws.com</DomainName><OriginAccessIdentity></OriginAccessIdentity></S3Origin>` +
		`<Aliases><Quantity>0</Quantity></Aliases><Comment>benchmark</Comment>` +
		`<TrustedSigners><Enabled>false</Enabled><Quantity>0</Quantity></TrustedSigners><PriceClass>PriceClass_All</PriceClass><Enabled>true</Enabled></StreamingDistributionConfig>`)
}

// createForBench creates one distribution and returns its id and the body
// the server answered, which the bare handler then serves verbatim.
func createForBench(b *testing.B, base string) (string, []byte) {
	resp, err := http.Post(base+"/2020-05-31/streaming-distribution", "text/xml", bytes.NewReader(createBody("bench-seed")))
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		b.Fatalf("seed create: %d %s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	return loc[bytes.LastIndexByte([]byte(loc), '/')+1:], body
}

// bareServer answers every request with status and body, after reading the
// request body, as the cheapest possible HTTP server for this traffic.
func bareServer(b *testing.B, status int, body []byte) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("ETag", "E1234567890ABC")
		w.WriteHeader(status)
		w.Write(body)
	})}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// compare runs b.N requests against each target and reports both rates.
// The machine is shared, so the two alternate in rounds: a burst of load
// from elsewhere slows both rather than only one.
func compare(b *testing.B, want int, server, bare func(int) *http.Request) {
	const rounds = 5
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchClients}}
	b.Cleanup(client.CloseIdleConnections)
	// Warm both connection pools so neither pays for dialing.
	testenv.Load(b, client, benchClients, 2*benchClients, want, server)
	testenv.Load(b, client, benchClients, 2*benchClients, want, bare)
	b.ResetTimer()
	var bareTime, serverTime time.Duration
	n := max(b.N/rounds, 1)
	for range rounds {
		bareTime += testenv.Load(b, client, benchClients, n, want, bare)
		serverTime += testenv.Load(b, client, benchClients, n, want, server)
	}
	b.StopTimer()
	serverRate := float64(n*rounds) / serverTime.Seconds()
	bareRate := float64(n*rounds) / bareTime.Seconds()
	b.ReportMetric(serverRate, "server-ops/s")
	b.ReportMetric(bareRate, "bare-ops/s")
	b.ReportMetric(serverRate/bareRate, "ratio")
}

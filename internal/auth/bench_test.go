package auth_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/streamfront/streamfront/internal/api"
	"github.com/streamfront/streamfront/internal/auth"
	"github.com/streamfront/streamfront/internal/testenv"
)

// BenchmarkGetSigV4 measures what SigV4 verification costs a
// GetStreamingDistribution: the same distribution, in the same store, read
// through a secure-mode server (every request signed) and an open-mode one,
// in the same run, over loopback HTTP with concurrent keep-alive clients.
// The request is signed once and replayed, so the figures are the server's
// cost, not the client's. docs/performance.md records the figures.
//
//	go test ./internal/auth -run '^$' -bench GetSigV4 -benchtime 20000x
func BenchmarkGetSigV4(b *testing.B) {
	secureSrv := testenv.Start(b, testenv.Options{
		Accounts:    testenv.WriteAccounts(b, []testenv.Key{testenv.KeyA}, ""),
		DeployDelay: 2 * time.Second,
	})
	openSrv := testenv.Start(b, testenv.Options{Store: secureSrv.Store, Auth: api.Open{Account: testenv.AccountA},
		DeployDelay: 2 * time.Second})
	out := create(b, secureSrv.ClientFor(testenv.KeyA), "bench")
	path := distPath + "/" + *out.StreamingDistribution.Id
	signedHeader := signOnce(b, secureSrv.URL+path)
	get := func(base string, h http.Header) func() *http.Request {
		return func() *http.Request {
			r, _ := http.NewRequest(http.MethodGet, base+path, nil)
			for k, v := range h {
				r.Header[k] = v
			}
			return r
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchClients}}
	b.Cleanup(client.CloseIdleConnections)
	openGet, signedGet := get(openSrv.URL, nil), get(secureSrv.URL, signedHeader)
	hammer(b, client, 4*benchClients, openGet) // warm both pools and the page cache
	hammer(b, client, 4*benchClients, signedGet)
	b.ResetTimer()
	// Ten rounds in ABBA order, so drift in the shared machine's load
	// falls on both alike.
	var openT, signedT time.Duration
	const rounds = 10
	for i := range rounds {
		n := b.N/rounds + boolInt(i < b.N%rounds)
		if i%2 == 0 {
			openT += hammer(b, client, n, openGet)
			signedT += hammer(b, client, n, signedGet)
		} else {
			signedT += hammer(b, client, n, signedGet)
			openT += hammer(b, client, n, openGet)
		}
	}
	b.StopTimer()
	openRate, signedRate := float64(b.N)/openT.Seconds(), float64(b.N)/signedT.Seconds()
	b.ReportMetric(openRate, "open-ops/s")
	b.ReportMetric(signedRate, "sigv4-ops/s")
	b.ReportMetric(signedRate/openRate, "ratio")
	b.ReportMetric(0, "ns/op")
}

const benchClients = 8

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// signOnce returns the headers of a GET of url signed with key A now.
func signOnce(b *testing.B, url string) http.Header {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	empty := sha256.Sum256(nil)
	creds := aws.Credentials{AccessKeyID: testenv.KeyA.ID, SecretAccessKey: testenv.KeyA.Secret}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(empty[:]), "cloudfront", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	return req.Header
}

// hammer sends n requests from benchClients goroutines and returns the elapsed time.
func hammer(b *testing.B, client *http.Client, n int, mk func() *http.Request) time.Duration {
	return testenv.Load(b, client, benchClients, n, http.StatusOK, func(int) *http.Request { return mk() })
}

// BenchmarkVerify is the verifier alone on a signed GET, for the per-request
// CPU cost behind BenchmarkGetSigV4's ratio.
func BenchmarkVerify(b *testing.B) {
	reg, err := auth.Load(testenv.WriteAccounts(b, []testenv.Key{testenv.KeyA}, ""), nil)
	if err != nil {
		b.Fatal(err)
	}
	v := auth.NewVerifier(reg, nil)
	url := "http://127.0.0.1:4580" + distPath + "/EBENCH00000000"
	h := signOnce(b, url)
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header = h
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Authenticate(req, nil, api.Action{SigningName: "cloudfront", IAM: "cloudfront:GetStreamingDistribution"}); err != nil {
			b.Fatal(err)
		}
	}
}

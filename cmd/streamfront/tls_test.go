package main

import (
	"context"
	"crypto/tls"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/streamfront/streamfront/internal/testenv"
)

// startTLS runs serve with --tls-cert/--tls-key and waits until it answers
// over HTTPS with a certificate of pool.
func startTLS(t *testing.T, tc *testenv.TestCert) (*exec.Cmd, string) {
	t.Helper()
	addr := testenv.FreeAddr(t)
	cmd := exec.Command(testenv.Binary(t), "serve", "--listen", addr, "--data-dir", t.TempDir(),
		"--tls-cert", tc.CertFile, "--tls-key", tc.KeyFile)
	testenv.LogOnFailure(t, cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	url := "https://" + addr
	c := httpsClient(tc)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err := c.Get(url + "/_streamfront/health")
		if err == nil {
			resp.Body.Close()
			return cmd, url
		}
		if time.Now().After(deadline) {
			t.Fatalf("no HTTPS answer: %v", err)
		}
	}
}

func httpsClient(tc *testenv.TestCert) *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: tc.Pool}}}
}

func tlsCloudFront(url string, tc *testenv.TestCert) *cloudfront.Client {
	return cloudfront.New(cloudfront.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer:     aws.NopRetryer{}, HTTPClient: httpsClient(tc)})
}

// TestTLSServesTheAPI: the Go SDK and the AWS CLI (--ca-bundle) call the
// API over HTTPS; plain HTTP gets no API answer; a renewed certificate is
// served after SIGHUP, without a restart.
func TestTLSServesTheAPI(t *testing.T) {
	dir := t.TempDir()
	first := testenv.WriteCert(t, dir, "first")
	cmd, url := startTLS(t, first)
	ctx := context.Background()
	c := tlsCloudFront(url, first)
	out, err := c.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: testenv.DistConfig("tls")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(*out.Location, "https://") {
		t.Errorf("Location %s is not https", *out.Location)
	}
	if resp, err := http.Get(strings.Replace(url, "https://", "http://", 1) + "/2020-05-31/streaming-distribution"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Fatal("plain HTTP was answered by the API")
		}
	}

	awsCLI := testenv.Require(t, "/usr/bin/aws")
	cli := exec.Command(awsCLI, "--endpoint-url", url, "--ca-bundle", first.CAFile, "--output", "text",
		"cloudfront", "list-streaming-distributions", "--query", "StreamingDistributionList.Items[0].Id")
	cli.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret",
		"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_MAX_ATTEMPTS=1")
	got, err := cli.CombinedOutput()
	if err != nil || strings.TrimSpace(string(got)) != *out.StreamingDistribution.Id {
		t.Fatalf("aws --ca-bundle: %v %s", err, got)
	}

	// Renew: another CA's certificate in the same files, then SIGHUP.
	second := testenv.WriteCert(t, dir, "second")
	for src, dst := range map[string]string{second.CertFile: first.CertFile, second.KeyFile: first.KeyFile} {
		b, _ := os.ReadFile(src)
		if err := os.WriteFile(dst, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd.Process.Signal(syscall.SIGHUP)
	c2 := tlsCloudFront(url, second)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err = c2.ListStreamingDistributions(ctx, &cloudfront.ListStreamingDistributionsInput{}); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the renewed certificate is not served: %v", err)
		}
	}
	if cmd.ProcessState != nil {
		t.Fatal("the server exited")
	}
}

func TestTLSFlagsGoTogether(t *testing.T) {
	tc := testenv.WriteCert(t, t.TempDir(), "x")
	_, stderr, err := run(t, "serve", "--data-dir", t.TempDir(), "--tls-cert", tc.CertFile)
	if err == nil || !strings.Contains(stderr, "--tls-cert and --tls-key go together") {
		t.Fatalf("err %v, stderr %q", err, stderr)
	}
	_, stderr, err = run(t, "serve", "--data-dir", t.TempDir(), "--listen", testenv.FreeAddr(t), "--tls-cert", tc.CertFile, "--tls-key", tc.CAFile)
	if err == nil || !strings.Contains(stderr, "TLS certificate") {
		t.Fatalf("a certificate without its key: err %v, stderr %q", err, stderr)
	}
}

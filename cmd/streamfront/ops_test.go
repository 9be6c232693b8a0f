package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/streamfront/streamfront/internal/testenv"
)

// The binary exposes Prometheus metrics that count requests by operation
// and AWS error code, and time store calls.
func TestMetricsEndpoint(t *testing.T) {
	addr := testenv.FreeAddr(t)
	p := testenv.StartProc(t, addr, "serve", "--listen", addr, "--data-dir", t.TempDir())
	if code, _ := testenv.Get(t, p.URL+"/2020-05-31/streaming-distribution/ENOSUCH"); code != 404 {
		t.Fatalf("GET unknown distribution: %d", code)
	}
	if code, _ := testenv.Get(t, p.URL+"/2020-05-31/origin-access-identity/cloudfront"); code != 200 {
		t.Fatalf("list OAIs: %d", code)
	}
	code, body := testenv.Get(t, p.URL+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	for _, want := range []string{
		`streamfront_api_requests_total{code="NoSuchStreamingDistribution",operation="GetStreamingDistribution",status="404"} 1`,
		`streamfront_api_request_duration_seconds_count{operation="GetStreamingDistribution"} 1`,
		`streamfront_store_duration_seconds_count{method="GetDistribution",outcome="rejected"} 1`,
		`streamfront_store_duration_seconds_count{method="ListOAIs",outcome="ok"} 1`,
		`streamfront_build_info{version="dev"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// --log-format json writes one JSON object per request with the fields an
// operator filters on.
func TestJSONRequestLog(t *testing.T) {
	addr := testenv.FreeAddr(t)
	var stderr bytes.Buffer
	cmd := exec.Command(testenv.Binary(t), "serve", "--listen", addr, "--data-dir", t.TempDir(), "--log-format", "json",
		"--rtmp-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0")
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	url := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		if resp, err := http.Get(url + "/2020-05-31/streaming-distribution"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	found := false
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", sc.Text())
		}
		if rec["msg"] == "request" {
			found = true
			for _, k := range []string{"method", "path", "operation", "status", "request_id", "duration"} {
				if _, ok := rec[k]; !ok {
					t.Errorf("request log lacks %q: %v", k, rec)
				}
			}
			if rec["operation"] != "ListStreamingDistributions" {
				t.Errorf("operation = %v", rec["operation"])
			}
		}
	}
	if !found {
		t.Fatalf("no request log line in %q", stderr.String())
	}
}

func TestVersionCommand(t *testing.T) {
	out, err := exec.Command(testenv.Binary(t), "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "streamfront ") {
		t.Fatalf("version: %v %q", err, out)
	}
}

// A client that trickles its request headers is cut off after
// --read-header-timeout instead of holding a connection forever.
func TestSlowHeadersAreCutOff(t *testing.T) {
	addr := testenv.FreeAddr(t)
	testenv.StartProc(t, addr, "serve", "--listen", addr, "--data-dir", t.TempDir(), "--read-header-timeout", "300ms")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /2020-05-31/streaming-distribution HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	// Keep trickling a header byte now and then, as slowloris does; the
	// server must close the connection (read returns EOF or reset).
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	done := make(chan error, 1)
	go func() {
		buf := make([]byte, 512)
		_, err := conn.Read(buf)
		for err == nil {
			_, err = conn.Read(buf)
		}
		done <- err
	}()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("server kept the slow connection open for 30s")
			}
			return
		case <-tick.C:
			io.WriteString(conn, "X")
		}
	}
}

// A body over --max-body is refused with 413 and stores nothing.
func TestOversizedBodyRefused(t *testing.T) {
	addr := testenv.FreeAddr(t)
	p := testenv.StartProc(t, addr, "serve", "--listen", addr, "--data-dir", t.TempDir(), "--max-body", "4096")
	body := strings.NewReader("<StreamingDistributionConfig><Comment>" + strings.Repeat("x", 1<<20) + "</Comment></StreamingDistributionConfig>")
	resp, err := http.Post(p.URL+"/2020-05-31/streaming-distribution", "text/xml", body)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "<Code>InvalidArgument</Code>") {
		t.Fatalf("oversized body: %d %s", resp.StatusCode, b)
	}
	if _, list := testenv.Get(t, p.URL+"/2020-05-31/streaming-distribution"); !strings.Contains(list, "<Quantity>0</Quantity>") {
		t.Fatalf("oversized create stored something: %s", list)
	}
}

// The Dockerfile's CMD is a command line this binary accepts: run it with
// the container paths and ports swapped for temporary ones.
func TestDockerfileCommandLine(t *testing.T) {
	df, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	for _, line := range strings.Split(string(df), "\n") {
		if rest, ok := strings.CutPrefix(line, "CMD "); ok {
			if err := json.Unmarshal([]byte(rest), &args); err != nil {
				t.Fatalf("CMD is not exec form: %v", err)
			}
		}
	}
	if len(args) == 0 {
		t.Fatal("Dockerfile has no CMD")
	}
	api, rtmp, data, media := testenv.FreeAddr(t), testenv.FreeAddr(t), t.TempDir(), t.TempDir()
	for i, a := range args {
		switch a {
		case "0.0.0.0:4580":
			args[i] = strings.Replace(api, "127.0.0.1", "0.0.0.0", 1)
		case "0.0.0.0:1935":
			args[i] = strings.Replace(rtmp, "127.0.0.1", "0.0.0.0", 1)
		case "/data":
			args[i] = data
		case "/media":
			args[i] = media
		}
	}
	testenv.StartProc(t, api, args...)
}

package node_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/streamfront/streamfront/internal/edge/accesslog"
	"github.com/streamfront/streamfront/internal/edge/origin"
	"github.com/streamfront/streamfront/internal/node"
	"github.com/streamfront/streamfront/internal/store/sqlite"
	"github.com/streamfront/streamfront/internal/testenv"
)

// A node serves the API, its metrics and its mounts on one listener, and
// Shutdown closes the listener.
func TestAPIListenerServesMountsAndMetrics(t *testing.T) {
	st, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	console := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "console "+r.URL.Path) })
	n, err := node.Start(node.Config{Store: st, Version: "v-test", API: &node.API{Listen: "127.0.0.1:0",
		Mounts: []node.Mount{{Prefix: "/console/", Handler: console}}}})
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + n.Addr(node.ListenerAPI)
	if code, body := testenv.Get(t, base+"/console/x"); code != 200 || body != "console /console/x" {
		t.Errorf("mount answered %d %q", code, body)
	}
	if code, body := testenv.Get(t, base+"/2020-05-31/streaming-distribution"); code != 200 || !strings.Contains(body, "<StreamingDistributionList") {
		t.Errorf("API answered %d %q", code, body)
	}
	if code, body := testenv.Get(t, base+"/metrics"); code != 200 || !strings.Contains(body, `streamfront_build_info{version="v-test"} 1`) ||
		!strings.Contains(body, `streamfront_api_requests_total{code="",operation="ListStreamingDistributions",status="200"} 1`) {
		t.Errorf("/metrics answered %d:\n%s", code, body)
	}
	if err := n.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c, err := net.Dial("tcp", n.Addr(node.ListenerAPI)); err == nil {
		c.Close()
		t.Errorf("API listener still accepts after Shutdown")
	}
}

// A listener that cannot bind fails Start, naming the listener.
func TestStartFailsOnBusyAddress(t *testing.T) {
	st, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, err = node.Start(node.Config{Store: st, API: &node.API{Listen: "127.0.0.1:0"}, MetricsListen: busy.Addr().String()})
	if err == nil || !strings.Contains(err.Error(), "metrics listener") {
		t.Fatalf("Start on a busy address = %v", err)
	}
}

// An edge beside the API (as testenv.Options.Edge starts it) listens for
// RTMP and RTMPT and reports its metrics on the API's /metrics.
func TestEdgeBesideTheAPI(t *testing.T) {
	root := t.TempDir()
	srv := testenv.Start(t, testenv.Options{Edge: &node.Edge{RTMPTListen: "127.0.0.1:0", Origin: origin.Dir{Root: root},
		AccessLog: accesslog.Options{Sink: accesslog.DirSink{Root: root}}}})
	for _, l := range []string{node.ListenerRTMP, node.ListenerRTMPT} {
		c, err := net.Dial("tcp", srv.Node.Addr(l))
		if err != nil {
			t.Fatalf("%s listener: %v", l, err)
		}
		c.Close()
	}
	if code, body := testenv.Get(t, srv.URL+"/metrics"); code != 200 || !strings.Contains(body, "streamfront_edge_cache_bytes") {
		t.Errorf("/metrics (%d) lacks the edge's metrics:\n%s", code, body)
	}
}

// A test server is the binary's server: like serve, it refuses a body over
// the limit with 413 InvalidArgument.
func TestTestServerHasTheBodyLimit(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	resp, err := http.Post(srv.URL+"/2020-05-31/streaming-distribution", "text/xml",
		bytes.NewReader(make([]byte, node.DefaultMaxBody+1)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "<Code>InvalidArgument</Code>") {
		t.Fatalf("oversized create answered %d:\n%s", resp.StatusCode, b)
	}
}

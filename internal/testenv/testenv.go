// Package testenv starts real streamfront servers for tests: in-process on a
// loopback listener, or as the real binary in a child process, and hands out
// aws-sdk-go-v2 clients pointed at them.
package testenv

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/streamfront/streamfront/internal/api"
	"github.com/streamfront/streamfront/internal/auth"
	cf "github.com/streamfront/streamfront/internal/cloudfront"
	"github.com/streamfront/streamfront/internal/node"
	"github.com/streamfront/streamfront/internal/store"
	"github.com/streamfront/streamfront/internal/store/sqlite"
	"github.com/streamfront/streamfront/internal/testtool"
)

// AccountID is the open-mode account of test servers.
const AccountID = "123456789012"

// Options tune a test server; zero values are fine. The server is built
// by internal/node exactly as `streamfront serve` builds it, with the
// binary's defaults for what is not set here.
type Options struct {
	DeployDelay time.Duration // default 50ms
	// EdgeLive is how long an edge counts as live after its heartbeat
	// (default the binary's --edge-live).
	EdgeLive time.Duration
	// Service tunes the domain rules; its Signers, OriginSuffixes and
	// Logger are the whole server's (the edge's too).
	Service cf.Options
	Store   store.Store // default: fresh SQLite in t.TempDir()
	Auth    api.Authenticator
	// Accounts, when set, is the path of an accounts file: the server runs in
	// secure mode (SigV4 required) with the file's accounts, keys and key pairs.
	Accounts string
	// Now is the SigV4 verifier's clock in secure mode (default time.Now).
	Now func() time.Time
	// RequestTimeout is the API's request timeout (default the binary's).
	RequestTimeout time.Duration
	// Edge, when set, runs an RTMP edge beside the API, as serve does with
	// an origin; an empty RTMPListen picks a free loopback port.
	Edge *node.Edge
	// Mounts are handlers served on the API listener beside the API.
	Mounts []node.Mount
}

// Server is an in-process server on real TCP listeners.
type Server struct {
	URL     string
	Service *cf.Service
	Store   store.Store
	// Node is the running server: Node.Addr(node.ListenerRTMP) is the
	// edge's address when Options.Edge is set.
	Node *node.Node
	// Accounts is the loaded accounts file (secure mode only); Reload it after
	// changing the file.
	Accounts *auth.Registry
}

// Start starts a server that stops when the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	if o.DeployDelay == 0 {
		o.DeployDelay = 50 * time.Millisecond
	}
	st := o.Store
	if st == nil {
		s, err := sqlite.OpenOwner(t.TempDir()) // as serve opens it
		if err != nil {
			t.Fatal(err)
		}
		st = s
		t.Cleanup(func() { s.Close() })
	}
	log := o.Service.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var reg *auth.Registry
	if o.Accounts != "" {
		r, err := auth.Load(o.Accounts, log)
		if err != nil {
			t.Fatal(err)
		}
		reg, o.Service.Signers, o.Auth = r, r, auth.NewVerifier(r, o.Now)
		o.Service.Quotas = r.Quotas
	}
	if o.Service.Signers == nil {
		o.Service.Signers = cf.SingleAccount{ID: AccountID}
	}
	if o.Auth == nil {
		o.Auth = api.Open{Account: AccountID}
	}
	if o.Edge != nil && o.Edge.RTMPListen == "" {
		e := *o.Edge
		e.RTMPListen = "127.0.0.1:0"
		o.Edge = &e
	}
	n, err := node.Start(node.Config{
		Store: st, Logger: log, Version: "test", OriginSuffixes: o.Service.OriginSuffixes, Signers: o.Service.Signers,
		API: &node.API{Listen: "127.0.0.1:0", Auth: o.Auth, Service: o.Service, RequestTimeout: o.RequestTimeout,
			DeployDelay: o.DeployDelay, EdgeLive: o.EdgeLive, Mounts: o.Mounts},
		Edge: o.Edge,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // no grace: close every connection at once
		n.Shutdown(ctx)
	})
	return &Server{URL: "http://" + n.Addr(node.ListenerAPI), Service: n.Service(), Store: st, Node: n, Accounts: reg}
}

// Get fetches url and returns the status and body.
func Get(t testing.TB, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Client returns a CloudFront client for endpoint with static credentials.
func Client(endpoint, accessKey, secret string) *cloudfront.Client {
	return cloudfront.New(cloudfront.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secret, ""),
		Retryer:      aws.NopRetryer{},
	})
}

// Client returns a CloudFront client for s with dummy credentials (open mode).
func (s *Server) Client() *cloudfront.Client { return Client(s.URL, "AKIDEXAMPLE", "secret") }

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds cmd/streamfront once per test process and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "streamfront-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "streamfront")
		cmd := exec.Command("go", "build", "-race", "-o", binPath, "github.com/streamfront/streamfront/cmd/streamfront")
		if !raceEnabled {
			cmd = exec.Command("go", "build", "-o", binPath, "github.com/streamfront/streamfront/cmd/streamfront")
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// Proc is a streamfront child process.
type Proc struct {
	Cmd *exec.Cmd
	URL string
}

// FreeAddr returns a loopback address that was free a moment ago.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// StartProc runs `streamfront <args...>` listening on listen (an address from
// FreeAddr) and waits for /_streamfront/health. It is killed when the test ends.
// A serve gets EdgePorts.
func StartProc(t testing.TB, listen string, args ...string) *Proc {
	t.Helper()
	args = EdgePorts(args)
	cmd := exec.Command(Binary(t), args...)
	cmd.Stdout = io.Discard
	LogOnFailure(t, cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &Proc{Cmd: cmd, URL: "http://" + listen}
	t.Cleanup(func() { p.Kill() })
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(p.URL + "/_streamfront/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server %v did not become healthy: %v", args, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// EdgePorts gives a `serve` command line that names no --rtmp-listen or
// --http-listen loopback ports the kernel picks: serve runs its edge by
// default, and parallel tests cannot share 1935 and 8080.
func EdgePorts(args []string) []string {
	if len(args) == 0 || args[0] != "serve" {
		return args
	}
	for _, flag := range []string{"--rtmp-listen", "--http-listen"} {
		if !slices.ContainsFunc(args, func(a string) bool { return a == flag || strings.HasPrefix(a, flag+"=") }) {
			args = append(args, flag, "127.0.0.1:0")
		}
	}
	return args
}

// LogOnFailure keeps the last 64 KiB of cmd's stderr (its logs) and prints
// them if t fails, so that a failure seen only in CI shows what the server
// said; with -v they go to stderr as they come. Call it before cmd.Start and
// register the cleanup that kills cmd after it, so the process has exited
// (and its output is complete) when the tail is printed.
func LogOnFailure(t testing.TB, cmd *exec.Cmd) {
	if testing.Verbose() {
		cmd.Stderr = os.Stderr
		return
	}
	tail := &LogBuffer{Max: 64 << 10}
	cmd.Stderr = tail
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("stderr of %v (last %d KiB):\n%s", cmd.Args, tail.Max>>10, tail.String())
		}
	})
}

// Kill sends SIGKILL and waits for the process to exit.
func (p *Proc) Kill() {
	if p.Cmd.ProcessState == nil {
		p.Cmd.Process.Kill()
		p.Cmd.Wait()
	}
}

// Require is testtool.Require: it skips the test when cmd is not
// installed, or fails it under STREAMFRONT_REQUIRE_ALL=1.
var Require = testtool.Require

// WaitDeployed runs the SDK's StreamingDistributionDeployed waiter, polling
// every 20–100 ms instead of its 60 s, for at most 30 s.
func WaitDeployed(t testing.TB, c *cloudfront.Client, id string) {
	t.Helper()
	w := cloudfront.NewStreamingDistributionDeployedWaiter(c, func(o *cloudfront.StreamingDistributionDeployedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 100*time.Millisecond
	})
	if err := w.Wait(context.Background(), &cloudfront.GetStreamingDistributionInput{Id: aws.String(id)}, 30*time.Second); err != nil {
		t.Fatalf("waiting for %s to be Deployed: %v", id, err)
	}
}

// DistConfig is an enabled StreamingDistributionConfig with only the members
// the model requires: an S3 origin of bucket "media", no OAI, no aliases,
// trusted signers off. Tests set what they are about on the copy it returns.
func DistConfig(ref string) *types.StreamingDistributionConfig {
	return &types.StreamingDistributionConfig{
		CallerReference: aws.String(ref),
		S3Origin:        &types.S3Origin{DomainName: aws.String("media.s3.amazonaws.com"), OriginAccessIdentity: aws.String("")},
		Comment:         aws.String(""),
		TrustedSigners:  &types.TrustedSigners{Enabled: aws.Bool(false), Quantity: aws.Int32(0)},
		Enabled:         aws.Bool(true),
	}
}

// Package node assembles one streamfront process from its parts: the
// CloudFront service over a store, the API on its HTTP listener, the
// deployer, and an RTMP edge that follows the store. `streamfront serve`,
// `streamfront edge` and internal/testenv all build their servers with
// Start, so a test server is the binary's server: the same HTTP timeouts,
// body limit, metrics, request timeout, deployer tick and edge wiring.
//
// To add a listener, give its part (API or Edge) a field with the address,
// name it with a Listener constant, and bind it in that part's start
// function: an HTTP listener of the edge (RTMPT; HTTP delivery the same
// way) with n.listen and n.serveEdgeHTTP, which Shutdown closes after the
// RTMP drain; another HTTP listener with n.serveHTTP; anything else with
// n.listen. To add a handler on the API listener (e.g. a web console), pass
// it in API.Mounts.
package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	cf "github.com/streamfront/streamfront/internal/cloudfront"
	"github.com/streamfront/streamfront/internal/metrics"
	"github.com/streamfront/streamfront/internal/store"
)

// Config is one process: a nil API or Edge leaves that part out.
type Config struct {
	// Store is opened by the caller, and closed by it after Shutdown.
	Store store.Store
	// Logger receives the request log and the parts' logs; default: discard.
	Logger *slog.Logger
	// Version is reported as streamfront_build_info.
	Version string
	// OriginSuffixes are the extra S3 origin domain suffixes
	// (--origin-suffixes): the API validates origins with them, the edge
	// reads buckets with them.
	OriginSuffixes []string
	// Signers knows the accounts and their CloudFront key pairs: the API
	// validates TrustedSigners with it and the edge verifies signed plays.
	// Default: the open-mode account 123456789012 without key pairs.
	Signers cf.Signers
	API     *API  // nil: no API and no deployer (`streamfront edge`)
	Edge    *Edge // nil: no RTMP edge
	// MetricsListen, when set, serves Prometheus /metrics on a listener of
	// its own (the API listener serves it anyway).
	MetricsListen string
}

// Names of a node's listeners, for Addr.
const (
	ListenerAPI     = "api"
	ListenerRTMP    = "rtmp"
	ListenerRTMPT   = "rtmpt"
	ListenerHTTP    = "http" // the edge's HTTP delivery
	ListenerMetrics = "metrics"
)

// Node is a running process. Stop it with Shutdown.
type Node struct {
	cfg     Config
	log     *slog.Logger
	metrics *metrics.Registry
	service *cf.Service // nil without API

	// ctx ends the background loops (deployer, edge follower) at Shutdown.
	ctx    context.Context
	cancel context.CancelFunc
	loops  sync.WaitGroup

	api         *http.Server // nil without API
	edge        *edgePart    // nil without Edge
	metricsHTTP *http.Server // nil without MetricsListen

	mu     sync.Mutex
	addrs  map[string]string
	failed chan error // the first listener that stopped by itself
}

// Start starts every configured part. On error nothing is left running.
func Start(cfg Config) (*Node, error) {
	if cfg.Store == nil {
		return nil, errors.New("node: no store")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Signers == nil {
		cfg.Signers = cf.SingleAccount{ID: "123456789012"}
	}
	n := &Node{cfg: cfg, log: cfg.Logger, metrics: metrics.New(cfg.Version),
		addrs: map[string]string{}, failed: make(chan error, 1)}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	if err := n.start(); err != nil {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // stop at once: nothing was served yet
		n.Shutdown(ctx)
		return nil, err
	}
	return n, nil
}

func (n *Node) start() error {
	if n.cfg.API != nil {
		if err := n.startAPI(n.cfg.API); err != nil {
			return err
		}
	}
	if n.cfg.Edge != nil {
		if err := n.startEdge(*n.cfg.Edge); err != nil {
			return err
		}
	}
	if n.cfg.MetricsListen != "" {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", n.metrics.Handler())
		n.metricsHTTP = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		if err := n.serveHTTP(ListenerMetrics, n.cfg.MetricsListen, n.metricsHTTP); err != nil {
			return err
		}
	}
	return nil
}

// Service is the CloudFront service of the API part (nil without one).
func (n *Node) Service() *cf.Service { return n.service }

// Metrics is the node's Prometheus registry.
func (n *Node) Metrics() *metrics.Registry { return n.metrics }

// Addr is the address a listener (ListenerAPI, …) is bound to, "" if the
// node has none of that name.
func (n *Node) Addr(listener string) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.addrs[listener]
}

// Failed receives the error of a listener that stopped serving by itself;
// the caller should then Shutdown.
func (n *Node) Failed() <-chan error { return n.failed }

func (n *Node) fail(err error) {
	select {
	case n.failed <- err:
	default:
	}
}

// listen binds a listener of the given name.
func (n *Node) listen(name, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s listener: %w", name, err)
	}
	n.mu.Lock()
	n.addrs[name] = ln.Addr().String()
	n.mu.Unlock()
	return ln, nil
}

// serveHTTP binds the listener name on addr and serves srv there (over TLS
// when srv has a TLSConfig) until srv is shut down or closed.
func (n *Node) serveHTTP(name, addr string, srv *http.Server) error {
	ln, err := n.listen(name, addr)
	if err != nil {
		return err
	}
	n.serveOn(name, ln, srv)
	return nil
}

// serveOn serves srv on the bound listener name; a failure other than
// srv's end reaches Failed.
func (n *Node) serveOn(name string, ln net.Listener, srv *http.Server) {
	go func() {
		serve := srv.Serve
		if srv.TLSConfig != nil { // its GetCertificate or Certificates: no files to name
			serve = func(ln net.Listener) error { return srv.ServeTLS(ln, "", "") }
		}
		if err := serve(ln); !errors.Is(err, http.ErrServerClosed) {
			n.fail(fmt.Errorf("%s listener: %w", name, err))
		}
	}()
}

// Shutdown stops the node: the API finishes its requests while the edge
// drains its viewers (both until ctx ends, the edge at most its
// DrainTimeout), then the edge stores its access logs and the background
// loops stop. It returns ctx's error if something had to be cut off.
func (n *Node) Shutdown(ctx context.Context) error {
	var apiErr, edgeErr error
	var wg sync.WaitGroup
	if n.api != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if apiErr = n.api.Shutdown(ctx); apiErr != nil {
				n.api.Close()
			}
		}()
	}
	if n.edge != nil {
		edgeErr = n.edge.stop(ctx)
	}
	wg.Wait()
	n.cancel()
	n.loops.Wait()
	if n.metricsHTTP != nil {
		n.metricsHTTP.Close()
	}
	return errors.Join(apiErr, edgeErr)
}

package main

import (
	"context"
	"flag"
	"fmt"
	"os/signal"
	"syscall"
	"time"

	"github.com/streamfront/streamfront/internal/console"
	"github.com/streamfront/streamfront/internal/edge"
	"github.com/streamfront/streamfront/internal/node"
)

// serveFlags are the flags of `serve` only: the API and the deployer. The
// groups it shares with `edge` are in flags.go, store.go and edgeflags.go.
type serveFlags struct {
	listen           string
	insecureOpen     bool
	deployDelay      time.Duration
	edgeLive         time.Duration
	maxDistributions int
	domainSuffix     string
	maxBody          int64
	headerTimeout    time.Duration
	idleTimeout      time.Duration
	requestTimeout   time.Duration
	tls              tlsFlags
	console          bool
	edge             bool
}

func (f *serveFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.listen, "listen", "127.0.0.1:4580", "API listen address")
	fs.BoolVar(&f.insecureOpen, "insecure-open", false, "allow open mode (no authentication) on a non-loopback --listen address")
	fs.DurationVar(&f.deployDelay, "deploy-delay", node.DefaultDeployDelay, "time before a new configuration counts as Deployed")
	fs.DurationVar(&f.edgeLive, "edge-live", node.DefaultEdgeLive, "an edge silent this long no longer holds deployments back")
	fs.IntVar(&f.maxDistributions, "max-distributions", 100, "streaming distributions quota per account")
	fs.StringVar(&f.domainSuffix, "domain-suffix", "cloudfront.net", "suffix of distribution domain names")
	fs.Int64Var(&f.maxBody, "max-body", node.DefaultMaxBody, "largest accepted API request body in bytes")
	fs.DurationVar(&f.headerTimeout, "read-header-timeout", node.DefaultReadHeaderTimeout, "time a client has to send request headers (slowloris guard)")
	fs.DurationVar(&f.idleTimeout, "idle-timeout", node.DefaultIdleTimeout, "keep-alive connections idle longer than this are closed")
	fs.DurationVar(&f.requestTimeout, "request-timeout", node.DefaultRequestTimeout, "longest an API request waits for the store before answering 503 ServiceUnavailable")
	f.tls.register(fs, "the API")
	fs.BoolVar(&f.console, "console", true, "serve the web console at /_streamfront/console/ on the API listener")
	fs.BoolVar(&f.edge, "edge", true, "run the edge (RTMP and HTTP delivery) beside the API; --edge=false for an API-only node")
}

func (f *serveFlags) validate() error {
	switch {
	case f.deployDelay < 0:
		return fmt.Errorf("--deploy-delay must not be negative")
	case f.edgeLive < 2*edge.HeartbeatEvery:
		return fmt.Errorf("--edge-live must be at least %v (edges heart-beat every %v)", 2*edge.HeartbeatEvery, edge.HeartbeatEvery)
	case f.maxDistributions < 1:
		return fmt.Errorf("--max-distributions must be at least 1")
	case f.maxBody < 1024 || f.headerTimeout <= 0 || f.idleTimeout <= 0:
		return fmt.Errorf("--max-body must be at least 1024 and timeouts positive")
	case f.requestTimeout <= 0:
		return fmt.Errorf("--request-timeout must be positive")
	}
	return f.tls.validate()
}

// api is the node's API part for sec's authentication and quotas.
func (f *serveFlags) api(sec *security) *node.API {
	a := &node.API{Listen: f.listen, Auth: sec.auth, MaxBody: f.maxBody,
		ReadHeaderTimeout: f.headerTimeout, IdleTimeout: f.idleTimeout, RequestTimeout: f.requestTimeout,
		DeployDelay: f.deployDelay, EdgeLive: f.edgeLive}
	a.Service.MaxDistributions, a.Service.DomainSuffix, a.Service.Quotas = f.maxDistributions, f.domainSuffix, sec.quotas
	return a
}

// serveFlagSet declares every flag of `streamfront serve`.
func serveFlagSet() (*flag.FlagSet, *serveFlags, *commonFlags) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var f serveFlags
	var c commonFlags
	f.register(fs)
	c.register(fs)
	return fs, &f, &c
}

func serve(args []string) error {
	fs, f, c := serveFlagSet()
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := f.validate(); err != nil {
		return err
	}
	if err := c.validate(); err != nil {
		return err
	}
	if f.edge {
		if err := c.edge.defaultOrigin(c.store.dataDir); err != nil {
			return err
		}
	} else if c.edge.enabled() {
		return fmt.Errorf("--edge=false runs no edge: drop --origin-dir/--origin-endpoint")
	}
	if err := checkOpenMode(&c.keys, f.listen, f.insecureOpen); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tlsConfig, err := f.tls.start(ctx, c.log.logger())
	if err != nil {
		return err
	}
	if err := c.edge.startTLS(ctx, c.log.logger()); err != nil {
		return err
	}
	cfg := func(sec *security) node.Config {
		cfg := c.nodeConfig(sec)
		cfg.API = f.api(sec)
		cfg.API.TLS = tlsConfig
		if f.console {
			cfg.API.Mounts = append(cfg.API.Mounts, consoleMount(c))
		}
		return cfg
	}
	return runNode(c, ownerStore, cfg)
}

// consoleMount is the web console on the API listener; the page learns
// the mode and the edge addresses from it.
func consoleMount(c *commonFlags) node.Mount {
	o := console.Options{Secure: c.keys.accounts != ""}
	if c.edge.enabled() {
		o.RTMPEdge = c.edge.rtmpListen
		if c.edge.httpListen != "off" {
			o.HTTPEdge, o.HTTPEdgeTLS = c.edge.httpListen, c.edge.httpTLS.cert != ""
		}
	}
	return node.Mount{Prefix: console.Path, Handler: console.Handler(o)}
}

// runNode loads the keys, opens the store (as its owner for an API node),
// starts the node cfg describes and runs it until SIGINT or SIGTERM (SIGHUP
// reloads the keys).
func runNode(c *commonFlags, role storeRole, cfg func(*security) node.Config) error {
	log := c.log.logger()
	sec, err := c.keys.load(log)
	if err != nil {
		return err
	}
	st, storeDesc, err := c.store.open(context.Background(), role)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go sec.watch(ctx)

	nc := cfg(sec)
	nc.Store, nc.Logger = st, log
	n, err := node.Start(nc)
	if err != nil {
		return err
	}
	log.Info("streamfront started", "store", storeDesc, "version", Version)
	var failed error
	select {
	case failed = <-n.Failed():
	case <-ctx.Done():
	}
	log.Info("shutting down")
	// In-flight API requests get up to 30 s; RTMP viewers their
	// --rtmp-drain-timeout, even a longer one.
	shutCtx, cancel := context.WithTimeout(context.Background(), max(30*time.Second, c.edge.limits.drainTimeout))
	defer cancel()
	if err := n.Shutdown(shutCtx); err != nil {
		log.Warn("shutdown", "err", err)
	}
	return failed
}

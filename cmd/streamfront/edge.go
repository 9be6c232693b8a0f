package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	cf "github.com/streamfront/streamfront/internal/cloudfront"

	"github.com/streamfront/streamfront/internal/edge"
	"github.com/streamfront/streamfront/internal/edge/origin"
	"github.com/streamfront/streamfront/internal/metrics"
	"github.com/streamfront/streamfront/internal/store"
)

// edgeFlags configure the RTMP edge of `serve` (and of `edge`).
type edgeFlags struct {
	rtmpListen     string
	originDir      string
	originEndpoint string
	originAccess   string
	originSecret   string
	originRegion   string
	cacheBytes     int64
	edgeLive       time.Duration
	hooks          edgeHookFlags
	limits         edgeLimitFlags
}

func (f *edgeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.rtmpListen, "rtmp-listen", "127.0.0.1:1935", "RTMP edge listen address (the edge runs when an origin is configured)")
	fs.StringVar(&f.originDir, "origin-dir", "", "serve origins from this directory: bucket = sub-directory")
	fs.StringVar(&f.originEndpoint, "origin-endpoint", "", "serve origins from this S3-compatible endpoint URL (path-style)")
	fs.StringVar(&f.originAccess, "origin-access-key", "", "access key of --origin-endpoint")
	fs.StringVar(&f.originSecret, "origin-secret-key", "", "secret key of --origin-endpoint")
	fs.StringVar(&f.originRegion, "origin-region", "us-east-1", "signing region of --origin-endpoint")
	fs.DurationVar(&f.edgeLive, "edge-live", 5*time.Second, "an edge silent this long no longer holds deployments back")
	fs.Int64Var(&f.cacheBytes, "origin-cache-bytes", 256<<20, "bytes of origin objects the edge keeps in memory")
	f.hooks.register(fs)
	f.limits.register(fs)
}

// enabled reports whether an origin is configured, and so whether to run an edge.
func (f *edgeFlags) enabled() bool { return f.originDir != "" || f.originEndpoint != "" }

func (f *edgeFlags) validate() error {
	if f.edgeLive < 2*edge.HeartbeatEvery {
		return fmt.Errorf("--edge-live must be at least %v (edges heart-beat every %v)", 2*edge.HeartbeatEvery, edge.HeartbeatEvery)
	}
	return f.limits.validate()
}

func (f *edgeFlags) origin() (origin.Origin, error) {
	if f.cacheBytes < origin.DefaultBlockSize {
		return nil, fmt.Errorf("--origin-cache-bytes must be at least %d", origin.DefaultBlockSize)
	}
	switch {
	case f.originDir != "" && f.originEndpoint != "":
		return nil, fmt.Errorf("use one of --origin-dir and --origin-endpoint")
	case f.originEndpoint != "":
		u, err := url.Parse(f.originEndpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("--origin-endpoint must be an http(s) URL, got %q", f.originEndpoint)
		}
		return origin.NewS3(origin.S3Config{Endpoint: f.originEndpoint, AccessKey: f.originAccess,
			SecretKey: f.originSecret, Region: f.originRegion}), nil
	}
	return origin.Dir{Root: f.originDir}, nil
}

// edgePoll is how often edges poll the store for changed distributions.
const edgePoll = 250 * time.Millisecond

// deployGate deploys a version once --deploy-delay has passed and every live
// edge (heard from within --edge-live; of this process or any `streamfront edge` sharing the store) has
// applied it.
func deployGate(st store.Store, delay, live time.Duration) cf.DeployGate {
	return edge.AllGates(cf.DelayGate(delay, time.Now), edge.EdgeGate(st, live, time.Now))
}

// startEdge starts an RTMP edge on --rtmp-listen serving st's distributions
// and following their changes until ctx ends. The returned function drains
// its viewers (--rtmp-drain-timeout) and waits for its connections to end.
func startEdge(ctx context.Context, f *edgeFlags, st store.Store, originSuffixes []string, log *slog.Logger, reg prometheus.Registerer) (stop func(), err error) {
	o, err := f.origin()
	if err != nil {
		return nil, err
	}
	hooks, extras, err := f.hooks.build(f, originSuffixes, log)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", f.rtmpListen)
	if err != nil {
		extras.stop()
		return nil, err
	}
	id := edgeID()
	follower := edge.NewFollower(st, originSuffixes, id, edgePoll, log)
	ctx, cancel := context.WithCancel(ctx)
	followed := make(chan struct{})
	go func() { defer close(followed); follower.Run(ctx) }()
	cache := origin.NewCache(o, f.cacheBytes, 0)
	cfg := edge.Config{Router: follower, Origin: cache, Logger: log, Metrics: edge.NewMetrics(reg, cache), Hooks: hooks}
	f.limits.apply(&cfg)
	srv := edge.New(cfg)
	go srv.Serve(ln)
	if err := extras.serveRTMPT(f.hooks.rtmptListen, srv); err != nil {
		srv.Close()
		extras.stop()
		cancel()
		<-followed
		return nil, err
	}
	log.Info("rtmp edge listening", "rtmp", "rtmp://"+ln.Addr().String()+"/"+edge.App, "edge_id", id,
		"origin", f.originDir+f.originEndpoint)
	return func() {
		if err := f.limits.drain(srv); err != nil {
			log.Warn("rtmp viewers still connected at the end of --rtmp-drain-timeout were closed", "err", err)
		}
		extras.stop()
		cancel()
		<-followed
	}, nil
}

// edgeID names this edge in heartbeats: host, process and a random part, so
// a restarted edge is a new one and the old one ages out.
func edgeID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// edgeCmd is `streamfront edge`: an RTMP edge alone, following the store of
// the API nodes (the same PostgreSQL --store, or SQLite --data-dir).
func edgeCmd(args []string) error {
	fs := flag.NewFlagSet("edge", flag.ContinueOnError)
	var sf serveFlags
	fs.StringVar(&sf.dataDir, "data-dir", "./streamfront-data", "directory of the SQLite database shared with the API")
	fs.StringVar(&sf.store, "store", "", "postgres://… URL of the PostgreSQL database shared with the API")
	fs.StringVar(&sf.originSuffixes, "origin-suffixes", "", "as the API's --origin-suffixes")
	fs.StringVar(&sf.logFormat, "log-format", "text", "log format: text or json")
	metricsListen := fs.String("metrics-listen", "", "serve Prometheus /metrics on this address (default: off)")
	var ef edgeFlags
	ef.register(fs)
	var kf edgeKeyFlags
	kf.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !ef.enabled() {
		return fmt.Errorf("an origin is required: --origin-dir or --origin-endpoint")
	}
	if err := ef.validate(); err != nil {
		return err
	}
	log := newLogger(sf.logFormat)
	sec, err := kf.security(log)
	if err != nil {
		return err
	}
	ef.hooks.signers = sec.signers
	ef.hooks.dataDir = sf.dataDir
	st, storeDesc, err := openStore(context.Background(), &sf)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	go sec.watch(ctx)
	reg := metrics.New(Version)
	stop, err := startEdge(ctx, &ef, st, splitList(sf.originSuffixes), log, reg)
	if err != nil {
		return err
	}
	if *metricsListen != "" {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", reg.Handler())
		ms := &http.Server{Addr: *metricsListen, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		ln, err := net.Listen("tcp", *metricsListen)
		if err != nil {
			stop()
			return err
		}
		go ms.Serve(ln)
		defer ms.Close()
	}
	log.Info("streamfront edge following", "store", storeDesc, "version", Version)
	<-ctx.Done()
	log.Info("shutting down")
	stop()
	return nil
}

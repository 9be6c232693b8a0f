package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/streamfront/streamfront/internal/api"
	cf "github.com/streamfront/streamfront/internal/cloudfront"
	"github.com/streamfront/streamfront/internal/console"
	"github.com/streamfront/streamfront/internal/metrics"
)

type serveFlags struct {
	listen           string
	dataDir          string
	store            string
	accountID        string
	deployDelay      time.Duration
	maxDistributions int
	originSuffixes   string
	domainSuffix     string
	logFormat        string
	maxBody          int64
	headerTimeout    time.Duration
	idleTimeout      time.Duration
	requestTimeout   time.Duration
	console          bool
	auth             authFlags
}

func (f *serveFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.listen, "listen", "127.0.0.1:4580", "API listen address")
	fs.StringVar(&f.dataDir, "data-dir", "./streamfront-data", "directory of the embedded SQLite database")
	fs.StringVar(&f.store, "store", "", "postgres://… URL of a PostgreSQL database shared by several nodes (default: SQLite in --data-dir)")
	fs.StringVar(&f.accountID, "account-id", "123456789012", "account id of open (single-account) mode")
	fs.DurationVar(&f.deployDelay, "deploy-delay", 2*time.Second, "time before a new configuration counts as Deployed")
	fs.IntVar(&f.maxDistributions, "max-distributions", 100, "streaming distributions quota per account")
	fs.StringVar(&f.originSuffixes, "origin-suffixes", "", "comma-separated extra S3 origin domain suffixes (e.g. s3.local)")
	fs.StringVar(&f.domainSuffix, "domain-suffix", "cloudfront.net", "suffix of distribution domain names")
	fs.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
	fs.Int64Var(&f.maxBody, "max-body", 1<<20, "largest accepted API request body in bytes")
	fs.DurationVar(&f.headerTimeout, "read-header-timeout", 10*time.Second, "time a client has to send request headers (slowloris guard)")
	fs.DurationVar(&f.idleTimeout, "idle-timeout", 120*time.Second, "keep-alive connections idle longer than this are closed")
	fs.DurationVar(&f.requestTimeout, "request-timeout", api.DefaultRequestTimeout, "longest an API request waits for the store before answering 503 ServiceUnavailable")
	fs.BoolVar(&f.console, "console", true, "serve the web console at /_streamfront/console/ on the API listener")
	f.auth.register(fs)
}

var accountIDRE = regexp.MustCompile(`^[0-9]{12}$`)

func (f *serveFlags) validate() error {
	if !accountIDRE.MatchString(f.accountID) {
		return fmt.Errorf("--account-id must be 12 digits, got %q", f.accountID)
	}
	if f.deployDelay < 0 {
		return fmt.Errorf("--deploy-delay must not be negative")
	}
	if f.maxDistributions < 1 {
		return fmt.Errorf("--max-distributions must be at least 1")
	}
	if f.maxBody < 1024 || f.headerTimeout <= 0 || f.idleTimeout <= 0 {
		return fmt.Errorf("--max-body must be at least 1024 and timeouts positive")
	}
	if f.requestTimeout <= 0 {
		return fmt.Errorf("--request-timeout must be positive")
	}
	if f.logFormat != "text" && f.logFormat != "json" {
		return fmt.Errorf("--log-format must be text or json")
	}
	return nil
}

func newLogger(format string) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, nil))
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var f serveFlags
	f.register(fs)
	var ef edgeFlags
	ef.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := f.validate(); err != nil {
		return err
	}
	if err := ef.validate(); err != nil {
		return err
	}
	log := newLogger(f.logFormat)
	sec, authErr := f.auth.setup(f.accountID, f.listen, log)
	if authErr != nil {
		return authErr
	}

	st, storeDesc, err := openStore(context.Background(), &f)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()

	reg := metrics.New(Version)
	svc := cf.NewService(reg.InstrumentStore(st), cf.Options{
		MaxDistributions: f.maxDistributions,
		OriginSuffixes:   splitList(f.originSuffixes),
		DomainSuffix:     f.domainSuffix,
		Signers:          sec.signers,
		Quotas:           sec.quotas,
		Logger:           log,
	})
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go sec.watch(ctx)

	deployerDone := make(chan struct{})
	go func() {
		defer close(deployerDone)
		svc.RunDeployer(ctx, cf.DeployTick(f.deployDelay), deployGate(st, f.deployDelay, ef.edgeLive))
	}()

	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return err
	}
	readTimeout := f.headerTimeout + 50*time.Second // headers and body
	var handler http.Handler = api.New(api.Config{Service: svc, Auth: sec.auth, Logger: log, MaxBody: f.maxBody,
		Observe: reg.ObserveRequest, Metrics: reg.Handler(), RequestTimeout: f.requestTimeout})
	if f.console {
		handler = console.Mount(handler, consoleOptions(&f, &ef))
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: f.headerTimeout,
		ReadTimeout:       readTimeout,
		// Counted from the headers: room for the body, the store work and
		// the answer, so that a request that runs out of --request-timeout
		// still gets its 503.
		WriteTimeout:   readTimeout + f.requestTimeout + 10*time.Second,
		IdleTimeout:    f.idleTimeout,
		MaxHeaderBytes: 64 << 10,
	}
	log.Info("streamfront listening", "api", "http://"+ln.Addr().String(), "store", storeDesc, "version", Version)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	// stopEdge drains RTMP viewers and flushes access logs; once, whichever
	// way serve returns.
	stopEdge := func() {}
	if ef.enabled() {
		ef.hooks.signers = sec.signers
		ef.hooks.dataDir = f.dataDir
		stop, err := startEdge(ctx, &ef, st, splitList(f.originSuffixes), log, reg)
		if err != nil {
			return err
		}
		stopEdge = sync.OnceFunc(stop)
		defer stopEdge()
	}

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	// The RTMP edge drains its viewers while the API finishes its requests.
	edgeDone := make(chan struct{})
	go func() { defer close(edgeDone); stopEdge() }()
	shutCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("shutdown", "err", err)
	}
	<-edgeDone
	<-deployerDone
	return nil
}

// consoleOptions tells the console page the mode and the edge addresses.
func consoleOptions(f *serveFlags, ef *edgeFlags) console.Options {
	o := console.Options{Secure: f.auth.accounts != ""}
	if ef.enabled() {
		o.RTMPEdge = ef.rtmpListen
	}
	return o
}

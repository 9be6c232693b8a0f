package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/streamfront/streamfront/internal/auth"
	cf "github.com/streamfront/streamfront/internal/cloudfront"
	"github.com/streamfront/streamfront/internal/edge"
	"github.com/streamfront/streamfront/internal/edge/accesslog"
	"github.com/streamfront/streamfront/internal/edge/edgehooks"
	"github.com/streamfront/streamfront/internal/edge/origin"
	"github.com/streamfront/streamfront/internal/edge/rtmpt"
)

// edgeHookFlags configure what the edge makes of a distribution's
// TrustedSigners and Logging, and the RTMPT listener.
type edgeHookFlags struct {
	rtmptListen  string
	logInterval  time.Duration
	edgeLocation string
	logSpool     string
	// dataDir holds the access-log spool unless --access-log-spool names
	// another directory.
	dataDir string
	// signers verify signed stream names: serve's key pairs (--accounts or
	// --key-pairs). Nil refuses every play of a distribution with trusted
	// signers.
	signers cf.Signers
}

func (f *edgeHookFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.rtmptListen, "rtmpt-listen", "", "serve RTMPT (RTMP tunnelled in HTTP, as CloudFront did on port 80) on this address (default: off)")
	fs.DurationVar(&f.logInterval, "access-log-interval", time.Minute, "how often access logs are written to logging buckets (and at shutdown)")
	fs.StringVar(&f.edgeLocation, "edge-location", "SFE1", "x-edge-location written in access logs")
	fs.StringVar(&f.logSpool, "access-log-spool", "", "directory keeping access-log events until stored, so a killed process loses none; \"off\" keeps them in memory only (default <data-dir>/accesslog-spool)")
}

// spoolDir resolves --access-log-spool: "" for off.
func (f *edgeHookFlags) spoolDir() string {
	switch f.logSpool {
	case "off":
		return ""
	case "":
		return filepath.Join(f.dataDir, "accesslog-spool")
	}
	return f.logSpool
}

// edgeExtras run beside the RTMP server: the access-log writer and the
// RTMPT listener.
type edgeExtras struct {
	logs  *accesslog.Writer
	rtmpt *http.Server
	log   *slog.Logger
}

// build returns the edge's hooks. Access logs go to the same backend as
// the origins: logging bucket = sub-directory of --origin-dir, or a bucket
// of --origin-endpoint.
func (f *edgeHookFlags) build(ef *edgeFlags, originSuffixes []string, log *slog.Logger) (edge.Hooks, *edgeExtras, error) {
	if f.logInterval <= 0 {
		return edge.Hooks{}, nil, fmt.Errorf("--access-log-interval must be positive")
	}
	var sink accesslog.Sink = accesslog.DirSink{Root: ef.originDir}
	if ef.originEndpoint != "" {
		sink = &accesslog.S3Sink{Client: origin.NewS3Client(origin.S3Config{Endpoint: ef.originEndpoint,
			AccessKey: ef.originAccess, SecretKey: ef.originSecret, Region: ef.originRegion})}
	}
	logs, err := accesslog.New(accesslog.Options{Sink: sink, FlushInterval: f.logInterval,
		EdgeLocation: f.edgeLocation, SpoolDir: f.spoolDir(), Logger: log})
	if err != nil {
		return edge.Hooks{}, nil, fmt.Errorf("--access-log-spool: %w", err)
	}
	x := &edgeExtras{log: log, logs: logs}
	hooks := edgehooks.New(edgehooks.Config{Signers: f.signers, AccessLog: x.logs, OriginSuffixes: originSuffixes, Logger: log})
	return hooks, x, nil
}

// serveRTMPT serves srv's RTMP sessions tunnelled in HTTP on addr.
func (x *edgeExtras) serveRTMPT(addr string, srv *edge.Server) error {
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--rtmpt-listen: %w", err)
	}
	tunnel := rtmpt.New(ln.Addr(), rtmpt.Options{})
	x.rtmpt = &http.Server{Handler: tunnel, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go x.rtmpt.Serve(ln)
	go srv.Serve(tunnel) // srv.Close closes the tunnel with its other listeners
	x.log.Info("rtmpt edge listening", "rtmpt", "rtmpt://"+ln.Addr().String()+"/"+edge.App)
	return nil
}

// stop ends RTMPT and stores the buffered access logs. Call it after the
// RTMP server's Close, so the disconnect events are in the logs.
func (x *edgeExtras) stop() {
	if x.rtmpt != nil {
		x.rtmpt.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := x.logs.Close(ctx); err != nil && !errors.Is(err, accesslog.ErrClosed) {
		x.log.Error("access logs lost at shutdown", "err", err)
	}
}

// edgeKeyFlags locate the CloudFront key pairs of a standalone edge
// (`streamfront edge`), which has no API flags: the same files as serve's
// --accounts (secure mode) or --key-pairs (open mode).
type edgeKeyFlags struct {
	accounts, keyPairs, accountID string
}

func (k *edgeKeyFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&k.accounts, "accounts", "", "the API's accounts file: key pairs of every account verify signed plays")
	fs.StringVar(&k.keyPairs, "key-pairs", "", "the API's open-mode key-pairs file")
	fs.StringVar(&k.accountID, "account-id", "123456789012", "the open-mode account of --key-pairs")
}

// security loads the key pairs; without a file signed plays are refused.
func (k *edgeKeyFlags) security(log *slog.Logger) (*security, error) {
	switch {
	case k.accounts != "" && k.keyPairs != "":
		return nil, errors.New("use one of --accounts and --key-pairs")
	case k.accounts != "":
		reg, err := auth.Load(k.accounts, log)
		if err != nil {
			return nil, err
		}
		return &security{signers: reg, registry: reg}, nil
	case k.keyPairs != "":
		reg, err := auth.LoadOpen(k.keyPairs, k.accountID, log)
		if err != nil {
			return nil, err
		}
		return &security{signers: reg, registry: reg}, nil
	}
	return &security{signers: cf.SingleAccount{ID: k.accountID}}, nil
}

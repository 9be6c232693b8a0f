package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

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
	// signers verify signed stream names: serve's key pairs (--accounts or
	// --key-pairs). Nil refuses every play of a distribution with trusted
	// signers.
	signers cf.Signers
}

func (f *edgeHookFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.rtmptListen, "rtmpt-listen", "", "serve RTMPT (RTMP tunnelled in HTTP, as CloudFront did on port 80) on this address (default: off)")
	fs.DurationVar(&f.logInterval, "access-log-interval", time.Minute, "how often access logs are written to logging buckets (and at shutdown)")
	fs.StringVar(&f.edgeLocation, "edge-location", "SFE1", "x-edge-location written in access logs")
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
	x := &edgeExtras{log: log, logs: accesslog.New(accesslog.Options{
		Sink: sink, FlushInterval: f.logInterval, EdgeLocation: f.edgeLocation, Logger: log})}
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

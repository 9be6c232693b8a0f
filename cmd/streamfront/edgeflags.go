package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/streamfront/streamfront/internal/edge"
	"github.com/streamfront/streamfront/internal/edge/accesslog"
	"github.com/streamfront/streamfront/internal/edge/origin"
	"github.com/streamfront/streamfront/internal/node"
)

// edgeFlags configure the edge (RTMP and HTTP delivery) of `serve` and of `edge`.
type edgeFlags struct {
	rtmpListen     string
	rtmptListen    string
	originDir      string
	originEndpoint string
	originAccess   string
	originSecret   string
	originRegion   string
	cacheBytes     int64
	httpListen     string
	httpTLS        tlsFlags
	httpTLSConfig  *tls.Config // set by startTLS
	segment        time.Duration
	accessLog      accessLogFlags
	limits         edgeLimitFlags
}

func (f *edgeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.rtmpListen, "rtmp-listen", "127.0.0.1:1935", "RTMP edge listen address (the edge runs when an origin is configured)")
	fs.StringVar(&f.rtmptListen, "rtmpt-listen", "", "serve RTMPT (RTMP tunnelled in HTTP, as CloudFront did on port 80) on this address (default: off)")
	fs.StringVar(&f.httpListen, "http-listen", "127.0.0.1:8080", "HTTP delivery (progressive download, HLS, DASH, /<key>/player) listen address; \"off\" for none")
	f.httpTLS.prefix = "http-"
	f.httpTLS.register(fs, "--http-listen")
	fs.DurationVar(&f.segment, "hls-segment-duration", edge.DefaultSegmentDuration, "target duration of HLS and DASH segments (cut at key frames)")
	fs.StringVar(&f.originDir, "origin-dir", "", "serve origins from this directory: bucket = sub-directory")
	fs.StringVar(&f.originEndpoint, "origin-endpoint", "", "serve origins from this S3-compatible endpoint URL (path-style)")
	fs.StringVar(&f.originAccess, "origin-access-key", "", "access key of --origin-endpoint")
	fs.StringVar(&f.originSecret, "origin-secret-key", "", "secret key of --origin-endpoint")
	fs.StringVar(&f.originRegion, "origin-region", "us-east-1", "signing region of --origin-endpoint")
	fs.Int64Var(&f.cacheBytes, "origin-cache-bytes", node.DefaultCacheBytes, "bytes of origin objects the edge keeps in memory")
	f.accessLog.register(fs)
	f.limits.register(fs)
}

// enabled reports whether an origin is configured, and so whether to run an edge.
func (f *edgeFlags) enabled() bool { return f.originDir != "" || f.originEndpoint != "" }

// startTLS loads the HTTP edge's certificate, re-read on SIGHUP or change
// until ctx ends.
func (f *edgeFlags) startTLS(ctx context.Context, log *slog.Logger) error {
	cfg, err := f.httpTLS.start(ctx, log)
	f.httpTLSConfig = cfg
	return err
}

// defaultOrigin makes <dataDir>/origin the directory origin when none is
// configured, so that serve with no flags runs the edge out of the box.
func (f *edgeFlags) defaultOrigin(dataDir string) error {
	if f.enabled() {
		return nil
	}
	f.originDir = filepath.Join(dataDir, "origin")
	if err := os.MkdirAll(f.originDir, 0o755); err != nil {
		return fmt.Errorf("default origin directory: %w", err)
	}
	return nil
}

func (f *edgeFlags) validate() error {
	switch {
	case f.originDir != "" && f.originEndpoint != "":
		return fmt.Errorf("use one of --origin-dir and --origin-endpoint")
	case f.originEndpoint != "":
		u, err := url.Parse(f.originEndpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--origin-endpoint must be an http(s) URL, got %q", f.originEndpoint)
		}
	}
	if err := f.httpTLS.validate(); err != nil {
		return err
	}
	if f.segment < time.Second {
		return fmt.Errorf("--hls-segment-duration must be at least 1s")
	}
	if f.cacheBytes < origin.DefaultBlockSize {
		return fmt.Errorf("--origin-cache-bytes must be at least %d", origin.DefaultBlockSize)
	}
	if err := f.accessLog.validate(); err != nil {
		return err
	}
	return f.limits.validate()
}

// config is the node's edge part. Access logs go to the same backend as
// the origins: logging bucket = sub-directory of --origin-dir, or a bucket
// of --origin-endpoint; their spool is in dataDir by default.
func (f *edgeFlags) config(dataDir string) *node.Edge {
	var o origin.Origin = origin.Dir{Root: f.originDir}
	var sink accesslog.Sink = accesslog.DirSink{Root: f.originDir}
	if f.originEndpoint != "" {
		s3 := origin.S3Config{Endpoint: f.originEndpoint, AccessKey: f.originAccess,
			SecretKey: f.originSecret, Region: f.originRegion}
		o, sink = origin.NewS3(s3), &accesslog.S3Sink{Client: origin.NewS3Client(s3)}
	}
	e := &node.Edge{RTMPListen: f.rtmpListen, RTMPTListen: f.rtmptListen, Origin: o, CacheBytes: f.cacheBytes,
		AccessLog: f.accessLog.options(sink, dataDir), SegmentDuration: f.segment, HTTPTLS: f.httpTLSConfig}
	if f.httpListen != "off" {
		e.HTTPListen = f.httpListen
	}
	f.limits.apply(e)
	return e
}

package main

import (
	"flag"
	"fmt"
	"net/url"

	"github.com/streamfront/streamfront/internal/edge/accesslog"
	"github.com/streamfront/streamfront/internal/edge/origin"
	"github.com/streamfront/streamfront/internal/node"
)

// edgeFlags configure the RTMP edge of `serve` and of `edge`.
type edgeFlags struct {
	rtmpListen     string
	rtmptListen    string
	originDir      string
	originEndpoint string
	originAccess   string
	originSecret   string
	originRegion   string
	cacheBytes     int64
	accessLog      accessLogFlags
	limits         edgeLimitFlags
}

func (f *edgeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.rtmpListen, "rtmp-listen", "127.0.0.1:1935", "RTMP edge listen address (the edge runs when an origin is configured)")
	fs.StringVar(&f.rtmptListen, "rtmpt-listen", "", "serve RTMPT (RTMP tunnelled in HTTP, as CloudFront did on port 80) on this address (default: off)")
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
		AccessLog: f.accessLog.options(sink, dataDir)}
	f.limits.apply(e)
	return e
}

package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"

	"github.com/streamfront/streamfront/internal/edge"
	"github.com/streamfront/streamfront/internal/edge/origin"
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
}

func (f *edgeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.rtmpListen, "rtmp-listen", "127.0.0.1:1935", "RTMP edge listen address (the edge runs when an origin is configured)")
	fs.StringVar(&f.originDir, "origin-dir", "", "serve origins from this directory: bucket = sub-directory")
	fs.StringVar(&f.originEndpoint, "origin-endpoint", "", "serve origins from this S3-compatible endpoint URL (path-style)")
	fs.StringVar(&f.originAccess, "origin-access-key", "", "access key of --origin-endpoint")
	fs.StringVar(&f.originSecret, "origin-secret-key", "", "secret key of --origin-endpoint")
	fs.StringVar(&f.originRegion, "origin-region", "us-east-1", "signing region of --origin-endpoint")
	fs.Int64Var(&f.cacheBytes, "origin-cache-bytes", 256<<20, "bytes of origin objects the edge keeps in memory")
}

// enabled reports whether an origin is configured, and so whether to run an edge.
func (f *edgeFlags) enabled() bool { return f.originDir != "" || f.originEndpoint != "" }

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

// startEdge starts an RTMP edge on --rtmp-listen serving st's distributions.
// The returned function stops it and waits for its connections to end.
func startEdge(f *edgeFlags, st store.Store, originSuffixes []string, log *slog.Logger) (stop func(), err error) {
	o, err := f.origin()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", f.rtmpListen)
	if err != nil {
		return nil, err
	}
	srv := edge.New(edge.Config{
		Router: edge.StoreRouter{Store: st, OriginSuffixes: originSuffixes},
		Origin: origin.NewCache(o, f.cacheBytes, 0),
		Logger: log,
	})
	go srv.Serve(ln)
	log.Info("rtmp edge listening", "rtmp", "rtmp://"+ln.Addr().String()+"/"+edge.App, "origin", f.originDir+f.originEndpoint)
	return func() { srv.Close() }, nil
}

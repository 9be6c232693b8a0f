package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net"

	"github.com/streamfront/streamfront/internal/edge"
	"github.com/streamfront/streamfront/internal/edge/origin"
	"github.com/streamfront/streamfront/internal/store"
)

// edgeFlags configure the RTMP edge of `serve` (and of `edge`).
type edgeFlags struct {
	rtmpListen string
	originDir  string
	cacheBytes int64
}

func (f *edgeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.rtmpListen, "rtmp-listen", "127.0.0.1:1935", "RTMP edge listen address (the edge runs when an origin is configured)")
	fs.StringVar(&f.originDir, "origin-dir", "", "serve origins from this directory: bucket = sub-directory")
	fs.Int64Var(&f.cacheBytes, "origin-cache-bytes", 256<<20, "bytes of origin objects the edge keeps in memory")
}

// enabled reports whether an origin is configured, and so whether to run an edge.
func (f *edgeFlags) enabled() bool { return f.originDir != "" }

func (f *edgeFlags) origin() (origin.Origin, error) {
	if f.cacheBytes < origin.DefaultBlockSize {
		return nil, fmt.Errorf("--origin-cache-bytes must be at least %d", origin.DefaultBlockSize)
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
		Origin: origin.NewCache(o, f.cacheBytes),
		Logger: log,
	})
	go srv.Serve(ln)
	log.Info("rtmp edge listening", "rtmp", "rtmp://"+ln.Addr().String()+"/"+edge.App, "origin_dir", f.originDir)
	return func() { srv.Close() }, nil
}

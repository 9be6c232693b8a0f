package node

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/streamfront/streamfront/internal/edge"
	"github.com/streamfront/streamfront/internal/edge/accesslog"
	"github.com/streamfront/streamfront/internal/edge/distsettings"
	"github.com/streamfront/streamfront/internal/edge/origin"
	"github.com/streamfront/streamfront/internal/edge/rtmpt"
)

// Edge is the edge part: it serves the store's distributions from Origin
// over RTMP (and RTMPT) and HTTP, and follows their changes, heart-beating
// what it applied. Zero
// durations and sizes take the Default values (those of the flags).
type Edge struct {
	RTMPListen  string // e.g. "127.0.0.1:1935"
	RTMPTListen string // RTMP tunnelled in HTTP; "" for none
	// HTTPListen serves HTTP delivery (progressive, HLS, DASH, the player
	// page: edge.HTTPHandler); "" for none.
	HTTPListen string
	// HTTPTLS, when set, serves HTTPListen over HTTPS with this config.
	HTTPTLS *tls.Config
	// SegmentDuration is the HLS and DASH target segment duration.
	SegmentDuration time.Duration
	Origin          origin.Origin
	CacheBytes      int64 // origin bytes kept in memory
	// Limits of what clients can make the edge hold (see edge.Config);
	// zero takes the edge's defaults.
	MaxConns         int
	HandshakeTimeout time.Duration
	WriteTimeout     time.Duration
	IdleTimeout      time.Duration
	// DrainTimeout bounds how long Shutdown lets plays finish.
	DrainTimeout time.Duration
	// AccessLog says where the access logs of distributions with Logging
	// go; its Logger is the node's. A Sink is required.
	AccessLog accesslog.Options
	// ID names the edge in heartbeats; default host, pid and a random part.
	ID string
	// Poll is how often the edge polls the store for changes.
	Poll time.Duration
}

// Defaults of Edge.
const (
	DefaultCacheBytes   = 256 << 20
	DefaultDrainTimeout = 10 * time.Second
	DefaultPoll         = 250 * time.Millisecond
)

// edgePart is a running edge and what runs beside it.
type edgePart struct {
	server *edge.Server
	drain  time.Duration
	logs   *accesslog.Writer
	http   []*http.Server // HTTP listeners of the edge (RTMPT), closed after the drain
	// delivery is the HTTP delivery listener (nil without HTTPListen),
	// shut down gracefully with the RTMP drain, and its handler.
	delivery *http.Server
	handler  *edge.HTTPHandler
}

func (n *Node) startEdge(e Edge) error {
	if e.Origin == nil || e.AccessLog.Sink == nil {
		return errors.New("node: an edge needs an origin and an access-log sink")
	}
	if e.CacheBytes == 0 {
		e.CacheBytes = DefaultCacheBytes
	}
	if e.DrainTimeout == 0 {
		e.DrainTimeout = DefaultDrainTimeout
	}
	if e.Poll == 0 {
		e.Poll = DefaultPoll
	}
	if e.ID == "" {
		e.ID = edgeID()
	}
	logOpts := e.AccessLog
	logOpts.Logger = n.log
	logs, err := accesslog.New(logOpts)
	if err != nil {
		return fmt.Errorf("access log spool: %w", err)
	}
	p := &edgePart{drain: e.DrainTimeout, logs: logs}
	n.edge = p
	follower := edge.NewFollower(n.cfg.Store, n.cfg.OriginSuffixes, e.ID, e.Poll, n.log)
	n.loops.Add(1)
	go func() { defer n.loops.Done(); follower.Run(n.ctx) }()
	cache := origin.NewCache(e.Origin, e.CacheBytes, 0)
	p.server = edge.New(edge.Config{
		Router: follower, Origin: cache, Logger: n.log, Metrics: edge.NewMetrics(n.metrics, cache),
		Hooks: distsettings.New(distsettings.Config{Keys: n.cfg.Signers, AccessLog: logs,
			OriginSuffixes: n.cfg.OriginSuffixes, Logger: n.log}),
		MaxConns: e.MaxConns, HandshakeTimeout: e.HandshakeTimeout, WriteTimeout: e.WriteTimeout,
		IdleTimeout: e.IdleTimeout,
	})
	ln, err := n.listen(ListenerRTMP, e.RTMPListen)
	if err != nil {
		return err
	}
	go p.server.Serve(ln)
	n.log.Info("rtmp edge listening", "rtmp", "rtmp://"+n.Addr(ListenerRTMP)+"/"+edge.App, "edge_id", e.ID)
	if e.RTMPTListen != "" {
		if err := n.serveRTMPT(p, e.RTMPTListen); err != nil {
			return err
		}
	}
	if e.HTTPListen != "" {
		return n.serveDelivery(p, e, logs)
	}
	return nil
}

// serveDelivery serves the edge's HTTP delivery on e.HTTPListen, over TLS
// with e.HTTPTLS. Its requests are logged with the RTMP events' writer.
func (n *Node) serveDelivery(p *edgePart, e Edge, logs *accesslog.Writer) error {
	h := p.server.HTTPHandler(edge.HTTPConfig{Signers: n.cfg.Signers, AccessLog: logs,
		OriginSuffixes: n.cfg.OriginSuffixes, SegmentDuration: e.SegmentDuration})
	p.handler = h
	p.delivery = &http.Server{Handler: h, ReadHeaderTimeout: DefaultReadHeaderTimeout, IdleTimeout: DefaultIdleTimeout,
		TLSConfig: e.HTTPTLS, ErrorLog: slog.NewLogLogger(n.log.Handler(), slog.LevelDebug)}
	ln, err := n.listen(ListenerHTTP, e.HTTPListen)
	if err != nil {
		return err
	}
	ln = edge.ServeSegmentsWithSendfile(p.delivery, ln)
	scheme := "http"
	if e.HTTPTLS != nil {
		scheme = "https" // serveOn serves TLS (and HTTP/2) with the server's TLSConfig
	}
	n.serveOn(ListenerHTTP, ln, p.delivery)
	n.log.Info("http edge listening", "http", scheme+"://"+ln.Addr().String()+"/")
	return nil
}

// serveRTMPT serves the edge's RTMP sessions tunnelled in HTTP on addr.
func (n *Node) serveRTMPT(p *edgePart, addr string) error {
	ln, err := n.listen(ListenerRTMPT, addr)
	if err != nil {
		return err
	}
	tunnel := rtmpt.New(ln.Addr(), rtmpt.Options{})
	n.serveEdgeHTTP(p, ListenerRTMPT, ln, tunnel)
	go p.server.Serve(tunnel) // the edge's Close closes the tunnel with its other listeners
	n.log.Info("rtmpt edge listening", "rtmpt", "rtmpt://"+ln.Addr().String()+"/"+edge.App)
	return nil
}

// serveEdgeHTTP serves h on the edge's bound HTTP listener name until the
// edge stops.
func (n *Node) serveEdgeHTTP(p *edgePart, name string, ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	p.http = append(p.http, srv)
	n.serveOn(name, ln, srv)
}

// stop drains the viewers (until ctx ends, at most the drain timeout), then
// closes the edge's HTTP listeners and stores the buffered access logs:
// after the RTMP server's end, so its disconnect events are in the logs.
func (p *edgePart) stop(ctx context.Context) error {
	var err error
	dctx, cancel := context.WithTimeout(ctx, p.drain)
	defer cancel()
	httpDone := make(chan struct{})
	go func() {
		defer close(httpDone)
		if p.delivery != nil && p.delivery.Shutdown(dctx) != nil {
			p.delivery.Close() // HTTP viewers still downloading are cut
		}
		if p.handler != nil {
			p.handler.Close()
		}
	}()
	if p.server != nil {
		if err = p.server.Shutdown(dctx); err != nil {
			err = fmt.Errorf("rtmp viewers still connected at the end of the drain were closed: %w", err)
		}
	}
	<-httpDone
	for _, srv := range p.http {
		srv.Close()
	}
	lctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if lerr := p.logs.Close(lctx); lerr != nil && !errors.Is(lerr, accesslog.ErrClosed) {
		err = errors.Join(err, fmt.Errorf("access logs lost at shutdown: %w", lerr))
	}
	return err
}

// edgeID names an edge in heartbeats: host, process and a random part, so
// a restarted edge is a new one and the old one ages out.
func edgeID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

package edge

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/streamfront/streamfront/internal/edge/origin"
)

// Config configures a Server.
type Config struct {
	Router Router
	Origin *origin.Cache
	Hooks  Hooks
	Logger *slog.Logger
	// Metrics, when set, counts viewers, bytes, plays and connects.
	Metrics *Metrics
	// MaxLead caps how far ahead of real time media is sent (the client's
	// buffer length plus one second, like nginx-rtmp). Default 60s.
	MaxLead time.Duration
	// IdleTimeout closes a connection that neither plays nor sends anything
	// for this long. A play (or pause) in progress is not idle. Default 2 minutes.
	IdleTimeout time.Duration
	// MaxConns caps the connections served at once. Default 10000. See
	// admission.go for what happens to the ones beyond it.
	MaxConns int
	// HandshakeTimeout bounds the time from accept to an answered connect,
	// whatever the client sends meanwhile. Default 10s.
	HandshakeTimeout time.Duration
	// WriteTimeout closes a connection whose client accepts none of a
	// batch of output for this long (a viewer that stopped reading).
	// Default 30s.
	WriteTimeout time.Duration
}

// Defaults of Config.
const (
	DefaultMaxConns         = 10000
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultWriteTimeout     = 30 * time.Second
	DefaultIdleTimeout      = 2 * time.Minute
)

// Server is an RTMP edge. Serve it on any number of listeners.
type Server struct {
	cfg    Config
	assets *assets
	ctx    context.Context
	cancel context.CancelFunc
	nextID atomic.Uint64

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[net.Conn]admission
	admitted  int // connections in conns let in below MaxConns
	wg        sync.WaitGroup
	closed    bool

	// draining is closed when Shutdown starts; drainBy is its deadline
	// (zero for none), set before the close.
	draining  chan struct{}
	drainOnce sync.Once
	drainBy   time.Time
}

// New returns a Server.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.MaxLead <= 0 {
		cfg.MaxLead = 60 * time.Second
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		cfg: cfg, assets: newAssets(cfg.Origin), ctx: ctx, cancel: cancel,
		listeners: map[net.Listener]struct{}{}, conns: map[net.Conn]admission{},
		draining: make(chan struct{}),
	}
}

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("edge: server closed")

// Serve accepts RTMP connections on ln until Close; each runs on its own
// goroutine. ln may be a TCP listener or an adapter such as RTMPT.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
	}()
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.ctx.Err() != nil {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		switch a := s.admit(nc); a {
		case closing:
			nc.Close()
			return ErrServerClosed
		case refused:
			nc.Close()
		default:
			go s.serveConn(nc, a)
		}
	}
}

func (s *Server) serveConn(nc net.Conn, a admission) {
	defer s.wg.Done()
	defer func() {
		nc.Close()
		s.release(nc)
	}()
	c := newConn(s, nc)
	c.overCapacity = a == overCapacity
	if err := c.run(); err != nil && !isClosed(err) {
		s.cfg.Logger.Debug("rtmp connection", "remote", nc.RemoteAddr().String(), "err", err)
	}
}

// Close stops the listeners, closes every connection and waits for their
// goroutines (and so their disconnect events) to finish.
func (s *Server) Close() error {
	s.mu.Lock()
	s.stopAccepting()
	s.cancel()
	for nc := range s.conns {
		nc.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// stopAccepting closes the listeners; s.mu is held.
func (s *Server) stopAccepting() {
	s.closed = true
	for ln := range s.listeners {
		ln.Close()
	}
}

func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrUnexpectedEOF)
}

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
	// for this long. Default 2 minutes.
	IdleTimeout time.Duration
}

// Server is an RTMP edge. Serve it on any number of listeners.
type Server struct {
	cfg    Config
	assets *assets
	ctx    context.Context
	cancel context.CancelFunc
	nextID atomic.Uint64

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[net.Conn]struct{}
	wg        sync.WaitGroup
	closed    bool
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
		cfg.IdleTimeout = 2 * time.Minute
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		cfg: cfg, assets: newAssets(cfg.Origin), ctx: ctx, cancel: cancel,
		listeners: map[net.Listener]struct{}{}, conns: map[net.Conn]struct{}{},
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
		if !s.track(nc) {
			nc.Close()
			return ErrServerClosed
		}
		go s.serveConn(nc)
	}
}

func (s *Server) track(nc net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[nc] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Server) serveConn(nc net.Conn) {
	defer s.wg.Done()
	defer func() {
		nc.Close()
		s.mu.Lock()
		delete(s.conns, nc)
		s.mu.Unlock()
	}()
	c := newConn(s, nc)
	if err := c.run(); err != nil && !isClosed(err) {
		s.cfg.Logger.Debug("rtmp connection", "remote", nc.RemoteAddr().String(), "err", err)
	}
}

// Close stops the listeners, closes every connection and waits for their
// goroutines (and so their disconnect events) to finish.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	s.cancel()
	for ln := range s.listeners {
		ln.Close()
	}
	for nc := range s.conns {
		nc.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrUnexpectedEOF)
}

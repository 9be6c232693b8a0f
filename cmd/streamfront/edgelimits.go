package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/streamfront/streamfront/internal/edge"
	"github.com/streamfront/streamfront/internal/node"
)

// edgeLimitFlags bound what RTMP clients can make the edge hold, and how
// long a shutdown waits for viewers (see edge.Config and Server.Shutdown).
type edgeLimitFlags struct {
	maxConns         int
	handshakeTimeout time.Duration
	writeTimeout     time.Duration
	idleTimeout      time.Duration
	drainTimeout     time.Duration
}

func (f *edgeLimitFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&f.maxConns, "rtmp-max-conns", edge.DefaultMaxConns,
		"RTMP connections served at once; a connect beyond it gets NetConnection.Connect.Rejected")
	fs.DurationVar(&f.handshakeTimeout, "rtmp-handshake-timeout", edge.DefaultHandshakeTimeout,
		"an RTMP client must complete its handshake and connect within this time")
	fs.DurationVar(&f.writeTimeout, "rtmp-write-timeout", edge.DefaultWriteTimeout,
		"an RTMP client that accepts no data for this long (a stalled viewer) is dropped")
	fs.DurationVar(&f.idleTimeout, "rtmp-idle-timeout", edge.DefaultIdleTimeout,
		"an RTMP client that neither plays nor sends anything for this long is dropped")
	fs.DurationVar(&f.drainTimeout, "rtmp-drain-timeout", node.DefaultDrainTimeout,
		"at SIGTERM, plays that end within this time finish; the others get NetStream.Play.Stop")
}

func (f *edgeLimitFlags) validate() error {
	switch {
	case f.maxConns < 1:
		return fmt.Errorf("--rtmp-max-conns must be at least 1")
	case f.handshakeTimeout <= 0:
		return fmt.Errorf("--rtmp-handshake-timeout must be positive")
	case f.writeTimeout <= 0:
		return fmt.Errorf("--rtmp-write-timeout must be positive")
	case f.idleTimeout <= 0:
		return fmt.Errorf("--rtmp-idle-timeout must be positive")
	case f.drainTimeout <= 0:
		return fmt.Errorf("--rtmp-drain-timeout must be positive")
	}
	return nil
}

func (f *edgeLimitFlags) apply(e *node.Edge) {
	e.MaxConns, e.HandshakeTimeout, e.WriteTimeout = f.maxConns, f.handshakeTimeout, f.writeTimeout
	e.IdleTimeout, e.DrainTimeout = f.idleTimeout, f.drainTimeout
}

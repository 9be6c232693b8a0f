package edge

import "net"

// admission is how an accepted connection is let in.
type admission int

const (
	// admitted: served, one of at most MaxConns.
	admitted admission = iota
	// overCapacity: MaxConns connections are being served. This one still
	// gets its handshake so that its connect can be answered with
	// NetConnection.Connect.Rejected: a player then reports the reason
	// instead of a network error. HandshakeTimeout bounds its life.
	overCapacity
	// refused: rejectBacklog over-capacity connections are waiting for
	// their rejection already; this one is closed right after accept,
	// which costs nothing.
	refused
	// closing: the server is shutting down.
	closing
)

// rejectBacklog is how many over-capacity connections may wait for their
// rejection at once: an eighth of MaxConns, at least one.
func (s *Server) rejectBacklog() int { return s.cfg.MaxConns/8 + 1 }

// admit decides how nc is let in and, unless it is turned away, tracks it
// until release.
func (s *Server) admit(nc net.Conn) admission {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := admitted
	switch {
	case s.closed:
		return closing
	case s.admitted < s.cfg.MaxConns:
		s.admitted++
	case len(s.conns)-s.admitted < s.rejectBacklog():
		a = overCapacity
	default:
		s.cfg.Metrics.refused("closed")
		return refused
	}
	s.conns[nc] = a
	s.cfg.Metrics.connections(len(s.conns))
	s.wg.Add(1)
	return a
}

// release forgets a connection that has ended.
func (s *Server) release(nc net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns[nc] == admitted {
		s.admitted--
	}
	delete(s.conns, nc)
	s.cfg.Metrics.connections(len(s.conns))
}

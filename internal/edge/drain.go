package edge

import (
	"context"
	"time"
)

// Shutdown stops accepting and ends every connection cleanly, waiting for
// them until ctx ends; whatever is left then is closed as by Close.
//
//   - A viewer whose play will have been sent entirely before ctx's
//     deadline (less drainMargin) plays to its end as usual.
//   - Every other viewer, and a paused one, gets StreamEOF and
//     NetStream.Play.Stop, and its connection closes: the player ends as at
//     the end of a stream rather than on a network error, and can reconnect
//     to another edge.
//   - A connection that is not playing (or still connecting) is closed.
//
// Every connection's stop and disconnect events have been emitted (so
// access logs hold them) when Shutdown returns.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.stopAccepting()
	s.mu.Unlock()
	s.drainOnce.Do(func() {
		s.drainBy, _ = ctx.Deadline()
		close(s.draining)
	})
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return s.Close()
	case <-ctx.Done():
		s.Close()
		return ctx.Err()
	}
}

// drainMargin is kept free at the end of the drain time for the last
// writes and the disconnects.
const drainMargin = time.Second

// sentBeforeDrain reports whether the rest of pb will have been sent
// before the drain deadline.
func (c *conn) sentBeforeDrain(pb *playback) bool {
	if c.s.drainBy.IsZero() {
		return true
	}
	last := pb.asset.Tags[pb.end-1].Time
	lastSent := pb.startWall.Add(time.Duration(int64(last)-pb.startMS)*time.Millisecond - c.lead())
	return lastSent.Add(drainMargin).Before(c.s.drainBy)
}

// stopForShutdown ends a play the server will not finish.
func (c *conn) stopForShutdown(pb *playback) error {
	c.w.userControl(ucStreamEOF, playStreamID)
	c.onStatus("status", "NetStream.Play.Stop", "Stopped playing "+pb.req.Stream+"; the server is shutting down.")
	c.flush()
	return errShuttingDown
}

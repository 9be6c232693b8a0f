package edge

import "errors"

// routeNotifier is a Router that announces when the routes it answers may
// have changed: the Follower does whenever it applies new configuration
// versions. Current plays re-check their route then, so that a
// distribution disabled (or deleted, or no longer holding the host) stops
// playing once the edge has applied the change, as CloudFront's did.
// Behind a Router without it, a route is checked at connect and at each
// play only.
type routeNotifier interface {
	// Changed returns a channel closed at the next change.
	Changed() <-chan struct{}
}

// routeChanges is the channel of the next route change (nil, never ready,
// when the Router does not announce changes).
func (c *conn) routeChanges() <-chan struct{} {
	if n, ok := c.s.cfg.Router.(routeNotifier); ok {
		return n.Changed()
	}
	return nil
}

// reroute looks the connection's host up again. why is empty while the
// connection's distribution still serves it, enabled; else it says why
// not, for the viewer. An error is the Router's own failure (the store
// unreachable), which does not end a play.
func (c *conn) reroute() (route *Route, why string, err error) {
	route, err = c.s.cfg.Router.Route(c.ctx, c.info.Host)
	switch {
	case errors.Is(err, ErrNoRoute), err == nil && route.DistributionID != c.info.Route.DistributionID:
		return nil, "the streaming distribution is not available", nil
	case err != nil:
		return nil, "", err
	case !route.Enabled:
		return nil, "the streaming distribution " + route.DistributionID + " is disabled", nil
	}
	return route, "", nil
}

// stillRouted re-checks a play's route after a change: a play whose
// distribution no longer serves its host ends as at the end of a stream
// (StreamEOF, NetStream.Play.Stop), which ends ffmpeg's and rtmpdump's
// download cleanly and has a Flash player stop; the connection stays open.
// It reports whether the play goes on.
func (c *conn) stillRouted(pb *playback) (bool, error) {
	pb.changes = c.routeChanges() // before the lookup, so no change goes unseen
	_, why, err := c.reroute()
	if err != nil {
		c.s.cfg.Logger.Warn("rtmp play: route re-check", "host", c.info.Host, "err", err)
		return true, nil
	}
	if why == "" {
		return true, nil
	}
	c.w.userControl(ucStreamEOF, playStreamID)
	c.onStatus("status", "NetStream.Play.Stop", "Stopped playing "+pb.req.Stream+"; "+why+".")
	return false, c.flush()
}

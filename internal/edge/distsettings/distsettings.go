// Package distsettings gives a streaming distribution's TrustedSigners and
// Logging settings their effect on the RTMP edge: every play of a
// distribution with trusted signers must carry a valid signed stream name,
// and every connection event of a distribution with logging enabled goes to
// its access log. It plugs into the edge through edge.Hooks, so the session
// code knows nothing of signatures or log files.
package distsettings

import (
	"context"
	"log/slog"
	"net/netip"
	"time"

	cf "github.com/streamfront/streamfront/internal/cloudfront"
	"github.com/streamfront/streamfront/internal/edge"
	"github.com/streamfront/streamfront/internal/edge/accesslog"
	"github.com/streamfront/streamfront/internal/edge/signedurl"
)

// Config is what the hooks need from the server.
type Config struct {
	// Keys finds key pairs for signed stream names. Nil refuses every
	// play of a distribution with trusted signers.
	Keys signedurl.Keys
	// AccessLog receives the events of distributions with logging enabled;
	// nil disables access logs.
	AccessLog *accesslog.Writer
	// OriginSuffixes are the extra S3 domain suffixes (--origin-suffixes),
	// used to read Logging.Bucket as a bucket name.
	OriginSuffixes []string
	Now            func() time.Time // default time.Now
	Logger         *slog.Logger
}

// New returns the hooks for c.
func New(c Config) edge.Hooks {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	h := hooks{c}
	return edge.Hooks{BeforePlay: h.beforePlay, OnEvent: h.onEvent}
}

type hooks struct{ Config }

// beforePlay verifies the signed stream name when the distribution has
// trusted signers enabled. A refusal is NetStream.Play.Failed with the
// reason as description, and nothing is opened or streamed.
func (h hooks) beforePlay(_ context.Context, c *edge.ConnInfo, p *edge.PlayRequest) error {
	ts := c.Route.Config.TrustedSigners
	if !ts.Enabled {
		return nil
	}
	if h.Keys == nil {
		return &edge.Reject{Code: "NetStream.Play.Failed", Description: "Access denied: no key pairs are configured."}
	}
	ip, _ := netip.ParseAddr(c.ClientIP)
	_, err := signedurl.Verify(signedurl.Request{
		Stream: p.Name, ClientIP: ip, Now: h.Now(),
		Owner: c.Route.Account, TrustedSigners: ts.Items, Keys: h.Keys,
	})
	if err != nil {
		return &edge.Reject{Code: "NetStream.Play.Failed", Description: err.Error()}
	}
	return nil
}

// onEvent writes e to its distribution's access log.
func (h hooks) onEvent(e edge.Event) {
	if h.AccessLog == nil || e.Conn == nil || e.Conn.Route == nil {
		return
	}
	lg := e.Conn.Route.Config.Logging
	if !lg.Enabled {
		return
	}
	bucket, ok := cf.S3Bucket(lg.Bucket, h.OriginSuffixes)
	if !ok {
		h.Logger.Warn("access log bucket is not an S3 bucket domain", "distribution", e.Conn.Route.DistributionID, "bucket", lg.Bucket)
		return
	}
	dest := accesslog.Destination{DistributionID: e.Conn.Route.DistributionID, Bucket: bucket, Prefix: lg.Prefix}
	if err := h.AccessLog.Log(dest, logEvent(e)); err != nil {
		h.Logger.Warn("access log event dropped", "distribution", dest.DistributionID, "err", err)
	}
}

func logEvent(e edge.Event) accesslog.Event {
	le := accesslog.Event{
		Time: e.Time, Kind: string(e.Kind), ClientIP: e.Conn.ClientIP, Bytes: e.BytesSent,
		Status: e.Status, ClientID: e.Conn.ID, TcURL: e.Conn.TCURL,
		SwfURL: e.Conn.SWFURL, PageURL: e.Conn.PageURL, FlashVer: e.Conn.UserAgent,
	}
	if e.Play != nil {
		le.Stream, le.FileExt, le.StreamID = e.Play.Name, e.Play.Ext, e.Play.StreamID
	}
	return le
}

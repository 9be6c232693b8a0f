package edge

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	cf "github.com/streamfront/streamfront/internal/cloudfront"
	"github.com/streamfront/streamfront/internal/edge/accesslog"
	"github.com/streamfront/streamfront/internal/edge/origin"
)

// HTTPConfig configures the HTTP delivery of a Server's distributions.
type HTTPConfig struct {
	// Signers verify signed URLs and cookies. Nil refuses every request
	// for a distribution with trusted signers.
	Signers cf.Signers
	// AccessLog receives the requests of distributions with logging
	// enabled, in the web format; nil disables them.
	AccessLog *accesslog.Writer
	// OriginSuffixes are the extra S3 domain suffixes (--origin-suffixes),
	// used to read Logging.Bucket as a bucket name.
	OriginSuffixes []string
	// SegmentDuration is the packager's target segment length; default 6s.
	SegmentDuration time.Duration
	// SegmentCacheBytes bounds the packaged segments kept on disk (in the
	// page cache); default DefaultSegmentCacheBytes.
	SegmentCacheBytes int64
	// SegmentCacheDir holds them; default a new temporary directory.
	// Close removes it.
	SegmentCacheDir string
	Now             func() time.Time // default time.Now
}

// HTTPHandler is the HTTP delivery of a Server's distributions: for an
// object key K of the bucket of the distribution the Host names,
//
//	/K                 the object itself (progressive download, ranges)
//	/K/index.m3u8      HLS, CMAF fMP4 segments
//	/K/ts/index.m3u8   HLS, MPEG-TS segments
//	/K/manifest.mpd    MPEG-DASH
//	/K/<segment>       init and media segments the playlists list (package vod)
//	/K/player          an HTML page playing /K/index.m3u8 with hls.js
//
// It shares the Server's router, origin cache, media indexes and metrics,
// so a configuration change applies to RTMP and HTTP viewers alike.
type HTTPHandler struct {
	s        *Server
	cfg      HTTPConfig
	viewers  *viewerTracker // nil without metrics
	segments *segmentCache
}

// HTTPHandler returns the HTTP delivery of s's distributions.
func (s *Server) HTTPHandler(cfg HTTPConfig) *HTTPHandler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SegmentDuration <= 0 {
		cfg.SegmentDuration = DefaultSegmentDuration
	}
	if cfg.SegmentCacheBytes <= 0 {
		cfg.SegmentCacheBytes = DefaultSegmentCacheBytes
	}
	dir := cfg.SegmentCacheDir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "streamfront-segments-"); err != nil {
			s.cfg.Logger.Warn("no segment cache directory: every segment request is packaged", "err", err)
			dir = ""
		}
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		s.cfg.Logger.Warn("no segment cache directory: every segment request is packaged", "dir", dir, "err", err)
		dir = ""
	}
	return &HTTPHandler{s: s, cfg: cfg, viewers: s.cfg.Metrics.httpViewerTracker(),
		segments: newSegmentCache(dir, cfg.SegmentCacheBytes)}
}

// Close removes the segment cache's files. Call it once the handler
// serves no more requests.
func (h *HTTPHandler) Close() error { return h.segments.close() }

// DefaultSegmentDuration is the target length of HLS and DASH segments.
const DefaultSegmentDuration = 6 * time.Second

// request is one HTTP request on its way through the handler.
type request struct {
	r        *http.Request
	w        *recorder
	start    time.Time
	clientIP netip.Addr
	route    *Route // nil until routed
	path     objectPath
	query    string // the signed query to carry onto listed URLs: "" or "?…"
}

// ServeHTTP implements http.Handler.
func (h *HTTPHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := &request{r: r, w: &recorder{ResponseWriter: w}, start: time.Now()}
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		q.clientIP = ap.Addr().Unmap()
	}
	h.s.cfg.Metrics.httpInFlight(1)
	defer h.s.cfg.Metrics.httpInFlight(-1)
	defer h.finish(q)
	setCORS(q.w.Header())
	q.w.Header().Set("X-Amz-Cf-Id", newRequestID())
	h.serve(q)
}

// serve routes q and answers it.
func (h *HTTPHandler) serve(q *request) {
	w, r := q.w, q.r
	if strings.HasPrefix(r.URL.Path, playerAssetsPath) {
		servePlayerAsset(w, r)
		return
	}
	route, err := routeHost(r.Context(), h.s.cfg.Router, requestHost(r.Host))
	switch {
	case errors.Is(err, ErrNoRoute):
		writeError(w, r, http.StatusNotFound, "NoSuchDistribution", "No distribution has the host "+requestHost(r.Host)+" as its domain name or alias.")
		return
	case err != nil:
		h.s.cfg.Logger.Warn("http route", "host", r.Host, "err", err)
		writeError(w, r, http.StatusServiceUnavailable, "ServiceUnavailable", "The edge cannot read the distribution configuration.")
		return
	case !route.Enabled:
		writeError(w, r, http.StatusForbidden, "DistributionDisabled", "The distribution is disabled.")
		return
	}
	q.route = route
	switch r.Method {
	case http.MethodOptions:
		preflight(w)
		return
	case http.MethodGet, http.MethodHead:
	default:
		w.Header().Set("Allow", "GET, HEAD, OPTIONS")
		writeError(w, r, http.StatusMethodNotAllowed, "MethodNotAllowed", "The method "+r.Method+" is not allowed; use GET or HEAD.")
		return
	}
	q.path = splitObjectPath(r.URL.Path)
	if msg := h.authorize(r, route, q.clientIP); msg != "" {
		writeError(w, r, http.StatusForbidden, "AccessDenied", msg)
		return
	}
	if route.Config.TrustedSigners.Enabled && r.URL.Query().Has("Key-Pair-Id") {
		q.query = "?" + r.URL.RawQuery
	}
	switch {
	case q.path.key == "" || strings.Contains(q.path.rest, ".."):
		writeNoSuchKey(w, r)
	case !q.path.sub:
		h.serveObject(q)
	case q.path.rest == "player":
		h.servePlayer(q)
	case q.path.rest == "":
		writeNoSuchKey(w, r)
	default:
		h.servePackaged(q)
	}
}

func writeNoSuchKey(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
}

// originError answers an error of the origin: a missing object is 404,
// anything else 502 as CloudFront answers an origin it cannot read.
func (h *HTTPHandler) originError(q *request, err error) {
	if errors.Is(err, origin.ErrNotFound) {
		writeNoSuchKey(q.w, q.r)
		return
	}
	if q.r.Context().Err() == nil {
		h.s.cfg.Logger.Warn("http origin read", "bucket", q.route.Bucket, "key", q.path.key, "err", err)
	}
	writeError(q.w, q.r, http.StatusBadGateway, "OriginError", "The origin could not be read.")
}

// progressiveCacheControl lets browsers and caches in front of the edge
// keep an object an hour; they revalidate with its ETag after that.
const progressiveCacheControl = "public, max-age=3600"

// serveObject answers /K: the object itself, with ranges and conditional
// requests.
func (h *HTTPHandler) serveObject(q *request) {
	info, err := h.s.assets.cache.Stat(q.r.Context(), q.route.Bucket, q.path.key)
	if err != nil {
		h.originError(q, err)
		return
	}
	obj := h.s.assets.cache.Object(q.r.Context(), q.route.Bucket, q.path.key, info)
	hd := q.w.Header()
	hd.Set("Content-Type", contentType(q.path.key))
	hd.Set("ETag", quoteETag(info.ETag))
	hd.Set("Cache-Control", progressiveCacheControl)
	h.viewers.seen(q)
	http.ServeContent(q.w, q.r, "", info.Modified, io.NewSectionReader(obj, 0, info.Size))
}

// quoteETag returns etag as an HTTP entity tag (S3's are quoted already).
func quoteETag(etag string) string {
	if strings.HasPrefix(etag, `"`) || strings.HasPrefix(etag, `W/"`) {
		return etag
	}
	return `"` + etag + `"`
}

// clientPort is the viewer's TCP port, for the access log.
func clientPort(remote string) int {
	_, p, _ := net.SplitHostPort(remote)
	n, _ := strconv.Atoi(p)
	return n
}

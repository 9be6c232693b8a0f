package edge

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	cf "github.com/streamfront/streamfront/internal/cloudfront"
	"github.com/streamfront/streamfront/internal/edge/accesslog"
)

// finish counts q in the metrics and writes it to its distribution's
// access log.
func (h *HTTPHandler) finish(q *request) {
	if q.w.status == 0 { // a handler that wrote nothing answered 200
		q.w.WriteHeader(http.StatusOK)
	}
	m := h.s.cfg.Metrics
	m.httpRequest(q.w.status, q.w.headerBytes+q.w.bodyBytes)
	if h.cfg.AccessLog == nil || q.route == nil || !q.route.Config.Logging.Enabled {
		return
	}
	lg := q.route.Config.Logging
	bucket, ok := cf.S3Bucket(lg.Bucket, h.cfg.OriginSuffixes)
	if !ok {
		h.s.cfg.Logger.Warn("access log bucket is not an S3 bucket domain", "distribution", q.route.DistributionID, "bucket", lg.Bucket)
		return
	}
	dest := accesslog.Destination{DistributionID: q.route.DistributionID, Bucket: bucket, Prefix: lg.Prefix}
	if err := h.cfg.AccessLog.LogWeb(dest, webEvent(q)); err != nil {
		h.s.cfg.Logger.Warn("access log event dropped", "distribution", dest.DistributionID, "err", err)
	}
}

// webEvent is q as a line of the web access log.
func webEvent(q *request) accesslog.WebEvent {
	r, w := q.r, q.w
	stem, query, _ := strings.Cut(r.RequestURI, "?")
	e := accesslog.WebEvent{
		Time: q.start, ClientIP: q.clientIP.String(), ClientPort: clientPort(r.RemoteAddr), Method: r.Method,
		DistributionDomain: q.route.DomainName, HostHeader: r.Host, URIStem: stem, URIQuery: query,
		// cs(Cookie) stays "-", as CloudFront logs it without IncludeCookies
		// (which streaming distributions lack): signed cookies are credentials.
		Status: w.status, Referer: r.Referer(), UserAgent: r.UserAgent(),
		ResultType: resultType(w.status), RequestID: w.Header().Get("X-Amz-Cf-Id"), Protocol: scheme(r),
		ProtocolVersion: r.Proto, XForwardedFor: r.Header.Get("X-Forwarded-For"),
		RequestBytes: requestBytes(r), SentBytes: w.headerBytes + w.bodyBytes,
		TimeTaken: time.Since(q.start), TimeToFirstByte: w.firstByte.Sub(q.start),
		ContentType: w.Header().Get("Content-Type"), ContentLength: -1, RangeStart: -1, RangeEnd: -1,
	}
	if n, err := strconv.ParseInt(w.Header().Get("Content-Length"), 10, 64); err == nil {
		e.ContentLength = n
	}
	if r.TLS != nil {
		e.SSLProtocol, e.SSLCipher = tlsNames(r)
	}
	if w.status == http.StatusPartialContent {
		e.RangeStart, e.RangeEnd = contentRange(w.Header().Get("Content-Range"))
	}
	return e
}

// resultType is x-edge-result-type: Error for a refusal or failure, Hit
// otherwise (the edge answers from its own cache of the origin).
func resultType(status int) string {
	if status >= 400 {
		return "Error"
	}
	return "Hit"
}

// requestBytes estimates cs-bytes: the request line, headers and body.
func requestBytes(r *http.Request) int64 {
	n := int64(len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4 + 2)
	n += int64(len("Host: ") + len(r.Host) + 2)
	for k, vs := range r.Header {
		for _, v := range vs {
			n += int64(len(k) + len(v) + 4)
		}
	}
	return n + max(r.ContentLength, 0)
}

// contentRange reads the first and last byte of "bytes a-b/n".
func contentRange(v string) (start, end int64) {
	rng, _, _ := strings.Cut(strings.TrimPrefix(v, "bytes "), "/")
	a, b, _ := strings.Cut(rng, "-")
	start, err1 := strconv.ParseInt(a, 10, 64)
	end, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil {
		return -1, -1
	}
	return start, end
}

// newRequestID is a CloudFront-style request id, sent as X-Amz-Cf-Id and
// logged as x-edge-request-id.
func newRequestID() string {
	var b [39]byte
	rand.Read(b[:])
	return base64.URLEncoding.EncodeToString(b[:])
}

// viewerWindow is how long an HTTP viewer counts as watching after its last
// request for an object (players fetch a segment every few seconds).
const viewerWindow = 30 * time.Second

// maxTrackedViewers bounds the viewer tracker; beyond it new viewers are
// not counted until others go quiet.
const maxTrackedViewers = 1 << 20

// viewerTracker estimates HTTP viewers: distinct (client, distribution,
// object) with a request in the last viewerWindow.
type viewerTracker struct {
	mu   sync.Mutex
	last map[viewerKey]time.Time
}

type viewerKey struct {
	client, distribution, key string
}

func newViewerTracker() *viewerTracker {
	return &viewerTracker{last: map[viewerKey]time.Time{}}
}

// seen records a media request of q. A nil tracker records nothing.
func (t *viewerTracker) seen(q *request) {
	if t == nil {
		return
	}
	k := viewerKey{q.clientIP.String(), q.route.DistributionID, q.path.key}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.last) >= maxTrackedViewers {
		t.sweepLocked(time.Now())
	}
	if len(t.last) < maxTrackedViewers {
		t.last[k] = time.Now()
	}
}

// count forgets the viewers gone quiet and returns the others' number.
func (t *viewerTracker) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sweepLocked(time.Now())
	return len(t.last)
}

func (t *viewerTracker) sweepLocked(now time.Time) {
	for k, at := range t.last {
		if now.Sub(at) > viewerWindow {
			delete(t.last, k)
		}
	}
}

// tlsNames are ssl-protocol and ssl-cipher of a request over TLS.
func tlsNames(r *http.Request) (protocol, cipher string) {
	return strings.ReplaceAll(tls.VersionName(r.TLS.Version), " ", "v"), tls.CipherSuiteName(r.TLS.CipherSuite)
}

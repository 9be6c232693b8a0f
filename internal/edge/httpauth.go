package edge

import (
	"errors"
	"net/http"
	"net/netip"

	"github.com/streamfront/streamfront/internal/edge/signedurl"
)

// The refusal messages CloudFront documents for signed URLs and cookies.
const (
	msgMissingKeyPairID = "Missing Key-Pair-Id query parameter or cookie value"
	msgUnknownKey       = "Unknown Key"
	msgAccessDenied     = "Access denied"
)

// authorize checks a request for a distribution with trusted signers. It
// returns "" when the request may be served, else the message of its 403.
func (h *HTTPHandler) authorize(r *http.Request, route *Route, clientIP netip.Addr) string {
	ts := route.Config.TrustedSigners
	if !ts.Enabled {
		return ""
	}
	cookies := map[string]string{}
	for _, c := range r.Cookies() {
		cookies[c.Name] = c.Value
	}
	if h.cfg.Signers == nil {
		return msgAccessDenied
	}
	_, err := signedurl.VerifyHTTP(signedurl.HTTPRequest{
		Scheme: scheme(r), Host: r.Host, RequestURI: r.RequestURI, Cookies: cookies,
		ClientIP: clientIP, Now: h.cfg.Now(), Owner: route.Account, TrustedSigners: ts.Items, Keys: h.cfg.Signers,
	})
	var rej *signedurl.Rejection
	switch {
	case err == nil:
		return ""
	case !errors.As(err, &rej):
		return msgAccessDenied
	case rej.Reason == signedurl.MissingParams && !hasKeyPairID(r, cookies):
		return msgMissingKeyPairID
	case rej.Reason == signedurl.UnknownKey || rej.Reason == signedurl.UntrustedKey:
		return msgUnknownKey
	}
	h.s.cfg.Logger.Debug("http request refused", "url", r.Host+r.RequestURI, "err", err)
	return msgAccessDenied
}

func hasKeyPairID(r *http.Request, cookies map[string]string) bool {
	_, inCookie := cookies[signedurl.CookieKeyPairID]
	return inCookie || r.URL.Query().Has("Key-Pair-Id")
}

func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

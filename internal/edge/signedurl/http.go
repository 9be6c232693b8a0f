package signedurl

import (
	"net"
	"net/netip"
	"strings"
	"time"
)

// HTTPRequest is one HTTP request to verify, as web distributions take
// signatures: in the query (Expires or Policy, Signature, Key-Pair-Id) or,
// when the query holds none of them, in CloudFront signed cookies.
type HTTPRequest struct {
	// Scheme is "http" or "https".
	Scheme string
	// Host is the Host header as sent (port included if the viewer sent one).
	Host string
	// RequestURI is the path and query exactly as sent.
	RequestURI string
	// Cookies are the request's cookies by name (only the CloudFront-* ones
	// matter).
	Cookies        map[string]string
	ClientIP       netip.Addr
	Now            time.Time
	Owner          string
	TrustedSigners []string
	Keys           Keys
}

// The signed cookies' names.
const (
	CookieExpires   = "CloudFront-Expires"
	CookiePolicy    = "CloudFront-Policy"
	CookieSignature = "CloudFront-Signature"
	CookieKeyPairID = "CloudFront-Key-Pair-Id"
)

// VerifyHTTP checks a request's signature. The policy's resource is matched
// against the URL the viewer requested (scheme, Host as sent, path, query
// less the signing parameters) and against that URL without the port,
// since a policy written for CloudFront names none.
func VerifyHTTP(req HTTPRequest) (Result, error) {
	base := req.Scheme + "://" + req.Host
	p, err := parseSigned(base + req.RequestURI)
	if err != nil {
		rej, _ := err.(*Rejection)
		_, query := SplitQuery(req.RequestURI)
		if rej == nil || rej.Reason != MissingParams || hasSigningParam(query) {
			return Result{}, err
		}
		if p, err = fromCookies(base+req.RequestURI, req.Cookies); err != nil {
			return Result{}, err
		}
	}
	resources := []string{p.resource}
	if host, _, err := net.SplitHostPort(req.Host); err == nil {
		if host != "" && strings.Contains(host, ":") { // an IPv6 literal keeps its brackets
			host = "[" + host + "]"
		}
		resources = append(resources, req.Scheme+"://"+host+strings.TrimPrefix(p.resource, base))
	}
	return verify(p, resources, req.ClientIP, req.Now, req.Owner, req.TrustedSigners, req.Keys)
}

// hasSigningParam reports whether a raw query names any signing parameter.
func hasSigningParam(query string) bool {
	for _, kv := range strings.Split(query, "&") {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case paramExpires, paramPolicy, paramSignature, paramKeyPairID:
			return true
		}
	}
	return false
}

// fromCookies reads the signature of url from CloudFront signed cookies.
func fromCookies(url string, cookies map[string]string) (signedName, error) {
	p := signedName{resource: url}
	p.stream, _ = SplitQuery(url)
	has := func(name string) bool { _, ok := cookies[name]; return ok }
	switch {
	case !has(CookieKeyPairID) || !has(CookieSignature) || (!has(CookieExpires) && !has(CookiePolicy)):
		return signedName{}, reject(MissingParams, "a signed request needs the query parameters or cookies Expires or Policy, Signature and Key-Pair-Id")
	case has(CookieExpires) && has(CookiePolicy):
		return signedName{}, reject(Malformed, "both CloudFront-Expires and CloudFront-Policy are present")
	}
	for cookie, param := range map[string]string{CookieExpires: paramExpires, CookiePolicy: paramPolicy,
		CookieSignature: paramSignature, CookieKeyPairID: paramKeyPairID} {
		if v, ok := cookies[cookie]; ok {
			if err := p.set(param, v); err != nil {
				return signedName{}, err
			}
		}
	}
	return p, nil
}

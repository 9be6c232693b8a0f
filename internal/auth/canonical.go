package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The SigV4 canonical request, computed from the request as received and
// over exactly the headers the client listed in SignedHeaders (whatever
// they are: User-Agent, X-Amzn-Trace-Id and Expect included). See
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
// and testdata/sigv4-test-suite.

// canonicalRequest returns the canonical request of r for the signed
// headers (lower-case, in the client's order) and the body's SHA-256 hex.
// presigned drops X-Amz-Signature from the query.
func canonicalRequest(r *http.Request, signedHeaders []string, payloadHash string, presigned bool) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.RawQuery, presigned))
	b.WriteByte('\n')
	for _, h := range signedHeaders {
		b.WriteString(h)
		b.WriteByte(':')
		b.WriteString(canonicalHeaderValue(r, h))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// canonicalURI is the path as the client sent it, with dot segments and
// repeated slashes removed (every service but S3 normalises), URI-encoded
// once more: what the SDKs sign for a non-S3 service.
func canonicalURI(r *http.Request) string {
	p := r.URL.EscapedPath()
	if r.RequestURI != "" && !strings.Contains(r.RequestURI, "://") {
		p, _, _ = strings.Cut(r.RequestURI, "?")
	}
	if p == "" {
		return "/"
	}
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	return uriEncode(clean, false)
}

// canonicalQuery decodes the query and re-encodes it sorted by name, then
// value, as the SDKs do ('+' counts as a space, as url.ParseQuery reads it).
func canonicalQuery(raw string, presigned bool) string {
	if raw == "" {
		return ""
	}
	var pairs []string
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, kerr := url.QueryUnescape(k)
		v, verr := url.QueryUnescape(v)
		if kerr != nil || verr != nil {
			// Not decodable: sign it as sent; a client that encoded
			// it differently gets SignatureDoesNotMatch, as from AWS.
			k, v, _ = strings.Cut(part, "=")
		} else {
			k, v = uriEncode(k, true), uriEncode(v, true)
		}
		if presigned && k == "X-Amz-Signature" {
			continue
		}
		pairs = append(pairs, k+"="+v)
	}
	slices.SortFunc(pairs, func(a, b string) int {
		ak, av, _ := strings.Cut(a, "=")
		bk, bv, _ := strings.Cut(b, "=")
		if c := strings.Compare(ak, bk); c != 0 {
			return c
		}
		return strings.Compare(av, bv)
	})
	return strings.Join(pairs, "&")
}

// canonicalHeaderValue joins the header's values with commas, each trimmed
// and with runs of spaces folded to one. Go's server moves Host and
// Content-Length out of the header map; they are read back from r.
func canonicalHeaderValue(r *http.Request, name string) string {
	vals := r.Header.Values(name)
	switch {
	case name == "host" && len(vals) == 0:
		vals = []string{r.Host}
	case name == "content-length" && len(vals) == 0 && r.ContentLength >= 0:
		vals = []string{strconv.FormatInt(r.ContentLength, 10)}
	case name == "transfer-encoding" && len(vals) == 0:
		vals = r.TransferEncoding
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(out, ",")
}

// uriEncode percent-encodes every byte but the unreserved characters
// (and '/', unless encodeSlash), upper-case hex, as SigV4 specifies.
func uriEncode(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == '~', c == '/' && !encodeSlash:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// stringToSign is the SigV4 string to sign for the canonical request.
func stringToSign(signedAt time.Time, scope, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return algorithm + "\n" + signedAt.UTC().Format(amzDate) + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
}

// signatureOf derives the signing key of the scope and signs sts.
func signatureOf(secret, scopeDate, region, service, sts string) string {
	k := hmacSHA256([]byte("AWS4"+secret), scopeDate)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	k = hmacSHA256(k, "aws4_request")
	return hex.EncodeToString(hmacSHA256(k, sts))
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

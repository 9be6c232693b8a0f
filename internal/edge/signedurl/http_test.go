package signedurl

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/cloudfront/sign"
)

// httpRequest is a request for rawURL (signed or not) with cookies.
func httpRequest(t *testing.T, rawURL string, cookies map[string]string) HTTPRequest {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return HTTPRequest{Scheme: u.Scheme, Host: u.Host, RequestURI: u.RequestURI(), Cookies: cookies,
		ClientIP: client, Now: now, Owner: owner, TrustedSigners: []string{"self"}, Keys: signers(t)}
}

func wantHTTP(t *testing.T, req HTTPRequest, want Reason) {
	t.Helper()
	_, err := VerifyHTTP(req)
	var rej *Rejection
	switch {
	case want == 0 && err != nil:
		t.Fatalf("VerifyHTTP(%s%s) = %v, want ok", req.Host, req.RequestURI, err)
	case want != 0 && (!errors.As(err, &rej) || rej.Reason != want):
		t.Fatalf("VerifyHTTP(%s%s) = %v, want %v", req.Host, req.RequestURI, err, want)
	}
}

func TestVerifyHTTPSignedURLs(t *testing.T) {
	keys(t)
	const page = "http://d111111abcdef8.cloudfront.net.localhost:8080/videos/clip.mp4/index.m3u8"
	signer := sign.NewURLSigner(keyID, ownerKey)
	canned, err := signer.Sign(page+"?lang=en", now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	wantHTTP(t, httpRequest(t, canned, nil), 0)
	// A canned policy written without the port still matches.
	noPort, _ := signer.Sign(strings.Replace(page, ":8080", "", 1), now.Add(time.Hour))
	_, q, _ := strings.Cut(noPort, "?")
	wantHTTP(t, httpRequest(t, page+"?"+q, nil), 0)
	// The query the signer saw is part of the resource.
	wantHTTP(t, httpRequest(t, strings.Replace(canned, "lang=en", "lang=fr", 1), nil), BadSignature)
	wantHTTP(t, httpRequest(t, strings.Replace(canned, "index.m3u8", "manifest.mpd", 1), nil), BadSignature)

	wild := policy("http://d111111abcdef8.cloudfront.net.localhost/videos/clip.mp4/*",
		sign.Condition{DateLessThan: epoch(now.Add(time.Hour)), IPAddress: &sign.IPAddress{SourceIP: "192.0.2.0/24"}})
	custom, err := signer.SignWithPolicy(page, wild)
	if err != nil {
		t.Fatal(err)
	}
	_, q, _ = strings.Cut(custom, "?")
	wantHTTP(t, httpRequest(t, custom, nil), 0)
	wantHTTP(t, httpRequest(t, strings.Replace(page, "index.m3u8", "seg-3.m4s", 1)+"?"+q, nil), 0)
	wantHTTP(t, httpRequest(t, "http://d111111abcdef8.cloudfront.net.localhost:8080/videos/other.mp4/index.m3u8?"+q, nil), ResourceMismatch)
	other := httpRequest(t, custom, nil)
	other.ClientIP = client.Next().Next().Next() // still in the /24
	wantHTTP(t, other, 0)
	other.ClientIP = netipMust("198.51.100.1")
	wantHTTP(t, other, IPNotAllowed)
	late := httpRequest(t, custom, nil)
	late.Now = now.Add(2 * time.Hour)
	wantHTTP(t, late, Expired)

	wantHTTP(t, httpRequest(t, page, nil), MissingParams)
	wantHTTP(t, httpRequest(t, page+"?Expires=1&Signature=abc", nil), MissingParams)
}

func TestVerifyHTTPSignedCookies(t *testing.T) {
	keys(t)
	const page = "https://media.example.com/videos/clip.mp4/index.m3u8"
	cookies := func(cs []*httpCookie) map[string]string {
		m := map[string]string{}
		for _, c := range cs {
			m[c.Name] = c.Value
		}
		return m
	}
	signer := sign.NewCookieSigner(keyID, ownerKey)
	canned, err := signer.Sign(page, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	wantHTTP(t, httpRequest(t, page, cookies(canned)), 0)
	// The SDK sends even a canned cookie policy as CloudFront-Policy.
	wantHTTP(t, httpRequest(t, "https://media.example.com/videos/clip.mp4/manifest.mpd", cookies(canned)), ResourceMismatch)

	custom, err := signer.SignWithPolicy(policy("https://media.example.com/videos/*", sign.Condition{
		DateLessThan: epoch(now.Add(time.Hour)), DateGreaterThan: epoch(now.Add(time.Minute))}))
	if err != nil {
		t.Fatal(err)
	}
	wantHTTP(t, httpRequest(t, page, cookies(custom)), NotYetValid)
	later := httpRequest(t, page, cookies(custom))
	later.Now = now.Add(2 * time.Minute)
	wantHTTP(t, later, 0)

	// A query signature wins over cookies: a bad one is not rescued by them.
	wantHTTP(t, httpRequest(t, page+"?Expires=1&Signature=AAAA&Key-Pair-Id="+keyID, cookies(canned)), BadSignature)
	// Tampered, unknown and partial cookies.
	bad := cookies(canned)
	bad[CookieSignature] = "A" + bad[CookieSignature][1:]
	wantHTTP(t, httpRequest(t, page, bad), BadSignature)
	unknown := cookies(canned)
	unknown[CookieKeyPairID] = "APKANOSUCHKEY00001"
	wantHTTP(t, httpRequest(t, page, unknown), UnknownKey)
	partial := cookies(canned)
	delete(partial, CookieKeyPairID)
	wantHTTP(t, httpRequest(t, page, partial), MissingParams)
}

package edge_test

import (
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/cloudfront/sign"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	cf "github.com/streamfront/streamfront/internal/cloudfront"
	"github.com/streamfront/streamfront/internal/edge"
	"github.com/streamfront/streamfront/internal/testenv"
)

// signedHTTPEnv is an HTTP edge verifying signatures with one key pair.
type signedHTTPEnv struct {
	*httpEnv
	key    *rsa.PrivateKey
	domain string
	id     string
}

func startSignedHTTPEnv(t *testing.T) *signedHTTPEnv {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	signers := cf.SingleAccount{ID: testenv.AccountID, KeyPairs: []cf.KeyPair{{ID: keyPairID, Public: &key.PublicKey, Active: true}}}
	s := &signedHTTPEnv{httpEnv: startHTTPEnv(t, edge.HTTPConfig{Signers: signers}, nil, nil), key: key}
	cfg := newDistConfig()
	cfg.TrustedSigners = &types.TrustedSigners{Enabled: aws.Bool(true), Quantity: aws.Int32(1), Items: []string{"self"}}
	s.id, s.domain = s.create(t, cfg)
	writeObject(t, s.env, "videos/clip.mp4", "the clip")
	writeObject(t, s.env, "videos/other.mp4", "another clip")
	return s
}

// viewerURL is the URL a viewer on this machine requests for path.
func (s *signedHTTPEnv) viewerURL(path string) string {
	return "http://" + s.domain + ".localhost:" + s.port + path
}

// fetch requests a viewer URL (signed or not) from the edge.
func (s *signedHTTPEnv) fetch(t *testing.T, viewerURL string) response {
	t.Helper()
	u, err := url.Parse(viewerURL)
	if err != nil {
		t.Fatal(err)
	}
	return s.get(t, u.Host, u.RequestURI())
}

func TestHTTPSignedURLs(t *testing.T) {
	s := startSignedHTTPEnv(t)
	signer := sign.NewURLSigner(keyPairID, s.key)
	page := s.viewerURL("/videos/clip.mp4")

	canned, err := signer.Sign(page, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if r := s.fetch(t, canned); r.StatusCode != 200 || r.body != "the clip" {
		t.Fatalf("canned: %d %q", r.StatusCode, r.body)
	}
	// A canned policy for the URL without the port (as for CloudFront).
	noPort, _ := signer.Sign("http://"+s.domain+".localhost/videos/clip.mp4", time.Now().Add(time.Hour))
	_, q, _ := strings.Cut(noPort, "?")
	if r := s.fetch(t, page+"?"+q); r.StatusCode != 200 {
		t.Fatalf("signed without the port: %d %q", r.StatusCode, r.body)
	}

	wild, err := signer.SignWithPolicy(page, &sign.Policy{Statements: []sign.Statement{{
		Resource: "http://" + s.domain + ".localhost:*/videos/clip.mp4*",
		Condition: sign.Condition{DateLessThan: sign.NewAWSEpochTime(time.Now().Add(time.Hour)),
			IPAddress: &sign.IPAddress{SourceIP: "127.0.0.1/32"}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	_, wq, _ := strings.Cut(wild, "?")
	if r := s.fetch(t, page+"/player?"+wq); r.StatusCode != 200 || !strings.Contains(r.body, `data-src="index.m3u8?`+strings.ReplaceAll(wq, "&", "&amp;")+`"`) {
		t.Fatalf("player page with a wildcard policy: %d %q", r.StatusCode, r.body)
	}

	otherKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	expired, _ := signer.Sign(page, time.Now().Add(-time.Minute))
	wrongKey, _ := sign.NewURLSigner(keyPairID, otherKey).Sign(page, time.Now().Add(time.Hour))
	unknownKey, _ := sign.NewURLSigner("APKANOSUCHKEY00001", s.key).Sign(page, time.Now().Add(time.Hour))
	wrongIP, _ := signer.SignWithPolicy(page, &sign.Policy{Statements: []sign.Statement{{Resource: page,
		Condition: sign.Condition{DateLessThan: sign.NewAWSEpochTime(time.Now().Add(time.Hour)),
			IPAddress: &sign.IPAddress{SourceIP: "192.0.2.0/24"}}}}})
	future, _ := signer.SignWithPolicy(page, &sign.Policy{Statements: []sign.Statement{{Resource: page,
		Condition: sign.Condition{DateLessThan: sign.NewAWSEpochTime(time.Now().Add(2 * time.Hour)),
			DateGreaterThan: sign.NewAWSEpochTime(time.Now().Add(time.Hour))}}}})
	for name, tc := range map[string]struct{ url, message string }{
		"unsigned":                 {page, "Missing Key-Pair-Id query parameter or cookie value"},
		"no key pair id":           {strings.Split(canned, "&Key-Pair-Id")[0], "Missing Key-Pair-Id query parameter or cookie value"},
		"expired":                  {expired, "Access denied"},
		"wrong key":                {wrongKey, "Access denied"},
		"unknown key":              {unknownKey, "Unknown Key"},
		"wrong IP":                 {wrongIP, "Access denied"},
		"not yet valid":            {future, "Access denied"},
		"other object":             {strings.Replace(canned, "clip.mp4", "other.mp4", 1), "Access denied"},
		"other object by wildcard": {s.viewerURL("/videos/other.mp4?" + wq), "Access denied"},
		"tampered":                 {strings.Replace(canned, "Expires=", "Expires=9", 1), "Access denied"},
		"signature cut":            {withParam(t, canned, "Signature", func(v string) string { return v[:len(v)-8] }), "Access denied"},
	} {
		t.Run(name, func(t *testing.T) { wantError(t, s.fetch(t, tc.url), 403, "AccessDenied", tc.message) })
	}
}

// withParam changes one query parameter of a signed URL.
func withParam(t *testing.T, signed, name string, change func(string) string) string {
	t.Helper()
	u, err := url.Parse(signed)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set(name, change(q.Get(name)))
	u.RawQuery = q.Encode()
	return u.String()
}

func TestHTTPSignedCookies(t *testing.T) {
	s := startSignedHTTPEnv(t)
	// Not Secure: the test edge speaks plain HTTP.
	signer := sign.NewCookieSigner(keyPairID, s.key, func(o *sign.CookieOptions) { o.Secure = false })
	// get sends the cookies as a browser does, in one Cookie header.
	get := func(cookies []*http.Cookie, path string) int {
		t.Helper()
		var pairs []string
		for _, c := range cookies {
			pairs = append(pairs, c.Name+"="+c.Value)
		}
		return s.get(t, s.domain+".localhost:"+s.port, path, "Cookie", strings.Join(pairs, "; ")).StatusCode
	}
	all, err := signer.SignWithPolicy(&sign.Policy{Statements: []sign.Statement{{
		Resource:  "http://" + s.domain + ".localhost/videos/*",
		Condition: sign.Condition{DateLessThan: sign.NewAWSEpochTime(time.Now().Add(time.Hour))},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/videos/clip.mp4", "/videos/other.mp4", "/videos/clip.mp4/player"} {
		if code := get(all, p); code != 200 {
			t.Errorf("%s with signed cookies: %d", p, code)
		}
	}
	one, _ := signer.Sign(s.viewerURL("/videos/clip.mp4"), time.Now().Add(time.Hour))
	if get(one, "/videos/clip.mp4") != 200 || get(one, "/videos/other.mp4") != 403 {
		t.Error("a cookie for one object must open that object only")
	}
	expired, _ := signer.Sign(s.viewerURL("/videos/clip.mp4"), time.Now().Add(-time.Second))
	if code := get(expired, "/videos/clip.mp4"); code != 403 {
		t.Errorf("expired cookies: %d", code)
	}
	// The wider policy of all with the signature of one.
	var tampered []*http.Cookie
	for i, ck := range one {
		if ck.Name == "CloudFront-Policy" {
			ck = all[i]
		}
		tampered = append(tampered, ck)
	}
	if code := get(tampered, "/videos/clip.mp4"); code != 403 {
		t.Errorf("tampered cookies: %d", code)
	}
}

package signedurl

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/cloudfront/sign"
)

// FuzzVerify feeds arbitrary stream names, addresses and times to Verify:
// it must never panic, must answer either a result or a *Rejection, and an
// accepted play must name the stream without its query.
func FuzzVerify(f *testing.F) {
	keys(f)
	hour := now.Add(time.Hour)
	seeds := []string{
		cannedSign(f, keyID, ownerKey, stream, hour),
		cannedSign(f, keyID, ownerKey, "videos/clip?start=3", hour),
		customSign(f, keyID, ownerKey, stream, policy("mp4:videos/*", sign.Condition{
			DateLessThan: epoch(hour), DateGreaterThan: epoch(now.Add(-time.Hour)),
			IPAddress: &sign.IPAddress{SourceIP: "192.0.2.0/24"}})),
		rawCustom(f, keyID, ownerKey, stream, `{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":1}}}]}`),
		stream,
		stream + "?Expires=&Signature=&Key-Pair-Id=",
		"?Policy=e30_&Signature=AA__&Key-Pair-Id=" + keyID,
		"a?&&&=&Expires=1&Expires=2",
	}
	for _, s := range seeds {
		f.Add(s, "192.0.2.10", now.Unix())
	}
	f.Add(seeds[2], "2001:db8::1", now.Add(-2*time.Hour).Unix())
	f.Fuzz(func(t *testing.T, s, ip string, unix int64) {
		addr, _ := netip.ParseAddr(ip)
		req := request(t, s)
		req.ClientIP, req.Now = addr, time.Unix(unix, 0)
		res, err := Verify(req)
		if err != nil {
			var rej *Rejection
			if !errors.As(err, &rej) || rej.Reason.String() == "" || strings.HasPrefix(rej.Reason.String(), "Reason(") {
				t.Fatalf("Verify(%q) error %v is not a named rejection", s, err)
			}
			return
		}
		if name, _ := SplitQuery(s); res.Stream != name || name == "" {
			t.Fatalf("Verify(%q) accepted stream %q", s, res.Stream)
		}
	})
}

// FuzzVerifyHTTP feeds arbitrary hosts, request URIs and cookies to
// VerifyHTTP: it must never panic and must answer a result or a named
// *Rejection.
func FuzzVerifyHTTP(f *testing.F) {
	keys(f)
	signed, err := sign.NewURLSigner(keyID, ownerKey).Sign("http://d1.cloudfront.net.localhost:8080/v/clip.mp4/index.m3u8?a=1", now.Add(time.Hour))
	if err != nil {
		f.Fatal(err)
	}
	_, q, _ := strings.Cut(signed, "?")
	f.Add("d1.cloudfront.net.localhost:8080", "/v/clip.mp4/index.m3u8?"+q, "")
	f.Add("[::1]:80", "/x?Expires=1&Signature=AA__&Key-Pair-Id="+keyID, "")
	f.Add("h", "/x", "e30_|AA__|"+keyID)
	f.Fuzz(func(t *testing.T, host, uri, cookie string) {
		cookies := map[string]string{}
		if parts := strings.Split(cookie, "|"); len(parts) == 3 {
			cookies[CookiePolicy], cookies[CookieSignature], cookies[CookieKeyPairID] = parts[0], parts[1], parts[2]
		}
		req := HTTPRequest{Scheme: "http", Host: host, RequestURI: uri, Cookies: cookies, ClientIP: client, Now: now,
			Owner: owner, TrustedSigners: []string{"self"}, Keys: signers(t)}
		if _, err := VerifyHTTP(req); err != nil {
			var rej *Rejection
			if !errors.As(err, &rej) || strings.HasPrefix(rej.Reason.String(), "Reason(") {
				t.Fatalf("VerifyHTTP(%q, %q) error %v is not a named rejection", host, uri, err)
			}
		}
	})
}

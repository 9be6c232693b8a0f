package signedurl

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/cloudfront/sign"
)

const (
	owner   = "123456789012"
	partner = "210987654321"
	keyID   = "APKAOWNERKEY000001"
	// partnerKeyID belongs to partner, an account that is not a trusted
	// signer unless a test lists it.
	partnerKeyID = "APKAPARTNERKEY0001"
	// oldKeyID is the owner's deactivated key.
	oldKeyID = "APKAOLDINACTIVE001"
	stream   = "mp4:videos/clip.mp4"
)

var (
	keysOnce                     sync.Once
	ownerKey, partnerKey, oldKey *rsa.PrivateKey
)

// keys generates the test key pairs once per test binary.
func keys(t testing.TB) {
	t.Helper()
	keysOnce.Do(func() {
		gen := func() *rsa.PrivateKey {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			return k
		}
		ownerKey, partnerKey, oldKey = gen(), gen(), gen()
	})
}

// testSigners is a two-account key registry.
type testSigners map[string]struct {
	key     *rsa.PrivateKey
	account string
	active  bool
}

func (s testSigners) AccountExists(id string) bool { return id == owner || id == partner }
func (s testSigners) ActiveKeyPairIDs(string) []string {
	return nil
}
func (s testSigners) PublicKey(id string) (*rsa.PublicKey, string, bool) {
	k, ok := s[id]
	if !ok || !k.active {
		return nil, "", false
	}
	return &k.key.PublicKey, k.account, true
}

func signers(t testing.TB) testSigners {
	keys(t)
	return testSigners{
		keyID:        {ownerKey, owner, true},
		partnerKeyID: {partnerKey, partner, true},
		oldKeyID:     {oldKey, owner, false},
	}
}

var (
	now    = time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)
	client = netip.MustParseAddr("192.0.2.10")
)

func request(t testing.TB, signed string) Request {
	return Request{Stream: signed, ClientIP: client, Now: now, Owner: owner, TrustedSigners: []string{"self"}, Keys: signers(t)}
}

// cannedSign signs name as a player's stream name with a canned policy,
// the way the AWS SDK signs an rtmp:// URL.
func cannedSign(t testing.TB, id string, key *rsa.PrivateKey, name string, expires time.Time) string {
	t.Helper()
	s, err := sign.NewURLSigner(id, key).Sign("rtmp://s1234567890abc.cloudfront.net/"+name, expires)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// customSign signs name with a custom policy built from p.
func customSign(t testing.TB, id string, key *rsa.PrivateKey, name string, p *sign.Policy) string {
	t.Helper()
	s, err := sign.NewURLSigner(id, key).SignWithPolicy("rtmp://s1234567890abc.cloudfront.net/"+name, p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func policy(resource string, cond sign.Condition) *sign.Policy {
	return &sign.Policy{Statements: []sign.Statement{{Resource: resource, Condition: cond}}}
}

func epoch(t time.Time) *sign.AWSEpochTime { return sign.NewAWSEpochTime(t) }

func wantOK(t *testing.T, req Request, wantStream string) Result {
	t.Helper()
	res, err := Verify(req)
	if err != nil {
		t.Fatalf("Verify(%q) = %v, want ok", req.Stream, err)
	}
	if res.Stream != wantStream {
		t.Fatalf("Stream = %q, want %q", res.Stream, wantStream)
	}
	return res
}

func wantReason(t *testing.T, req Request, want Reason) {
	t.Helper()
	_, err := Verify(req)
	var rej *Rejection
	if !errors.As(err, &rej) {
		t.Fatalf("Verify(%q) = %v, want rejection %v", req.Stream, err, want)
	}
	if rej.Reason != want {
		t.Fatalf("Verify(%q) rejected for %v (%s), want %v", req.Stream, rej.Reason, rej.Detail, want)
	}
	if !strings.Contains(err.Error(), want.String()) {
		t.Fatalf("error text %q does not name the reason", err)
	}
}

func TestCannedPolicyAccepted(t *testing.T) {
	keys(t)
	signed := cannedSign(t, keyID, ownerKey, stream, now.Add(time.Hour))
	if !strings.HasPrefix(signed, stream+"?Expires=") {
		t.Fatalf("the SDK signed %q; test assumes a bare stream resource", signed)
	}
	res := wantOK(t, request(t, signed), stream)
	if res.KeyPairID != keyID || res.Account != owner || res.Custom {
		t.Fatalf("result = %+v", res)
	}
}

func TestCannedPolicyFLVWithOwnQuery(t *testing.T) {
	keys(t)
	// The player's own query is part of the signed resource but not of the
	// object to open.
	signed := cannedSign(t, keyID, ownerKey, "videos/clip?start=10", now.Add(time.Minute))
	wantOK(t, request(t, signed), "videos/clip")
}

func TestCustomPolicyAccepted(t *testing.T) {
	keys(t)
	cases := map[string]sign.Condition{
		"date only":    {DateLessThan: epoch(now.Add(time.Hour))},
		"start passed": {DateLessThan: epoch(now.Add(time.Hour)), DateGreaterThan: epoch(now.Add(-time.Minute))},
		"start now":    {DateLessThan: epoch(now.Add(time.Hour)), DateGreaterThan: epoch(now)},
		"ip range":     {DateLessThan: epoch(now.Add(time.Hour)), IPAddress: &sign.IPAddress{SourceIP: "192.0.2.0/24"}},
		"single ip":    {DateLessThan: epoch(now.Add(time.Hour)), IPAddress: &sign.IPAddress{SourceIP: "192.0.2.10/32"}},
	}
	for name, cond := range cases {
		t.Run(name, func(t *testing.T) {
			signed := customSign(t, keyID, ownerKey, stream, policy(stream, cond))
			if !strings.Contains(signed, "?Policy=") {
				t.Fatalf("not a custom-policy name: %q", signed)
			}
			res := wantOK(t, request(t, signed), stream)
			if !res.Custom {
				t.Fatal("Custom = false for a custom policy")
			}
		})
	}
}

func TestCustomPolicyWildcards(t *testing.T) {
	keys(t)
	exp := sign.Condition{DateLessThan: epoch(now.Add(time.Hour))}
	for _, tc := range []struct {
		resource, stream string
		ok               bool
	}{
		{"mp4:videos/*", "mp4:videos/clip.mp4", true},
		{"mp4:videos/*", "mp4:videos/sub/clip.mp4", true},
		{"*", "anything/at/all", true},
		{"mp4:videos/clip?.mp4", "mp4:videos/clip2.mp4", true},
		{"mp4:videos/clip?.mp4", "mp4:videos/clip.mp4", false},
		{"mp4:videos/*.mp4", "mp4:videos/clip.flv", false},
		{"mp4:audio/*", "mp4:videos/clip.mp4", false},
		{"videos/clip", "videos/clip2", false},
	} {
		t.Run(tc.resource+"→"+tc.stream, func(t *testing.T) {
			signed := customSign(t, keyID, ownerKey, tc.stream, policy(tc.resource, exp))
			if tc.ok {
				wantOK(t, request(t, signed), tc.stream)
			} else {
				wantReason(t, request(t, signed), ResourceMismatch)
			}
		})
	}
}

// TestNameSignedWithoutPrefix: players prepend mp4: to a name signed
// without it; the signature still covers the play, of the same object.
func TestNameSignedWithoutPrefix(t *testing.T) {
	keys(t)
	signed := cannedSign(t, keyID, ownerKey, "videos/clip.mp4", now.Add(time.Hour))
	wantOK(t, request(t, "mp4:"+signed), stream)
	custom := customSign(t, keyID, ownerKey, "videos/clip.mp4", policy("videos/*", sign.Condition{DateLessThan: epoch(now.Add(time.Hour))}))
	wantOK(t, request(t, "mp4:"+custom), stream)
	wantOK(t, request(t, "MOV:"+signed), "MOV:videos/clip.mp4")
	// The reverse does not hold: a name signed with its prefix is not
	// another stream's signature without it, and other prefixes are not
	// stripped.
	wantReason(t, request(t, strings.TrimPrefix(cannedSign(t, keyID, ownerKey, stream, now.Add(time.Hour)), "mp4:")), BadSignature)
	wantReason(t, request(t, "raw:"+signed), BadSignature)
}

func TestCustomPolicyWithoutResourceCoversEveryStream(t *testing.T) {
	keys(t)
	doc := fmt.Sprintf(`{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":%d}}}]}`, now.Add(time.Hour).Unix())
	wantOK(t, request(t, rawCustom(t, keyID, ownerKey, stream, doc)), stream)
}

// rawCustom signs an arbitrary policy document, for policies the SDK's
// Policy type cannot express.
func rawCustom(t testing.TB, id string, key *rsa.PrivateKey, name, doc string) string {
	t.Helper()
	sig, err := signDoc(key, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return name + "?Policy=" + encode([]byte(doc)) + "&Signature=" + encode(sig) + "&Key-Pair-Id=" + id
}

func TestTrustedSigners(t *testing.T) {
	keys(t)
	signedByPartner := cannedSign(t, partnerKeyID, partnerKey, stream, now.Add(time.Hour))
	signedByOwner := cannedSign(t, keyID, ownerKey, stream, now.Add(time.Hour))

	req := request(t, signedByPartner)
	wantReason(t, req, UntrustedKey) // only "self" trusted

	req.TrustedSigners = []string{"self", partner}
	wantOK(t, req, stream)

	req = request(t, signedByOwner)
	req.TrustedSigners = []string{partner}
	wantReason(t, req, UntrustedKey) // the owner is not trusted unless listed

	req.TrustedSigners = []string{owner}
	wantOK(t, req, stream) // the owner by number works like "self"
}

func TestRejections(t *testing.T) {
	keys(t)
	hour := now.Add(time.Hour)
	canned := cannedSign(t, keyID, ownerKey, stream, hour)
	custom := func(c sign.Condition) string { return customSign(t, keyID, ownerKey, stream, policy(stream, c)) }
	noLessThan := rawCustom(t, keyID, ownerKey, stream, `{"Statement":[{"Resource":"mp4:videos/clip.mp4","Condition":{}}]}`)
	unknownCond := rawCustom(t, keyID, ownerKey, stream, fmt.Sprintf(
		`{"Statement":[{"Resource":"mp4:videos/clip.mp4","Condition":{"DateLessThan":{"AWS:EpochTime":%d},"Referer":"x"}}]}`, hour.Unix()))
	badCIDR := custom(sign.Condition{DateLessThan: epoch(hour), IPAddress: &sign.IPAddress{SourceIP: "192.0.2.0/99"}})
	_, sig, _ := strings.Cut(canned, "&Signature=")
	sig, _, _ = strings.Cut(sig, "&")

	for _, tc := range []struct {
		name   string
		stream string
		want   Reason
	}{
		{"no query", stream, MissingParams},
		{"no signature", strings.Replace(canned, "&Signature=", "&Sig=", 1), MissingParams},
		{"no key pair id", strings.Replace(canned, "&Key-Pair-Id=", "&Key=", 1), MissingParams},
		{"no expires or policy", stream + "?Signature=" + sig + "&Key-Pair-Id=" + keyID, MissingParams},
		{"empty signature", stream + "?Expires=1&Signature=&Key-Pair-Id=" + keyID, MissingParams},
		{"expires not a number", stream + "?Expires=soon&Signature=" + sig + "&Key-Pair-Id=" + keyID, Malformed},
		{"signature not base64", stream + "?Expires=1&Signature=!!!&Key-Pair-Id=" + keyID, Malformed},
		{"policy not base64", stream + "?Policy=***&Signature=" + sig + "&Key-Pair-Id=" + keyID, Malformed},
		{"expires and policy", canned + "&Policy=e30_", Malformed},
		{"duplicate parameter", canned + "&Key-Pair-Id=" + keyID, Malformed},
		{"parameter after signing", canned + "&start=10", Malformed},
		{"empty stream name", "?" + strings.SplitN(canned, "?", 2)[1], Malformed},
		{"policy without DateLessThan", noLessThan, Malformed},
		{"policy with unknown condition", unknownCond, Malformed},
		{"policy with bad CIDR", badCIDR, Malformed},
		{"unknown key", strings.Replace(canned, keyID, "APKANOSUCHKEY00000", 1), UnknownKey},
		{"inactive key", cannedSign(t, oldKeyID, oldKey, stream, hour), UnknownKey},
		{"wrong key", strings.Replace(cannedSign(t, keyID, partnerKey, stream, hour), partnerKeyID, keyID, 1), BadSignature},
		{"other stream, canned", strings.Replace(canned, "clip.mp4", "secret.mp4", 1), BadSignature},
		{"canned expired", cannedSign(t, keyID, ownerKey, stream, now), Expired},
		{"canned expired long ago", cannedSign(t, keyID, ownerKey, stream, now.Add(-24*time.Hour)), Expired},
		{"custom expired", custom(sign.Condition{DateLessThan: epoch(now.Add(-time.Second))}), Expired},
		{"custom not yet valid", custom(sign.Condition{DateLessThan: epoch(hour), DateGreaterThan: epoch(now.Add(time.Second))}), NotYetValid},
		{"custom ip not allowed", custom(sign.Condition{DateLessThan: epoch(hour), IPAddress: &sign.IPAddress{SourceIP: "198.51.100.0/24"}}), IPNotAllowed},
		{"custom other stream", strings.Replace(custom(sign.Condition{DateLessThan: epoch(hour)}), "clip.mp4?", "secret.mp4?", 1), ResourceMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) { wantReason(t, request(t, tc.stream), tc.want) })
	}
}

func TestIPv6AndMappedClients(t *testing.T) {
	keys(t)
	v4 := customSign(t, keyID, ownerKey, stream, policy(stream, sign.Condition{DateLessThan: epoch(now.Add(time.Hour)), IPAddress: &sign.IPAddress{SourceIP: "192.0.2.0/24"}}))
	req := request(t, v4)
	req.ClientIP = netip.MustParseAddr("::ffff:192.0.2.77")
	wantOK(t, req, stream)
	req.ClientIP = netip.MustParseAddr("2001:db8::1")
	wantReason(t, req, IPNotAllowed)
	req.ClientIP = netip.Addr{} // unknown address never matches a restriction
	wantReason(t, req, IPNotAllowed)

	v6 := customSign(t, keyID, ownerKey, stream, policy(stream, sign.Condition{DateLessThan: epoch(now.Add(time.Hour)), IPAddress: &sign.IPAddress{SourceIP: "2001:db8::/32"}}))
	req = request(t, v6)
	req.ClientIP = netip.MustParseAddr("2001:db8::1")
	wantOK(t, req, stream)
}

// TestTampering changes one byte at a time in each signed part and expects
// every change to be refused.
func TestTampering(t *testing.T) {
	keys(t)
	canned := cannedSign(t, keyID, ownerKey, stream, now.Add(time.Hour))
	custom := customSign(t, keyID, ownerKey, stream, policy(stream, sign.Condition{
		DateLessThan: epoch(now.Add(time.Hour)), IPAddress: &sign.IPAddress{SourceIP: "192.0.2.0/24"}}))
	for name, signed := range map[string]string{"canned": canned, "custom": custom} {
		for _, part := range []string{"Expires", "Policy", "Signature"} {
			start := strings.Index(signed, part+"=")
			if start < 0 {
				continue
			}
			start += len(part) + 1
			end := start + strings.IndexByte(signed[start:], '&')
			for i := start; i < end; i++ {
				tampered := []byte(signed)
				tampered[i] = flip(tampered[i])
				if _, err := Verify(request(t, string(tampered))); err == nil {
					t.Fatalf("%s: changing %s byte %d (%q) was accepted", name, part, i-start, tampered)
				}
			}
		}
		t.Run(name, func(t *testing.T) { wantOK(t, request(t, signed), stream) })
	}
}

// flip changes a character to another of the same class, so that the
// change survives decoding and reaches the signature check.
func flip(c byte) byte {
	switch {
	case c >= '0' && c <= '8', c >= 'a' && c <= 'y', c >= 'A' && c <= 'Y':
		return c + 1
	case c == '9':
		return '0'
	case c == 'z':
		return 'a'
	case c == 'Z':
		return 'A'
	case c == '-':
		return '~'
	default:
		return '-'
	}
}

func TestTamperingExpiresIsBadSignature(t *testing.T) {
	keys(t)
	exp := now.Add(time.Hour)
	canned := cannedSign(t, keyID, ownerKey, stream, exp)
	later := strings.Replace(canned, fmt.Sprint(exp.Unix()), fmt.Sprint(exp.Unix()+86400), 1)
	wantReason(t, request(t, later), BadSignature)
}

func TestPercentEncodedSignatureAccepted(t *testing.T) {
	keys(t)
	// Some players percent-encode the query a second time.
	signed := cannedSign(t, keyID, ownerKey, stream, now.Add(time.Hour))
	name, q := SplitQuery(signed)
	q = strings.NewReplacer("~", "%7E", "_", "%5F").Replace(q)
	wantOK(t, request(t, name+"?"+q), stream)
}

func TestWildcardMatch(t *testing.T) {
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"", "", true}, {"", "a", false}, {"*", "", true}, {"?", "", false},
		{"a*b*c", "aXbYc", true}, {"a*b*c", "abc", true}, {"a*b*c", "acb", false},
		{"**", "x", true}, {"*?", "", false}, {"*.mp4", "a.mp4.mp4", true},
		{strings.Repeat("*a", 30) + "b", strings.Repeat("a", 200), false},
	} {
		if got := wildcardMatch(tc.p, tc.s); got != tc.want {
			t.Errorf("wildcardMatch(%q, %q) = %v, want %v", tc.p, tc.s, got, tc.want)
		}
	}
}

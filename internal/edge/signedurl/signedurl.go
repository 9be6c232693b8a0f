// Package signedurl verifies CloudFront signed stream names for RTMP plays,
// and signed URLs and cookies for HTTP requests (http.go).
//
// When a streaming distribution has TrustedSigners enabled, a player must
// append a signature to the stream name it plays:
//
//	mp4:videos/clip.mp4?Expires=<epoch>&Signature=<sig>&Key-Pair-Id=<id>      (canned policy)
//	mp4:videos/clip.mp4?Policy=<b64 policy>&Signature=<sig>&Key-Pair-Id=<id>  (custom policy)
//
// The signature is RSA-SHA1 (PKCS #1 v1.5) over the exact policy JSON,
// encoded in CloudFront's URL-safe base64 (+ → -, = → _, / → ~). For RTMP the
// policy's Resource is the bare stream name: no scheme, host, application or
// signing parameters. Verify is a pure function: the caller supplies the
// clock, the client address and the key lookup.
package signedurl

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Request is one play to verify.
type Request struct {
	// Stream is the stream name exactly as the client sent it in play,
	// query included.
	Stream string
	// ClientIP is the player's address, checked against a custom policy's
	// IpAddress condition.
	ClientIP netip.Addr
	// Now is the time of the play.
	Now time.Time
	// Owner is the account that owns the distribution; "self" in
	// TrustedSigners stands for it.
	Owner string
	// TrustedSigners are the distribution's TrustedSigners items: "self"
	// or account numbers.
	TrustedSigners []string
	// Keys finds a key pair's public key and owning account.
	Keys Keys
}

// Keys finds the public half of CloudFront key pairs (cloudfront.Signers
// has it, from the accounts or key-pairs file).
type Keys interface {
	// PublicKey returns the public key of an active key pair and the
	// account that owns it; ok is false for unknown or inactive key pairs.
	PublicKey(keyPairID string) (pub *rsa.PublicKey, account string, ok bool)
}

// Result describes an accepted play.
type Result struct {
	// Stream is the stream name with its query removed: what to open.
	Stream string
	// KeyPairID is the key pair that signed the play.
	KeyPairID string
	// Account owns that key pair.
	Account string
	// Custom is true for a custom policy, false for a canned one.
	Custom bool
}

// The query parameters CloudFront reserves for signing.
const (
	paramExpires   = "Expires"
	paramPolicy    = "Policy"
	paramSignature = "Signature"
	paramKeyPairID = "Key-Pair-Id"
)

// Verify checks a signed stream name. It returns the unsigned stream name
// on success and a *Rejection otherwise.
func Verify(req Request) (Result, error) {
	p, err := parseSigned(req.Stream)
	if err != nil {
		return Result{}, err
	}
	return verify(p, p.resources(), req.ClientIP, req.Now, req.Owner, req.TrustedSigners, req.Keys)
}

// verify checks p's key, signature and conditions; resources are the names
// the signer may have signed for this request.
func verify(p signedName, resources []string, ip netip.Addr, now time.Time, owner string, signers []string, keys Keys) (Result, error) {
	pub, account, ok := keys.PublicKey(p.keyPairID)
	if !ok {
		return Result{}, reject(UnknownKey, "key pair %q is unknown or inactive", p.keyPairID)
	}
	if !trusted(account, owner, signers) {
		return Result{}, reject(UntrustedKey, "key pair %q does not belong to a trusted signer of this distribution", p.keyPairID)
	}
	cond, err := p.verifiedConditions(pub, resources)
	if err != nil {
		return Result{}, err
	}
	if err := cond.check(resources, ip, now); err != nil {
		return Result{}, err
	}
	return Result{Stream: p.stream, KeyPairID: p.keyPairID, Account: account, Custom: p.custom}, nil
}

// SplitQuery splits a stream name at its first '?' into the name and the
// query (without the '?').
func SplitQuery(stream string) (name, query string) {
	name, query, _ = strings.Cut(stream, "?")
	return name, query
}

// signedName is a stream name split into its parts.
type signedName struct {
	stream    string // without any query: the object to open
	resource  string // what the signer signed: stream plus non-signing query
	custom    bool
	expires   int64  // canned policy
	rawPolicy string // custom policy, CloudFront base64
	signature []byte
	keyPairID string
}

func parseSigned(s string) (signedName, error) {
	name, query := SplitQuery(s)
	if name == "" {
		return signedName{}, reject(Malformed, "empty stream name")
	}
	p := signedName{stream: name}
	// Signers append the signing parameters after any query of their own
	// (sign.URLSigner does), and that earlier query is part of the signed
	// resource. So the resource is everything before the first signing
	// parameter.
	var kept []string
	seen := map[string]bool{}
	signing := false
	trailing := ""
	for _, kv := range strings.Split(query, "&") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case paramExpires, paramPolicy, paramSignature, paramKeyPairID:
			if seen[k] {
				return signedName{}, reject(Malformed, "parameter %s appears twice", k)
			}
			seen[k] = true
			signing = true
			if err := p.set(k, v); err != nil {
				return signedName{}, err
			}
		default:
			if signing && trailing == "" {
				trailing = k
			}
			kept = append(kept, kv)
		}
	}
	p.resource = name
	if len(kept) > 0 && !(len(kept) == 1 && kept[0] == "") {
		p.resource = name + "?" + strings.Join(kept, "&")
	}
	switch {
	case !seen[paramSignature] || !seen[paramKeyPairID] || (!seen[paramExpires] && !seen[paramPolicy]):
		return signedName{}, reject(MissingParams, "a signed stream name needs Expires or Policy, Signature and Key-Pair-Id")
	case seen[paramExpires] && seen[paramPolicy]:
		return signedName{}, reject(Malformed, "both Expires and Policy are present")
	case trailing != "":
		return signedName{}, reject(Malformed, "parameter %q follows the signing parameters", trailing)
	}
	return p, nil
}

// set records one signing parameter, decoding it.
func (p *signedName) set(k, v string) error {
	if v == "" {
		return reject(MissingParams, "parameter %s is empty", k)
	}
	switch k {
	case paramExpires:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return reject(Malformed, "Expires %q is not an epoch time", v)
		}
		p.expires = n
	case paramPolicy:
		p.custom = true
		p.rawPolicy = v
	case paramSignature:
		sig, err := decodeBase64(v)
		if err != nil {
			return reject(Malformed, "Signature is not CloudFront base64")
		}
		p.signature = sig
	case paramKeyPairID:
		id, err := url.QueryUnescape(v)
		if err != nil {
			return reject(Malformed, "Key-Pair-Id %q is not valid", v)
		}
		p.keyPairID = id
	}
	return nil
}

// verifiedConditions checks the signature and returns the policy's
// conditions. A canned policy is rebuilt for each name the signer may have
// signed (resources) until one matches the signature.
func (p signedName) verifiedConditions(pub *rsa.PublicKey, resources []string) (conditions, error) {
	if p.custom {
		doc, err := decodeBase64(p.rawPolicy)
		if err != nil {
			return conditions{}, reject(Malformed, "Policy is not CloudFront base64")
		}
		if err := verifySignature(pub, doc, p.signature); err != nil {
			return conditions{}, err
		}
		return parsePolicy(doc)
	}
	for _, r := range resources {
		if verifySignature(pub, cannedPolicy(r, p.expires), p.signature) == nil {
			return conditions{resource: r, hasResource: true, lessThan: p.expires}, nil
		}
	}
	return conditions{}, reject(BadSignature, "signature does not match the policy")
}

// resources are the names a signer may have signed for this play: the
// stream name as played, and without its format prefix (mp4:, f4v:, mov:,
// mp3:, flv:), since players add the prefix to a name signed without it.
// Both name the same object, so accepting either grants nothing more.
func (p signedName) resources() []string {
	prefix, rest, ok := strings.Cut(p.resource, ":")
	if ok && rest != "" && formatPrefixes[strings.ToLower(prefix)] {
		return []string{p.resource, rest}
	}
	return []string{p.resource}
}

var formatPrefixes = map[string]bool{"mp4": true, "f4v": true, "mov": true, "mp3": true, "flv": true}

// cannedPolicy is the canned policy as CloudFront and the AWS SDKs build
// it: compact JSON, the resource JSON-escaped without HTML escaping.
func cannedPolicy(resource string, expires int64) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(resource) // a string always encodes
	r := bytes.TrimSpace(buf.Bytes())
	return fmt.Appendf(nil, `{"Statement":[{"Resource":%s,"Condition":{"DateLessThan":{"AWS:EpochTime":%d}}}]}`, r, expires)
}

// cloudFrontBase64 undoes CloudFront's URL-safe substitutions.
var cloudFrontBase64 = strings.NewReplacer("-", "+", "_", "=", "~", "/")

// decodeBase64 decodes CloudFront base64. Players sometimes percent-encode
// the value or drop the padding; both are accepted.
func decodeBase64(s string) ([]byte, error) {
	if strings.Contains(s, "%") {
		u, err := url.QueryUnescape(s)
		if err != nil {
			return nil, err
		}
		s = u
	}
	s = cloudFrontBase64.Replace(s)
	// Strict: bits beyond the data must be zero, so every character of the
	// signature counts and no two spellings decode alike.
	return base64.StdEncoding.WithPadding(base64.NoPadding).Strict().DecodeString(strings.TrimRight(s, "="))
}

func verifySignature(pub *rsa.PublicKey, policy, sig []byte) error {
	if pub == nil {
		return reject(UnknownKey, "key pair has no public key")
	}
	sum := sha1.Sum(policy)
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA1, sum[:], sig); err != nil {
		return reject(BadSignature, "signature does not match the policy")
	}
	return nil
}

func trusted(account, owner string, signers []string) bool {
	for _, s := range signers {
		if s == account || (s == "self" && account == owner) {
			return true
		}
	}
	return false
}

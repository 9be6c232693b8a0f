package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/streamfront/streamfront/internal/api"
	cf "github.com/streamfront/streamfront/internal/cloudfront"
)

// The SigV4 scope CloudFront signs with: a global service in us-east-1.
const (
	Service = "cloudfront"
	Region  = "us-east-1"
)

const (
	algorithm = "AWS4-HMAC-SHA256"
	// MaxSkew is how far X-Amz-Date may be from the server's clock.
	MaxSkew    = 15 * time.Minute
	maxExpires = 7 * 24 * 60 * 60 // seconds, as for every SigV4 presigned URL
	amzDate    = "20060102T150405Z"
)

var emptyHash = func() string { sum := sha256.Sum256(nil); return hex.EncodeToString(sum[:]) }()

// Keys finds access keys; *Registry implements it.
type Keys interface {
	AccessKey(id string) (*AccessKey, bool)
}

// Verifier is the api.Authenticator of secure mode. It recomputes the
// signature with the AWS SDK's own signer, so canonicalisation is exactly
// the SDK's, and compares in constant time.
type Verifier struct {
	keys   Keys
	now    func() time.Time
	signer *v4.Signer
}

// NewVerifier returns a Verifier over keys; now is the clock (time.Now when nil).
func NewVerifier(keys Keys, now func() time.Time) *Verifier {
	if now == nil {
		now = time.Now
	}
	return &Verifier{keys: keys, now: now, signer: v4.NewSigner()}
}

// signature is what a request claims: from the Authorization header or from
// the query of a presigned URL.
type signature struct {
	presigned     bool
	accessKeyID   string
	scopeDate     string
	region        string
	service       string
	signedHeaders []string
	signature     string
	date          string // X-Amz-Date
	expires       int64  // presigned only; 0 when absent
}

// Authenticate implements api.Authenticator.
func (v *Verifier) Authenticate(r *http.Request, body []byte, op string) (string, error) {
	sig, err := parseSignature(r)
	if err != nil {
		return "", err
	}
	key, ok := v.keys.AccessKey(sig.accessKeyID)
	if !ok {
		return "", errInvalidToken
	}
	signedAt, err := v.checkScopeAndTime(sig)
	if err != nil {
		return "", err
	}
	want, err := v.expected(r, body, sig, key, signedAt)
	if err != nil {
		return "", err
	}
	if !hmac.Equal([]byte(want), []byte(sig.signature)) {
		return "", signatureMismatch("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	if !key.Allows(op) {
		return "", cf.Errorf(cf.ErrAccessDenied, "User: arn:aws:iam::%s:user/%s is not authorized to perform: cloudfront:%s", key.Account, key.ID, op)
	}
	return key.Account, nil
}

func signatureMismatch(msg string) error {
	return api.AuthError("SignatureDoesNotMatch", http.StatusForbidden, msg)
}

func incomplete(msg string) error {
	return api.AuthError("IncompleteSignature", http.StatusBadRequest, msg)
}

// parseSignature reads the claimed signature from the header or the query.
func parseSignature(r *http.Request) (*signature, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		if r.Header.Get("X-Amz-Security-Token") != "" {
			return nil, errInvalidToken
		}
		return parseAuthorization(h, r.Header.Get("X-Amz-Date"))
	}
	if r.URL.RawQuery != "" {
		q := r.URL.Query()
		if q.Has("X-Amz-Security-Token") {
			return nil, errInvalidToken
		}
		if q.Has("X-Amz-Signature") || q.Has("X-Amz-Algorithm") || q.Has("X-Amz-Credential") {
			return parsePresigned(q)
		}
	}
	return nil, api.AuthError("MissingAuthenticationToken", http.StatusForbidden, "Request is missing Authentication Token")
}

// errInvalidToken answers an unknown access key, and any session token:
// streamfront issues no temporary credentials.
var errInvalidToken = api.AuthError("InvalidClientTokenId", http.StatusForbidden, "The security token included in the request is invalid.")

// parseAuthorization reads
// "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/cloudfront/aws4_request, SignedHeaders=host;x-amz-date, Signature=hex".
func parseAuthorization(h, date string) (*signature, error) {
	alg, rest, _ := strings.Cut(h, " ")
	if alg != algorithm {
		return nil, incomplete(fmt.Sprintf("Unsupported AWS 'algorithm': '%s'.", alg))
	}
	var credential, signedHeaders string
	sig := &signature{date: date}
	for part := range strings.SplitSeq(rest, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			credential = val
		case "SignedHeaders":
			signedHeaders = val
		case "Signature":
			sig.signature = val
		}
	}
	var missing []string
	for _, f := range [][2]string{{"Credential", credential}, {"Signature", sig.signature}, {"SignedHeaders", signedHeaders}} {
		if f[1] == "" {
			missing = append(missing, fmt.Sprintf("Authorization header requires '%s' parameter.", f[0]))
		}
	}
	if date == "" {
		missing = append(missing, "Authorization header requires existence of a 'X-Amz-Date' header.")
	}
	if len(missing) > 0 {
		return nil, incomplete(strings.Join(missing, " ") + " Authorization=" + alg)
	}
	sig.signedHeaders = strings.Split(signedHeaders, ";")
	return sig, sig.parseCredential(credential)
}

func parsePresigned(q url.Values) (*signature, error) {
	var missing []string
	for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"} {
		if q.Get(k) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return nil, incomplete("AWS query-string parameters must include " + strings.Join(missing, ", ") + ".")
	}
	if alg := q.Get("X-Amz-Algorithm"); alg != algorithm {
		return nil, incomplete(fmt.Sprintf("Unsupported AWS 'algorithm': '%s'.", alg))
	}
	sig := &signature{presigned: true, signedHeaders: strings.Split(q.Get("X-Amz-SignedHeaders"), ";"),
		signature: q.Get("X-Amz-Signature"), date: q.Get("X-Amz-Date")}
	if e := q.Get("X-Amz-Expires"); e != "" {
		n, err := strconv.ParseInt(e, 10, 64)
		if err != nil || n < 1 || n > maxExpires {
			return nil, incomplete(fmt.Sprintf("X-Amz-Expires must be an integer from 1 to %d, got %q.", maxExpires, e))
		}
		sig.expires = n
	}
	return sig, sig.parseCredential(q.Get("X-Amz-Credential"))
}

// parseCredential splits AKID/yyyymmdd/region/service/aws4_request.
func (s *signature) parseCredential(c string) error {
	p := strings.Split(c, "/")
	if len(p) != 5 || p[0] == "" || p[4] != "aws4_request" {
		return incomplete(fmt.Sprintf("Credential should be of the form <access key>/<date>/%s/%s/aws4_request, got '%s'.", Region, Service, c))
	}
	s.accessKeyID, s.scopeDate, s.region, s.service = p[0], p[1], p[2], p[3]
	return nil
}

// checkScopeAndTime checks the credential scope and that the request is
// recent, answering as CloudFront does: SignatureDoesNotMatch (403) with
// AWS's "Signature expired" text for a stale or future X-Amz-Date.
func (v *Verifier) checkScopeAndTime(s *signature) (time.Time, error) {
	if s.region != Region {
		return time.Time{}, signatureMismatch(fmt.Sprintf("Credential should be scoped to a valid region, not '%s'.", s.region))
	}
	if s.service != Service {
		return time.Time{}, signatureMismatch(fmt.Sprintf("Credential should be scoped to correct service: '%s'.", Service))
	}
	t, err := time.Parse(amzDate, s.date)
	if err != nil {
		return time.Time{}, incomplete(fmt.Sprintf("X-Amz-Date must be in the ISO-8601 basic format yyyyMMdd'T'HHmmss'Z', got '%s'.", s.date))
	}
	if s.scopeDate != t.Format("20060102") {
		return time.Time{}, signatureMismatch(fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", s.scopeDate, t.Format("20060102"), s.date))
	}
	now := v.now().UTC()
	switch {
	case t.After(now.Add(MaxSkew)):
		return time.Time{}, signatureMismatch(fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + 15 min.)", s.date, now.Add(MaxSkew).Format(amzDate), now.Format(amzDate)))
	case s.expires > 0 && now.After(t.Add(time.Duration(s.expires)*time.Second)):
		return time.Time{}, signatureMismatch(fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %d sec.)", s.date, now.Add(-time.Duration(s.expires)*time.Second).Format(amzDate), now.Format(amzDate), s.expires))
	case s.expires == 0 && t.Before(now.Add(-MaxSkew)):
		return time.Time{}, signatureMismatch(fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 15 min.)", s.date, now.Add(-MaxSkew).Format(amzDate), now.Format(amzDate)))
	}
	return t, nil
}

// expected re-signs a copy of r that carries only the signed headers, with
// the signing time of the request and the hash of the body actually
// received (so a tampered body changes the signature), and returns the
// signature the SDK's signer computes.
func (v *Verifier) expected(r *http.Request, body []byte, s *signature, key *AccessKey, signedAt time.Time) (string, error) {
	payloadHash := emptyHash
	if len(body) > 0 {
		sum := sha256.Sum256(body)
		payloadHash = hex.EncodeToString(sum[:])
	}
	creds := aws.Credentials{AccessKeyID: key.ID, SecretAccessKey: key.Secret}

	rawQuery := r.URL.RawQuery
	if s.presigned {
		query := r.URL.Query()
		query.Del("X-Amz-Signature")
		rawQuery = query.Encode()
	}
	cp := &http.Request{
		Method: r.Method,
		URL:    &url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: rawQuery},
		Host:   r.Host,
		Header: make(http.Header, len(s.signedHeaders)),
	}
	hasHost := false
	for _, h := range s.signedHeaders {
		switch h = strings.ToLower(h); h {
		case "host":
			hasHost = true
		case "content-length":
			// The SDK signs the length from ContentLength, not the header.
			cp.ContentLength = r.ContentLength
		default:
			if vals := r.Header.Values(h); len(vals) > 0 {
				cp.Header[http.CanonicalHeaderKey(h)] = vals
			}
		}
	}
	if !hasHost {
		return "", signatureMismatch("'Host' must be a 'SignedHeader' in the AWS Authorization.")
	}
	ctx := context.Background()
	if s.presigned {
		signed, _, err := v.signer.PresignHTTP(ctx, creds, cp, payloadHash, Service, Region, signedAt,
			func(o *v4.SignerOptions) { o.DisableHeaderHoisting = true })
		if err != nil {
			return "", err
		}
		u, err := url.Parse(signed)
		if err != nil {
			return "", err
		}
		return u.Query().Get("X-Amz-Signature"), nil
	}
	if err := v.signer.SignHTTP(ctx, creds, cp, payloadHash, Service, Region, signedAt); err != nil {
		return "", err
	}
	_, got, _ := strings.Cut(cp.Header.Get("Authorization"), "Signature=")
	return got, nil
}

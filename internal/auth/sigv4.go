package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/streamfront/streamfront/internal/api"
)

// Region is the SigV4 region every streamfront API is signed for: CloudFront
// and the tagging API of its resources are global services in us-east-1.
const Region = "us-east-1"

const (
	algorithm = "AWS4-HMAC-SHA256"
	// MaxSkew is how far the request's date may be from the server's clock.
	MaxSkew    = 15 * time.Minute
	maxExpires = 7 * 24 * 60 * 60 // seconds, as for every SigV4 presigned URL
	amzDate    = "20060102T150405Z"
)

// Why a request was refused, for the request log (the client sees the AWS
// code and message).
const (
	ReasonMissing      = "missing signature"
	ReasonMalformed    = "malformed signature"
	ReasonUnknownKey   = "unknown access key"
	ReasonSessionToken = "session token"
	ReasonScope        = "wrong credential scope"
	ReasonSkew         = "clock skew"
	ReasonBadSignature = "bad signature"
	ReasonDenied       = "action denied"
)

var emptyHash = sha256Hex(nil)

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Keys finds access keys; *Registry implements it.
type Keys interface {
	AccessKey(id string) (*AccessKey, bool)
}

// Verifier is the api.Authenticator of secure mode. It computes the
// canonical request itself, over exactly the headers the client signed, and
// compares signatures in constant time.
type Verifier struct {
	keys Keys
	now  func() time.Time
}

// NewVerifier returns a Verifier over keys; now is the clock (time.Now when nil).
func NewVerifier(keys Keys, now func() time.Time) *Verifier {
	if now == nil {
		now = time.Now
	}
	return &Verifier{keys: keys, now: now}
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
	date          string // X-Amz-Date, or the Date header
	dateIsHTTP    bool   // date is an HTTP Date header (RFC 1123), not ISO 8601 basic
	expires       int64  // presigned only; 0 when absent
}

// Authenticate implements api.Authenticator: the request must be signed for
// the action's signing name, and the key allowed the action.
func (v *Verifier) Authenticate(r *http.Request, body []byte, act api.Action) (api.Caller, error) {
	sig, err := parseSignature(r)
	if err != nil {
		return api.Caller{}, err
	}
	caller := api.Caller{AccessKeyID: sig.accessKeyID}
	key, ok := v.keys.AccessKey(sig.accessKeyID)
	if !ok {
		return caller, errInvalidToken(ReasonUnknownKey)
	}
	caller.Account = key.Account
	signedAt, err := v.checkScopeAndTime(sig, act.SigningName)
	if err != nil {
		return caller, err
	}
	want, err := expected(r, body, sig, key, signedAt)
	if err != nil {
		return caller, err
	}
	if !hmac.Equal([]byte(want), []byte(sig.signature)) {
		return caller, signatureMismatch(ReasonBadSignature, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	for _, action := range append([]string{act.IAM}, act.Also...) {
		if !key.Allows(action) {
			return caller, api.AuthError(ReasonDenied, "AccessDenied", http.StatusForbidden,
				fmt.Sprintf("User: arn:aws:iam::%s:user/%s is not authorized to perform: %s", key.Account, key.ID, action))
		}
	}
	return caller, nil
}

func signatureMismatch(reason, msg string) error {
	return api.AuthError(reason, "SignatureDoesNotMatch", http.StatusForbidden, msg)
}

func incomplete(msg string) error {
	return api.AuthError(ReasonMalformed, "IncompleteSignature", http.StatusBadRequest, msg)
}

// parseSignature reads the claimed signature from the header or the query.
func parseSignature(r *http.Request) (*signature, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		if r.Header.Get("X-Amz-Security-Token") != "" {
			return nil, errInvalidToken(ReasonSessionToken)
		}
		sig, err := parseAuthorization(h, r.Header.Get("X-Amz-Date"), r.Header.Get("Date"))
		return sig, err
	}
	if r.URL.RawQuery != "" {
		q := r.URL.Query()
		if q.Has("X-Amz-Security-Token") {
			return nil, errInvalidToken(ReasonSessionToken)
		}
		if q.Has("X-Amz-Signature") || q.Has("X-Amz-Algorithm") || q.Has("X-Amz-Credential") {
			return parsePresigned(q)
		}
	}
	return nil, api.AuthError(ReasonMissing, "MissingAuthenticationToken", http.StatusForbidden, "Request is missing Authentication Token")
}

// errInvalidToken answers an unknown access key, and any session token:
// streamfront issues no temporary credentials.
func errInvalidToken(reason string) error {
	return api.AuthError(reason, "InvalidClientTokenId", http.StatusForbidden, "The security token included in the request is invalid.")
}

// parseAuthorization reads
// "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/cloudfront/aws4_request, SignedHeaders=host;x-amz-date, Signature=hex".
// The date is X-Amz-Date, or the HTTP Date header when X-Amz-Date is absent.
func parseAuthorization(h, amzDate, httpDate string) (*signature, error) {
	alg, rest, _ := strings.Cut(h, " ")
	if alg != algorithm {
		return nil, incomplete(fmt.Sprintf("Unsupported AWS 'algorithm': '%s'.", alg))
	}
	var credential, signedHeaders string
	sig := &signature{date: amzDate}
	if amzDate == "" && httpDate != "" {
		sig.date, sig.dateIsHTTP = httpDate, true
	}
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
	if sig.date == "" {
		missing = append(missing, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
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
		return incomplete(fmt.Sprintf("Credential should be of the form <access key>/<date>/%s/<service>/aws4_request, got '%s'.", Region, c))
	}
	s.accessKeyID, s.scopeDate, s.region, s.service = p[0], p[1], p[2], p[3]
	return nil
}

// signedTime reads the request's date: ISO 8601 basic (X-Amz-Date) or an
// HTTP date (the Date header).
func (s *signature) signedTime() (time.Time, error) {
	if s.dateIsHTTP {
		t, err := http.ParseTime(s.date)
		if err != nil { // botocore writes "Tue, 01 Dec 2026 08:45:32 -0000"
			t, err = time.Parse(time.RFC1123Z, s.date)
		}
		if err != nil {
			return time.Time{}, incomplete(fmt.Sprintf("Date must be an HTTP date such as 'Mon, 02 Jan 2006 15:04:05 GMT', got '%s'.", s.date))
		}
		return t.UTC(), nil
	}
	t, err := time.Parse(amzDate, s.date)
	if err != nil {
		return time.Time{}, incomplete(fmt.Sprintf("X-Amz-Date must be in the ISO-8601 basic format yyyyMMdd'T'HHmmss'Z', got '%s'.", s.date))
	}
	return t, nil
}

// checkScopeAndTime checks the credential scope (region, and the signing
// name of the API called) and that the request is recent, answering as AWS
// does: SignatureDoesNotMatch (403) with AWS's "Signature expired" text for
// a stale or future date.
func (v *Verifier) checkScopeAndTime(s *signature, service string) (time.Time, error) {
	if s.region != Region {
		return time.Time{}, signatureMismatch(ReasonScope, fmt.Sprintf("Credential should be scoped to a valid region, not '%s'.", s.region))
	}
	if s.service != service {
		return time.Time{}, signatureMismatch(ReasonScope, fmt.Sprintf("Credential should be scoped to correct service: '%s'.", service))
	}
	t, err := s.signedTime()
	if err != nil {
		return time.Time{}, err
	}
	stamp := t.Format(amzDate)
	if s.scopeDate != t.Format("20060102") {
		return time.Time{}, signatureMismatch(ReasonScope, fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", s.scopeDate, t.Format("20060102"), stamp))
	}
	now := v.now().UTC()
	switch {
	case t.After(now.Add(MaxSkew)):
		return time.Time{}, signatureMismatch(ReasonSkew, fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + 15 min.)", stamp, now.Add(MaxSkew).Format(amzDate), now.Format(amzDate)))
	case s.expires > 0 && now.After(t.Add(time.Duration(s.expires)*time.Second)):
		return time.Time{}, signatureMismatch(ReasonSkew, fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %d sec.)", stamp, now.Add(-time.Duration(s.expires)*time.Second).Format(amzDate), now.Format(amzDate), s.expires))
	case s.expires == 0 && t.Before(now.Add(-MaxSkew)):
		return time.Time{}, signatureMismatch(ReasonSkew, fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 15 min.)", stamp, now.Add(-MaxSkew).Format(amzDate), now.Format(amzDate)))
	}
	return t, nil
}

// expected returns the signature of the request as received, over its
// signed headers and the hash of the body actually received (so a tampered
// body changes the signature).
func expected(r *http.Request, body []byte, s *signature, key *AccessKey, signedAt time.Time) (string, error) {
	hasHost := false
	for i, h := range s.signedHeaders {
		s.signedHeaders[i] = strings.ToLower(h)
		hasHost = hasHost || s.signedHeaders[i] == "host"
	}
	if !hasHost {
		return "", signatureMismatch(ReasonMalformed, "'Host' must be a 'SignedHeader' in the AWS Authorization.")
	}
	payloadHash := sha256Hex(body)
	canonical := canonicalRequest(r, s.signedHeaders, payloadHash, s.presigned)
	scope := strings.Join([]string{s.scopeDate, s.region, s.service, "aws4_request"}, "/")
	return signatureOf(key.Secret, s.scopeDate, s.region, s.service, stringToSign(signedAt, scope, canonical)), nil
}

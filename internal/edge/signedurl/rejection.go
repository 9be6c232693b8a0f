package signedurl

import "fmt"

// Reason says why a play was refused.
type Reason int

const (
	MissingParams    Reason = iota + 1 // Expires/Policy, Signature or Key-Pair-Id absent
	Malformed                          // a parameter or the policy cannot be decoded
	UnknownKey                         // no active key pair with that id
	UntrustedKey                       // the key pair's account is not a trusted signer
	BadSignature                       // the signature does not match the policy
	Expired                            // now is at or after DateLessThan / Expires
	NotYetValid                        // now is before DateGreaterThan
	IPNotAllowed                       // the client is outside the policy's IpAddress
	ResourceMismatch                   // the policy's Resource does not cover the stream
)

var reasonNames = map[Reason]string{
	MissingParams:    "missing signing parameters",
	Malformed:        "malformed signed stream name",
	UnknownKey:       "unknown or inactive key pair",
	UntrustedKey:     "key pair not owned by a trusted signer",
	BadSignature:     "bad signature",
	Expired:          "expired",
	NotYetValid:      "not yet valid",
	IPNotAllowed:     "client IP not allowed",
	ResourceMismatch: "policy does not cover this stream",
}

func (r Reason) String() string {
	if s, ok := reasonNames[r]; ok {
		return s
	}
	return fmt.Sprintf("Reason(%d)", int(r))
}

// Rejection is the error Verify returns for a refused play. Its Error text
// is meant for the NetStream.Play.Failed description.
type Rejection struct {
	Reason Reason
	Detail string
}

func (r *Rejection) Error() string { return "access denied: " + r.Reason.String() + ": " + r.Detail }

func reject(r Reason, format string, args ...any) *Rejection {
	return &Rejection{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

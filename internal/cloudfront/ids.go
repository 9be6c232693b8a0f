package cloudfront

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

const (
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
)

func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	for i := range b {
		// 256 % 36 skews a little; irrelevant for identifiers.
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// NewID returns an identifier shaped like CloudFront's (e.g. EGTXBD79H29TRA).
func NewID() string { return "E" + randomString(upperAlnum, 13) }

// newETag returns a fresh opaque ETag; CloudFront's look like identifiers.
func newETag() string { return "E" + randomString(upperAlnum, 13) }

// newDomainName returns s<13 lower-case alphanumerics>.<suffix>.
func newDomainName(suffix string) string {
	return "s" + randomString(lowerAlnum, 13) + "." + strings.TrimPrefix(suffix, ".")
}

// DistributionARN is the ARN of a streaming distribution.
func DistributionARN(account, id string) string {
	return "arn:aws:cloudfront::" + account + ":streaming-distribution/" + id
}

// canonicalUserID derives the 64-hex S3 canonical user id of an OAI.
func canonicalUserID(account, id string) string {
	sum := sha256.Sum256([]byte("streamfront-oai:" + account + ":" + id))
	return hex.EncodeToString(sum[:])
}

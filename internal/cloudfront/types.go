// Package cloudfront is streamfront's domain: the streaming-distribution and
// origin-access-identity resources, their validation, and the service rules
// (ETags, CallerReference, CNAME uniqueness, quotas, status lifecycle) that
// CloudFront applies. It knows nothing of HTTP or XML.
package cloudfront

import "time"

// StreamingDistributionConfig mirrors the API shape. Optional members the
// caller omitted are stored as CloudFront fills them (empty lists, disabled
// logging, PriceClass_All), so what Get returns is what was stored.
type StreamingDistributionConfig struct {
	CallerReference string
	S3Origin        S3Origin
	Aliases         []string
	Comment         string
	Logging         Logging
	TrustedSigners  TrustedSigners
	PriceClass      string
	Enabled         bool
}

type S3Origin struct {
	DomainName           string
	OriginAccessIdentity string
}

type Logging struct {
	Enabled bool
	Bucket  string
	Prefix  string
}

type TrustedSigners struct {
	Enabled bool
	Items   []string
}

// StreamingDistribution is the resource as the API returns it.
type StreamingDistribution struct {
	ID                   string
	ARN                  string
	Status               string // StatusInProgress or StatusDeployed
	LastModifiedTime     time.Time
	DomainName           string
	ActiveTrustedSigners ActiveTrustedSigners
	Config               StreamingDistributionConfig
	ETag                 string
	Version              int64
}

const (
	StatusInProgress = "InProgress"
	StatusDeployed   = "Deployed"
)

type ActiveTrustedSigners struct {
	Enabled bool
	Signers []Signer
}

type Signer struct {
	AwsAccountNumber string
	KeyPairIDs       []string
}

// OriginAccessIdentity is a CloudFront origin access identity.
type OriginAccessIdentity struct {
	ID                string
	S3CanonicalUserID string
	CallerReference   string
	Comment           string
	ETag              string
}

// Tag is a resource tag.
type Tag struct {
	Key   string
	Value string
}

// Page is one page of a List operation.
type Page[T any] struct {
	Marker      string
	NextMarker  string
	MaxItems    int
	IsTruncated bool
	Items       []T
}

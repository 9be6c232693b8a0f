package cloudfront

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Published CloudFront limits for streaming distributions.
const (
	MaxCNAMEs         = 10
	MaxTrustedSigners = 5
	MaxCommentLen     = 128
	MaxTags           = 50
)

var priceClasses = map[string]bool{"PriceClass_100": true, "PriceClass_200": true, "PriceClass_All": true}

var (
	// A DNS name of at least two labels; a wildcard is allowed only as the
	// whole first label, as CloudFront allows for CNAMEs.
	cnameRE  = regexp.MustCompile(`^(\*\.)?([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$`)
	bucketRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	// <bucket>.s3.amazonaws.com, <bucket>.s3.<region>.amazonaws.com,
	// <bucket>.s3-<region>.amazonaws.com, and the .com.cn partition.
	s3HostRE  = regexp.MustCompile(`^(.+)\.s3([.-][a-z0-9-]+)?\.amazonaws\.com(\.cn)?$`)
	accountRE = regexp.MustCompile(`^[0-9]{12}$`)
	oaiPathRE = regexp.MustCompile(`^origin-access-identity/cloudfront/([A-Z0-9]+)$`)
)

// S3Bucket returns the bucket named by an S3 origin domain, checking it
// against the S3 endpoint forms and the operator's extra suffixes.
func S3Bucket(domain string, extraSuffixes []string) (string, bool) {
	d := strings.ToLower(domain)
	bucket := ""
	if m := s3HostRE.FindStringSubmatch(d); m != nil {
		bucket = m[1]
	} else {
		for _, suf := range extraSuffixes {
			suf = "." + strings.TrimPrefix(strings.ToLower(suf), ".")
			if strings.HasSuffix(d, suf) {
				bucket = strings.TrimSuffix(d, suf)
				break
			}
		}
	}
	if bucket == "" || !bucketRE.MatchString(bucket) || strings.Contains(bucket, "..") {
		return "", false
	}
	return bucket, true
}

// validateConfig checks every rule that needs no stored state and fills in
// the defaults CloudFront applies. Rules that need state (OAI existence,
// alias uniqueness, signers, quotas) are checked by the Service.
func (s *Service) validateConfig(c *StreamingDistributionConfig) error {
	if c.CallerReference == "" {
		return Errorf(ErrInvalidArgument, "CallerReference is required and must not be empty.")
	}
	if utf8.RuneCountInString(c.Comment) > MaxCommentLen {
		return Errorf(ErrInvalidArgument, "The parameter Comment is too long: at most %d characters.", MaxCommentLen)
	}
	if c.S3Origin.DomainName == "" {
		return Errorf(ErrInvalidArgument, "S3Origin.DomainName is required.")
	}
	if _, ok := S3Bucket(c.S3Origin.DomainName, s.opts.OriginSuffixes); !ok {
		return Errorf(ErrInvalidOrigin, "The specified origin server %q is not an Amazon S3 bucket domain (bucket.s3.amazonaws.com).", c.S3Origin.DomainName)
	}
	if oai := c.S3Origin.OriginAccessIdentity; oai != "" {
		if strings.HasPrefix(oai, "origin-access-control/") {
			return Errorf(ErrInvalidOriginAccessControl, "Streaming distributions do not support origin access control: %q.", oai)
		}
		if !oaiPathRE.MatchString(oai) {
			return Errorf(ErrInvalidOriginAccessIdentity, "The origin access identity is not valid: expected origin-access-identity/cloudfront/<ID>, got %q.", oai)
		}
	}
	if len(c.Aliases) > MaxCNAMEs {
		return Errorf(ErrTooManyCNAMEs, "Your request contains more CNAMEs than are allowed per streaming distribution (%d).", MaxCNAMEs)
	}
	seen := map[string]bool{}
	for _, a := range c.Aliases {
		if len(a) > 253 || !cnameRE.MatchString(a) {
			return Errorf(ErrInvalidArgument, "The parameter CNAME contains an invalid domain name: %q.", a)
		}
		k := strings.ToLower(a)
		if seen[k] {
			return Errorf(ErrInvalidArgument, "The parameter CNAME contains a duplicate: %q.", a)
		}
		seen[k] = true
	}
	if c.Logging.Enabled {
		if _, ok := S3Bucket(c.Logging.Bucket, s.opts.OriginSuffixes); !ok {
			return Errorf(ErrInvalidArgument, "The S3 bucket that you specified for CloudFront logs does not exist or is not a bucket domain: %q.", c.Logging.Bucket)
		}
		if len(c.Logging.Prefix) > 256 {
			return Errorf(ErrInvalidArgument, "The logging Prefix is too long: at most 256 characters.")
		}
	} else {
		// CloudFront drops Bucket and Prefix when logging is disabled.
		c.Logging.Bucket, c.Logging.Prefix = "", ""
	}
	if len(c.TrustedSigners.Items) > MaxTrustedSigners {
		return Errorf(ErrTooManyTrustedSigners, "Your request contains more trusted signers than are allowed per distribution (%d).", MaxTrustedSigners)
	}
	if c.PriceClass == "" {
		c.PriceClass = "PriceClass_All"
	}
	if !priceClasses[c.PriceClass] {
		return Errorf(ErrInvalidArgument, "The value %q is not a valid PriceClass: PriceClass_100, PriceClass_200 or PriceClass_All.", c.PriceClass)
	}
	if c.Aliases == nil {
		c.Aliases = []string{}
	}
	if c.TrustedSigners.Items == nil {
		c.TrustedSigners.Items = []string{}
	}
	return nil
}

// ValidateTags applies CloudFront's tag rules.
func ValidateTags(tags []Tag) error {
	if len(tags) > MaxTags {
		return Errorf(ErrInvalidTagging, "A resource can have at most %d tags.", MaxTags)
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if err := ValidateTagKey(t.Key); err != nil {
			return err
		}
		if utf8.RuneCountInString(t.Value) > 256 || !tagCharsRE.MatchString(t.Value) {
			return Errorf(ErrInvalidTagging, "Tag value for key %q is invalid: at most 256 characters of letters, digits, spaces and _.:/=+-@.", t.Key)
		}
		if seen[t.Key] {
			return Errorf(ErrInvalidTagging, "Duplicate tag key %q.", t.Key)
		}
		seen[t.Key] = true
	}
	return nil
}

var tagCharsRE = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

// ValidateTagKey applies CloudFront's rules for a tag key.
func ValidateTagKey(k string) error {
	n := utf8.RuneCountInString(k)
	if n < 1 || n > 128 || !tagCharsRE.MatchString(k) {
		return Errorf(ErrInvalidTagging, "Tag key %q is invalid: 1 to 128 characters of letters, digits, spaces and _.:/=+-@.", k)
	}
	if strings.HasPrefix(strings.ToLower(k), "aws:") {
		return Errorf(ErrInvalidTagging, "Tag key %q uses the reserved prefix aws:.", k)
	}
	return nil
}

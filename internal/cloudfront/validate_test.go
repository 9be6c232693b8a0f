package cloudfront

import (
	"errors"
	"strings"
	"testing"
)

func TestS3Bucket(t *testing.T) {
	for _, c := range []struct {
		domain, bucket string
		extra          []string
	}{
		{"media.s3.amazonaws.com", "media", nil},
		{"Media.S3.AmazonAWS.com", "media", nil},
		{"my.dotted.bucket.s3.eu-west-1.amazonaws.com", "my.dotted.bucket", nil},
		{"old-style.s3-us-west-2.amazonaws.com", "old-style", nil},
		{"cn-bucket.s3.cn-north-1.amazonaws.com.cn", "cn-bucket", nil},
		{"local-media.s3.local", "local-media", []string{"s3.local"}},
		{"local-media.s3.local", "", nil},
		{"www.example.com", "", nil},
		{"ab.s3.amazonaws.com", "", nil}, // buckets have at least 3 characters
		{"bad..dots.s3.amazonaws.com", "", nil},
		{"-dash.s3.amazonaws.com", "", nil},
		{"s3.amazonaws.com", "", nil},
	} {
		got, ok := S3Bucket(c.domain, c.extra)
		if got != c.bucket || ok != (c.bucket != "") {
			t.Errorf("S3Bucket(%q, %v) = %q, %v; want %q", c.domain, c.extra, got, ok, c.bucket)
		}
	}
}

func TestValidateConfig(t *testing.T) {
	s := NewService(nil, Options{})
	valid := func() StreamingDistributionConfig {
		return StreamingDistributionConfig{CallerReference: "r", S3Origin: S3Origin{DomainName: "media.s3.amazonaws.com"}}
	}
	cfg := valid()
	if err := s.Validate("123456789012", &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.PriceClass != "PriceClass_All" || cfg.Aliases == nil || cfg.TrustedSigners.Items == nil {
		t.Fatalf("defaults not filled in: %+v", cfg)
	}
	for _, c := range []struct {
		name   string
		change func(*StreamingDistributionConfig)
		want   error
	}{
		{"empty CallerReference", func(c *StreamingDistributionConfig) { c.CallerReference = "" }, ErrInvalidArgument},
		{"comment of 129", func(c *StreamingDistributionConfig) { c.Comment = strings.Repeat("é", 129) }, ErrInvalidArgument},
		{"web origin", func(c *StreamingDistributionConfig) { c.S3Origin.DomainName = "www.example.com" }, ErrInvalidOrigin},
		{"OAC", func(c *StreamingDistributionConfig) { c.S3Origin.OriginAccessIdentity = "origin-access-control/E123" }, ErrInvalidOriginAccessControl},
		{"bad OAI path", func(c *StreamingDistributionConfig) { c.S3Origin.OriginAccessIdentity = "E2QWRUHAPOMQZL" }, ErrInvalidOriginAccessIdentity},
		{"bad CNAME", func(c *StreamingDistributionConfig) { c.Aliases = []string{"not a host"} }, ErrInvalidArgument},
		{"single-label CNAME", func(c *StreamingDistributionConfig) { c.Aliases = []string{"localhost"} }, ErrInvalidArgument},
		{"duplicate CNAME", func(c *StreamingDistributionConfig) { c.Aliases = []string{"a.example.com", "A.example.com"} }, ErrInvalidArgument},
		{"11 CNAMEs", func(c *StreamingDistributionConfig) { c.Aliases = make([]string, 11) }, ErrTooManyCNAMEs},
		{"6 signers", func(c *StreamingDistributionConfig) { c.TrustedSigners.Items = make([]string, 6) }, ErrTooManyTrustedSigners},
		{"unknown signer", func(c *StreamingDistributionConfig) { c.TrustedSigners.Items = []string{"999999999999"} }, ErrTrustedSignerDoesNotExist},
		{"bad PriceClass", func(c *StreamingDistributionConfig) { c.PriceClass = "PriceClass_1" }, ErrInvalidArgument},
		{"log bucket", func(c *StreamingDistributionConfig) { c.Logging = Logging{Enabled: true, Bucket: "logs"} }, ErrInvalidArgument},
	} {
		cfg := valid()
		c.change(&cfg)
		if err := s.Validate("123456789012", &cfg); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	wild := valid()
	wild.Aliases = []string{"*.video.example.com"}
	if err := s.Validate("123456789012", &wild); err != nil {
		t.Errorf("wildcard CNAME refused: %v", err)
	}
	off := valid()
	off.Logging = Logging{Enabled: false, Bucket: "logs.s3.amazonaws.com", Prefix: "p/"}
	if err := s.Validate("123456789012", &off); err != nil || off.Logging.Bucket != "" || off.Logging.Prefix != "" {
		t.Errorf("disabled logging keeps bucket/prefix: %+v, %v", off.Logging, err)
	}
}

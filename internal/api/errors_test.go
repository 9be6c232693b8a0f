package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/streamfront/streamfront/internal/testenv"
)

// invalidConfigs are configurations CloudFront refuses, each for one real
// reason, with the code and status it answers. The same rules apply on
// create and on update.
var invalidConfigs = []struct {
	name   string
	code   string
	status int
	mutate func(*types.StreamingDistributionConfig)
}{
	{"empty CallerReference", "InvalidArgument", 400, func(c *types.StreamingDistributionConfig) { c.CallerReference = aws.String("") }},
	{"bad PriceClass", "InvalidArgument", 400, func(c *types.StreamingDistributionConfig) { c.PriceClass = "PriceClass_300" }},
	{"bad CNAME syntax", "InvalidArgument", 400, func(c *types.StreamingDistributionConfig) { c.Aliases = aliases("not a host!") }},
	{"duplicate CNAME in request", "InvalidArgument", 400, func(c *types.StreamingDistributionConfig) { c.Aliases = aliases("a.example.com", "A.example.com") }},
	{"Comment over 128 chars", "InvalidArgument", 400, func(c *types.StreamingDistributionConfig) { c.Comment = aws.String(strings.Repeat("x", 129)) }},
	{"logging bucket not a bucket domain", "InvalidArgument", 400, func(c *types.StreamingDistributionConfig) {
		c.Logging = &types.StreamingLoggingConfig{Enabled: aws.Bool(true), Bucket: aws.String("logs.example.com"), Prefix: aws.String("")}
	}},
	{"Aliases Quantity > Items", "InconsistentQuantities", 400, func(c *types.StreamingDistributionConfig) {
		c.Aliases = &types.Aliases{Quantity: aws.Int32(2), Items: []string{"a.example.com"}}
	}},
	{"TrustedSigners Quantity < Items", "InconsistentQuantities", 400, func(c *types.StreamingDistributionConfig) {
		c.TrustedSigners = &types.TrustedSigners{Enabled: aws.Bool(true), Quantity: aws.Int32(0), Items: []string{"self"}}
	}},
	{"origin not S3", "InvalidOrigin", 400, func(c *types.StreamingDistributionConfig) { c.S3Origin.DomainName = aws.String("www.example.com") }},
	{"origin bucket name invalid", "InvalidOrigin", 400, func(c *types.StreamingDistributionConfig) {
		c.S3Origin.DomainName = aws.String("Bad_Bucket.s3.amazonaws.com")
	}},
	{"OAI malformed", "InvalidOriginAccessIdentity", 400, func(c *types.StreamingDistributionConfig) {
		c.S3Origin.OriginAccessIdentity = aws.String("E2QWRUHAPOMQZL")
	}},
	{"OAI does not exist", "InvalidOriginAccessIdentity", 400, func(c *types.StreamingDistributionConfig) {
		c.S3Origin.OriginAccessIdentity = aws.String("origin-access-identity/cloudfront/ENOSUCHOAI1234")
	}},
	{"origin access control", "InvalidOriginAccessControl", 400, func(c *types.StreamingDistributionConfig) {
		c.S3Origin.OriginAccessIdentity = aws.String("origin-access-control/E2QWRUHAPOMQZL")
	}},
	{"11 CNAMEs", "TooManyStreamingDistributionCNAMEs", 400, func(c *types.StreamingDistributionConfig) {
		var names []string
		for i := range 11 {
			names = append(names, fmt.Sprintf("n%d.example.com", i))
		}
		c.Aliases = aliases(names...)
	}},
	{"6 trusted signers", "TooManyTrustedSigners", 400, func(c *types.StreamingDistributionConfig) {
		c.TrustedSigners = signers("self", testenv.AccountID, "self", testenv.AccountID, "self", testenv.AccountID)
	}},
	{"unknown trusted signer account", "TrustedSignerDoesNotExist", 400, func(c *types.StreamingDistributionConfig) { c.TrustedSigners = signers("self", "999999999999") }},
	{"trusted signer neither self nor an account", "TrustedSignerDoesNotExist", 400, func(c *types.StreamingDistributionConfig) { c.TrustedSigners = signers("bob") }},
}

func aliases(names ...string) *types.Aliases {
	return &types.Aliases{Quantity: aws.Int32(int32(len(names))), Items: names}
}

func signers(ids ...string) *types.TrustedSigners {
	return &types.TrustedSigners{Enabled: aws.Bool(true), Quantity: aws.Int32(int32(len(ids))), Items: ids}
}

func TestCreateRefusesInvalidConfig(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	c := srv.Client()
	create(t, c, fullConfig("existing", "", "taken.example.com"))
	for _, tc := range invalidConfigs {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fullConfig("new-"+tc.name, "")
			tc.mutate(cfg)
			wantErrorNoChange(t, c, tc.code, tc.status, func() error {
				_, err := c.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: cfg})
				return err
			})
			// The same through CreateStreamingDistributionWithTags.
			wantErrorNoChange(t, c, tc.code, tc.status, func() error {
				_, err := c.CreateStreamingDistributionWithTags(ctx, &cloudfront.CreateStreamingDistributionWithTagsInput{
					StreamingDistributionConfigWithTags: &types.StreamingDistributionConfigWithTags{StreamingDistributionConfig: cfg, Tags: &types.Tags{}}})
				return err
			})
		})
	}
}

func TestUpdateRefusesInvalidConfig(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	c := srv.Client()
	out := create(t, c, fullConfig("target", "", "mine.example.com"))
	for _, tc := range invalidConfigs {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fullConfig("target", "")
			tc.mutate(cfg)
			if tc.name == "empty CallerReference" {
				t.Skip("a changed CallerReference is IllegalUpdate, tested elsewhere")
			}
			wantErrorNoChange(t, c, tc.code, tc.status, func() error {
				_, err := c.UpdateStreamingDistribution(ctx, &cloudfront.UpdateStreamingDistributionInput{
					Id: out.StreamingDistribution.Id, IfMatch: out.ETag, StreamingDistributionConfig: cfg})
				return err
			})
		})
	}
}

// TestAccessDenied: in single-account mode the only other account a caller
// can name is in an ARN; tagging another account's resource is refused.
func TestAccessDenied(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	c := srv.Client()
	d := create(t, c, minimalConfig("mine")).StreamingDistribution
	foreign := aws.String("arn:aws:cloudfront::999999999999:streaming-distribution/" + *d.Id)
	wantErrorNoChange(t, c, "AccessDenied", 403, func() error {
		_, err := c.TagResource(ctx, &cloudfront.TagResourceInput{Resource: foreign, Tags: &types.Tags{Items: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}})
		return err
	})
	wantErrorNoChange(t, c, "AccessDenied", 403, func() error {
		_, err := c.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: foreign})
		return err
	})
}

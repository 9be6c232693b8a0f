package api_test

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	cf "github.com/streamfront/streamfront/internal/cloudfront"
	"github.com/streamfront/streamfront/internal/testenv"
)

var canonicalUserRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

func oaiConfig(ref, comment string) *types.CloudFrontOriginAccessIdentityConfig {
	return &types.CloudFrontOriginAccessIdentityConfig{CallerReference: aws.String(ref), Comment: aws.String(comment)}
}

// TestOAILifecycle drives all six OAI operations.
func TestOAILifecycle(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	c := srv.Client()
	out, err := c.CreateCloudFrontOriginAccessIdentity(ctx, &cloudfront.CreateCloudFrontOriginAccessIdentityInput{CloudFrontOriginAccessIdentityConfig: oaiConfig("oai-1", "first")})
	if err != nil {
		t.Fatal(err)
	}
	o := out.CloudFrontOriginAccessIdentity
	if !idRE.MatchString(*o.Id) || !canonicalUserRE.MatchString(*o.S3CanonicalUserId) || !idRE.MatchString(*out.ETag) ||
		*out.Location != srv.URL+"/2020-05-31/origin-access-identity/cloudfront/"+*o.Id ||
		*o.CloudFrontOriginAccessIdentityConfig.Comment != "first" {
		t.Fatalf("create: %s", dump(out))
	}
	got, err := c.GetCloudFrontOriginAccessIdentity(ctx, &cloudfront.GetCloudFrontOriginAccessIdentityInput{Id: o.Id})
	if err != nil {
		t.Fatal(err)
	}
	if *got.ETag != *out.ETag || *got.CloudFrontOriginAccessIdentity.S3CanonicalUserId != *o.S3CanonicalUserId {
		t.Fatalf("get: %s", dump(got))
	}
	gc, err := c.GetCloudFrontOriginAccessIdentityConfig(ctx, &cloudfront.GetCloudFrontOriginAccessIdentityConfigInput{Id: o.Id})
	if err != nil {
		t.Fatal(err)
	}
	if *gc.ETag != *out.ETag || *gc.CloudFrontOriginAccessIdentityConfig.CallerReference != "oai-1" {
		t.Fatalf("get-config: %s", dump(gc))
	}
	createOAI(t, c, "oai-2")
	list, err := c.ListCloudFrontOriginAccessIdentities(ctx, &cloudfront.ListCloudFrontOriginAccessIdentitiesInput{MaxItems: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	l := list.CloudFrontOriginAccessIdentityList
	if *l.Quantity != 1 || !*l.IsTruncated || *l.NextMarker != *l.Items[0].Id || *l.MaxItems != 1 {
		t.Fatalf("list page 1: %s", dump(l))
	}

	update := func(ifMatch *string, cfg *types.CloudFrontOriginAccessIdentityConfig) (*cloudfront.UpdateCloudFrontOriginAccessIdentityOutput, error) {
		return c.UpdateCloudFrontOriginAccessIdentity(ctx, &cloudfront.UpdateCloudFrontOriginAccessIdentityInput{Id: o.Id, IfMatch: ifMatch, CloudFrontOriginAccessIdentityConfig: cfg})
	}
	wantErrorNoChange(t, c, "InvalidIfMatchVersion", 400, func() error { _, err := update(nil, oaiConfig("oai-1", "x")); return err })
	wantErrorNoChange(t, c, "PreconditionFailed", 412, func() error { _, err := update(aws.String("ESTALE"), oaiConfig("oai-1", "x")); return err })
	wantErrorNoChange(t, c, "IllegalUpdate", 400, func() error { _, err := update(out.ETag, oaiConfig("oai-other", "x")); return err })
	up, err := update(out.ETag, oaiConfig("oai-1", "second"))
	if err != nil {
		t.Fatal(err)
	}
	if *up.ETag == *out.ETag || *up.CloudFrontOriginAccessIdentity.CloudFrontOriginAccessIdentityConfig.Comment != "second" {
		t.Fatalf("update: %s", dump(up))
	}

	del := func(ifMatch *string) error {
		_, err := c.DeleteCloudFrontOriginAccessIdentity(ctx, &cloudfront.DeleteCloudFrontOriginAccessIdentityInput{Id: o.Id, IfMatch: ifMatch})
		return err
	}
	wantErrorNoChange(t, c, "InvalidIfMatchVersion", 400, func() error { return del(nil) })
	wantErrorNoChange(t, c, "PreconditionFailed", 412, func() error { return del(out.ETag) })
	if err := del(up.ETag); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetCloudFrontOriginAccessIdentity(ctx, &cloudfront.GetCloudFrontOriginAccessIdentityInput{Id: o.Id})
	wantError(t, err, "NoSuchCloudFrontOriginAccessIdentity", http.StatusNotFound)
}

func TestOAIErrors(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{Service: cf.Options{MaxOAIs: 2}})
	c := srv.Client()
	o := createOAI(t, c, "used")
	path := "origin-access-identity/cloudfront/" + *o.CloudFrontOriginAccessIdentity.Id
	d := create(t, c, fullConfig("uses-oai", path))

	t.Run("AlreadyExists", func(t *testing.T) {
		wantErrorNoChange(t, c, "CloudFrontOriginAccessIdentityAlreadyExists", 409, func() error {
			_, err := c.CreateCloudFrontOriginAccessIdentity(ctx, &cloudfront.CreateCloudFrontOriginAccessIdentityInput{CloudFrontOriginAccessIdentityConfig: oaiConfig("used", "another comment")})
			return err
		})
	})
	t.Run("InUse", func(t *testing.T) {
		wantErrorNoChange(t, c, "CloudFrontOriginAccessIdentityInUse", 409, func() error {
			_, err := c.DeleteCloudFrontOriginAccessIdentity(ctx, &cloudfront.DeleteCloudFrontOriginAccessIdentityInput{Id: o.CloudFrontOriginAccessIdentity.Id, IfMatch: o.ETag})
			return err
		})
	})
	t.Run("TooMany", func(t *testing.T) {
		createOAI(t, c, "second")
		wantErrorNoChange(t, c, "TooManyCloudFrontOriginAccessIdentities", 400, func() error {
			_, err := c.CreateCloudFrontOriginAccessIdentity(ctx, &cloudfront.CreateCloudFrontOriginAccessIdentityInput{CloudFrontOriginAccessIdentityConfig: oaiConfig("third", "")})
			return err
		})
	})
	t.Run("InvalidArgument", func(t *testing.T) {
		wantErrorNoChange(t, c, "InvalidArgument", 400, func() error {
			_, err := c.CreateCloudFrontOriginAccessIdentity(ctx, &cloudfront.CreateCloudFrontOriginAccessIdentityInput{CloudFrontOriginAccessIdentityConfig: oaiConfig("", "")})
			return err
		})
	})
	t.Run("NoSuch", func(t *testing.T) {
		id := aws.String("ENOSUCHOAI1234")
		for name, op := range map[string]func() error{
			"Get": func() error {
				_, err := c.GetCloudFrontOriginAccessIdentity(ctx, &cloudfront.GetCloudFrontOriginAccessIdentityInput{Id: id})
				return err
			},
			"GetConfig": func() error {
				_, err := c.GetCloudFrontOriginAccessIdentityConfig(ctx, &cloudfront.GetCloudFrontOriginAccessIdentityConfigInput{Id: id})
				return err
			},
			"Update": func() error {
				_, err := c.UpdateCloudFrontOriginAccessIdentity(ctx, &cloudfront.UpdateCloudFrontOriginAccessIdentityInput{Id: id, IfMatch: aws.String("E1"), CloudFrontOriginAccessIdentityConfig: oaiConfig("x", "")})
				return err
			},
			"Delete": func() error {
				_, err := c.DeleteCloudFrontOriginAccessIdentity(ctx, &cloudfront.DeleteCloudFrontOriginAccessIdentityInput{Id: id, IfMatch: aws.String("E1")})
				return err
			},
		} {
			t.Run(name, func(t *testing.T) { wantErrorNoChange(t, c, "NoSuchCloudFrontOriginAccessIdentity", 404, op) })
		}
	})
	// Once no distribution uses it, the OAI can go, and a distribution can
	// no longer name it.
	t.Run("FreedThenGone", func(t *testing.T) {
		up, err := c.UpdateStreamingDistribution(ctx, &cloudfront.UpdateStreamingDistributionInput{Id: d.StreamingDistribution.Id, IfMatch: d.ETag, StreamingDistributionConfig: fullConfig("uses-oai", "")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.DeleteCloudFrontOriginAccessIdentity(ctx, &cloudfront.DeleteCloudFrontOriginAccessIdentityInput{Id: o.CloudFrontOriginAccessIdentity.Id, IfMatch: o.ETag}); err != nil {
			t.Fatal(err)
		}
		wantErrorNoChange(t, c, "InvalidOriginAccessIdentity", 400, func() error {
			_, err := c.UpdateStreamingDistribution(ctx, &cloudfront.UpdateStreamingDistributionInput{Id: d.StreamingDistribution.Id, IfMatch: up.ETag, StreamingDistributionConfig: fullConfig("uses-oai", path)})
			return err
		})
	})
}

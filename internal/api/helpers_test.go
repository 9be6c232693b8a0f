package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/smithy-go"

	cf "github.com/streamfront/streamfront/internal/cloudfront"
	"github.com/streamfront/streamfront/internal/testenv"
)

var ctx = context.Background()

// minimalConfig sets only the members the model requires.
func minimalConfig(ref string) *types.StreamingDistributionConfig {
	c := testenv.DistConfig(ref)
	c.Comment = aws.String("test")
	return c
}

// fullConfig sets every member of StreamingDistributionConfig to a
// non-default value; oai is an OAI path or "".
func fullConfig(ref, oai string, aliases ...string) *types.StreamingDistributionConfig {
	return &types.StreamingDistributionConfig{
		CallerReference: aws.String(ref),
		S3Origin:        &types.S3Origin{DomainName: aws.String("videos-bucket.s3.us-west-2.amazonaws.com"), OriginAccessIdentity: aws.String(oai)},
		Aliases:         &types.Aliases{Quantity: aws.Int32(int32(len(aliases))), Items: aliases},
		Comment:         aws.String("every member set – ünïcode too"),
		Logging:         &types.StreamingLoggingConfig{Enabled: aws.Bool(true), Bucket: aws.String("logs.s3.amazonaws.com"), Prefix: aws.String("rtmp/")},
		TrustedSigners:  &types.TrustedSigners{Enabled: aws.Bool(true), Quantity: aws.Int32(2), Items: []string{"self", testenv.AccountID}},
		PriceClass:      types.PriceClassPriceClass200,
		Enabled:         aws.Bool(true),
	}
}

func create(t *testing.T, c *cloudfront.Client, cfg *types.StreamingDistributionConfig) *cloudfront.CreateStreamingDistributionOutput {
	t.Helper()
	out, err := c.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: cfg})
	if err != nil {
		t.Fatalf("create %s: %v", aws.ToString(cfg.CallerReference), err)
	}
	return out
}

func createOAI(t *testing.T, c *cloudfront.Client, ref string) *cloudfront.CreateCloudFrontOriginAccessIdentityOutput {
	t.Helper()
	out, err := c.CreateCloudFrontOriginAccessIdentity(ctx, &cloudfront.CreateCloudFrontOriginAccessIdentityInput{
		CloudFrontOriginAccessIdentityConfig: &types.CloudFrontOriginAccessIdentityConfig{CallerReference: aws.String(ref), Comment: aws.String("oai " + ref)},
	})
	if err != nil {
		t.Fatalf("create OAI %s: %v", ref, err)
	}
	return out
}

// wantError checks that err is the CloudFront error code with HTTP status,
// as the SDK reports it to a user.
func wantError(t *testing.T, err error, code string, status int) {
	t.Helper()
	if err == nil {
		t.Fatalf("got success, want %s (%d)", code, status)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want API error %s", err, code)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("got %v without an HTTP response", err)
	}
	if ae.ErrorCode() != code || re.HTTPStatusCode() != status {
		t.Fatalf("got %s (%d) %q, want %s (%d)", ae.ErrorCode(), re.HTTPStatusCode(), ae.ErrorMessage(), code, status)
	}
	if ae.ErrorMessage() == "" {
		t.Errorf("%s has no message", code)
	}
	if re.ServiceRequestID() == "" {
		t.Errorf("%s has no request id", code)
	}
}

// snapshot captures everything a client can read back (distributions with
// their ETags and configs, tags, OAIs), without the Status that the deployer
// changes in the background.
func snapshot(t *testing.T, c *cloudfront.Client) string {
	t.Helper()
	type dist struct {
		ETag, ARN, Domain string
		Modified          time.Time
		Config            *types.StreamingDistributionConfig
		Tags              []types.Tag
	}
	state := struct {
		Dists map[string]dist
		OAIs  map[string]*cloudfront.GetCloudFrontOriginAccessIdentityOutput
	}{map[string]dist{}, map[string]*cloudfront.GetCloudFrontOriginAccessIdentityOutput{}}
	pages := cloudfront.NewListStreamingDistributionsPaginator(c, &cloudfront.ListStreamingDistributionsInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page.StreamingDistributionList.Items {
			g, err := c.GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: s.Id})
			if err != nil {
				t.Fatal(err)
			}
			tags, err := c.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: s.ARN})
			if err != nil {
				t.Fatal(err)
			}
			d := g.StreamingDistribution
			state.Dists[*s.Id] = dist{*g.ETag, *d.ARN, *d.DomainName, *d.LastModifiedTime, d.StreamingDistributionConfig, tags.Tags.Items}
		}
	}
	oais := cloudfront.NewListCloudFrontOriginAccessIdentitiesPaginator(c, &cloudfront.ListCloudFrontOriginAccessIdentitiesInput{})
	for oais.HasMorePages() {
		page, err := oais.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page.CloudFrontOriginAccessIdentityList.Items {
			g, err := c.GetCloudFrontOriginAccessIdentity(ctx, &cloudfront.GetCloudFrontOriginAccessIdentityInput{Id: s.Id})
			if err != nil {
				t.Fatal(err)
			}
			state.OAIs[*s.Id] = g
		}
	}
	b, err := json.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// wantErrorNoChange runs op, checks it fails with code and status, and that
// it changed nothing a client can see.
func wantErrorNoChange(t *testing.T, c *cloudfront.Client, code string, status int, op func() error) {
	t.Helper()
	before := snapshot(t, c)
	wantError(t, op(), code, status)
	if after := snapshot(t, c); after != before {
		t.Fatalf("%s changed state:\nbefore %s\nafter  %s", code, before, after)
	}
}

// rawResult is an HTTP response as a non-SDK client sees it.
type rawResult struct {
	Status int
	Header http.Header
	Body   string
	Code   string // the ErrorResponse's Code, if any
}

// raw sends one HTTP request without any SDK.
func raw(t *testing.T, method, url, contentType string, body []byte, header ...string) rawResult {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return rawResult{Status: resp.StatusCode, Header: resp.Header, Body: string(b), Code: errorCode(string(b))}
}

// quota returns service options with a small streaming-distribution quota.
func quota(n int) cf.Options { return cf.Options{MaxDistributions: n} }

func dump(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

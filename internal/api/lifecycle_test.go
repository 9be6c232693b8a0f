package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/streamfront/streamfront/internal/testenv"
)

func config(ref string) *types.StreamingDistributionConfig {
	return &types.StreamingDistributionConfig{
		CallerReference: aws.String(ref),
		S3Origin:        &types.S3Origin{DomainName: aws.String("media.s3.amazonaws.com"), OriginAccessIdentity: aws.String("")},
		Comment:         aws.String("test"),
		TrustedSigners:  &types.TrustedSigners{Enabled: aws.Bool(false), Quantity: aws.Int32(0)},
		Enabled:         aws.Bool(true),
	}
}

func TestLifecycle(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	c := srv.Client()
	ctx := context.Background()

	out, err := c.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: config("ref-1")})
	if err != nil {
		t.Fatal(err)
	}
	d := out.StreamingDistribution
	if *d.Status != "InProgress" || out.ETag == nil || out.Location == nil {
		t.Fatalf("create: status %v etag %v location %v", *d.Status, out.ETag, out.Location)
	}
	w := cloudfront.NewStreamingDistributionDeployedWaiter(c, func(o *cloudfront.StreamingDistributionDeployedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, 100*time.Millisecond
	})
	if err := w.Wait(ctx, &cloudfront.GetStreamingDistributionInput{Id: d.Id}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	cfg := config("ref-1")
	cfg.Enabled = aws.Bool(false)
	up, err := c.UpdateStreamingDistribution(ctx, &cloudfront.UpdateStreamingDistributionInput{Id: d.Id, IfMatch: out.ETag, StreamingDistributionConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Wait(ctx, &cloudfront.GetStreamingDistributionInput{Id: d.Id}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteStreamingDistribution(ctx, &cloudfront.DeleteStreamingDistributionInput{Id: d.Id, IfMatch: up.ETag}); err != nil {
		t.Fatal(err)
	}
	list, err := c.ListStreamingDistributions(ctx, &cloudfront.ListStreamingDistributionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *list.StreamingDistributionList.Quantity != 0 {
		t.Fatalf("list after delete: %d items", *list.StreamingDistributionList.Quantity)
	}
}

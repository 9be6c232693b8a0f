package api_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/streamfront/streamfront/internal/testenv"
)

func tag(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }

func listTags(t *testing.T, c *cloudfront.Client, arn *string) []types.Tag {
	t.Helper()
	out, err := c.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: arn})
	if err != nil {
		t.Fatal(err)
	}
	return out.Tags.Items
}

// TestTags: CreateStreamingDistributionWithTags, then Tag (add and
// overwrite), Untag and ListTagsForResource.
func TestTags(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	c := srv.Client()
	out, err := c.CreateStreamingDistributionWithTags(ctx, &cloudfront.CreateStreamingDistributionWithTagsInput{
		StreamingDistributionConfigWithTags: &types.StreamingDistributionConfigWithTags{
			StreamingDistributionConfig: fullConfig("tagged", "", "tagged.example.com"),
			Tags:                        &types.Tags{Items: []types.Tag{tag("team", "video"), tag("env", "prod")}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	d := out.StreamingDistribution
	if *out.Location != srv.URL+"/2020-05-31/streaming-distribution/"+*d.Id || *out.ETag == "" {
		t.Fatalf("create with tags: %s", dump(out))
	}
	sameConfig(t, "create with tags", d.StreamingDistributionConfig, fullConfig("tagged", "", "tagged.example.com"))
	arn := d.ARN
	if got, want := listTags(t, c, arn), []types.Tag{tag("env", "prod"), tag("team", "video")}; !reflect.DeepEqual(got, want) {
		t.Fatalf("tags = %s, want %s", dump(got), dump(want))
	}
	if _, err := c.TagResource(ctx, &cloudfront.TagResourceInput{Resource: arn, Tags: &types.Tags{Items: []types.Tag{tag("env", "staging"), tag("cost", "42")}}}); err != nil {
		t.Fatal(err)
	}
	if got, want := listTags(t, c, arn), []types.Tag{tag("cost", "42"), tag("env", "staging"), tag("team", "video")}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after tag = %s, want %s", dump(got), dump(want))
	}
	if _, err := c.UntagResource(ctx, &cloudfront.UntagResourceInput{Resource: arn, TagKeys: &types.TagKeys{Items: []string{"team", "absent"}}}); err != nil {
		t.Fatal(err)
	}
	if got, want := listTags(t, c, arn), []types.Tag{tag("cost", "42"), tag("env", "staging")}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after untag = %s, want %s", dump(got), dump(want))
	}
	// Tags do not change the distribution's ETag (they are not its config).
	g, err := c.GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: d.Id})
	if err != nil {
		t.Fatal(err)
	}
	if *g.ETag != *out.ETag {
		t.Fatalf("tagging changed the ETag")
	}
}

func TestTagErrors(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	c := srv.Client()
	d := create(t, c, minimalConfig("t")).StreamingDistribution
	tagOp := func(arn *string, tags ...types.Tag) func() error {
		return func() error {
			_, err := c.TagResource(ctx, &cloudfront.TagResourceInput{Resource: arn, Tags: &types.Tags{Items: tags}})
			return err
		}
	}
	t.Run("reserved key", func(t *testing.T) {
		wantErrorNoChange(t, c, "InvalidTagging", 400, tagOp(d.ARN, tag("aws:owner", "x")))
	})
	t.Run("bad value", func(t *testing.T) {
		wantErrorNoChange(t, c, "InvalidTagging", 400, tagOp(d.ARN, tag("k", "semi;colon")))
	})
	t.Run("51 tags", func(t *testing.T) {
		var many []types.Tag
		for i := range 51 {
			many = append(many, tag(fmt.Sprint("k", i), "v"))
		}
		wantErrorNoChange(t, c, "InvalidTagging", 400, tagOp(d.ARN, many...))
	})
	t.Run("create with bad tags", func(t *testing.T) {
		wantErrorNoChange(t, c, "InvalidTagging", 400, func() error {
			_, err := c.CreateStreamingDistributionWithTags(ctx, &cloudfront.CreateStreamingDistributionWithTagsInput{
				StreamingDistributionConfigWithTags: &types.StreamingDistributionConfigWithTags{
					StreamingDistributionConfig: minimalConfig("bad-tags"), Tags: &types.Tags{Items: []types.Tag{tag("", "v")}}}})
			return err
		})
	})
	t.Run("malformed ARN", func(t *testing.T) {
		wantErrorNoChange(t, c, "InvalidArgument", 400, tagOp(aws.String("arn:aws:s3:::bucket"), tag("k", "v")))
	})
	t.Run("no such resource", func(t *testing.T) {
		gone := aws.String("arn:aws:cloudfront::" + testenv.AccountID + ":streaming-distribution/ENOSUCHDIST123")
		wantErrorNoChange(t, c, "NoSuchResource", 404, tagOp(gone, tag("k", "v")))
		wantErrorNoChange(t, c, "NoSuchResource", 404, func() error {
			_, err := c.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: gone})
			return err
		})
		wantErrorNoChange(t, c, "NoSuchResource", 404, func() error {
			_, err := c.UntagResource(ctx, &cloudfront.UntagResourceInput{Resource: gone, TagKeys: &types.TagKeys{Items: []string{"k"}}})
			return err
		})
	})
}

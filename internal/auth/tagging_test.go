package auth_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/streamfront/streamfront/internal/testenv"
)

func tg(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }

func tagsOf(t *testing.T, c *cloudfront.Client, arn *string) map[string]string {
	t.Helper()
	out, err := c.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: arn})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, x := range out.Tags.Items {
		m[*x.Key] = *x.Value
	}
	return m
}

func tagResource(c *cloudfront.Client, arn *string, tags ...types.Tag) error {
	_, err := c.TagResource(ctx, &cloudfront.TagResourceInput{Resource: arn, Tags: &types.Tags{Items: tags}})
	return err
}

func TestTagsBelongToTheAccount(t *testing.T) {
	srv := secure(t, testenv.Options{})
	a, b := srv.ClientFor(testenv.KeyA), srv.ClientFor(testenv.KeyB)
	out, err := a.CreateStreamingDistributionWithTags(ctx, &cloudfront.CreateStreamingDistributionWithTagsInput{
		StreamingDistributionConfigWithTags: &types.StreamingDistributionConfigWithTags{
			StreamingDistributionConfig: distConfig("tagged"), Tags: &types.Tags{Items: []types.Tag{tg("team", "a")}}}})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.StreamingDistribution.ARN

	// Account B, naming A's ARN: AccessDenied for every tagging operation.
	wantCode(t, tagResource(b, arn, tg("team", "b")), "AccessDenied")
	_, err = b.UntagResource(ctx, &cloudfront.UntagResourceInput{Resource: arn, TagKeys: &types.TagKeys{Items: []string{"team"}}})
	wantCode(t, err, "AccessDenied")
	_, err = b.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: arn})
	wantCode(t, err, "AccessDenied")
	// B's own ARN form with A's id: no such resource in B.
	inB := aws.String(strings.Replace(*arn, testenv.AccountA, testenv.AccountB, 1))
	wantCode(t, tagResource(b, inB, tg("team", "b")), "NoSuchResource")
	if got := tagsOf(t, a, arn); len(got) != 1 || got["team"] != "a" {
		t.Fatalf("B's attempts changed A's tags: %v", got)
	}

	// A read-only key lists tags but may not change them.
	ro := srv.ClientFor(testenv.KeyAReadOnly)
	if got := tagsOf(t, ro, arn); got["team"] != "a" {
		t.Fatalf("read-only ListTagsForResource: %v", got)
	}
	wantCode(t, tagResource(ro, arn, tg("x", "y")), "AccessDenied")
	_, err = ro.CreateStreamingDistributionWithTags(ctx, &cloudfront.CreateStreamingDistributionWithTagsInput{
		StreamingDistributionConfigWithTags: &types.StreamingDistributionConfigWithTags{
			StreamingDistributionConfig: distConfig("ro-tagged"), Tags: &types.Tags{Items: []types.Tag{tg("team", "a")}}}})
	wantCode(t, err, "AccessDenied")
}

func TestTagRules(t *testing.T) {
	srv := secure(t, testenv.Options{})
	a := srv.ClientFor(testenv.KeyA)
	arn := create(t, a, "rules").StreamingDistribution.ARN

	good := []types.Tag{
		tg(strings.Repeat("k", 128), strings.Repeat("v", 256)),
		tg("empty value", ""),
		tg("café/ünïcode_.:=+-@", "ok"),
		tg("cost", "aws:allowed-in-a-value"),
	}
	if err := tagResource(a, arn, good...); err != nil {
		t.Fatalf("valid tags: %v", err)
	}
	bad := map[string]types.Tag{
		"key of 129":        tg(strings.Repeat("k", 129), "v"),
		"empty key":         tg("", "v"),
		"value of 257":      tg("k", strings.Repeat("v", 257)),
		"aws: prefix":       tg("aws:team", "v"),
		"AWS: prefix":       tg("AWS:team", "v"),
		"key with a comma":  tg("a,b", "v"),
		"value with a star": tg("k", "a*b"),
	}
	for name, x := range bad {
		if err := tagResource(a, arn, x); err == nil {
			t.Errorf("%s: accepted", name)
		} else {
			wantCode(t, err, "InvalidTagging")
		}
	}
	_, err := a.UntagResource(ctx, &cloudfront.UntagResourceInput{Resource: arn, TagKeys: &types.TagKeys{Items: []string{"aws:x"}}})
	wantCode(t, err, "InvalidTagging")
	if got := tagsOf(t, a, arn); len(got) != len(good) {
		t.Fatalf("refused tagging changed the tags: %d tags, want %d", len(got), len(good))
	}

	// At most 50 tags on a resource, counting those it already has.
	var more []types.Tag
	for i := len(good); i < 50; i++ {
		more = append(more, tg(fmt.Sprint("k", i), "v"))
	}
	if err := tagResource(a, arn, more...); err != nil {
		t.Fatalf("up to 50 tags: %v", err)
	}
	wantCode(t, tagResource(a, arn, tg("the-51st", "v")), "InvalidTagging")
	if got := tagsOf(t, a, arn); len(got) != 50 || got["the-51st"] != "" {
		t.Fatalf("after a refused 51st tag: %d tags", len(got))
	}
	// Overwriting an existing key does not add one.
	if err := tagResource(a, arn, tg("k10", "new")); err != nil {
		t.Fatalf("overwrite at 50 tags: %v", err)
	}
}

func TestMalformedAndUnknownARNs(t *testing.T) {
	srv := secure(t, testenv.Options{})
	a := srv.ClientFor(testenv.KeyA)
	for _, arn := range []string{
		"arn:aws:cloudfront::" + testenv.AccountA + ":distribution/EDFDVBD632BHDS5", // a web distribution
		"arn:aws:cloudfront::1234:streaming-distribution/E1",
		"arn:aws:cloudfront::" + testenv.AccountA + ":streaming-distribution/",
		"not an arn",
	} {
		_, err := a.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: aws.String(arn)})
		wantCode(t, err, "InvalidArgument")
	}
	gone := aws.String("arn:aws:cloudfront::" + testenv.AccountA + ":streaming-distribution/ENOSUCHDIST123")
	wantCode(t, tagResource(a, gone, tg("k", "v")), "NoSuchResource")
}

func TestTagsAreDeletedWithTheDistribution(t *testing.T) {
	srv := secure(t, testenv.Options{})
	a := srv.ClientFor(testenv.KeyA)
	out, err := a.CreateStreamingDistributionWithTags(ctx, &cloudfront.CreateStreamingDistributionWithTagsInput{
		StreamingDistributionConfigWithTags: &types.StreamingDistributionConfigWithTags{
			StreamingDistributionConfig: distConfig("doomed"), Tags: &types.Tags{Items: []types.Tag{tg("team", "a")}}}})
	if err != nil {
		t.Fatal(err)
	}
	id, arn := out.StreamingDistribution.Id, out.StreamingDistribution.ARN
	cfg := distConfig("doomed")
	cfg.Enabled = aws.Bool(false)
	up, err := a.UpdateStreamingDistribution(ctx, &cloudfront.UpdateStreamingDistributionInput{Id: id, IfMatch: out.ETag, StreamingDistributionConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	testenv.WaitDeployed(t, a, aws.ToString(id))
	if _, err := a.DeleteStreamingDistribution(ctx, &cloudfront.DeleteStreamingDistributionInput{Id: id, IfMatch: up.ETag}); err != nil {
		t.Fatal(err)
	}
	_, err = a.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: arn})
	wantCode(t, err, "NoSuchResource")
}

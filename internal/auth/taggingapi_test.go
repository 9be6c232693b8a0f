package auth_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	rgt "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"

	"github.com/streamfront/streamfront/internal/testenv"
)

func tagged(t *testing.T, c *cloudfront.Client, ref string) string {
	t.Helper()
	out, err := c.CreateStreamingDistributionWithTags(ctx, &cloudfront.CreateStreamingDistributionWithTagsInput{
		StreamingDistributionConfigWithTags: &types.StreamingDistributionConfigWithTags{StreamingDistributionConfig: distConfig(ref),
			Tags: &types.Tags{Items: []types.Tag{{Key: aws.String("team"), Value: aws.String(ref)}}}}})
	if err != nil {
		t.Fatal(err)
	}
	return *out.StreamingDistribution.ARN
}

func tagMapOf(t *testing.T, c *cloudfront.Client, arn string) map[string]string {
	t.Helper()
	out, err := c.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, tg := range out.Tags.Items {
		m[*tg.Key] = aws.ToString(tg.Value)
	}
	return m
}

// TestTaggingAPIIsolation: each account's tagging API sees and changes only
// its own resources; another account's ARN fails alone.
func TestTaggingAPIIsolation(t *testing.T) {
	srv := secure(t, testenv.Options{})
	a, b := srv.ClientFor(testenv.KeyA), srv.ClientFor(testenv.KeyB)
	arnA, arnB := tagged(t, a, "a"), tagged(t, b, "b")

	out, err := srv.TaggingClientFor(testenv.KeyA).TagResources(ctx, &rgt.TagResourcesInput{
		ResourceARNList: []string{arnA, arnB}, Tags: map[string]string{"owner": "a"}})
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := out.FailedResourcesMap[arnB]; len(out.FailedResourcesMap) != 1 || !ok || f.StatusCode != 403 || string(f.ErrorCode) != "AccessDenied" {
		t.Fatalf("FailedResourcesMap: %+v", out.FailedResourcesMap)
	}
	if m := tagMapOf(t, a, arnA); m["owner"] != "a" {
		t.Fatalf("A's own resource not tagged: %v", m)
	}
	if m := tagMapOf(t, b, arnB); len(m) != 1 || m["team"] != "b" {
		t.Fatalf("B's resource changed by A: %v", m)
	}
	res, err := srv.TaggingClientFor(testenv.KeyB).GetResources(ctx, &rgt.GetResourcesInput{})
	if err != nil || len(res.ResourceTagMappingList) != 1 || *res.ResourceTagMappingList[0].ResourceARN != arnB {
		t.Fatalf("B's GetResources: %v %+v", err, res)
	}
	keys, err := srv.TaggingClientFor(testenv.KeyB).GetTagKeys(ctx, &rgt.GetTagKeysInput{})
	if err != nil || strings.Join(keys.TagKeys, ",") != "team" {
		t.Fatalf("B's GetTagKeys: %v %v", err, keys.TagKeys)
	}
}

// TestTaggingAPIPermissions: the tagging API's actions are tag:<Operation>,
// matched like CloudFront's, case-insensitively; a refused call changes nothing.
func TestTaggingAPIPermissions(t *testing.T) {
	tagReader := testenv.Key{Account: testenv.AccountA, ID: "AKIATAGREADERAAAAAAA", Secret: "tagreadertagreadertagreader",
		Actions: []string{"TAG:get*", "CloudFront:ListStreamingDistributions"}}
	tagAll := testenv.Key{Account: testenv.AccountA, ID: "AKIATAGALLAAAAAAAAAA", Secret: "tagalltagalltagalltagall", Actions: []string{"tag:*"}}
	tagAndCloudFront := testenv.Key{Account: testenv.AccountA, ID: "AKIATAGGERAAAAAAAAAA", Secret: "taggertaggertaggertagger",
		Actions: []string{"tag:*", "cloudfront:*Resource"}}
	srv := secure(t, testenv.Options{Accounts: testenv.WriteAccounts(t, []testenv.Key{testenv.KeyA, testenv.KeyAReadOnly, tagReader, tagAll, tagAndCloudFront}, "")})
	arn := tagged(t, srv.ClientFor(testenv.KeyA), "perm")

	_, err := srv.TaggingClientFor(testenv.KeyAReadOnly).GetResources(ctx, &rgt.GetResourcesInput{})
	wantCode(t, err, "AccessDeniedException")
	if !strings.Contains(err.Error(), "tag:GetResources") {
		t.Errorf("the refusal does not name tag:GetResources: %v", err)
	}
	r := srv.TaggingClientFor(tagReader)
	if _, err := r.GetResources(ctx, &rgt.GetResourcesInput{}); err != nil {
		t.Fatalf("tag:get* may GetResources: %v", err)
	}
	if _, err := r.GetTagValues(ctx, &rgt.GetTagValuesInput{Key: aws.String("team")}); err != nil {
		t.Fatalf("tag:get* may GetTagValues: %v", err)
	}
	_, err = r.TagResources(ctx, &rgt.TagResourcesInput{ResourceARNList: []string{arn}, Tags: map[string]string{"x": "y"}})
	wantCode(t, err, "AccessDeniedException")
	_, err = r.UntagResources(ctx, &rgt.UntagResourcesInput{ResourceARNList: []string{arn}, TagKeys: []string{"team"}})
	wantCode(t, err, "AccessDeniedException")
	if m := tagMapOf(t, srv.ClientFor(testenv.KeyA), arn); len(m) != 1 || m["team"] != "perm" {
		t.Fatalf("refused tagging calls changed the tags: %v", m)
	}
	// tag:* is not enough to tag: IAM also asks for cloudfront:TagResource.
	tagOnly := srv.TaggingClientFor(tagAll)
	_, err = tagOnly.TagResources(ctx, &rgt.TagResourcesInput{ResourceARNList: []string{arn}, Tags: map[string]string{"x": "y"}})
	wantCode(t, err, "AccessDeniedException")
	if !strings.Contains(err.Error(), "cloudfront:TagResource") {
		t.Errorf("the refusal does not name cloudfront:TagResource: %v", err)
	}
	if _, err := tagOnly.GetTagKeys(ctx, &rgt.GetTagKeysInput{}); err != nil {
		t.Fatalf("tag:* may GetTagKeys: %v", err)
	}
	tagger := srv.TaggingClientFor(tagAndCloudFront)
	if _, err := tagger.TagResources(ctx, &rgt.TagResourcesInput{ResourceARNList: []string{arn}, Tags: map[string]string{"x": "y"}}); err != nil {
		t.Fatalf("tag:* with cloudfront:*Resource may tag: %v", err)
	}
	if _, err := tagger.UntagResources(ctx, &rgt.UntagResourcesInput{ResourceARNList: []string{arn}, TagKeys: []string{"x"}}); err != nil {
		t.Fatalf("tag:* with cloudfront:*Resource may untag: %v", err)
	}

	// "CloudFront:ListStreamingDistributions" was accepted at load and matches.
	if n := count(t, srv.ClientFor(tagReader)); n != 1 {
		t.Fatalf("CloudFront:ListStreamingDistributions: %d", n)
	}
	_, err = srv.ClientFor(tagReader).GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: aws.String("E1")})
	wantCode(t, err, "AccessDenied")

	// Unknown keys and wrong secrets answer in the JSON protocol's own codes.
	_, err = testenv.TaggingClient(srv.URL, "AKIAUNKNOWNUNKNOWN00", "whatever-secret-whatever", false).GetTagKeys(ctx, &rgt.GetTagKeysInput{})
	wantCode(t, err, "UnrecognizedClientException")
	_, err = testenv.TaggingClient(srv.URL, testenv.KeyA.ID, "not-the-secret-at-all", true).GetTagKeys(ctx, &rgt.GetTagKeysInput{})
	wantCode(t, err, "InvalidSignatureException")
}

// TestSigningNameMustMatchTheAPI: a credential scoped to cloudfront does not
// call the tagging API, nor one scoped to tagging the CloudFront API.
func TestSigningNameMustMatchTheAPI(t *testing.T) {
	srv := secure(t, testenv.Options{})
	creds := aws.Credentials{AccessKeyID: testenv.KeyA.ID, SecretAccessKey: testenv.KeyA.Secret}
	body := "{}"
	sum := sha256.Sum256([]byte(body))
	req, _ := http.NewRequest("POST", srv.URL+"/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "ResourceGroupsTaggingAPI_20170126.GetTagKeys")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "cloudfront", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("tagging call scoped to cloudfront: %d", resp.StatusCode)
	}
	req, _ = http.NewRequest("GET", srv.URL+distPath, nil)
	empty := sha256.Sum256(nil)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(empty[:]), "tagging", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	we := wantWire(t, req, 403, "SignatureDoesNotMatch")
	if !strings.Contains(we.Message, "'cloudfront'") {
		t.Fatalf("message %q does not name the service", we.Message)
	}
}

// TestDateHeader: without X-Amz-Date the Date header dates the request,
// with the same clock checks (botocore's accepted Date: TestBotocoreSignsAnyHeader).
func TestDateHeader(t *testing.T) {
	srv := secure(t, testenv.Options{})
	for _, tc := range []struct {
		date   string
		status int
		code   string
		text   string
	}{
		{"Sun, 30 Aug 2015 12:36:00 GMT", 403, "SignatureDoesNotMatch", "Signature expired"},
		{time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), 403, "SignatureDoesNotMatch", "Signature not yet current"},
		{"yesterday", 400, "IncompleteSignature", "Date must be an HTTP date"},
	} {
		req, _ := http.NewRequest("GET", srv.URL+distPath, nil)
		scope := "20150830"
		if t, err := http.ParseTime(tc.date); err == nil {
			scope = t.Format("20060102")
		}
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+testenv.KeyA.ID+"/"+scope+"/us-east-1/cloudfront/aws4_request, SignedHeaders=date;host, Signature=00")
		req.Header.Set("Date", tc.date)
		we := wantWire(t, req, tc.status, tc.code)
		if !strings.Contains(we.Message, tc.text) {
			t.Errorf("Date %q: %q", tc.date, we.Message)
		}
	}
}

// TestTaggingAPIUnsigned: an unsigned or half-signed tagging call gets the
// JSON protocol's codes.
func TestTaggingAPIUnsigned(t *testing.T) {
	srv := secure(t, testenv.Options{})
	for _, tc := range []struct{ auth, code string }{
		{"", "MissingAuthenticationTokenException"},
		{"AWS4-HMAC-SHA256 Credential=" + testenv.KeyA.ID + "/20260101/us-east-1/tagging/aws4_request", "IncompleteSignatureException"},
	} {
		req, _ := http.NewRequest("POST", srv.URL+"/", strings.NewReader("{}"))
		req.Header.Set("X-Amz-Target", "ResourceGroupsTaggingAPI_20170126.GetResources")
		req.Header.Set("X-Amz-Date", time.Now().UTC().Format("20060102T150405Z"))
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e struct {
			Type string `json:"__type"`
		}
		err = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 400 || e.Type != tc.code {
			t.Errorf("%q: %d %q %v", tc.auth, resp.StatusCode, e.Type, err)
		}
	}
}

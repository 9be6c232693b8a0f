package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	rgt "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	rgttypes "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/streamfront/streamfront/internal/store"
	"github.com/streamfront/streamfront/internal/testenv"
)

// taggedDists creates n distributions; distribution i is tagged team=t<i%2>
// and, for even i, env=prod. It returns their ARNs in creation order.
func taggedDists(t *testing.T, c *cloudfront.Client, n int) []string {
	t.Helper()
	var arns []string
	for i := range n {
		tags := []types.Tag{{Key: aws.String("team"), Value: aws.String(fmt.Sprintf("t%d", i%2))}}
		if i%2 == 0 {
			tags = append(tags, types.Tag{Key: aws.String("env"), Value: aws.String("prod")})
		}
		out, err := c.CreateStreamingDistributionWithTags(ctx, &cloudfront.CreateStreamingDistributionWithTagsInput{
			StreamingDistributionConfigWithTags: &types.StreamingDistributionConfigWithTags{
				StreamingDistributionConfig: minimalConfig(fmt.Sprint("tagged-", i)), Tags: &types.Tags{Items: tags}}})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, *out.StreamingDistribution.ARN)
	}
	return arns
}

// bothProtocols runs f with tagging clients of each protocol the Go SDK
// speaks to this service.
func bothProtocols(t *testing.T, f func(t *testing.T, client func(*testenv.Server) *rgt.Client)) {
	t.Run("rpcv2-cbor", func(t *testing.T) { f(t, (*testenv.Server).TaggingClient) })
	t.Run("json-1.1", func(t *testing.T) { f(t, (*testenv.Server).TaggingClientJSON) })
}

func resourceARNs(out *rgt.GetResourcesOutput) []string {
	var arns []string
	for _, m := range out.ResourceTagMappingList {
		arns = append(arns, *m.ResourceARN)
	}
	slices.Sort(arns)
	return arns
}

func wantTaggingError(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code || ae.ErrorMessage() == "" {
		t.Fatalf("got %v, want %s with a message", err, code)
	}
}

func TestTaggingGetResourcesFilters(t *testing.T) {
	bothProtocols(t, func(t *testing.T, client func(*testenv.Server) *rgt.Client) {
		srv := testenv.Start(t, testenv.Options{})
		arns := taggedDists(t, srv.Client(), 4)
		create(t, srv.Client(), minimalConfig("untagged")) // never tagged: not listed, as on AWS
		tc := client(srv)
		sorted := slices.Sorted(slices.Values(arns))

		for _, types_ := range [][]string{nil, {"cloudfront"}, {"cloudfront:streaming-distribution"}} {
			out, err := tc.GetResources(ctx, &rgt.GetResourcesInput{ResourceTypeFilters: types_})
			if err != nil {
				t.Fatal(err)
			}
			if got := resourceARNs(out); !slices.Equal(got, sorted) {
				t.Fatalf("types %v: %v, want %v", types_, got, sorted)
			}
		}
		out, err := tc.GetResources(ctx, &rgt.GetResourcesInput{ResourceTypeFilters: []string{"s3", "cloudfront:distribution"}})
		if err != nil || len(out.ResourceTagMappingList) != 0 {
			t.Fatalf("other types: %v %v", err, resourceARNs(out))
		}
		// A filter without values: the key is present; with values: one of them.
		out, err = tc.GetResources(ctx, &rgt.GetResourcesInput{TagFilters: []rgttypes.TagFilter{{Key: aws.String("env")}}})
		if got := resourceARNs(out); err != nil || !slices.Equal(got, slices.Sorted(slices.Values([]string{arns[0], arns[2]}))) {
			t.Fatalf("env present: %v %v", err, got)
		}
		out, err = tc.GetResources(ctx, &rgt.GetResourcesInput{TagFilters: []rgttypes.TagFilter{{Key: aws.String("team"), Values: []string{"t1", "nope"}}}})
		if got := resourceARNs(out); err != nil || !slices.Equal(got, slices.Sorted(slices.Values([]string{arns[1], arns[3]}))) {
			t.Fatalf("team=t1: %v %v", err, got)
		}
		out, err = tc.GetResources(ctx, &rgt.GetResourcesInput{TagFilters: []rgttypes.TagFilter{
			{Key: aws.String("team"), Values: []string{"t1"}}, {Key: aws.String("env")}}})
		if err != nil || len(out.ResourceTagMappingList) != 0 {
			t.Fatalf("team=t1 and env: %v %v", err, resourceARNs(out))
		}
		// ResourceARNList: just those, with their tags (as CloudFront lists them).
		out, err = tc.GetResources(ctx, &rgt.GetResourcesInput{ResourceARNList: []string{arns[2], "arn:aws:cloudfront::123456789012:streaming-distribution/ENOPE"}})
		if err != nil || len(out.ResourceTagMappingList) != 1 || *out.ResourceTagMappingList[0].ResourceARN != arns[2] {
			t.Fatalf("by ARN: %v %v", err, resourceARNs(out))
		}
		cfTags, err := srv.Client().ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: aws.String(arns[2])})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := tagMap(out.ResourceTagMappingList[0].Tags), cfTagMap(cfTags.Tags.Items); dump(got) != dump(want) {
			t.Fatalf("tagging API says %v, CloudFront %v", got, want)
		}
	})
}

func TestTaggingGetResourcesPages(t *testing.T) {
	bothProtocols(t, func(t *testing.T, client func(*testenv.Server) *rgt.Client) {
		srv := testenv.Start(t, testenv.Options{})
		arns := taggedDists(t, srv.Client(), 5)
		var seen []string
		pages := rgt.NewGetResourcesPaginator(client(srv), &rgt.GetResourcesInput{ResourcesPerPage: aws.Int32(2)})
		n := 0
		for pages.HasMorePages() {
			p, err := pages.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n++; len(p.ResourceTagMappingList) > 2 {
				t.Fatalf("page %d holds %d", n, len(p.ResourceTagMappingList))
			}
			seen = append(seen, resourceARNs(p)...)
		}
		if n != 3 || !slices.Equal(seen, slices.Sorted(slices.Values(arns))) {
			t.Fatalf("%d pages: %v", n, seen)
		}
		tc := client(srv)
		for _, in := range []*rgt.GetResourcesInput{
			{ResourcesPerPage: aws.Int32(0)}, {ResourcesPerPage: aws.Int32(101)}, {TagsPerPage: aws.Int32(99)},
			{PaginationToken: aws.String("not-a-token")},
			{ResourceARNList: []string{arns[0]}, ResourcesPerPage: aws.Int32(5)},
			{TagFilters: []rgttypes.TagFilter{{Key: aws.String("")}}},
		} {
			_, err := tc.GetResources(ctx, in)
			wantTaggingError(t, err, "InvalidParameterException")
		}
	})
}

func TestTaggingTagAndUntag(t *testing.T) {
	bothProtocols(t, func(t *testing.T, client func(*testenv.Server) *rgt.Client) {
		srv := testenv.Start(t, testenv.Options{})
		c := srv.Client()
		arns := taggedDists(t, c, 2)
		tc := client(srv)
		unknown := "arn:aws:cloudfront::" + testenv.AccountID + ":streaming-distribution/ENOSUCH"
		foreign := "arn:aws:cloudfront::999999999999:streaming-distribution/EFOREIGN"
		bogus := "arn:aws:s3:::some-bucket"
		out, err := tc.TagResources(ctx, &rgt.TagResourcesInput{
			ResourceARNList: []string{arns[0], unknown, foreign, bogus, arns[1]},
			Tags:            map[string]string{"owner": "ops", "team": "t9"},
		})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]struct {
			status int32
			code   string
		}{unknown: {404, "NoSuchResource"}, foreign: {403, "AccessDenied"}, bogus: {400, "InvalidArgument"}}
		if len(out.FailedResourcesMap) != len(want) {
			t.Fatalf("FailedResourcesMap %s", dump(out.FailedResourcesMap))
		}
		for arn, w := range want {
			f := out.FailedResourcesMap[arn]
			if f.StatusCode != w.status || string(f.ErrorCode) != w.code || aws.ToString(f.ErrorMessage) == "" {
				t.Errorf("%s: %s", arn, dump(f))
			}
		}
		// The rest were applied, and CloudFront's own ListTagsForResource sees it.
		for _, arn := range arns {
			got, err := c.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: aws.String(arn)})
			if err != nil {
				t.Fatal(err)
			}
			if m := cfTagMap(got.Tags.Items); m["owner"] != "ops" || m["team"] != "t9" {
				t.Fatalf("%s tags %v", arn, m)
			}
		}
		u, err := tc.UntagResources(ctx, &rgt.UntagResourcesInput{ResourceARNList: []string{arns[0], unknown}, TagKeys: []string{"owner", "env"}})
		if err != nil || len(u.FailedResourcesMap) != 1 || u.FailedResourcesMap[unknown].StatusCode != 404 {
			t.Fatalf("untag: %v %s", err, dump(u))
		}
		got, _ := c.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: aws.String(arns[0])})
		if m := cfTagMap(got.Tags.Items); len(m) != 1 || m["team"] != "t9" {
			t.Fatalf("after untag: %v", m)
		}

		// Bad requests are refused whole and change nothing.
		before := snapshot(t, c)
		for _, in := range []*rgt.TagResourcesInput{
			{ResourceARNList: []string{arns[0]}, Tags: map[string]string{"aws:reserved": "x"}},
			{ResourceARNList: []string{arns[0]}, Tags: map[string]string{}},
			{ResourceARNList: slices.Repeat([]string{arns[0]}, 21), Tags: map[string]string{"k": "v"}},
		} {
			_, err := tc.TagResources(ctx, in)
			wantTaggingError(t, err, "InvalidParameterException")
		}
		_, err = tc.UntagResources(ctx, &rgt.UntagResourcesInput{ResourceARNList: []string{arns[0]}, TagKeys: []string{"bad\x00key"}})
		wantTaggingError(t, err, "InvalidParameterException")
		if after := snapshot(t, c); after != before {
			t.Fatalf("a refused tagging call changed state:\n%s\n%s", before, after)
		}
	})
}

func TestTaggingKeysAndValues(t *testing.T) {
	bothProtocols(t, func(t *testing.T, client func(*testenv.Server) *rgt.Client) {
		srv := testenv.Start(t, testenv.Options{})
		taggedDists(t, srv.Client(), 3)
		tc := client(srv)
		k, err := tc.GetTagKeys(ctx, &rgt.GetTagKeysInput{})
		if err != nil || !slices.Equal(k.TagKeys, []string{"env", "team"}) || aws.ToString(k.PaginationToken) != "" {
			t.Fatalf("GetTagKeys: %v %s", err, dump(k))
		}
		v, err := tc.GetTagValues(ctx, &rgt.GetTagValuesInput{Key: aws.String("team")})
		if err != nil || !slices.Equal(v.TagValues, []string{"t0", "t1"}) {
			t.Fatalf("GetTagValues: %v %s", err, dump(v))
		}
		v, err = tc.GetTagValues(ctx, &rgt.GetTagValuesInput{Key: aws.String("absent")})
		if err != nil || len(v.TagValues) != 0 {
			t.Fatalf("GetTagValues of an absent key: %v %s", err, dump(v))
		}
		_, err = tc.GetTagValues(ctx, &rgt.GetTagValuesInput{Key: aws.String("")})
		wantTaggingError(t, err, "InvalidParameterException")
		_, err = tc.GetTagKeys(ctx, &rgt.GetTagKeysInput{PaginationToken: aws.String("%%%")})
		wantTaggingError(t, err, "InvalidParameterException")
	})
}

// TestTaggingWireErrors: what a JSON 1.1 client sees for a request that is
// no operation or no JSON.
func TestTaggingWireErrors(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	for _, tc := range []struct{ target, body, code string }{
		{"ResourceGroupsTaggingAPI_20170126.DescribeReportCreation", "{}", "UnknownOperationException"},
		{"Other_20170126.GetResources", "{}", "UnknownOperationException"},
		{"ResourceGroupsTaggingAPI_20170126.GetResources", "{not json", "SerializationException"},
		{"ResourceGroupsTaggingAPI_20170126.GetResources", `{"NoSuchMember": 1}`, "SerializationException"},
	} {
		req, _ := http.NewRequest("POST", srv.URL+"/", strings.NewReader(tc.body))
		req.Header.Set("X-Amz-Target", tc.target)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(b, &e); err != nil || resp.StatusCode != 400 || e.Type != tc.code || e.Message == "" ||
			resp.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
			t.Errorf("%s %s: %d %s", tc.target, tc.body, resp.StatusCode, b)
		}
	}
}

func tagMap(tags []rgttypes.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[*t.Key] = *t.Value
	}
	return m
}

func cfTagMap(tags []types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[*t.Key] = aws.ToString(t.Value)
	}
	return m
}

// listFailingStore fails ListDistributions with an error no table row explains.
type listFailingStore struct{ flakyStore }

func (s *listFailingStore) ListDistributions(context.Context, string, string, int) ([]*store.Distribution, error) {
	return nil, errDriver
}

// TestTaggingStoreFailures: a store failure is InternalServiceException
// (500) while the store answers a ping, ServiceUnavailable (503) while not.
func TestTaggingStoreFailures(t *testing.T) {
	base := testenv.Start(t, testenv.Options{})
	st := &listFailingStore{flakyStore{Store: base.Store}}
	srv := testenv.Start(t, testenv.Options{Store: st})
	_, err := srv.TaggingClient().GetTagKeys(ctx, &rgt.GetTagKeysInput{})
	wantTaggingError(t, err, "InternalServiceException")
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != 500 {
		t.Fatalf("want status 500: %v", err)
	}
	st.down.Store(true)
	_, err = srv.TaggingClient().GetTagKeys(ctx, &rgt.GetTagKeysInput{})
	wantTaggingError(t, err, "ServiceUnavailable")
}

// TestTaggingCBORWireErrors: RPC v2 CBOR requests that are no operation or
// no CBOR get a CBOR error with the Smithy-Protocol header.
func TestTaggingCBORWireErrors(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	for _, tc := range []struct {
		op   string
		body []byte
		code string
	}{
		{"DescribeReportCreation", nil, "UnknownOperationException"},
		{"GetResources", []byte{0xff, 0x00}, "SerializationException"},
		{"GetResources", cbor.Encode(cbor.Map{"ResourcesPerPage": cbor.Uint(500)}), "InvalidParameterException"},
	} {
		req, _ := http.NewRequest("POST", srv.URL+"/service/ResourceGroupsTaggingAPI_20170126/operation/"+tc.op, bytes.NewReader(tc.body))
		req.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
		req.Header.Set("Content-Type", "application/cbor")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		v, err := cbor.Decode(b)
		m, _ := v.(cbor.Map)
		if err != nil || resp.StatusCode != 400 || m["__type"] != cbor.String(tc.code) || m["Message"] == nil ||
			resp.Header.Get("Smithy-Protocol") != "rpc-v2-cbor" || resp.Header.Get("Content-Type") != "application/cbor" {
			t.Errorf("%s: %d %v %v", tc.op, resp.StatusCode, v, err)
		}
	}
}

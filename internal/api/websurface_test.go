package api_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/streamfront/streamfront/internal/testenv"
)

// TestWebListsAreEmpty: the list calls of resources streamfront never holds
// answer, through the SDK, an empty list with the request's Marker and
// MaxItems, as CloudFront does for an account without web distributions.
func TestWebListsAreEmpty(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	c := srv.Client()
	create(t, c, minimalConfig("a-streaming-one")) // there is a streaming distribution, not a web one

	d, err := c.ListDistributions(ctx, &cloudfront.ListDistributionsInput{Marker: aws.String("EXYZ"), MaxItems: aws.Int32(7)})
	if err != nil {
		t.Fatal(err)
	}
	l := d.DistributionList
	if aws.ToString(l.Marker) != "EXYZ" || aws.ToInt32(l.MaxItems) != 7 || aws.ToBool(l.IsTruncated) || aws.ToInt32(l.Quantity) != 0 || len(l.Items) != 0 || l.NextMarker != nil {
		t.Fatalf("ListDistributions: %s", dump(l))
	}
	pages := cloudfront.NewListDistributionsPaginator(c, &cloudfront.ListDistributionsInput{})
	n := 0
	for pages.HasMorePages() {
		p, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n++; n > 1 || aws.ToInt32(p.DistributionList.MaxItems) != 100 {
			t.Fatalf("paginator page %d: %s", n, dump(p.DistributionList))
		}
	}

	w, err := c.ListDistributionsByWebACLId(ctx, &cloudfront.ListDistributionsByWebACLIdInput{WebACLId: aws.String("473e64fd-f30b-4765-81a0-62ad96dd167a")})
	if err != nil || aws.ToInt32(w.DistributionList.Quantity) != 0 || aws.ToString(w.DistributionList.Marker) != "" {
		t.Fatalf("ListDistributionsByWebACLId: %v %s", err, dump(w))
	}
	cp, err := c.ListCachePolicies(ctx, &cloudfront.ListCachePoliciesInput{Type: types.CachePolicyTypeCustom})
	if err != nil || aws.ToInt32(cp.CachePolicyList.Quantity) != 0 || aws.ToInt32(cp.CachePolicyList.MaxItems) != 100 {
		t.Fatalf("ListCachePolicies: %v %s", err, dump(cp))
	}
	for name, call := range map[string]func() error{
		"ListKeyGroups":  func() error { _, err := c.ListKeyGroups(ctx, &cloudfront.ListKeyGroupsInput{}); return err },
		"ListPublicKeys": func() error { _, err := c.ListPublicKeys(ctx, &cloudfront.ListPublicKeysInput{}); return err },
		"ListFunctions":  func() error { _, err := c.ListFunctions(ctx, &cloudfront.ListFunctionsInput{}); return err },
		"ListOriginAccessControls": func() error {
			_, err := c.ListOriginAccessControls(ctx, &cloudfront.ListOriginAccessControlsInput{})
			return err
		},
		"ListRealtimeLogConfigs": func() error {
			_, err := c.ListRealtimeLogConfigs(ctx, &cloudfront.ListRealtimeLogConfigsInput{})
			return err
		},
		"ListResponseHeadersPolicies": func() error {
			_, err := c.ListResponseHeadersPolicies(ctx, &cloudfront.ListResponseHeadersPoliciesInput{})
			return err
		},
	} {
		if err := call(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestWebListMaxItemsIsChecked: MaxItems is checked as on the streaming list.
func TestWebListMaxItemsIsChecked(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	for _, bad := range []string{"0", "-1", "ten"} {
		r := raw(t, "GET", srv.URL+"/2020-05-31/distribution?MaxItems="+bad, "", nil)
		if r.Status != 400 || r.Code != "InvalidArgument" || !strings.Contains(r.Body, "MaxItems") {
			t.Errorf("MaxItems=%s: %d %s", bad, r.Status, r.Body)
		}
	}
	r := raw(t, "GET", srv.URL+"/2020-05-31/distribution?MaxItems=5000", "", nil)
	if r.Status != 200 || !strings.Contains(r.Body, "<MaxItems>1000</MaxItems>") {
		t.Errorf("MaxItems=5000: %d %s", r.Status, r.Body)
	}
}

// TestWebGetsAreNotFound: a get of a web resource answers the model's
// not-found error with its status.
func TestWebGetsAreNotFound(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	c := srv.Client()
	_, err := c.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: aws.String("E123EXAMPLE")})
	wantError(t, err, "NoSuchDistribution", 404)
	var nsd *types.NoSuchDistribution
	if !errors.As(err, &nsd) {
		t.Errorf("the SDK does not see a *types.NoSuchDistribution: %T", err)
	}
	_, err = c.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String("E123EXAMPLE")})
	wantError(t, err, "NoSuchDistribution", 404)
	_, err = c.ListInvalidations(ctx, &cloudfront.ListInvalidationsInput{DistributionId: aws.String("E123EXAMPLE")})
	wantError(t, err, "NoSuchDistribution", 404)
	_, err = c.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: aws.String("E1"), Id: aws.String("I1")})
	wantError(t, err, "NoSuchDistribution", 404)
	_, err = c.GetCachePolicy(ctx, &cloudfront.GetCachePolicyInput{Id: aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6")})
	wantError(t, err, "NoSuchCachePolicy", 404)
	_, err = c.GetFunction(ctx, &cloudfront.GetFunctionInput{Name: aws.String("f")})
	wantError(t, err, "NoSuchFunctionExists", 404)
	_, err = c.GetKeyGroup(ctx, &cloudfront.GetKeyGroupInput{Id: aws.String("k")})
	wantError(t, err, "NoSuchResource", 404)
	_, err = c.GetOriginAccessControl(ctx, &cloudfront.GetOriginAccessControlInput{Id: aws.String("o")})
	wantError(t, err, "NoSuchOriginAccessControl", 404)
}

// TestUnsupportedOperationsNameThemselves: every other operation of the
// model answers UnsupportedOperation naming it, and changes nothing.
func TestUnsupportedOperationsNameThemselves(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	c := srv.Client()
	create(t, c, minimalConfig("kept"))
	before := snapshot(t, c)
	_, err := c.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: &types.DistributionConfig{
		CallerReference: aws.String("web"), Comment: aws.String(""), Enabled: aws.Bool(true),
		Origins:              &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{{Id: aws.String("o"), DomainName: aws.String("media.s3.amazonaws.com")}}},
		DefaultCacheBehavior: &types.DefaultCacheBehavior{TargetOriginId: aws.String("o"), ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll},
	}})
	wantError(t, err, "UnsupportedOperation", 400)
	if !strings.Contains(err.Error(), "CreateDistribution is not supported by streamfront") {
		t.Errorf("message does not name the operation: %v", err)
	}
	_, err = c.DeleteDistribution(ctx, &cloudfront.DeleteDistributionInput{Id: aws.String("E1"), IfMatch: aws.String("x")})
	wantError(t, err, "UnsupportedOperation", 400)
	_, err = c.CreateInvalidation(ctx, &cloudfront.CreateInvalidationInput{DistributionId: aws.String("E1"), InvalidationBatch: &types.InvalidationBatch{
		CallerReference: aws.String("i"), Paths: &types.Paths{Quantity: aws.Int32(1), Items: []string{"/*"}}}})
	wantError(t, err, "UnsupportedOperation", 400)
	if !strings.Contains(err.Error(), "CreateInvalidation") {
		t.Errorf("message does not name the operation: %v", err)
	}
	if after := snapshot(t, c); after != before {
		t.Fatalf("an unsupported call changed state:\n%s\n%s", before, after)
	}
	// A path that is no operation at all keeps InvalidAction, with a sentence.
	r := raw(t, "GET", srv.URL+"/2020-05-31/no-such-thing", "", nil)
	if r.Status != 400 || r.Code != "InvalidAction" || !strings.Contains(r.Body, "GET /2020-05-31/no-such-thing is not an operation of the CloudFront 2020-05-31 API.") {
		t.Errorf("unknown path: %d %s", r.Status, r.Body)
	}
}

// TestWebGetByPostIsNotFound: a get the model sends as a POST with a body.
func TestWebGetByPostIsNotFound(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	_, err := srv.Client().GetRealtimeLogConfig(ctx, &cloudfront.GetRealtimeLogConfigInput{Name: aws.String("logs")})
	wantError(t, err, "NoSuchRealtimeLogConfig", 404)
}

// TestWebTrailingSlashOperations: operations whose requestUri ends in a
// slash the SDK does not send are still found.
func TestWebTrailingSlashOperations(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	c := srv.Client()
	_, err := c.GetMonitoringSubscription(ctx, &cloudfront.GetMonitoringSubscriptionInput{DistributionId: aws.String("E1")})
	wantError(t, err, "NoSuchDistribution", 404)
	_, err = c.DeleteRealtimeLogConfig(ctx, &cloudfront.DeleteRealtimeLogConfigInput{Name: aws.String("logs")})
	wantError(t, err, "UnsupportedOperation", 400)
}

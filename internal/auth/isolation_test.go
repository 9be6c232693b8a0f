package auth_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	cf "github.com/streamfront/streamfront/internal/cloudfront"
	"github.com/streamfront/streamfront/internal/testenv"
)

func TestAccountsCannotSeeOrTouchEachOthersDistributions(t *testing.T) {
	srv := secure(t, testenv.Options{})
	a, b := srv.ClientFor(testenv.KeyA), srv.ClientFor(testenv.KeyB)
	out := create(t, a, "isolated")
	id, etag := out.StreamingDistribution.Id, out.ETag

	if n := count(t, b); n != 0 {
		t.Fatalf("account B lists %d of A's distributions", n)
	}
	_, err := b.GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: id})
	wantCode(t, err, "NoSuchStreamingDistribution")
	_, err = b.GetStreamingDistributionConfig(ctx, &cloudfront.GetStreamingDistributionConfigInput{Id: id})
	wantCode(t, err, "NoSuchStreamingDistribution")
	cfg := distConfig("isolated")
	cfg.Enabled = aws.Bool(false)
	_, err = b.UpdateStreamingDistribution(ctx, &cloudfront.UpdateStreamingDistributionInput{Id: id, IfMatch: etag, StreamingDistributionConfig: cfg})
	wantCode(t, err, "NoSuchStreamingDistribution")
	_, err = b.DeleteStreamingDistribution(ctx, &cloudfront.DeleteStreamingDistributionInput{Id: id, IfMatch: etag})
	wantCode(t, err, "NoSuchStreamingDistribution")

	// B may reuse A's CallerReference: it is per account.
	create(t, b, "isolated")
	got, err := a.GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	if *got.ETag != *etag || !*got.StreamingDistribution.StreamingDistributionConfig.Enabled || count(t, a) != 1 {
		t.Fatal("account B's attempts changed account A's distribution")
	}
}

func TestAccountsCannotSeeOrTouchEachOthersOAIs(t *testing.T) {
	srv := secure(t, testenv.Options{})
	a, b := srv.ClientFor(testenv.KeyA), srv.ClientFor(testenv.KeyB)
	out, err := a.CreateCloudFrontOriginAccessIdentity(ctx, &cloudfront.CreateCloudFrontOriginAccessIdentityInput{
		CloudFrontOriginAccessIdentityConfig: &types.CloudFrontOriginAccessIdentityConfig{CallerReference: aws.String("oai"), Comment: aws.String("a's")}})
	if err != nil {
		t.Fatal(err)
	}
	id, etag := out.CloudFrontOriginAccessIdentity.Id, out.ETag

	list, err := b.ListCloudFrontOriginAccessIdentities(ctx, &cloudfront.ListCloudFrontOriginAccessIdentitiesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *list.CloudFrontOriginAccessIdentityList.Quantity != 0 {
		t.Fatal("account B lists account A's OAI")
	}
	_, err = b.GetCloudFrontOriginAccessIdentity(ctx, &cloudfront.GetCloudFrontOriginAccessIdentityInput{Id: id})
	wantCode(t, err, "NoSuchCloudFrontOriginAccessIdentity")
	_, err = b.UpdateCloudFrontOriginAccessIdentity(ctx, &cloudfront.UpdateCloudFrontOriginAccessIdentityInput{Id: id, IfMatch: etag,
		CloudFrontOriginAccessIdentityConfig: &types.CloudFrontOriginAccessIdentityConfig{CallerReference: aws.String("oai"), Comment: aws.String("b's now")}})
	wantCode(t, err, "NoSuchCloudFrontOriginAccessIdentity")
	_, err = b.DeleteCloudFrontOriginAccessIdentity(ctx, &cloudfront.DeleteCloudFrontOriginAccessIdentityInput{Id: id, IfMatch: etag})
	wantCode(t, err, "NoSuchCloudFrontOriginAccessIdentity")

	// B cannot use A's OAI as its origin identity either.
	cfg := distConfig("uses-a-oai")
	cfg.S3Origin.OriginAccessIdentity = aws.String("origin-access-identity/cloudfront/" + *id)
	_, err = b.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: cfg})
	wantCode(t, err, "InvalidOriginAccessIdentity")

	got, err := a.GetCloudFrontOriginAccessIdentity(ctx, &cloudfront.GetCloudFrontOriginAccessIdentityInput{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	if *got.CloudFrontOriginAccessIdentity.CloudFrontOriginAccessIdentityConfig.Comment != "a's" {
		t.Fatal("account B changed account A's OAI")
	}
}

func TestAliasesAreUniqueAcrossAccounts(t *testing.T) {
	srv := secure(t, testenv.Options{})
	a, b := srv.ClientFor(testenv.KeyA), srv.ClientFor(testenv.KeyB)
	withAlias := func(ref string) *types.StreamingDistributionConfig {
		c := distConfig(ref)
		c.Aliases = &types.Aliases{Quantity: aws.Int32(1), Items: []string{"media.example.com"}}
		return c
	}
	if _, err := a.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: withAlias("a")}); err != nil {
		t.Fatal(err)
	}
	_, err := b.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: withAlias("b")})
	wantCode(t, err, "CNAMEAlreadyExists")
	if n := count(t, b); n != 0 {
		t.Fatalf("refused create left %d distributions in B", n)
	}
}

func TestQuotasArePerAccount(t *testing.T) {
	srv := secure(t, testenv.Options{Service: cf.Options{MaxDistributions: 1}})
	a, b := srv.ClientFor(testenv.KeyA), srv.ClientFor(testenv.KeyB)
	create(t, a, "a-1")
	_, err := a.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: distConfig("a-2")})
	wantCode(t, err, "TooManyStreamingDistributions")
	create(t, b, "b-1") // A's distribution does not count against B
}

func TestAccountsFileQuotas(t *testing.T) {
	// Account A may hold 2 distributions and 1 OAI; B keeps the server's 1.
	file := testenv.WriteAccounts(t, []testenv.Key{testenv.KeyA, testenv.KeyB}, "")
	data, _ := os.ReadFile(file)
	text := strings.Replace(string(data), "name = \"team-a\"\n", "name = \"team-a\"\nmax_streaming_distributions = 2\nmax_origin_access_identities = 1\n", 1)
	os.WriteFile(file, []byte(text), 0o600)
	srv := secure(t, testenv.Options{Accounts: file, Service: cf.Options{MaxDistributions: 1, MaxOAIs: 5}})
	a, b := srv.ClientFor(testenv.KeyA), srv.ClientFor(testenv.KeyB)
	create(t, a, "a-1")
	create(t, a, "a-2")
	_, err := a.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: distConfig("a-3")})
	wantCode(t, err, "TooManyStreamingDistributions")
	create(t, b, "b-1")
	_, err = b.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: distConfig("b-2")})
	wantCode(t, err, "TooManyStreamingDistributions")

	oai := func(c *cloudfront.Client, ref string) error {
		_, err := c.CreateCloudFrontOriginAccessIdentity(ctx, &cloudfront.CreateCloudFrontOriginAccessIdentityInput{
			CloudFrontOriginAccessIdentityConfig: &types.CloudFrontOriginAccessIdentityConfig{CallerReference: aws.String(ref), Comment: aws.String("")}})
		return err
	}
	if err := oai(a, "oai-1"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, oai(a, "oai-2"), "TooManyCloudFrontOriginAccessIdentities")
	for i := range 2 {
		if err := oai(b, fmt.Sprint("b-oai-", i)); err != nil {
			t.Fatalf("B's OAI %d under the server's quota of 5: %v", i, err)
		}
	}
}

func TestTrustedSignersMustBeAccountsOfThisServer(t *testing.T) {
	srv := secure(t, testenv.Options{})
	a := srv.ClientFor(testenv.KeyA)
	withSigners := func(ref string, items ...string) *types.StreamingDistributionConfig {
		c := distConfig(ref)
		c.TrustedSigners = &types.TrustedSigners{Enabled: aws.Bool(true), Quantity: aws.Int32(int32(len(items))), Items: items}
		return c
	}
	_, err := a.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: withSigners("unknown", "self", "999999999999")})
	wantCode(t, err, "TrustedSignerDoesNotExist")
	if n := count(t, a); n != 0 {
		t.Fatalf("refused create left %d distributions", n)
	}
	out, err := a.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: withSigners("known", "self", testenv.AccountB)})
	if err != nil {
		t.Fatalf("self and another account of this server: %v", err)
	}
	_, err = a.UpdateStreamingDistribution(ctx, &cloudfront.UpdateStreamingDistributionInput{Id: out.StreamingDistribution.Id, IfMatch: out.ETag,
		StreamingDistributionConfig: withSigners("known", "999999999999")})
	wantCode(t, err, "TrustedSignerDoesNotExist")
}

package api_test

import (
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/streamfront/streamfront/internal/testenv"
)

var (
	idRE     = regexp.MustCompile(`^E[A-Z0-9]{12,13}$`)
	domainRE = regexp.MustCompile(`^s[a-z0-9]{13}\.cloudfront\.net$`)
)

// TestLifecycle walks one distribution through create, deploy, get,
// get-config, update (disable), deploy, delete, as a user does.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	srv := testenv.Start(t, testenv.Options{})
	c := srv.Client()

	out := create(t, c, minimalConfig("ref-1"))
	d := out.StreamingDistribution
	if *d.Status != "InProgress" {
		t.Fatalf("status after create = %s, want InProgress", *d.Status)
	}
	testenv.WaitDeployed(t, c, aws.ToString(d.Id))

	got, err := c.GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: d.Id})
	if err != nil {
		t.Fatal(err)
	}
	if *got.StreamingDistribution.Status != "Deployed" || *got.ETag != *out.ETag {
		t.Fatalf("get: status %s etag %s, want Deployed %s", *got.StreamingDistribution.Status, *got.ETag, *out.ETag)
	}
	gc, err := c.GetStreamingDistributionConfig(ctx, &cloudfront.GetStreamingDistributionConfigInput{Id: d.Id})
	if err != nil {
		t.Fatal(err)
	}
	if *gc.ETag != *out.ETag || *gc.StreamingDistributionConfig.CallerReference != "ref-1" {
		t.Fatalf("get-config: etag %s ref %s", *gc.ETag, *gc.StreamingDistributionConfig.CallerReference)
	}

	cfg := gc.StreamingDistributionConfig
	cfg.Enabled = aws.Bool(false)
	up, err := c.UpdateStreamingDistribution(ctx, &cloudfront.UpdateStreamingDistributionInput{Id: d.Id, IfMatch: gc.ETag, StreamingDistributionConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if *up.StreamingDistribution.Status != "InProgress" || *up.ETag == *out.ETag {
		t.Fatalf("update: status %s etag %s (old %s)", *up.StreamingDistribution.Status, *up.ETag, *out.ETag)
	}
	testenv.WaitDeployed(t, c, aws.ToString(d.Id))
	if _, err := c.DeleteStreamingDistribution(ctx, &cloudfront.DeleteStreamingDistributionInput{Id: d.Id, IfMatch: up.ETag}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: d.Id})
	wantError(t, err, "NoSuchStreamingDistribution", http.StatusNotFound)
	list, err := c.ListStreamingDistributions(ctx, &cloudfront.ListStreamingDistributionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *list.StreamingDistributionList.Quantity != 0 || len(list.StreamingDistributionList.Items) != 0 {
		t.Fatalf("list after delete: %d items", *list.StreamingDistributionList.Quantity)
	}
}

// TestCreateResponse checks the identifiers, headers and status of a new
// distribution against the shapes AWS uses.
func TestCreateResponse(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	c := srv.Client()
	before := time.Now().Add(-time.Second)
	out := create(t, c, minimalConfig("ids"))
	d := out.StreamingDistribution
	switch {
	case !idRE.MatchString(*d.Id):
		t.Errorf("Id %q", *d.Id)
	case *d.ARN != "arn:aws:cloudfront::"+testenv.AccountID+":streaming-distribution/"+*d.Id:
		t.Errorf("ARN %q", *d.ARN)
	case !domainRE.MatchString(*d.DomainName):
		t.Errorf("DomainName %q", *d.DomainName)
	case *out.Location != srv.URL+"/2020-05-31/streaming-distribution/"+*d.Id:
		t.Errorf("Location %q", *out.Location)
	case !idRE.MatchString(*out.ETag):
		t.Errorf("ETag %q", *out.ETag)
	case d.LastModifiedTime.Before(before) || d.LastModifiedTime.After(time.Now().Add(time.Second)) || d.LastModifiedTime.Location() != time.UTC:
		t.Errorf("LastModifiedTime %v", d.LastModifiedTime)
	case *d.ActiveTrustedSigners.Enabled || *d.ActiveTrustedSigners.Quantity != 0:
		t.Errorf("ActiveTrustedSigners %+v", d.ActiveTrustedSigners)
	}
	// Location really names the resource.
	r := raw(t, http.MethodGet, *out.Location, "", nil)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "<Id>"+*d.Id+"</Id>") || r.Header.Get("ETag") != *out.ETag {
		t.Fatalf("GET Location: %d %s", r.Status, r.Body)
	}
	// A second create gets different identifiers.
	d2 := create(t, c, minimalConfig("ids-2")).StreamingDistribution
	if *d2.Id == *d.Id || *d2.DomainName == *d.DomainName {
		t.Fatalf("identifiers reused: %s %s", *d2.Id, *d2.DomainName)
	}
}

// TestConfigRoundTrip sets every member and reads it back through Create,
// Get, GetConfig, Update and List.
func TestConfigRoundTrip(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	c := srv.Client()
	oai := createOAI(t, c, "rt-oai").CloudFrontOriginAccessIdentity
	want := fullConfig("round-trip", "origin-access-identity/cloudfront/"+*oai.Id, "Video.Example.com", "*.cdn.example.org")

	out := create(t, c, want)
	sameConfig(t, "create", out.StreamingDistribution.StreamingDistributionConfig, want)
	ats := out.StreamingDistribution.ActiveTrustedSigners
	if !*ats.Enabled || *ats.Quantity != 2 || *ats.Items[0].AwsAccountNumber != "self" || *ats.Items[1].AwsAccountNumber != testenv.AccountID {
		t.Errorf("ActiveTrustedSigners = %+v", ats)
	}
	id := out.StreamingDistribution.Id
	got, err := c.GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	sameConfig(t, "get", got.StreamingDistribution.StreamingDistributionConfig, want)
	gc, err := c.GetStreamingDistributionConfig(ctx, &cloudfront.GetStreamingDistributionConfigInput{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	sameConfig(t, "get-config", gc.StreamingDistributionConfig, want)

	list, err := c.ListStreamingDistributions(ctx, &cloudfront.ListStreamingDistributionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	s := list.StreamingDistributionList.Items[0]
	if *s.Id != *id || *s.Comment != *want.Comment || s.PriceClass != want.PriceClass || !*s.Enabled ||
		!reflect.DeepEqual(s.Aliases, want.Aliases) || !reflect.DeepEqual(s.TrustedSigners, want.TrustedSigners) ||
		!reflect.DeepEqual(s.S3Origin, want.S3Origin) || *s.DomainName != *out.StreamingDistribution.DomainName {
		t.Errorf("summary = %+v", s)
	}

	// Every member changed in one update, then back to the minimal form.
	changed := fullConfig("round-trip", "", "other.example.net")
	changed.S3Origin.DomainName = aws.String("another.s3.amazonaws.com")
	changed.Comment = aws.String("")
	changed.Logging = &types.StreamingLoggingConfig{Enabled: aws.Bool(true), Bucket: aws.String("logs2.s3.amazonaws.com"), Prefix: aws.String("")}
	changed.TrustedSigners = &types.TrustedSigners{Enabled: aws.Bool(false), Quantity: aws.Int32(1), Items: []string{"self"}}
	changed.PriceClass = types.PriceClassPriceClass100
	changed.Enabled = aws.Bool(false)
	up, err := c.UpdateStreamingDistribution(ctx, &cloudfront.UpdateStreamingDistributionInput{Id: id, IfMatch: out.ETag, StreamingDistributionConfig: changed})
	if err != nil {
		t.Fatal(err)
	}
	sameConfig(t, "update", up.StreamingDistribution.StreamingDistributionConfig, changed)
	gc, err = c.GetStreamingDistributionConfig(ctx, &cloudfront.GetStreamingDistributionConfigInput{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	sameConfig(t, "get-config after update", gc.StreamingDistributionConfig, changed)
}

// TestDefaults checks what CloudFront fills in for omitted optional members,
// and that Bucket and Prefix are dropped when logging is disabled.
func TestDefaults(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	c := srv.Client()
	cfg := minimalConfig("defaults")
	got := create(t, c, cfg).StreamingDistribution.StreamingDistributionConfig
	want := minimalConfig("defaults")
	want.Aliases = &types.Aliases{Quantity: aws.Int32(0)}
	want.Logging = &types.StreamingLoggingConfig{Enabled: aws.Bool(false), Bucket: aws.String(""), Prefix: aws.String("")}
	want.PriceClass = types.PriceClassPriceClassAll
	sameConfig(t, "defaults", got, want)

	cfg = minimalConfig("logging-off")
	cfg.Logging = &types.StreamingLoggingConfig{Enabled: aws.Bool(false), Bucket: aws.String("logs.s3.amazonaws.com"), Prefix: aws.String("p/")}
	got = create(t, c, cfg).StreamingDistribution.StreamingDistributionConfig
	if *got.Logging.Bucket != "" || *got.Logging.Prefix != "" {
		t.Fatalf("disabled logging kept %+v", got.Logging)
	}
}

func sameConfig(t *testing.T, what string, got, want *types.StreamingDistributionConfig) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: config differs\ngot  %s\nwant %s", what, dump(got), dump(want))
	}
}

// TestUpdateETags checks the If-Match rules and that a successful update
// replaces the ETag, bumps LastModifiedTime and goes back to InProgress.
func TestUpdateETags(t *testing.T) {
	t.Parallel()
	srv := testenv.Start(t, testenv.Options{})
	c := srv.Client()
	out := create(t, c, minimalConfig("etag"))
	id := out.StreamingDistribution.Id
	testenv.WaitDeployed(t, c, aws.ToString(id))
	cfg := minimalConfig("etag")
	cfg.Comment = aws.String("changed")

	update := func(ifMatch *string, cfg *types.StreamingDistributionConfig) error {
		_, err := c.UpdateStreamingDistribution(ctx, &cloudfront.UpdateStreamingDistributionInput{Id: id, IfMatch: ifMatch, StreamingDistributionConfig: cfg})
		return err
	}
	wantErrorNoChange(t, c, "InvalidIfMatchVersion", 400, func() error { return update(nil, cfg) })
	wantErrorNoChange(t, c, "PreconditionFailed", 412, func() error { return update(aws.String("EWRONGETAG1234"), cfg) })
	renamed := minimalConfig("etag-renamed")
	wantErrorNoChange(t, c, "IllegalUpdate", 400, func() error { return update(out.ETag, renamed) })

	time.Sleep(5 * time.Millisecond) // LastModifiedTime has millisecond resolution
	up, err := c.UpdateStreamingDistribution(ctx, &cloudfront.UpdateStreamingDistributionInput{Id: id, IfMatch: out.ETag, StreamingDistributionConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	d := up.StreamingDistribution
	if *up.ETag == *out.ETag || !idRE.MatchString(*up.ETag) || *d.Status != "InProgress" ||
		!d.LastModifiedTime.After(*out.StreamingDistribution.LastModifiedTime) || *d.StreamingDistributionConfig.Comment != "changed" {
		t.Fatalf("update: etag %s (old %s) status %s modified %v", *up.ETag, *out.ETag, *d.Status, d.LastModifiedTime)
	}
	// The old ETag is now stale; the new one is what Get reports.
	wantErrorNoChange(t, c, "PreconditionFailed", 412, func() error { return update(out.ETag, cfg) })
	got, err := c.GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	if *got.ETag != *up.ETag || *got.StreamingDistribution.StreamingDistributionConfig.Comment != "changed" {
		t.Fatalf("get: etag %s comment %q, want %s \"changed\"", *got.ETag, *got.StreamingDistribution.StreamingDistributionConfig.Comment, *up.ETag)
	}
	testenv.WaitDeployed(t, c, aws.ToString(id))
}

// TestDelete checks that only a disabled, deployed distribution can be
// deleted, with the If-Match rules.
func TestDelete(t *testing.T) {
	t.Parallel()
	// Long enough that the delete below lands before the disable is deployed.
	srv := testenv.Start(t, testenv.Options{DeployDelay: 2 * time.Second})
	c := srv.Client()
	out := create(t, c, minimalConfig("del"))
	id := out.StreamingDistribution.Id
	del := func(ifMatch *string) error {
		_, err := c.DeleteStreamingDistribution(ctx, &cloudfront.DeleteStreamingDistributionInput{Id: id, IfMatch: ifMatch})
		return err
	}
	testenv.WaitDeployed(t, c, aws.ToString(id))
	wantErrorNoChange(t, c, "StreamingDistributionNotDisabled", 409, func() error { return del(out.ETag) })

	cfg := minimalConfig("del")
	cfg.Enabled = aws.Bool(false)
	up, err := c.UpdateStreamingDistribution(ctx, &cloudfront.UpdateStreamingDistributionInput{Id: id, IfMatch: out.ETag, StreamingDistributionConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	// Disabled but not yet deployed: CloudFront still refuses.
	wantErrorNoChange(t, c, "StreamingDistributionNotDisabled", 409, func() error { return del(up.ETag) })
	testenv.WaitDeployed(t, c, aws.ToString(id))
	wantErrorNoChange(t, c, "InvalidIfMatchVersion", 400, func() error { return del(nil) })
	wantErrorNoChange(t, c, "PreconditionFailed", 412, func() error { return del(out.ETag) })
	if err := del(up.ETag); err != nil {
		t.Fatal(err)
	}
	wantErrorNoChange(t, c, "NoSuchStreamingDistribution", 404, func() error { return del(up.ETag) })
}

// TestNoSuchDistribution checks every operation on an unknown Id.
func TestNoSuchDistribution(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	c := srv.Client()
	create(t, c, minimalConfig("exists"))
	id := aws.String("ENOSUCHDIST123")
	ops := map[string]func() error{
		"Get": func() error {
			_, err := c.GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: id})
			return err
		},
		"GetConfig": func() error {
			_, err := c.GetStreamingDistributionConfig(ctx, &cloudfront.GetStreamingDistributionConfigInput{Id: id})
			return err
		},
		"Update": func() error {
			_, err := c.UpdateStreamingDistribution(ctx, &cloudfront.UpdateStreamingDistributionInput{Id: id, IfMatch: aws.String("E1"), StreamingDistributionConfig: minimalConfig("exists")})
			return err
		},
		"Delete": func() error {
			_, err := c.DeleteStreamingDistribution(ctx, &cloudfront.DeleteStreamingDistributionInput{Id: id, IfMatch: aws.String("E1")})
			return err
		},
	}
	for name, op := range ops {
		t.Run(name, func(t *testing.T) { wantErrorNoChange(t, c, "NoSuchStreamingDistribution", 404, op) })
	}
}

// TestCallerReferenceReuse: a CallerReference already used by the account
// is refused whatever the rest of the config, as the seed documents.
func TestCallerReferenceReuse(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	c := srv.Client()
	create(t, c, minimalConfig("once"))
	different := fullConfig("once", "", "reuse.example.com")
	wantErrorNoChange(t, c, "StreamingDistributionAlreadyExists", 409, func() error {
		_, err := c.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: different})
		return err
	})
	wantErrorNoChange(t, c, "StreamingDistributionAlreadyExists", 409, func() error {
		_, err := c.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: minimalConfig("once")})
		return err
	})
}

// TestCNAMEs: an alias belongs to one distribution, case-insensitively, on
// create and on update, and is free again once its holder lets it go.
func TestCNAMEs(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	c := srv.Client()
	a := create(t, c, fullConfig("a", "", "Live.Example.com"))
	b := create(t, c, fullConfig("b", "", "other.example.com"))

	wantErrorNoChange(t, c, "CNAMEAlreadyExists", 409, func() error {
		_, err := c.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: fullConfig("c", "", "new.example.com", "live.EXAMPLE.com")})
		return err
	})
	wantErrorNoChange(t, c, "CNAMEAlreadyExists", 409, func() error {
		_, err := c.UpdateStreamingDistribution(ctx, &cloudfront.UpdateStreamingDistributionInput{Id: b.StreamingDistribution.Id, IfMatch: b.ETag,
			StreamingDistributionConfig: fullConfig("b", "", "other.example.com", "LIVE.example.COM")})
		return err
	})
	// A distribution may keep (and re-case) its own alias.
	up, err := c.UpdateStreamingDistribution(ctx, &cloudfront.UpdateStreamingDistributionInput{Id: a.StreamingDistribution.Id, IfMatch: a.ETag,
		StreamingDistributionConfig: fullConfig("a", "", "live.example.com")})
	if err != nil {
		t.Fatal(err)
	}
	// Once a drops it, b may take it.
	if _, err := c.UpdateStreamingDistribution(ctx, &cloudfront.UpdateStreamingDistributionInput{Id: a.StreamingDistribution.Id, IfMatch: up.ETag,
		StreamingDistributionConfig: fullConfig("a", "")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateStreamingDistribution(ctx, &cloudfront.UpdateStreamingDistributionInput{Id: b.StreamingDistribution.Id, IfMatch: b.ETag,
		StreamingDistributionConfig: fullConfig("b", "", "Live.Example.com")}); err != nil {
		t.Fatal(err)
	}
}

// TestQuota: the per-account quota refuses the create beyond it, and a
// delete makes room again.
func TestQuota(t *testing.T) {
	t.Parallel()
	srv := testenv.Start(t, testenv.Options{Service: quota(2)})
	c := srv.Client()
	create(t, c, minimalConfig("q1"))
	second := create(t, c, disabled("q2"))
	wantErrorNoChange(t, c, "TooManyStreamingDistributions", 400, func() error {
		_, err := c.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: minimalConfig("q3")})
		return err
	})
	testenv.WaitDeployed(t, c, aws.ToString(second.StreamingDistribution.Id))
	if _, err := c.DeleteStreamingDistribution(ctx, &cloudfront.DeleteStreamingDistributionInput{Id: second.StreamingDistribution.Id, IfMatch: second.ETag}); err != nil {
		t.Fatal(err)
	}
	create(t, c, minimalConfig("q3"))
}

func disabled(ref string) *types.StreamingDistributionConfig {
	cfg := minimalConfig(ref)
	cfg.Enabled = aws.Bool(false)
	return cfg
}

package auth_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/streamfront/streamfront/internal/testenv"
)

const distPath = "/2020-05-31/streaming-distribution"

func TestSignedSDKRequestsWork(t *testing.T) {
	srv := secure(t, testenv.Options{})
	a := srv.ClientFor(testenv.KeyA)
	out := create(t, a, "signed-1")
	got, err := a.GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: out.StreamingDistribution.Id})
	if err != nil {
		t.Fatal(err)
	}
	if *got.StreamingDistribution.ARN != "arn:aws:cloudfront::"+testenv.AccountA+":streaming-distribution/"+*out.StreamingDistribution.Id {
		t.Fatalf("ARN %s does not name account A", *got.StreamingDistribution.ARN)
	}
}

func TestMissingAuthentication(t *testing.T) {
	srv := secure(t, testenv.Options{})
	req, _ := http.NewRequest("GET", srv.URL+distPath, nil)
	wantWire(t, req, 403, "MissingAuthenticationToken")
}

func TestUnknownAccessKey(t *testing.T) {
	srv := secure(t, testenv.Options{})
	_, err := testenv.Client(srv.URL, "AKIAUNKNOWNUNKNOWN00", "whatever-secret-whatever").
		ListStreamingDistributions(ctx, &cloudfront.ListStreamingDistributionsInput{})
	wantCode(t, err, "InvalidClientTokenId")

	// streamfront issues no temporary credentials: a session token is refused.
	withToken := cloudfront.New(cloudfront.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider(testenv.KeyA.ID, testenv.KeyA.Secret, "session-token"),
		Retryer:     aws.NopRetryer{}})
	_, err = withToken.ListStreamingDistributions(ctx, &cloudfront.ListStreamingDistributionsInput{})
	wantCode(t, err, "InvalidClientTokenId")
}

func TestWrongSecretIsRefusedAndChangesNothing(t *testing.T) {
	srv := secure(t, testenv.Options{})
	bad := testenv.KeyA
	bad.Secret = "not-the-secret-of-key-a-at-all"
	_, err := srv.ClientFor(bad).CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: distConfig("wrong-secret")})
	wantCode(t, err, "SignatureDoesNotMatch")
	if n := count(t, srv.ClientFor(testenv.KeyA)); n != 0 {
		t.Fatalf("a refused create left %d distributions", n)
	}
}

func TestTamperedBodyIsRefusedAndChangesNothing(t *testing.T) {
	srv := secure(t, testenv.Options{})
	signedBody := rawCreateBody("original")
	tampered := rawCreateBody("tampered")
	req := signed(t, "POST", srv.URL+distPath, testenv.KeyA, time.Now(), signedBody, tampered)
	wantWire(t, req, 403, "SignatureDoesNotMatch")
	if n := count(t, srv.ClientFor(testenv.KeyA)); n != 0 {
		t.Fatalf("a tampered create left %d distributions", n)
	}
	// The same request untampered is accepted: the refusal was the body.
	req = signed(t, "POST", srv.URL+distPath, testenv.KeyA, time.Now(), signedBody, signedBody)
	if status, we := send(t, req); status != 201 {
		t.Fatalf("untampered create: %d %s %s", status, we.Code, we.Message)
	}
}

func TestStaleOrFutureDateIsRefusedAndChangesNothing(t *testing.T) {
	srv := secure(t, testenv.Options{})
	body := rawCreateBody("skewed")
	for _, skew := range []time.Duration{-16 * time.Minute, 16 * time.Minute} {
		req := signed(t, "POST", srv.URL+distPath, testenv.KeyA, time.Now().Add(skew), body, body)
		we := wantWire(t, req, 403, "SignatureDoesNotMatch")
		if !strings.Contains(we.Message, "Signature expired") && !strings.Contains(we.Message, "Signature not yet current") {
			t.Fatalf("skew %v: message %q does not explain the clock", skew, we.Message)
		}
	}
	if n := count(t, srv.ClientFor(testenv.KeyA)); n != 0 {
		t.Fatalf("a skewed create left %d distributions", n)
	}
	// Within the window is fine.
	req := signed(t, "POST", srv.URL+distPath, testenv.KeyA, time.Now().Add(-10*time.Minute), body, body)
	if status, we := send(t, req); status != 201 {
		t.Fatalf("10 minutes old: %d %s %s", status, we.Code, we.Message)
	}
}

func TestVerifierUsesInjectedClock(t *testing.T) {
	srv := secure(t, testenv.Options{Now: func() time.Time { return time.Now().Add(time.Hour) }})
	_, err := srv.ClientFor(testenv.KeyA).ListStreamingDistributions(ctx, &cloudfront.ListStreamingDistributionsInput{})
	wantCode(t, err, "SignatureDoesNotMatch")
}

func TestWrongScopeIsRefused(t *testing.T) {
	srv := secure(t, testenv.Options{})
	for _, scope := range [][2]string{{"cloudfront", "us-west-2"}, {"s3", "us-east-1"}} {
		req, _ := http.NewRequest("GET", srv.URL+distPath, nil)
		creds := aws.Credentials{AccessKeyID: testenv.KeyA.ID, SecretAccessKey: testenv.KeyA.Secret}
		empty := sha256.Sum256(nil)
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(empty[:]), scope[0], scope[1], time.Now()); err != nil {
			t.Fatal(err)
		}
		wantWire(t, req, 403, "SignatureDoesNotMatch")
	}
}

func TestMalformedAuthorization(t *testing.T) {
	srv := secure(t, testenv.Options{})
	req, _ := http.NewRequest("GET", srv.URL+distPath, nil)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+testenv.KeyA.ID+"/20260101/us-east-1/cloudfront/aws4_request")
	req.Header.Set("X-Amz-Date", time.Now().UTC().Format("20060102T150405Z"))
	wantWire(t, req, 400, "IncompleteSignature")
}

// presign returns a presigned URL for GET path signed with k at signingTime.
func presign(t *testing.T, srv *testenv.Server, path string, k testenv.Key, signingTime time.Time, expires string) string {
	t.Helper()
	u := srv.URL + path
	if expires != "" {
		u += "?X-Amz-Expires=" + expires
	}
	req, _ := http.NewRequest("GET", u, nil)
	empty := sha256.Sum256(nil)
	creds := aws.Credentials{AccessKeyID: k.ID, SecretAccessKey: k.Secret}
	signedURL, _, err := v4.NewSigner().PresignHTTP(ctx, creds, req, hex.EncodeToString(empty[:]), "cloudfront", "us-east-1", signingTime)
	if err != nil {
		t.Fatal(err)
	}
	return signedURL
}

func TestPresignedGet(t *testing.T) {
	srv := secure(t, testenv.Options{})
	id := *create(t, srv.ClientFor(testenv.KeyA), "presigned").StreamingDistribution.Id

	resp, err := http.Get(presign(t, srv, distPath+"/"+id, testenv.KeyA, time.Now(), "300"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("ETag") == "" {
		t.Fatalf("presigned GET: status %d, ETag %q", resp.StatusCode, resp.Header.Get("ETag"))
	}

	// Expired (signed 10 minutes ago for 60 s), tampered (another id), and
	// signed by another account (which cannot see it) are all refused.
	req, _ := http.NewRequest("GET", presign(t, srv, distPath+"/"+id, testenv.KeyA, time.Now().Add(-10*time.Minute), "60"), nil)
	wantWire(t, req, 403, "SignatureDoesNotMatch")
	other := strings.Replace(presign(t, srv, distPath+"/"+id, testenv.KeyA, time.Now(), "300"), id, "EOTHERID000000", 1)
	req, _ = http.NewRequest("GET", other, nil)
	wantWire(t, req, 403, "SignatureDoesNotMatch")
	req, _ = http.NewRequest("GET", presign(t, srv, distPath+"/"+id, testenv.KeyB, time.Now(), "300"), nil)
	wantWire(t, req, 404, "NoSuchStreamingDistribution")
}

func TestReadOnlyKey(t *testing.T) {
	srv := secure(t, testenv.Options{})
	full := srv.ClientFor(testenv.KeyA)
	ro := srv.ClientFor(testenv.KeyAReadOnly)
	out := create(t, full, "ro-target")
	id := out.StreamingDistribution.Id

	if _, err := ro.GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: id}); err != nil {
		t.Fatalf("read-only Get: %v", err)
	}
	if _, err := ro.GetStreamingDistributionConfig(ctx, &cloudfront.GetStreamingDistributionConfigInput{Id: id}); err != nil {
		t.Fatalf("read-only GetConfig: %v", err)
	}
	if n := count(t, ro); n != 1 {
		t.Fatalf("read-only List: %d items, want 1", n)
	}

	_, err := ro.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: distConfig("ro-create")})
	wantCode(t, err, "AccessDenied")
	cfg := distConfig("ro-target")
	cfg.Comment = aws.String("changed by read-only key")
	_, err = ro.UpdateStreamingDistribution(ctx, &cloudfront.UpdateStreamingDistributionInput{Id: id, IfMatch: out.ETag, StreamingDistributionConfig: cfg})
	wantCode(t, err, "AccessDenied")
	_, err = ro.DeleteStreamingDistribution(ctx, &cloudfront.DeleteStreamingDistributionInput{Id: id, IfMatch: out.ETag})
	wantCode(t, err, "AccessDenied")

	got, err := full.GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	if *got.ETag != *out.ETag || *got.StreamingDistribution.StreamingDistributionConfig.Comment != "auth test" || count(t, full) != 1 {
		t.Fatalf("refused writes changed the distribution: etag %s comment %q", *got.ETag, *got.StreamingDistribution.StreamingDistributionConfig.Comment)
	}
}

package auth_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/smithy-go"

	"github.com/streamfront/streamfront/internal/testenv"
)

var ctx = context.Background()

// secure starts a secure-mode server with keys A, B and A read-only.
func secure(t *testing.T, o testenv.Options) *testenv.Server {
	t.Helper()
	if o.Accounts == "" {
		o.Accounts = testenv.WriteAccounts(t, []testenv.Key{testenv.KeyA, testenv.KeyB, testenv.KeyAReadOnly}, "")
	}
	return testenv.Start(t, o)
}

func distConfig(ref string) *types.StreamingDistributionConfig {
	c := testenv.DistConfig(ref)
	c.Comment = aws.String("auth test")
	return c
}

func create(t testing.TB, c *cloudfront.Client, ref string) *cloudfront.CreateStreamingDistributionOutput {
	t.Helper()
	out, err := c.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: distConfig(ref)})
	if err != nil {
		t.Fatalf("create %s: %v", ref, err)
	}
	return out
}

// wantCode fails unless err is the AWS error code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want %s, got %s: %s", code, ae.ErrorCode(), ae.ErrorMessage())
	}
}

func count(t *testing.T, c *cloudfront.Client) int {
	t.Helper()
	out, err := c.ListStreamingDistributions(ctx, &cloudfront.ListStreamingDistributionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	return int(*out.StreamingDistributionList.Quantity)
}

// rawCreateBody is a CreateStreamingDistribution request body.
func rawCreateBody(ref string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<StreamingDistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">
<CallerReference>` + ref + `</CallerReference>
<S3Origin><DomainName>media.s3.amazonaws.com</DomainName><OriginAccessIdentity></OriginAccessIdentity></S3Origin>
<Comment>raw</Comment>
<TrustedSigners><Enabled>false</Enabled><Quantity>0</Quantity></TrustedSigners>
<Enabled>true</Enabled>
</StreamingDistributionConfig>`)
}

// signed builds a request signed with k at signingTime over signBody; the
// request carries sendBody (to model tampering in transit).
func signed(t *testing.T, method, url string, k testenv.Key, signingTime time.Time, signBody, sendBody []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(sendBody))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(signBody)
	creds := aws.Credentials{AccessKeyID: k.ID, SecretAccessKey: k.Secret}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "cloudfront", "us-east-1", signingTime); err != nil {
		t.Fatal(err)
	}
	return req
}

type wireError struct {
	Code    string `xml:"Error>Code"`
	Message string `xml:"Error>Message"`
}

// send does req and returns the status and, for an error, the AWS code.
func send(t *testing.T, req *http.Request) (int, wireError) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var we wireError
	if resp.StatusCode >= 300 {
		if err := xml.Unmarshal(body, &we); err != nil {
			t.Fatalf("status %d, body %q: %v", resp.StatusCode, body, err)
		}
	}
	return resp.StatusCode, we
}

func wantWire(t *testing.T, req *http.Request, status int, code string) wireError {
	t.Helper()
	gotStatus, we := send(t, req)
	if gotStatus != status || we.Code != code {
		t.Fatalf("%s %s: want %d %s, got %d %s (%s)", req.Method, req.URL.Path, status, code, gotStatus, we.Code, we.Message)
	}
	return we
}

package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/streamfront/streamfront/internal/api"
)

type oneKey struct{ k *AccessKey }

func (o oneKey) AccessKey(id string) (*AccessKey, bool) { return o.k, id == o.k.ID }

// FuzzAuthenticate feeds arbitrary Authorization headers, dates, queries and
// bodies to the SigV4 verifier, starting from a correctly signed request:
// it never panics, every refusal is a known 4xx AWS error, and nothing is
// accepted without carrying the true signature.
func FuzzAuthenticate(f *testing.F) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	key := &AccessKey{ID: "AKIDFUZZ", Secret: "fuzzsecret", Account: "123456789012"}
	body := []byte("<x/>")
	sum := sha256.Sum256(body)
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:4580/2020-05-31/streaming-distribution", nil)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key.ID, SecretAccessKey: key.Secret},
		req, hex.EncodeToString(sum[:]), "cloudfront", "us-east-1", now); err != nil {
		f.Fatal(err)
	}
	authz, date := req.Header.Get("Authorization"), req.Header.Get("X-Amz-Date")
	trueSig := authz[strings.LastIndex(authz, "Signature=")+len("Signature="):]
	f.Add(authz, date, "", string(body))
	f.Add(strings.Replace(authz, "Credential=", "Credential= ", 1), date, "", string(body))
	f.Add("", "", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDFUZZ%2F20261126%2Fus-east-1%2Fcloudfront%2Faws4_request&X-Amz-Date="+date+"&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature="+trueSig, "")
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDFUZZ/x/y/z, SignedHeaders=, Signature=", "garbage", "X-Amz-Expires=-1", "")
	v := NewVerifier(oneKey{key}, func() time.Time { return now })

	f.Fuzz(func(t *testing.T, authorization, amzDate, rawQuery, payload string) {
		r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:4580/2020-05-31/streaming-distribution", nil)
		if err != nil {
			t.Fatal(err)
		}
		if u, err := url.Parse("http://127.0.0.1:4580/2020-05-31/streaming-distribution?" + rawQuery); err == nil {
			r.URL = u
		}
		r.Header.Set("Authorization", authorization)
		r.Header.Set("X-Amz-Date", amzDate)
		if len(r.Header.Get("Authorization")) != len(authorization) || len(r.Header.Get("X-Amz-Date")) != len(amzDate) {
			return
		}
		caller, err := v.Authenticate(r, []byte(payload), api.Action{SigningName: "cloudfront", IAM: "cloudfront:CreateStreamingDistribution"})
		if err != nil {
			if code, status, known := api.WireError(err); !known || status < 400 || status >= 500 {
				t.Fatalf("refusal %v answered as %s %d (known %v)", err, code, status, known)
			}
			return
		}
		if caller.Account != key.Account {
			t.Fatalf("accepted as account %q", caller.Account)
		}
		if !strings.Contains(authorization+rawQuery, trueSig) {
			t.Fatalf("accepted without the true signature: %q %q", authorization, rawQuery)
		}
	})
}

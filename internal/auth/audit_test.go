package auth_test

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	cf "github.com/streamfront/streamfront/internal/cloudfront"
	"github.com/streamfront/streamfront/internal/testenv"
)

// TestAuditTrail: each request's log line names the access key and its
// account (never the secret); a refused one names why.
func TestAuditTrail(t *testing.T) {
	logs := &testenv.LogBuffer{}
	srv := secure(t, testenv.Options{Service: cf.Options{Logger: slog.New(slog.NewJSONHandler(logs, nil))}})
	list := func(k testenv.Key) {
		srv.ClientFor(k).ListStreamingDistributions(ctx, &cloudfront.ListStreamingDistributionsInput{})
	}
	list(testenv.KeyA)
	list(testenv.Key{ID: "AKIAUNKNOWNUNKNOWN00", Secret: "unknown-secret-unknown"})
	wrong := testenv.KeyB
	wrong.Secret = "not-the-secret-of-key-b"
	list(wrong)
	srv.ClientFor(testenv.KeyAReadOnly).DeleteStreamingDistribution(ctx, &cloudfront.DeleteStreamingDistributionInput{Id: aws.String("E1"), IfMatch: aws.String("x")})
	req := signed(t, "GET", srv.URL+distPath, testenv.KeyB, time.Now().Add(-time.Hour), nil, nil)
	send(t, req)

	type line struct {
		Operation   string `json:"operation"`
		Status      int    `json:"status"`
		AccessKeyID string `json:"access_key_id"`
		Account     string `json:"account"`
		Code        string `json:"code"`
		Refused     string `json:"refused"`
	}
	var got []line
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var e line
		if err := json.Unmarshal([]byte(l), &e); err == nil && e.Operation != "" {
			got = append(got, e)
		}
	}
	want := []line{
		{"ListStreamingDistributions", 200, testenv.KeyA.ID, testenv.AccountA, "", ""},
		{"ListStreamingDistributions", 403, "AKIAUNKNOWNUNKNOWN00", "", "InvalidClientTokenId", "unknown access key"},
		{"ListStreamingDistributions", 403, testenv.KeyB.ID, testenv.AccountB, "SignatureDoesNotMatch", "bad signature"},
		{"DeleteStreamingDistribution", 403, testenv.KeyAReadOnly.ID, testenv.AccountA, "AccessDenied", "action denied"},
		{"ListStreamingDistributions", 403, testenv.KeyB.ID, testenv.AccountB, "SignatureDoesNotMatch", "clock skew"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d request lines, want %d:\n%s", len(got), len(want), logs)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	for _, secret := range []string{testenv.KeyA.Secret, testenv.KeyB.Secret, testenv.KeyAReadOnly.Secret, wrong.Secret} {
		if strings.Contains(logs.String(), secret) {
			t.Fatal("a secret is in the log")
		}
	}
}

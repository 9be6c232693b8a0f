package auth_test

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/streamfront/streamfront/internal/auth"
	"github.com/streamfront/streamfront/internal/testenv"
)

// signerKeyPairs returns the key pair ids ActiveTrustedSigners reports per account.
func signerKeyPairs(t *testing.T, c *cloudfront.Client, id *string) map[string][]string {
	t.Helper()
	got, err := c.GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	ats := got.StreamingDistribution.ActiveTrustedSigners
	if !*ats.Enabled || int(*ats.Quantity) != len(ats.Items) {
		t.Fatalf("ActiveTrustedSigners: enabled %v quantity %d items %d", *ats.Enabled, *ats.Quantity, len(ats.Items))
	}
	out := map[string][]string{}
	for _, s := range ats.Items {
		if int(*s.KeyPairIds.Quantity) != len(s.KeyPairIds.Items) {
			t.Fatalf("signer %s: KeyPairIds quantity %d, items %d", *s.AwsAccountNumber, *s.KeyPairIds.Quantity, len(s.KeyPairIds.Items))
		}
		out[*s.AwsAccountNumber] = s.KeyPairIds.Items
	}
	return out
}

func TestActiveTrustedSignersFollowKeyPairs(t *testing.T) {
	srv := secure(t, testenv.Options{})
	a := srv.ClientFor(testenv.KeyA)
	cfg := distConfig("signed-urls")
	cfg.TrustedSigners = &types.TrustedSigners{Enabled: aws.Bool(true), Quantity: aws.Int32(2), Items: []string{"self", testenv.AccountB}}
	out, err := a.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	id := out.StreamingDistribution.Id
	if got := signerKeyPairs(t, a, id); len(got["self"]) != 0 || len(got[testenv.AccountB]) != 0 || len(got) != 2 {
		t.Fatalf("before any key pair: %v", got)
	}

	file := srv.Accounts.Path()
	kpA, privA, err := auth.CreateKeyPair(file, testenv.AccountA, "")
	if err != nil {
		t.Fatal(err)
	}
	kpB, _, err := auth.CreateKeyPair(file, testenv.AccountB, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Accounts.Reload(); err != nil {
		t.Fatal(err)
	}
	got := signerKeyPairs(t, a, id)
	if !slices.Equal(got["self"], []string{kpA}) || !slices.Equal(got[testenv.AccountB], []string{kpB}) {
		t.Fatalf("after creating %s (A) and %s (B): %v", kpA, kpB, got)
	}

	// The recorded public key is the private key's, for the edge's checks.
	block, _ := pem.Decode(privA)
	priv, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pub, owner, ok := srv.Accounts.PublicKey(kpA)
	if !ok || owner != testenv.AccountA || !pub.Equal(&priv.PublicKey) {
		t.Fatalf("PublicKey(%s): ok %v owner %s", kpA, ok, owner)
	}

	// Deactivating B's key pair in the file removes it after a reload.
	data, _ := os.ReadFile(file)
	i := strings.Index(string(data), kpB)
	text := string(data[:i]) + strings.Replace(string(data[i:]), "active = true", "active = false", 1)
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := srv.Accounts.Reload(); err != nil {
		t.Fatal(err)
	}
	got = signerKeyPairs(t, a, id)
	if !slices.Equal(got["self"], []string{kpA}) || len(got[testenv.AccountB]) != 0 {
		t.Fatalf("after deactivating %s: %v", kpB, got)
	}
	if _, _, ok := srv.Accounts.PublicKey(kpB); ok {
		t.Fatal("an inactive key pair still has a public key for the edge")
	}
}

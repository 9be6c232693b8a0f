package auth_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/cloudfront/sign"

	"github.com/streamfront/streamfront/internal/auth"
	"github.com/streamfront/streamfront/internal/edge/signedurl"
	"github.com/streamfront/streamfront/internal/testenv"
)

// TestKeyPairSignsStreamNamesTheEdgeAccepts: the private key `keypair
// create` prints loads in the AWS SDK's CloudFront signer, and what it signs
// the edge's verifier accepts through the Registry, until the key pair is
// deactivated.
func TestKeyPairSignsStreamNamesTheEdgeAccepts(t *testing.T) {
	file := testenv.WriteAccounts(t, nil, "")
	kp, privPEM, err := auth.CreateKeyPair(file, testenv.AccountB, "")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := auth.Load(file, nil)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := sign.LoadPEMPrivKey(bytes.NewReader(privPEM))
	if err != nil {
		t.Fatalf("the AWS SDK cannot load the printed private key: %v", err)
	}
	now := time.Now()
	sig, _, err := sign.NewCannedPolicy("videos/clip", now.Add(time.Hour)).Sign(priv)
	if err != nil {
		t.Fatal(err)
	}
	stream := fmt.Sprintf("videos/clip?Expires=%d&Signature=%s&Key-Pair-Id=%s", now.Add(time.Hour).Unix(), sig, kp)
	req := signedurl.Request{Stream: stream, ClientIP: netip.MustParseAddr("127.0.0.1"), Now: now,
		Owner: testenv.AccountA, TrustedSigners: []string{testenv.AccountB}, Keys: reg}
	res, err := signedurl.Verify(req)
	if err != nil || res.Stream != "videos/clip" || res.Account != testenv.AccountB {
		t.Fatalf("Verify: %+v, %v", res, err)
	}
	// Only the trusted accounts' key pairs count.
	req.TrustedSigners = []string{"self"}
	if _, err := signedurl.Verify(req); err == nil {
		t.Fatal("a key pair of an untrusted account was accepted")
	}

	data, _ := os.ReadFile(file)
	os.WriteFile(file, []byte(strings.Replace(string(data), "active = true", "active = false", 1)), 0o600)
	if err := reg.Reload(); err != nil {
		t.Fatal(err)
	}
	req.TrustedSigners = []string{testenv.AccountB}
	if _, err := signedurl.Verify(req); err == nil {
		t.Fatal("a deactivated key pair still signs plays")
	}
}

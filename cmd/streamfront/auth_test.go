package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/streamfront/streamfront/internal/testenv"
)

// run runs the streamfront binary and returns stdout and stderr.
func run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(testenv.Binary(t), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

func TestOpenModeRefusesNonLoopbackListen(t *testing.T) {
	_, stderr, err := run(t, "serve", "--listen", "0.0.0.0:0", "--data-dir", t.TempDir())
	if err == nil || !strings.Contains(stderr, "refusing to serve in open mode") || !strings.Contains(stderr, "--insecure-open") {
		t.Fatalf("want a refusal naming --insecure-open, got err %v, stderr %q", err, stderr)
	}
	// With --insecure-open it serves.
	addr := testenv.FreeAddr(t)
	_, port, _ := strings.Cut(addr, ":")
	p := testenv.StartProc(t, "127.0.0.1:"+port, "serve", "--listen", "0.0.0.0:"+port, "--insecure-open", "--data-dir", t.TempDir())
	if _, err := testenv.Client(p.URL, "x", "y").ListStreamingDistributions(context.Background(), &cloudfront.ListStreamingDistributionsInput{}); err != nil {
		t.Fatal(err)
	}
}

var envLine = regexp.MustCompile(`(?m)^(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY)=(\S+)$`)

// addKey runs `accounts add-key` and returns the printed credentials.
func addKey(t *testing.T, file, account string, extra ...string) (string, string) {
	t.Helper()
	stdout, stderr, err := run(t, append([]string{"accounts", "add-key", "--accounts", file, "--account", account}, extra...)...)
	if err != nil {
		t.Fatalf("add-key: %v: %s", err, stderr)
	}
	m := envLine.FindAllStringSubmatch(stdout, -1)
	if len(m) != 2 {
		t.Fatalf("add-key printed %q", stdout)
	}
	return m[0][2], m[1][2]
}

var keyPairLine = regexp.MustCompile(`KeyPairId: (APKA[A-Z0-9]{16})`)

// createKeyPair runs `keypair create` and returns the id and private key PEM.
func createKeyPair(t *testing.T, file, account string) (string, string) {
	t.Helper()
	stdout, stderr, err := run(t, "keypair", "create", "--accounts", file, "--account", account)
	if err != nil {
		t.Fatalf("keypair create: %v: %s", err, stderr)
	}
	m := keyPairLine.FindStringSubmatch(stderr)
	if m == nil || !strings.HasPrefix(stdout, "-----BEGIN RSA PRIVATE KEY-----") {
		t.Fatalf("keypair create printed stdout %q stderr %q", stdout, stderr)
	}
	return m[1], stdout
}

func signedConfig(ref string) *types.StreamingDistributionConfig {
	c := testenv.DistConfig(ref)
	c.TrustedSigners = &types.TrustedSigners{Enabled: aws.Bool(true), Quantity: aws.Int32(1), Items: []string{"self"}}
	return c
}

// waitForKeyPairs polls until ActiveTrustedSigners of id reports want for self.
func waitForKeyPairs(t *testing.T, c *cloudfront.Client, id *string, want []string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err := c.GetStreamingDistribution(context.Background(), &cloudfront.GetStreamingDistributionInput{Id: id})
		if err != nil {
			t.Fatal(err)
		}
		ids := got.StreamingDistribution.ActiveTrustedSigners.Items[0].KeyPairIds.Items
		if slices.Equal(ids, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("ActiveTrustedSigners shows %v, want %v", ids, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestSecureModeWithSubcommands(t *testing.T) {
	file := filepath.Join(t.TempDir(), "accounts.toml")
	id, secret := addKey(t, file, "444444444444", "--name", "ops")
	roID, roSecret := addKey(t, file, "444444444444", "--actions", "cloudfront:Get*,cloudfront:List*")

	addr := testenv.FreeAddr(t)
	p := testenv.StartProc(t, addr, "serve", "--listen", addr, "--accounts", file, "--data-dir", t.TempDir())
	c := testenv.Client(p.URL, id, secret)
	ctx := context.Background()
	out, err := c.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: signedConfig("cmd-1")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(*out.StreamingDistribution.ARN, ":444444444444:") {
		t.Fatalf("ARN %s is not in the key's account", *out.StreamingDistribution.ARN)
	}
	_, err = testenv.Client(p.URL, roID, roSecret).CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: signedConfig("cmd-ro")})
	if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("read-only key created a distribution: %v", err)
	}
	if _, err := testenv.Client(p.URL, "x", "y").ListStreamingDistributions(ctx, &cloudfront.ListStreamingDistributionsInput{}); err == nil {
		t.Fatal("an unknown key was accepted in secure mode")
	}

	// A key pair made by the subcommand shows in ActiveTrustedSigners once
	// the running server reloads the file (here on SIGHUP).
	waitForKeyPairs(t, c, out.StreamingDistribution.Id, nil)
	kp, _ := createKeyPair(t, file, "444444444444")
	if err := p.Cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitForKeyPairs(t, c, out.StreamingDistribution.Id, []string{kp})
	// A new access key works without a restart.
	id2, secret2 := addKey(t, file, "444444444444")
	p.Cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, func() bool {
		_, err := testenv.Client(p.URL, id2, secret2).ListStreamingDistributions(ctx, &cloudfront.ListStreamingDistributionsInput{})
		return err == nil
	})
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !ok(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 20s")
		}
	}
}

func TestOpenModeKeyPairsFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "key-pairs.toml")
	kp, _ := createKeyPair(t, file, testenv.AccountID)

	addr := testenv.FreeAddr(t)
	p := testenv.StartProc(t, addr, "serve", "--listen", addr, "--key-pairs", file, "--data-dir", t.TempDir())
	c := testenv.Client(p.URL, "any", "thing")
	out, err := c.CreateStreamingDistribution(context.Background(), &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: signedConfig("open-kp")})
	if err != nil {
		t.Fatal(err)
	}
	waitForKeyPairs(t, c, out.StreamingDistribution.Id, []string{kp})
	// A second key pair is picked up from the file change alone.
	kp2, _ := createKeyPair(t, file, testenv.AccountID)
	want := []string{kp, kp2}
	slices.Sort(want)
	waitForKeyPairs(t, c, out.StreamingDistribution.Id, want)

	// A key-pairs file for another account is refused at start.
	other := filepath.Join(t.TempDir(), "other.toml")
	createKeyPair(t, other, "555555555555")
	_, stderr, err := run(t, "serve", "--listen", testenv.FreeAddr(t), "--key-pairs", other, "--data-dir", t.TempDir())
	if err == nil || !strings.Contains(stderr, "open mode has only account "+testenv.AccountID) {
		t.Fatalf("want refusal of another account's key pairs, got %v: %s", err, stderr)
	}
}

package auth_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/streamfront/streamfront/internal/testenv"
)

// scriptsDir is scripts/clients of this repository.
func scriptsDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "scripts", "clients")
}

// runClientScript runs a client script against a fresh secure-mode server
// with the test accounts' keys in its environment.
func runClientScript(t *testing.T, name string, args ...string) {
	srv := secure(t, testenv.Options{})
	cmd := exec.Command(args[0], append(args[1:], filepath.Join(scriptsDir(), name))...)
	cmd.Env = append(os.Environ(),
		"STREAMFRONT_ENDPOINT="+srv.URL,
		"ACCOUNT_A="+testenv.AccountA, "ACCOUNT_B="+testenv.AccountB,
		"KEY_A="+testenv.KeyA.ID, "SECRET_A="+testenv.KeyA.Secret,
		"KEY_B="+testenv.KeyB.ID, "SECRET_B="+testenv.KeyB.Secret,
		"KEY_RO="+testenv.KeyAReadOnly.ID, "SECRET_RO="+testenv.KeyAReadOnly.Secret,
	)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func TestBoto3AuthFlow(t *testing.T) {
	testenv.Require(t, "/usr/bin/python3")
	if err := exec.Command("/usr/bin/python3", "-c", "import boto3").Run(); err != nil {
		// Not a command, so Require skips, or fails under STREAMFRONT_REQUIRE_ALL.
		testenv.Require(t, "python3-boto3 (import boto3)")
	}
	runClientScript(t, "boto3_auth.py", "/usr/bin/python3")
}

func TestAWSCLIAuthFlow(t *testing.T) {
	testenv.Require(t, "/usr/bin/aws")
	runClientScript(t, "awscli_auth.sh", "bash")
}

// TestJavaScriptSDKFlowSigned runs the JS SDK v3 flow (scripts/clients/js,
// written for open mode) against a secure-mode server with account A's key:
// the JS signer's requests must verify like the Go SDK's and botocore's.
func TestJavaScriptSDKFlowSigned(t *testing.T) {
	node := testenv.Require(t, "node")
	dir := filepath.Join(scriptsDir(), "js")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@aws-sdk", "client-cloudfront")); err != nil {
		if os.Getenv("STREAMFRONT_REQUIRE_ALL") == "1" {
			t.Fatalf("JS SDK not installed: run npm ci --prefix scripts/clients/js (scripts/test does)")
		}
		t.Skip("JS SDK not installed (npm ci --prefix scripts/clients/js)")
	}
	srv := secure(t, testenv.Options{DeployDelay: 300 * time.Millisecond})
	cmd := exec.Command(node, filepath.Join(dir, "flow.mjs"))
	cmd.Env = append(os.Environ(), "STREAMFRONT_ENDPOINT="+srv.URL, "NODE_NO_WARNINGS=1",
		"AWS_ACCESS_KEY_ID="+testenv.KeyA.ID, "AWS_SECRET_ACCESS_KEY="+testenv.KeyA.Secret)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("js flow failed in secure mode: %v", err)
	}
}

// TestBotocoreSignsAnyHeader: botocore's signer, made to sign User-Agent and
// X-Amzn-Trace-Id, and to date a request by Date, is accepted.
func TestBotocoreSignsAnyHeader(t *testing.T) {
	testenv.Require(t, "/usr/bin/python3")
	if err := exec.Command("/usr/bin/python3", "-c", "import botocore").Run(); err != nil {
		testenv.Require(t, "python3-botocore (import botocore)")
	}
	runClientScript(t, "sigv4_headers.py", "/usr/bin/python3")
}

// TestAWSCLITaggingAPI: `aws resourcegroupstaggingapi …` (Debian's CLI v1).
func TestAWSCLITaggingAPI(t *testing.T) {
	testenv.Require(t, "/usr/bin/aws")
	runClientScript(t, "awscli_tagging.sh", "bash")
}

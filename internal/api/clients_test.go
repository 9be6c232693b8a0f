package api_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/streamfront/streamfront/internal/testenv"
)

// The client flows in scripts/clients run against the real binary with a
// short --deploy-delay: the lifecycle, paginators, waiters and error codes
// as Python (boto3), shell (AWS CLI) and Node.js (AWS SDK for JavaScript v3)
// users see them. Debian's python3 and aws are used by absolute path: the
// ones earlier on PATH may lack boto3.

func TestBoto3Flow(t *testing.T) {
	python := testenv.Require(t, "/usr/bin/python3")
	requirePackage(t, exec.Command(python, "-c", "import boto3").Run() == nil, "boto3", "apt-get install python3-boto3 (see .ci/run)")
	runClientFlow(t, python, "boto3_flow.py")
}

func TestAWSCLIFlow(t *testing.T) {
	aws := testenv.Require(t, "/usr/bin/aws")
	runClientFlow(t, "/bin/bash", "awscli_flow.sh", "AWS_CLI="+aws)
}

func TestJavaScriptSDKFlow(t *testing.T) {
	node := testenv.Require(t, "node")
	_, err := os.Stat("../../scripts/clients/js/node_modules/@aws-sdk/client-cloudfront")
	requirePackage(t, err == nil, "the JS SDK", "npm ci --prefix scripts/clients/js (scripts/test does)")
	runClientFlow(t, node, "js/flow.mjs", "NODE_NO_WARNINGS=1")
}

// requirePackage skips the test when a client library is missing, or fails
// it under STREAMFRONT_REQUIRE_ALL=1, as testenv.Require does for commands.
func requirePackage(t *testing.T, installed bool, what, install string) {
	t.Helper()
	if installed {
		return
	}
	if os.Getenv("STREAMFRONT_REQUIRE_ALL") == "1" {
		t.Fatalf("%s is required: %s", what, install)
	}
	t.Skipf("%s not installed: %s", what, install)
}

// runClientFlow starts the binary and runs scripts/clients/<script> with
// interpreter, STREAMFRONT_ENDPOINT pointing at it.
func runClientFlow(t *testing.T, interpreter, script string, env ...string) {
	t.Parallel()
	path, err := filepath.Abs(filepath.Join("../../scripts/clients", script))
	if err != nil {
		t.Fatal(err)
	}
	addr := testenv.FreeAddr(t)
	p := testenv.StartProc(t, addr, "serve", "--listen", addr, "--data-dir", t.TempDir(), "--deploy-delay", "300ms")
	cmd := exec.Command(interpreter, path)
	cmd.Env = append(append(os.Environ(), "STREAMFRONT_ENDPOINT="+p.URL, "HOME="+t.TempDir()), env...)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("%s failed: %v", script, err)
	}
}

package api_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/streamfront/streamfront/internal/testenv"
)

// The boto3 and AWS CLI flows (scripts/clients) run against the real binary
// with a short --deploy-delay: the lifecycle, paginators, waiters and error
// codes as Python and shell users see them. Debian's clients are used by
// absolute path: a python3 or aws earlier on PATH may lack boto3.

func TestBoto3Flow(t *testing.T) {
	python := testenv.Require(t, "/usr/bin/python3")
	if err := exec.Command(python, "-c", "import boto3").Run(); err != nil {
		if os.Getenv("STREAMFRONT_REQUIRE_ALL") == "1" {
			t.Fatal("boto3 is required: apt-get install python3-boto3 (see .ci/run)")
		}
		t.Skip("boto3 not installed")
	}
	runClientFlow(t, python, "boto3_flow.py")
}

func TestAWSCLIFlow(t *testing.T) {
	aws := testenv.Require(t, "/usr/bin/aws")
	runClientFlow(t, "/bin/bash", "awscli_flow.sh", "AWS_CLI="+aws)
}

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

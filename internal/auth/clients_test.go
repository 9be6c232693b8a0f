package auth_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

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

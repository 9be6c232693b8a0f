package api_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/streamfront/streamfront/internal/testenv"
)

// TestJavaScriptSDKFlow runs scripts/clients/js/flow.mjs (AWS SDK for
// JavaScript v3) against the real binary: lifecycle, paginator, waiter and
// error codes as a Node.js user sees them.
func TestJavaScriptSDKFlow(t *testing.T) {
	node := testenv.Require(t, "node")
	dir, err := filepath.Abs("../../scripts/clients/js")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@aws-sdk", "client-cloudfront")); err != nil {
		if os.Getenv("STREAMFRONT_REQUIRE_ALL") == "1" {
			t.Fatalf("JS SDK not installed: run npm ci --prefix scripts/clients/js (scripts/test does)")
		}
		t.Skip("JS SDK not installed (npm ci --prefix scripts/clients/js)")
	}
	addr := testenv.FreeAddr(t)
	p := testenv.StartProc(t, addr, "serve", "--listen", addr, "--data-dir", t.TempDir(), "--deploy-delay", "300ms")
	cmd := exec.Command(node, filepath.Join(dir, "flow.mjs"))
	cmd.Env = append(os.Environ(), "STREAMFRONT_ENDPOINT="+p.URL, "NODE_NO_WARNINGS=1")
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("js flow failed: %v", err)
	}
}

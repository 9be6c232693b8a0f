package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/streamfront/streamfront/internal/testenv"
)

// A request timeout that is not positive stops serve with a clear message
// (it would fail every request at once).
func TestRequestTimeoutMustBePositive(t *testing.T) {
	bin := testenv.Binary(t)
	for _, d := range []string{"0s", "-1s"} {
		out, err := exec.Command(bin, "serve", "--listen", testenv.FreeAddr(t), "--data-dir", t.TempDir(),
			"--request-timeout", d).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "--request-timeout must be positive") {
			t.Errorf("--request-timeout %s: %v\n%s\nwant it refused", d, err, out)
		}
	}
}

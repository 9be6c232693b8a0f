// Package testtool finds the real clients tests run (ffmpeg, ffprobe,
// GStreamer, Chromium, …). It imports nothing of streamfront, so the tests
// of any package can use it; internal/testenv re-exports Require for the
// tests that start servers.
package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// Require skips the test when cmd is not installed, or fails it when
// STREAMFRONT_REQUIRE_ALL=1 (set by scripts/test and CI), so a missing real
// client can never turn into a silently passing suite. It returns cmd's path.
func Require(t testing.TB, cmd string) string {
	t.Helper()
	p, err := exec.LookPath(cmd)
	if err != nil {
		if os.Getenv("STREAMFRONT_REQUIRE_ALL") == "1" {
			t.Fatalf("%s is required (install it: see .ci/run)", cmd)
		}
		t.Skipf("%s not installed", cmd)
	}
	return p
}

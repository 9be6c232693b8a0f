package console_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestBuildIsCurrent rebuilds the console from web/console (its pinned
// packages, installed by `npm ci --prefix web/console`, which scripts/test
// runs) into a temporary directory and compares it byte for byte with the
// committed dist/ the binary embeds: the build is reproducible and dist/ is
// what the sources make.
func TestBuildIsCurrent(t *testing.T) {
	node := requireNode(t)
	checkInstalledAsLocked(t, "../../web/console")
	out := t.TempDir()
	cmd := exec.Command(node, "../../web/console/build.mjs", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	want := files(t, out)
	got := files(t, "dist")
	for name, w := range want {
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("dist/%s is missing: run node web/console/build.mjs and commit", name)
		case !bytes.Equal(g, w):
			t.Errorf("dist/%s differs from a fresh build (%d bytes, fresh %d): run node web/console/build.mjs and commit", name, len(g), len(w))
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("dist/%s is not made by the build: remove it", name)
		}
	}
}

// checkInstalledAsLocked fails unless dir's node_modules holds exactly the
// versions of its package-lock.json (as `npm ci` installs them: npm's own
// record of the installed tree, node_modules/.package-lock.json, is
// compared), so the build uses the pinned packages, not a stale install.
// Optional packages of other platforms (esbuild's binaries) may be absent.
func checkInstalledAsLocked(t *testing.T, dir string) {
	t.Helper()
	type lock struct {
		Packages map[string]struct {
			Version  string `json:"version"`
			Optional bool   `json:"optional"`
		} `json:"packages"`
	}
	read := func(path string) lock {
		var l lock
		b, err := os.ReadFile(path)
		if err == nil {
			err = json.Unmarshal(b, &l)
		}
		if err != nil {
			t.Fatalf("%s: %v (run npm ci --prefix web/console)", path, err)
		}
		return l
	}
	locked := read(filepath.Join(dir, "package-lock.json"))
	installed := read(filepath.Join(dir, "node_modules", ".package-lock.json"))
	for name, p := range installed.Packages {
		if want, ok := locked.Packages[name]; !ok || want.Version != p.Version {
			t.Errorf("installed %s %s, locked %q: run npm ci --prefix web/console", name, p.Version, want.Version)
		}
	}
	for name, p := range locked.Packages {
		if _, ok := installed.Packages[name]; name != "" && !ok && !p.Optional {
			t.Errorf("locked %s %s is not installed: run npm ci --prefix web/console", name, p.Version)
		}
	}
}

// requireNode returns node once web/console's packages are installed; as
// testenv.Require does, it fails rather than skips under
// STREAMFRONT_REQUIRE_ALL=1.
func requireNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat("../../web/console/node_modules/esbuild")
	}
	if err != nil {
		if os.Getenv("STREAMFRONT_REQUIRE_ALL") == "1" {
			t.Fatalf("node and web/console's packages are required: npm ci --prefix web/console (scripts/test does): %v", err)
		}
		t.Skipf("node or web/console's packages missing (npm ci --prefix web/console): %v", err)
	}
	return node
}

func files(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		m[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

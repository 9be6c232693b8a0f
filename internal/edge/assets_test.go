package edge

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/streamfront/streamfront/internal/edge/origin"
)

// writeMP3 writes an MP3 of n silent MPEG-1 Layer III frames.
func writeMP3(t *testing.T, path string, n int) {
	t.Helper()
	frame := append([]byte{0xff, 0xfb, 0x90, 0x44}, make([]byte, 413)...) // 128 kb/s, 44.1 kHz
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, bytes.Repeat(frame, n), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestAssetsAreSharedAndBounded(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a", "b", "c"} {
		writeMP3(t, filepath.Join(dir, "media", name+".mp3"), 100)
	}
	a := newAssets(origin.NewCache(origin.Dir{Root: dir}, 1<<20, 0))
	a.maxCount = 2
	ctx := context.Background()
	open := func(key string) any {
		t.Helper()
		asset, _, err := a.open(ctx, "media", key, "mp3")
		if err != nil {
			t.Fatal(err)
		}
		if len(asset.Tags) != 100 {
			t.Fatalf("%s: %d tags", key, len(asset.Tags))
		}
		return asset
	}
	first := open("a.mp3")
	if open("a.mp3") != first {
		t.Fatal("a second open parsed the object again")
	}
	open("b.mp3")
	open("c.mp3")
	if a.lru.Len() != 2 || open("a.mp3") == first {
		t.Fatalf("count bound: %d indexes kept, a kept: %v", a.lru.Len(), open("a.mp3") == first)
	}
	a.maxBytes = 1 // below one index: only the latest is kept
	open("b.mp3")
	if a.lru.Len() != 1 || a.bytes <= 0 {
		t.Fatalf("byte bound: %d indexes, %d bytes", a.lru.Len(), a.bytes)
	}
	if _, _, err := a.open(ctx, "media", "missing.mp3", "mp3"); err != origin.ErrNotFound {
		t.Fatalf("missing: %v", err)
	}
}

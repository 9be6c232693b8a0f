package tlsfiles_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/streamfront/streamfront/internal/testenv"
	"github.com/streamfront/streamfront/internal/tlsfiles"
)

func serial(t *testing.T, h *tlsfiles.Holder) string {
	t.Helper()
	c, err := h.GetCertificate(nil)
	if err != nil || c == nil {
		t.Fatalf("no certificate: %v", err)
	}
	return c.Leaf.SerialNumber.String()
}

// copyPair overwrites the holder's files with another pair.
func copyPair(t *testing.T, from *testenv.TestCert, certFile, keyFile string) {
	t.Helper()
	for src, dst := range map[string]string{from.CertFile: certFile, from.KeyFile: keyFile} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadRefusesBadPairs(t *testing.T) {
	dir := t.TempDir()
	a, b := testenv.WriteCert(t, dir, "a"), testenv.WriteCert(t, dir, "b")
	for _, pair := range [][2]string{{a.CertFile, b.KeyFile}, {a.CertFile, ""}, {dir + "/missing.pem", a.KeyFile}, {a.KeyFile, a.CertFile}} {
		if _, err := tlsfiles.Load(pair[0], pair[1]); err == nil {
			t.Errorf("%v loaded", pair)
		}
	}
	h, err := tlsfiles.Load(a.CertFile, a.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	if serial(t, h) != a.Serial.String() || h.Config().GetCertificate == nil {
		t.Fatal("wrong certificate")
	}
}

// watch runs h.Watch until the test ends.
func watch(t *testing.T, h *tlsfiles.Holder, poll time.Duration, hup <-chan os.Signal) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.Watch(ctx, poll, hup, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	t.Cleanup(func() { cancel(); <-done })
}

// TestWatchReloadsOnSIGHUP: SIGHUP reloads at once; a half-written or
// mismatched pair keeps the previous certificate.
func TestWatchReloadsOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	live, next := testenv.WriteCert(t, dir, "live"), testenv.WriteCert(t, dir, "next")
	h, err := tlsfiles.Load(live.CertFile, live.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	hup := make(chan os.Signal) // unbuffered: a send returns once Watch is back in its select
	watch(t, h, time.Hour, hup)

	// A mismatched pair (next's certificate, the old key) is refused.
	copyPair(t, next, live.CertFile, dir+"/unused")
	hup <- os.Interrupt
	hup <- os.Interrupt // taken only after the first reload ran
	if serial(t, h) != live.Serial.String() {
		t.Fatal("a mismatched pair replaced the certificate")
	}
	copyPair(t, next, live.CertFile, live.KeyFile)
	hup <- os.Interrupt
	hup <- os.Interrupt
	if serial(t, h) != next.Serial.String() {
		t.Fatal("SIGHUP did not reload")
	}
}

// TestWatchPicksUpAChangedFile: without a signal, a changed pair is served
// within a poll.
func TestWatchPicksUpAChangedFile(t *testing.T) {
	dir := t.TempDir()
	live, other := testenv.WriteCert(t, dir, "live"), testenv.WriteCert(t, dir, "other")
	h, err := tlsfiles.Load(live.CertFile, live.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	watch(t, h, 20*time.Millisecond, nil)
	copyPair(t, other, live.CertFile, live.KeyFile)
	for deadline := time.Now().Add(10 * time.Second); serial(t, h) != other.Serial.String(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still serving %s", serial(t, h))
		}
	}
}

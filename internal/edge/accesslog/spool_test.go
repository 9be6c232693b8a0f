package accesslog

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// kill stops w as kill -9 would: its flusher ends without a flush and the
// kernel closes its files, releasing its spool lock.
func kill(w *Writer) {
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	for _, f := range w.open {
		f.spool.close()
	}
	w.spool.dirLock.Close()
}

// openKeys lists bucket/key of every file w is still collecting, as it
// would upload them.
func openKeys(w *Writer) map[string]bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	keys := map[string]bool{}
	for fk, f := range w.open {
		keys[fk.dest.Bucket+"/"+objectKey(fk, f.unique)] = true
	}
	return keys
}

// spoolFiles lists the files below dir but the start-up lock.
func spoolFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() != ".lock" {
			out = append(out, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func lines(edge string, events []Event) string {
	var b []byte
	for _, e := range events {
		b = appendLine(b, edge, e)
	}
	return string(b)
}

// A Writer killed between flushes loses nothing: the next one on its spool
// uploads the events under the key the first would have used, and only
// those not stored before the kill.
func TestSpoolSurvivesKill(t *testing.T) {
	spoolDir, sink := t.TempDir(), newMemSink()
	first := mustNew(t, Options{Sink: sink, FlushInterval: time.Hour, EdgeLocation: "TST1", SpoolDir: spoolDir})
	at := time.Date(2026, 11, 26, 6, 10, 0, 0, time.UTC)
	stored := session(at, "192.0.2.1", 1000)
	for _, e := range stored {
		first.Log(dest, e)
	}
	if err := first.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(spoolFiles(t, spoolDir)); n != 0 {
		t.Fatalf("%d spool files left after a successful upload", n)
	}
	lost := session(at.Add(time.Minute), "192.0.2.2", 5000)
	for _, e := range lost {
		first.Log(dest, e)
	}
	want := openKeys(first)
	kill(first)
	if len(sink.snapshot()) != 1 {
		t.Fatalf("%d files stored before the restart, want 1", len(sink.snapshot()))
	}

	second := mustNew(t, Options{Sink: sink, FlushInterval: time.Hour, EdgeLocation: "TST2", SpoolDir: spoolDir})
	waitFor(t, func() bool { return len(sink.snapshot()) == 2 })
	for key, body := range sink.snapshot() {
		got := gunzip(t, body)
		if want[key] && got != Header+lines("TST1", lost) {
			t.Fatalf("recovered %s:\n%s\nwant the killed writer's lines", key, got)
		}
		if !want[key] && got != Header+lines("TST1", stored) {
			t.Fatalf("%s is neither the stored file nor the recovered one (want %v):\n%s", key, want, got)
		}
	}
	waitFor(t, func() bool { return len(spoolFiles(t, spoolDir)) == 0 })
	if err := second.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(spoolDir); len(left) != 1 || left[0].Name() != ".lock" {
		t.Fatalf("spool holds %v after Close", left)
	}
	if sink.puts != 2 {
		t.Fatalf("%d uploads, want 2", sink.puts)
	}
}

// Recovery drops a line cut short by the kill, sets a damaged file aside
// without losing it, and still uploads the others.
func TestSpoolRecoveryDropsPartialLineAndSetsDamageAside(t *testing.T) {
	spoolDir, sink := t.TempDir(), newMemSink()
	first := mustNew(t, Options{Sink: sink, FlushInterval: time.Hour, EdgeLocation: "TST1", SpoolDir: spoolDir})
	at := time.Date(2026, 11, 26, 6, 10, 0, 0, time.UTC)
	other := Destination{DistributionID: "E2OTHER", Bucket: "otherlogs"}
	a, b := session(at, "192.0.2.1", 1000), session(at, "192.0.2.2", 2000)
	for i := range a {
		first.Log(dest, a[i])
		first.Log(other, b[i])
	}
	kill(first)
	files := spoolFiles(t, spoolDir)
	if len(files) != 2 {
		t.Fatalf("spool files %v, want 2", files)
	}
	for _, f := range files {
		if strings.Contains(filepath.Base(f), "E2OTHER.") {
			appendTo(t, f, "2026-11-26\t06:11:00\tTST1\t192.0.2.2\tdisc") // the kill cut this write short
		}
	}
	dir := filepath.Dir(files[0])
	damaged := map[string]string{
		"garbage.spool": "not a spool file\n",
		"zeros.spool":   spoolMagic + `{"bucket":"logs","distribution":"E3","hour":1795672800,"unique":"AAAAAAAA"}` + "\n" + lines("TST1", a[:1]) + "\x00\x00\x00\n",
	}
	for name, body := range damaged {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	second := mustNew(t, Options{Sink: sink, FlushInterval: time.Hour, SpoolDir: spoolDir})
	waitFor(t, func() bool { return len(sink.snapshot()) == 2 })
	for key, body := range sink.snapshot() {
		want := Header + lines("TST1", a)
		if strings.HasPrefix(key, "otherlogs/") {
			want = Header + lines("TST1", b)
		}
		if got := gunzip(t, body); got != want {
			t.Fatalf("%s:\n%s\nwant\n%s", key, got, want)
		}
	}
	for name, body := range damaged {
		got, err := os.ReadFile(filepath.Join(spoolDir, name+".bad"))
		if err != nil || string(got) != body {
			t.Fatalf("damaged %s not set aside intact: %q, %v", name, got, err)
		}
	}
	if err := second.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if left := spoolFiles(t, spoolDir); len(left) != 2 {
		t.Fatalf("spool holds %v, want only the two .bad files", left)
	}
}

// Writers sharing a spool directory (serve and edge on one data dir) never
// take each other's files while both live.
func TestSpoolSharedByLiveWriters(t *testing.T) {
	spoolDir, sink := t.TempDir(), newMemSink()
	first := mustNew(t, Options{Sink: sink, FlushInterval: time.Hour, SpoolDir: spoolDir})
	first.Log(dest, Event{Time: time.Now(), Kind: "connect", ClientIP: "192.0.2.1"})
	second := mustNew(t, Options{Sink: sink, FlushInterval: time.Hour, SpoolDir: spoolDir})
	second.Log(dest, Event{Time: time.Now(), Kind: "connect", ClientIP: "192.0.2.2"})
	if err := second.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := len(sink.snapshot()); got != 2 || sink.puts != 2 {
		t.Fatalf("%d files from %d uploads, want each writer's one file once", got, sink.puts)
	}
	if left := spoolFiles(t, spoolDir); len(left) != 0 {
		t.Fatalf("spool holds %v", left)
	}
}

// A file whose upload keeps failing stays spooled after Close, for the next
// Writer to store.
func TestSpoolKeepsWhatCloseCouldNotStore(t *testing.T) {
	spoolDir, down := t.TempDir(), newMemSink()
	down.failFor = -1
	w := mustNew(t, Options{Sink: down, FlushInterval: time.Hour, SpoolDir: spoolDir})
	w.Log(dest, Event{Time: time.Now(), Kind: "connect", ClientIP: "192.0.2.1"})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := w.Close(ctx); err == nil {
		t.Fatal("Close stored a file through a failing sink")
	}
	up := newMemSink()
	w = mustNew(t, Options{Sink: up, FlushInterval: time.Hour, SpoolDir: spoolDir})
	waitFor(t, func() bool { return len(up.snapshot()) == 1 })
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkLog compares Log in memory only with Log through the spool (one
// write(2) per event).
func BenchmarkLog(b *testing.B) {
	for _, spooled := range []bool{false, true} {
		name, o := "memory", Options{Sink: newMemSink(), FlushInterval: time.Hour}
		if spooled {
			name, o.SpoolDir = "spool", b.TempDir()
		}
		b.Run(name, func(b *testing.B) {
			w, err := New(o)
			if err != nil {
				b.Fatal(err)
			}
			defer w.Close(context.Background())
			e := session(time.Now(), "192.0.2.1", 1000)[1]
			for b.Loop() {
				w.Log(dest, e)
			}
		})
	}
}

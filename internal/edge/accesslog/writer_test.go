package accesslog

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// memSink records stored files and can fail the first N puts.
type memSink struct {
	mu      sync.Mutex
	files   map[string][]byte // bucket/key → body
	puts    int
	failFor int // fail this many puts first; -1 fails forever
}

func newMemSink() *memSink { return &memSink{files: map[string][]byte{}} }

func (m *memSink) PutObject(_ context.Context, bucket, key string, body []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.puts++
	if m.failFor < 0 || m.puts <= m.failFor {
		return errors.New("bucket unavailable")
	}
	m.files[bucket+"/"+key] = append([]byte(nil), body...)
	return nil
}

func (m *memSink) snapshot() map[string][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string][]byte{}
	for k, v := range m.files {
		out[k] = v
	}
	return out
}

// record is a parsed log line keyed by field name.
type record map[string]string

// parseLog decompresses a log file and parses it by its #Fields header.
func parseLog(t *testing.T, gz []byte) []record {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	if !sc.Scan() || sc.Text() != "#Version: 1.0" {
		t.Fatalf("first line %q", sc.Text())
	}
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "#Fields: ") {
		t.Fatalf("second line %q", sc.Text())
	}
	fields := strings.Fields(strings.TrimPrefix(sc.Text(), "#Fields: "))
	if len(fields) != RTMP.fields() && len(fields) != Web.fields() {
		t.Fatalf("%d fields in header", len(fields))
	}
	var out []record
	for sc.Scan() {
		vals := strings.Split(sc.Text(), "\t")
		if len(vals) != len(fields) {
			t.Fatalf("line %q has %d values, want %d", sc.Text(), len(vals), len(fields))
		}
		r := record{}
		for i, f := range fields {
			r[f] = vals[i]
		}
		out = append(out, r)
	}
	return out
}

var dest = Destination{DistributionID: "EDFDVBD6EXAMPLE", Bucket: "logs", Prefix: "rtmp/"}

var keyRE = regexp.MustCompile(`^logs/rtmp/EDFDVBD6EXAMPLE\.(\d{4}-\d{2}-\d{2}-\d{2})\.[A-Z2-7]{8}\.gz$`)

func mustNew(t *testing.T, o Options) *Writer {
	t.Helper()
	w, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func newWriter(t *testing.T, sink Sink, interval time.Duration) *Writer {
	t.Helper()
	w := mustNew(t, Options{Sink: sink, FlushInterval: interval, EdgeLocation: "TST1"})
	t.Cleanup(func() { w.Close(context.Background()) })
	return w
}

func session(at time.Time, ip string, total int64) []Event {
	base := Event{ClientIP: ip, ClientID: "cid-" + ip, TcURL: "rtmp://s5c39gqb8ow64r.cloudfront.net/cfx/st", FlashVer: "LNX 9,0,124,2"}
	var out []Event
	for i, k := range []string{"connect", "play", "pause", "unpause", "seek", "stop", "disconnect"} {
		e := base
		e.Time, e.Kind, e.Bytes = at.Add(time.Duration(i)*time.Second), k, total*int64(i)/6
		if k != "connect" && k != "disconnect" {
			e.Stream, e.StreamID = "mp4:videos/clip.mp4", 1
		}
		out = append(out, e)
	}
	return out
}

func TestFlushOnCloseWritesParsableFile(t *testing.T) {
	sink := newMemSink()
	w := mustNew(t, Options{Sink: sink, FlushInterval: time.Hour, EdgeLocation: "TST1"})
	at := time.Date(2026, 11, 26, 6, 10, 0, 0, time.UTC)
	for _, e := range session(at, "192.0.2.1", 600000) {
		if err := w.Log(dest, e); err != nil {
			t.Fatal(err)
		}
	}
	if len(sink.snapshot()) != 0 {
		t.Fatal("stored before any flush")
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	files := sink.snapshot()
	if len(files) != 1 {
		t.Fatalf("%d files, want 1", len(files))
	}
	for key, body := range files {
		m := keyRE.FindStringSubmatch(key)
		if m == nil || m[1] != "2026-11-26-06" {
			t.Fatalf("key %q does not match %v", key, keyRE)
		}
		recs := parseLog(t, body)
		wantKinds := []string{"connect", "play", "pause", "unpause", "seek", "stop", "disconnect"}
		if len(recs) != len(wantKinds) {
			t.Fatalf("%d records", len(recs))
		}
		for i, r := range recs {
			if r["x-event"] != wantKinds[i] {
				t.Errorf("record %d event %q, want %q", i, r["x-event"], wantKinds[i])
			}
			if want := strconv.Itoa(600000 * i / 6); r["sc-bytes"] != want {
				t.Errorf("record %d sc-bytes %s, want %s", i, r["sc-bytes"], want)
			}
			if r["date"] != "2026-11-26" || r["time"] != fmt.Sprintf("06:10:%02d", i) || r["x-edge-location"] != "TST1" ||
				r["c-ip"] != "192.0.2.1" || r["x-cf-status"] != "OK" || r["c-user-agent"] != "LNX%209,0,124,2" ||
				r["cs-uri-stem"] != "rtmp://s5c39gqb8ow64r.cloudfront.net/cfx/st" {
				t.Errorf("record %d = %v", i, r)
			}
			streamEvent := r["x-event"] != "connect" && r["x-event"] != "disconnect"
			if streamEvent != (r["x-sname"] == "videos/clip.mp4" && r["x-file-ext"] == "mp4" && r["x-sid"] == "1") {
				t.Errorf("record %d stream fields %v", i, r)
			}
		}
	}
	if err := w.Log(dest, session(at, "192.0.2.1", 1)[0]); !errors.Is(err, ErrClosed) {
		t.Fatalf("Log after Close = %v, want ErrClosed", err)
	}
}

func TestFilesPerDistributionAndHour(t *testing.T) {
	sink := newMemSink()
	w := newWriter(t, sink, time.Hour)
	other := Destination{DistributionID: "E2OTHER", Bucket: "otherlogs"}
	before := time.Date(2026, 11, 26, 23, 59, 59, 0, time.UTC)
	after := before.Add(time.Second) // next hour, next day
	for _, d := range []Destination{dest, other} {
		w.Log(d, Event{Time: before, Kind: "connect", ClientIP: "192.0.2.1"})
		w.Log(d, Event{Time: after, Kind: "disconnect", ClientIP: "192.0.2.1", Bytes: 42})
	}
	if err := w.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range sink.snapshot() {
		keys = append(keys, regexp.MustCompile(`\.[A-Z2-7]{8}\.gz$`).ReplaceAllString(k, ".*.gz"))
	}
	sort.Strings(keys)
	want := []string{
		"logs/rtmp/EDFDVBD6EXAMPLE.2026-11-26-23.*.gz", "logs/rtmp/EDFDVBD6EXAMPLE.2026-11-27-00.*.gz",
		"otherlogs/E2OTHER.2026-11-26-23.*.gz", "otherlogs/E2OTHER.2026-11-27-00.*.gz",
	}
	if fmt.Sprint(keys) != fmt.Sprint(want) {
		t.Fatalf("keys %v, want %v", keys, want)
	}
	for k, body := range sink.snapshot() {
		recs := parseLog(t, body)
		if len(recs) != 1 {
			t.Fatalf("%s: %d records", k, len(recs))
		}
		if strings.Contains(k, "-00.") != (recs[0]["x-event"] == "disconnect" && recs[0]["date"] == "2026-11-27") {
			t.Fatalf("%s holds %v", k, recs[0])
		}
	}
}

func TestIntervalFlush(t *testing.T) {
	sink := newMemSink()
	w := newWriter(t, sink, 20*time.Millisecond)
	w.Log(dest, Event{Time: time.Now(), Kind: "connect"})
	waitFor(t, func() bool { return len(sink.snapshot()) == 1 })
	w.Log(dest, Event{Time: time.Now(), Kind: "disconnect"})
	waitFor(t, func() bool { return len(sink.snapshot()) == 2 })
}

func TestFailedUploadIsRetriedUnderTheSameKey(t *testing.T) {
	sink := newMemSink()
	sink.failFor = 3
	w := newWriter(t, sink, 10*time.Millisecond)
	w.Log(dest, Event{Time: time.Now(), Kind: "connect", Bytes: 7})
	waitFor(t, func() bool { return len(sink.snapshot()) == 1 })
	if w.Pending() != 0 {
		t.Fatalf("Pending = %d after the upload succeeded", w.Pending())
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(sink.snapshot()) != 1 || sink.puts != 4 {
		t.Fatalf("%d files after %d puts, want 1 after 4", len(sink.snapshot()), sink.puts)
	}
}

func TestCloseRetriesThenReportsWhatIsLost(t *testing.T) {
	sink := newMemSink()
	sink.failFor = 2
	w := mustNew(t, Options{Sink: sink, FlushInterval: time.Hour})
	w.Log(dest, Event{Time: time.Now(), Kind: "connect"})
	if err := w.Close(context.Background()); err != nil {
		t.Fatalf("Close = %v; it should retry until the sink recovers", err)
	}
	if len(sink.snapshot()) != 1 {
		t.Fatal("file not stored")
	}

	down := newMemSink()
	down.failFor = -1
	w = mustNew(t, Options{Sink: down, FlushInterval: time.Hour})
	w.Log(dest, Event{Time: time.Now(), Kind: "connect"})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := w.Close(ctx)
	if err == nil || !strings.Contains(err.Error(), "1 log files not stored") || !strings.Contains(err.Error(), "s3://logs/rtmp/EDFDVBD6EXAMPLE.") {
		t.Fatalf("Close = %v, want it to name the file it could not store", err)
	}
	if down.puts < 2 {
		t.Fatalf("Close tried %d times", down.puts)
	}
}

func TestLargeFilesAreSplit(t *testing.T) {
	sink := newMemSink()
	w := mustNew(t, Options{Sink: sink, FlushInterval: time.Hour, MaxFileBytes: 1000})
	at := time.Now()
	for i := 0; i < 100; i++ {
		w.Log(dest, Event{Time: at, Kind: "play", Stream: strings.Repeat("x", 50), Bytes: int64(i)})
	}
	waitFor(t, func() bool { return len(sink.snapshot()) >= 5 }) // filled files go out without waiting for the hour
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, body := range sink.snapshot() {
		for _, r := range parseLog(t, body) {
			if seen[r["sc-bytes"]] {
				t.Fatalf("event %s stored twice", r["sc-bytes"])
			}
			seen[r["sc-bytes"]] = true
		}
	}
	if len(seen) != 100 {
		t.Fatalf("%d events stored, want 100", len(seen))
	}
}

func TestConcurrentLoggingLosesNothing(t *testing.T) {
	sink := newMemSink()
	sink.failFor = 5
	w := mustNew(t, Options{Sink: sink, FlushInterval: 5 * time.Millisecond})
	const writers, each = 8, 400
	var wg sync.WaitGroup
	for g := 0; g < writers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := dest
			d.DistributionID = fmt.Sprintf("E%d", g%3)
			for i := 0; i < each; i++ {
				w.Log(d, Event{Time: time.Now(), Kind: "play", ClientID: fmt.Sprintf("g%d-%d", g, i)})
				if i%100 == 0 {
					w.Flush(context.Background())
				}
			}
		}()
	}
	wg.Wait()
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, body := range sink.snapshot() {
		for _, r := range parseLog(t, body) {
			seen[r["x-cf-client-id"]]++
		}
	}
	if len(seen) != writers*each {
		t.Fatalf("%d distinct events stored, want %d", len(seen), writers*each)
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("event %s stored %d times", id, n)
		}
	}
}

func TestDirSink(t *testing.T) {
	root := t.TempDir()
	w := mustNew(t, Options{Sink: DirSink{Root: root}, FlushInterval: time.Hour})
	w.Log(dest, Event{Time: time.Now(), Kind: "connect", ClientIP: "192.0.2.9"})
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	matches, _ := filepath.Glob(filepath.Join(root, "logs", "rtmp", "EDFDVBD6EXAMPLE.*.gz"))
	if len(matches) != 1 {
		t.Fatalf("files %v", matches)
	}
	body, _ := os.ReadFile(matches[0])
	if recs := parseLog(t, body); len(recs) != 1 || recs[0]["c-ip"] != "192.0.2.9" {
		t.Fatalf("records %v", recs)
	}
	leftovers, _ := filepath.Glob(filepath.Join(root, "logs", "rtmp", ".accesslog-*"))
	if len(leftovers) != 0 {
		t.Fatalf("temporary files left: %v", leftovers)
	}
	for _, bad := range [][2]string{{"..", "k"}, {"b/c", "k"}, {"logs", "../../etc/x"}, {"logs", ""}, {"", "k"}} {
		if err := (DirSink{Root: root}).PutObject(context.Background(), bad[0], bad[1], []byte("x")); err == nil {
			t.Errorf("PutObject(%q, %q) accepted", bad[0], bad[1])
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

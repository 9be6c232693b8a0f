package vod

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/streamfront/streamfront/internal/testtool"
)

// TestTSSegmentsStandAloneAndContinue: each MPEG-TS segment starts with a
// PAT and a PMT and plays on its own (ffprobe finds both streams in it),
// and the segments, played one after the other, keep every PID's
// continuity counter (ffmpeg's demuxer reports no continuity error, which
// it does for a segment repeated).
func TestTSSegmentsStandAloneAndContinue(t *testing.T) {
	testtool.Require(t, "ffmpeg")
	for _, kind := range []string{"mp4-bframes", "flv", "mp3"} {
		t.Run(kind, func(t *testing.T) {
			path, format := fixture(t, kind)
			s := serve(t, path, format)
			src := ffprobe(t, path, "")
			var all []byte
			for n := 1; n <= s.p.Segments(); n++ {
				url := s.URL + "/ts/seg-" + strconv.Itoa(n) + ".ts"
				resp, b := get(t, url)
				if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "video/mp2t" || len(b)%tsPacket != 0 {
					t.Fatalf("%s: %s, %q, %d bytes", url, resp.Status, resp.Header.Get("Content-Type"), len(b))
				}
				if pid(b[0:]) != 0 || pid(b[tsPacket:]) != pidPMT {
					t.Errorf("segment %d starts with PIDs %#x, %#x, not PAT and PMT", n, pid(b), pid(b[tsPacket:]))
				}
				if got := len(ffprobe(t, url, "").Streams); got != len(src.Streams) {
					t.Errorf("segment %d alone: %d streams, want %d", n, got, len(src.Streams))
				}
				all = append(all, b...)
			}
			if errs := continuityErrors(t, all); errs != "" {
				t.Errorf("segments in sequence: %s", errs)
			}
			_, first := get(t, s.URL+"/ts/seg-1.ts")
			if errs := continuityErrors(t, append(bytes.Clone(first), first...)); errs == "" {
				t.Error("a repeated segment shows no continuity error: the check checks nothing")
			}
		})
	}
}

func pid(b []byte) uint16 { return uint16(b[1]&0x1f)<<8 | uint16(b[2]) }

// continuityErrors demuxes ts with ffmpeg and returns its continuity complaints.
func continuityErrors(t *testing.T, ts []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "all.ts")
	if err := os.WriteFile(path, ts, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ffmpeg", "-v", "debug", "-i", path, "-c", "copy", "-f", "null", "-").CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out[max(0, len(out)-2000):])
	}
	var errs []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "Continuity check failed") {
			errs = append(errs, l)
		}
	}
	return strings.Join(errs, "; ")
}

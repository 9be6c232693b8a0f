package edge_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streamfront/streamfront/internal/edge"
)

// TestFFmpegPlaysEveryFormat plays FLV, MP4 and MP3 objects through ffmpeg
// and checks that every source frame arrives.
func TestFFmpegPlaysEveryFormat(t *testing.T) {
	e := startEnv(t, edge.Hooks{}, nil)
	_, domain := e.createDist(t)
	cases := []struct {
		kind, key, stream string
	}{
		{"flv", "videos/clip.flv", "videos/clip"},
		{"mp4", "videos/clip.mp4", "mp4:videos/clip.mp4"},
		{"mp3", "audio/track.mp3", "mp3:audio/track"},
		{"mp4-bframes", "videos/bframes.mp4", "mp4:videos/bframes.mp4"},
		{"mov", "videos/clip.mov", "mp4:videos/clip.mov"},
		{"mp4-faststart-video-only", "videos/silent.f4v", "mp4:videos/silent.f4v"},
		{"mp3-22k-mono", "audio/low.mp3", "mp3:audio/low"},
		{"mp4-mp3", "videos/mp3.mp4", "mp4:videos/mp3.mp4"},
		{"mov-mp3", "videos/mp3.mov", "mp4:videos/mp3.mov"},
		{"flv-sorenson", "videos/spark.flv", "videos/spark"}, // FLV passes any codec through
	}
	for _, tc := range cases {
		t.Run(tc.kind, func(t *testing.T) {
			src := e.makeMedia(t, tc.key, tc.kind, 3)
			wantV, wantA := frameCounts(t, src)
			isMP4 := strings.HasPrefix(tc.kind, "mp4") || tc.kind == "mov"
			// Every stored audio packet is sent. An MP4 edit list or an MP3
			// LAME header can hide priming/padding frames from ffprobe's
			// frame count of the source; FLV has neither, so all decode.
			wantA = audioPackets(t, src)
			out, err := e.ffmpegPlay(t, domain, tc.stream)
			if err != nil {
				t.Fatal(err)
			}
			gotV, gotA := frameCounts(t, out)
			// MP3 in MP4 is sent as it is stored: every packet arrives.
			if strings.HasSuffix(tc.kind, "-mp3") {
				if got := audioPackets(t, out); got != wantA {
					t.Errorf("audio packets: got %d, source has %d", got, wantA)
				}
			}
			if gotV != wantV {
				t.Errorf("video frames: got %d, source has %d", gotV, wantV)
			}
			// Remuxing AAC from MP4 to FLV may drop the 1-2 priming frames.
			if lost := wantA - gotA; lost < 0 || lost > 2 || (!isMP4 && lost != 0) {
				t.Errorf("audio frames: got %d, source has %d", gotA, wantA)
			}
			// Composition times survive the remux: the same presentation
			// times, up to one shift for the whole stream and ms rounding.
			if src, got := videoPTS(t, src), videoPTS(t, out); len(src) > 0 {
				if len(got) != len(src) {
					t.Fatalf("%d video packets, source %d", len(got), len(src))
				}
				shift := got[0] - src[0]
				for i := range src {
					if d := got[i] - shift - src[i]; d > 0.0015 || d < -0.0015 {
						t.Fatalf("video pts %d: %.3f, source %.3f (shift %.3f)", i, got[i], src[i], shift)
					}
				}
			}
		})
	}
}

// TestManyConcurrentViewers plays one file to many players at once (and
// under -race, checks the shared index and cache): each receives every
// frame in order and the end of the stream.
func TestManyConcurrentViewers(t *testing.T) {
	e := startEnv(t, edge.Hooks{}, nil)
	_, domain := e.createDist(t)
	e.makeMedia(t, "videos/clip.mp4", "mp4", 2)
	const viewers = 20
	type result struct {
		counts [2]int
		err    error
	}
	results := make(chan result, viewers)
	var wg sync.WaitGroup
	for range viewers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts, err := watchToEnd(e.addr, domain, "mp4:videos/clip.mp4")
			results <- result{counts, err}
		}()
	}
	wg.Wait()
	close(results)
	var first [2]int
	for r := range results {
		if r.err != nil {
			t.Fatal(r.err)
		}
		if first == [2]int{} {
			first = r.counts
		}
		if n := r.counts; n != first || n[0] != 50 {
			t.Fatalf("a viewer got %d video / %d audio messages, another %d / %d (want 50 video)", n[0], n[1], first[0], first[1])
		}
	}
}

// watchToEnd plays stream through domain with a long buffer (everything
// at once) until Play.Complete and counts the video and audio messages,
// checking that video never goes back in time. It reports errors rather
// than failing the test, so it may run on any goroutine.
func watchToEnd(addr, domain, stream string) (counts [2]int, err error) {
	p, err := openPlayer(addr)
	if err != nil {
		return counts, err
	}
	defer p.nc.Close()
	if code, err := p.tryConnect(domain); err != nil || code != "NetConnection.Connect.Success" {
		return counts, fmt.Errorf("connect: %s %v", code, err)
	}
	if err := p.tryPlay(stream, 0, 60000); err != nil {
		return counts, err
	}
	var last time.Duration
	for {
		ev, err := p.tryNext()
		switch {
		case err != nil:
			return counts, err
		case ev.code == "NetStream.Play.Complete":
			return counts, nil
		case ev.code != "" || ev.meta != nil:
		case ev.media == 9:
			if ev.ts < last {
				return counts, fmt.Errorf("video went back from %v to %v", last, ev.ts)
			}
			last = ev.ts
			counts[0]++
		default:
			counts[1]++
		}
	}
}

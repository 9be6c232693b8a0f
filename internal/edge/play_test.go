package edge_test

import (
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
	counts := make(chan [2]int, viewers)
	var wg sync.WaitGroup
	for range viewers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := dialPlayer(t, e.addr)
			if code := p.connect(domain); code != "NetConnection.Connect.Success" {
				t.Error(code)
				return
			}
			p.play("mp4:videos/clip.mp4", 0, 60000) // a long buffer: everything at once
			var n [2]int
			var last time.Duration
			for {
				ev := p.next()
				if ev.code == "NetStream.Play.Complete" {
					break
				}
				if ev.code != "" || ev.meta != nil {
					continue
				}
				if ev.media == 9 {
					if ev.ts < last {
						t.Errorf("video went back from %v to %v", last, ev.ts)
					}
					last = ev.ts
					n[0]++
				} else {
					n[1]++
				}
			}
			counts <- n
		}()
	}
	wg.Wait()
	close(counts)
	var first [2]int
	for n := range counts {
		if first == [2]int{} {
			first = n
		}
		if n != first || n[0] != 50 {
			t.Fatalf("a viewer got %d video / %d audio messages, another %d / %d (want 50 video)", n[0], n[1], first[0], first[1])
		}
	}
}

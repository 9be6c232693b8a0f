package edge_test

import (
	"testing"

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
	}
	for _, tc := range cases {
		t.Run(tc.kind, func(t *testing.T) {
			src := e.makeMedia(t, tc.key, tc.kind, 3)
			wantV, wantA := frameCounts(t, src)
			if tc.kind == "mp4" {
				// An MP4's edit list hides the AAC priming packet from
				// ffprobe's frame count; FLV has no edit lists, so every
				// packet is sent and decoded.
				wantA = audioPackets(t, src)
			}
			out, err := e.ffmpegPlay(t, domain, tc.stream)
			if err != nil {
				t.Fatal(err)
			}
			gotV, gotA := frameCounts(t, out)
			if gotV != wantV {
				t.Errorf("video frames: got %d, source has %d", gotV, wantV)
			}
			// Remuxing AAC from MP4 to FLV may drop the 1-2 priming frames.
			if lost := wantA - gotA; lost < 0 || lost > 2 || (tc.kind != "mp4" && lost != 0) {
				t.Errorf("audio frames: got %d, source has %d", gotA, wantA)
			}
			if wantA == 0 {
				t.Errorf("source has no audio frames")
			}
		})
	}
}

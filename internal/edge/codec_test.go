package edge_test

import (
	"strings"
	"testing"

	"github.com/streamfront/streamfront/internal/edge"
)

// TestUnsupportedCodecsAreRefusedByName plays MP4s with a track RTMP
// cannot carry without transcoding: each play is refused with
// NetStream.Play.Failed naming the codec, as ffmpeg reports it too,
// instead of playing the other track alone.
func TestUnsupportedCodecsAreRefusedByName(t *testing.T) {
	e := startEnv(t, edge.Hooks{}, nil)
	_, domain := e.createDist(t)
	for _, tc := range []struct{ kind, want string }{
		{"mp4-hevc", "unsupported video codec hvc1 (HEVC)"},
		{"mp4-mpeg4", "unsupported video codec mp4v (MPEG-4 Part 2)"},
		{"mp4-ac3", "unsupported audio codec ac-3 (AC-3)"},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			stream := "mp4:videos/" + tc.kind + ".mp4"
			e.makeMedia(t, "videos/"+tc.kind+".mp4", tc.kind, 1)
			code, desc := playStatus(t, e.addr, domain, stream)
			if want := "Failed to play " + stream + "; " + tc.want + "."; code != "NetStream.Play.Failed" || desc != want {
				t.Errorf("play: %s %q, want NetStream.Play.Failed %q", code, desc, want)
			}
			_, err := e.ffmpegPlay(t, domain, stream)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ffmpeg: %v, want its error to name the codec (%s)", err, tc.want)
			}
		})
	}
}

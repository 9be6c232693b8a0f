package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
)

// MakeClip generates a 1280x720 H.264 (2 Mb/s, a key frame every 2 s) + AAC
// (96 kb/s) MP4 of secs seconds at path, unless it is already there.
func MakeClip(path string, secs int) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	d := strconv.Itoa(secs)
	tmp := path + ".tmp"
	out, err := exec.Command("ffmpeg", "-v", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration="+d,
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration="+d,
		"-c:v", "libx264", "-preset", "veryfast", "-b:v", "2000k", "-maxrate", "2000k", "-bufsize", "2000k",
		"-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", "-movflags", "+faststart", "-f", "mp4", tmp).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ffmpeg: %v\n%s", err, out)
	}
	return os.Rename(tmp, path) // so that an interrupted run leaves no clip to reuse
}

package main

import (
	"errors"
	"net"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/bluenviron/gortmplib/pkg/amf0"
	"github.com/bluenviron/gortmplib/pkg/bytecounter"
	"github.com/bluenviron/gortmplib/pkg/handshake"
	"github.com/bluenviron/gortmplib/pkg/message"

	"github.com/streamfront/streamfront/internal/testenv"
)

// TestSIGTERMDrainsRTMPViewers runs `serve` with a viewer playing a clip
// longer than --rtmp-drain-timeout when SIGTERM arrives: the viewer gets
// NetStream.Play.Stop and then the close (not a hang, not a bare reset),
// the process exits 0 long before the drain timeout runs out, and the
// access log of the play is in the logging bucket.
func TestSIGTERMDrainsRTMPViewers(t *testing.T) {
	testenv.Require(t, "ffmpeg")
	dir := originWithClip(t)
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=60",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-f", "flv",
		filepath.Join(dir, "media", "videos", "long.flv")).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	const drain = 30 * time.Second
	addr, rtmp := testenv.FreeAddr(t), testenv.FreeAddr(t)
	p := testenv.StartProc(t, addr, "serve", "--listen", addr, "--data-dir", t.TempDir(), "--rtmp-listen", rtmp,
		"--origin-dir", dir, "--access-log-interval", "1h", "--rtmp-drain-timeout", drain.String())
	id, domain := createDistribution(t, testenv.Client(p.URL, "AKID", "secret"), false)

	v := dialViewer(t, rtmp, domain, "videos/long")
	sent := time.Now()
	p.Cmd.Process.Signal(syscall.SIGTERM)
	codes := v.statusesUntilClose(t)
	if len(codes) == 0 || codes[len(codes)-1] != "NetStream.Play.Stop" {
		t.Fatalf("the viewer saw %q before the close, want NetStream.Play.Stop last", codes)
	}
	if err := p.Cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	if took := time.Since(sent); took > drain/2 {
		t.Fatalf("exited %v after SIGTERM: it waited for the drain timeout instead of stopping the play", took)
	}
	if got := loggedPlays(t, dirLogs(t, filepath.Join(dir, "logs", "cf"), id)); got != "OK videos/long" {
		t.Fatalf("logged plays %q", got)
	}
}

// viewer is an RTMP player reduced to what the drain test watches.
type viewer struct {
	nc net.Conn
	rw *message.ReadWriter
}

// dialViewer connects to rtmpAddr as a player of domain's stream and
// returns once media arrives.
func dialViewer(t *testing.T, rtmpAddr, domain, stream string) *viewer {
	t.Helper()
	nc, err := net.Dial("tcp", rtmpAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	if _, _, err := handshake.DoClient(nc, false, false); err != nil {
		t.Fatal(err)
	}
	bc := bytecounter.NewReadWriter(nc)
	v := &viewer{nc: nc, rw: message.NewReadWriter(bc, bc, false)}
	for i, m := range []message.Message{
		&message.CommandAMF0{ChunkStreamID: 3, Name: "connect", CommandID: 1, Arguments: []any{amf0.Object{
			{Key: "app", Value: "cfx/st"}, {Key: "tcUrl", Value: "rtmp://" + domain + "/cfx/st"}}}},
		&message.CommandAMF0{ChunkStreamID: 3, Name: "createStream", CommandID: 2, Arguments: []any{nil}},
		&message.CommandAMF0{ChunkStreamID: 8, MessageStreamID: 1, Name: "play", Arguments: []any{nil, stream}},
	} {
		if err := v.rw.Write(m); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	for {
		m, err := v.rw.Read()
		if err != nil {
			t.Fatalf("waiting for media: %v", err)
		}
		switch m.(type) {
		case *message.Video, *message.Audio:
			return v
		}
	}
}

// statusesUntilClose reads until the server closes the connection and
// returns the onStatus codes it sent meanwhile.
func (v *viewer) statusesUntilClose(t *testing.T) []string {
	v.nc.SetDeadline(time.Now().Add(time.Minute))
	var codes []string
	for {
		m, err := v.rw.Read()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the connection was not closed (after %q)", codes)
			}
			return codes
		}
		if c, ok := m.(*message.CommandAMF0); ok && c.Name == "onStatus" && len(c.Arguments) > 1 {
			if o, ok := c.Arguments[1].(amf0.Object); ok {
				code, _ := o.GetString("code")
				codes = append(codes, code)
			}
		}
	}
}

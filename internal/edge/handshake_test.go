package edge_test

import (
	"bytes"
	"crypto/rand"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streamfront/streamfront/internal/edge"
	"github.com/streamfront/streamfront/internal/testenv"
)

// TestHandshakeEchoesC1 runs a plain handshake by hand: S0 is version 3,
// S1 has a zero version (no Flash 9 digest expected), and S2 is C1 byte
// for byte, time and version fields included.
func TestHandshakeEchoesC1(t *testing.T) {
	e := startEnv(t, edge.Hooks{}, nil)
	nc, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	c0c1 := make([]byte, 1+1536)
	c0c1[0] = 3
	rand.Read(c0c1[1:])
	copy(c0c1[1:9], []byte{0, 0, 0x12, 0x34, 10, 0, 45, 2}) // uptime and version, as librtmp sends them
	if _, err := nc.Write(c0c1); err != nil {
		t.Fatal(err)
	}
	s := make([]byte, 1+2*1536)
	if _, err := io.ReadFull(nc, s); err != nil {
		t.Fatal(err)
	}
	s0, s1, s2 := s[0], s[1:1537], s[1537:]
	if s0 != 3 {
		t.Errorf("S0 = %d, want 3", s0)
	}
	if !bytes.Equal(s1[4:8], []byte{0, 0, 0, 0}) {
		t.Errorf("S1 version %v, want zero", s1[4:8])
	}
	if !bytes.Equal(s2, c0c1[1:]) {
		for i := range s2 {
			if s2[i] != c0c1[1+i] {
				t.Fatalf("S2 differs from C1 from byte %d (%#x, C1 %#x)", i, s2[i], c0c1[1+i])
			}
		}
	}
	if _, err := nc.Write(s1); err != nil { // C2
		t.Fatal(err)
	}
}

// signatureWarning is what librtmp logs when S2 is not an echo of its C1.
const signatureWarning = "signature does not match"

// TestLibrtmpClientsSeeAGenuineHandshake plays with rtmpdump (plain and
// RTMPE) and with GStreamer's rtmpsrc (both librtmp) at their default log
// levels: neither complains about the handshake, and both receive the clip.
func TestLibrtmpClientsSeeAGenuineHandshake(t *testing.T) {
	testenv.Require(t, "rtmpdump")
	testenv.Require(t, "gst-launch-1.0")
	e := startEnv(t, edge.Hooks{}, nil)
	_, domain := e.createDist(t)
	src := e.makeMedia(t, "videos/clip.flv", "flv", 2)
	wantV, _ := frameCounts(t, src)
	check := func(client, out string, b []byte) {
		t.Helper()
		if strings.Contains(string(b), signatureWarning) {
			t.Errorf("%s warns about the handshake:\n%s", client, b)
		}
		if v, _ := frameCounts(t, out); v != wantV {
			t.Errorf("%s received %d video frames, source %d\n%s", client, v, wantV, b)
		}
	}

	// RTMPE's S2 is no echo: librtmp checks its digest instead, and warns
	// or fails if that is wrong.
	for _, scheme := range []string{"rtmp", "rtmpe"} {
		out := filepath.Join(t.TempDir(), "rtmpdump.flv")
		cmd := exec.Command("rtmpdump", "-r", scheme+"://"+e.addr+"/cfx/st", "-a", "cfx/st",
			"-t", scheme+"://"+domain+"/cfx/st", "-y", "videos/clip", "-o", out)
		b, err := runWithTimeout(cmd, 60*time.Second)
		if err != nil {
			t.Fatalf("rtmpdump %s: %v\n%s", scheme, err, b)
		}
		if strings.Contains(string(b), "WARNING") || strings.Contains(string(b), "ERROR") {
			t.Errorf("rtmpdump %s warns:\n%s", scheme, b)
		}
		check("rtmpdump "+scheme, out, b)
	}

	// rtmpsrc hands librtmp's log to GStreamer's debug log: warnings show
	// at GST_DEBUG level 2.
	out := filepath.Join(t.TempDir(), "rtmpsrc.flv")
	location := "rtmp://" + e.addr + "/cfx/st/videos/clip app=cfx/st tcUrl=rtmp://" + domain + "/cfx/st playpath=videos/clip"
	cmd := exec.Command("gst-launch-1.0", "-q", "rtmpsrc", "location="+location, "!", "filesink", "location="+out)
	cmd.Env = append(cmd.Environ(), "GST_DEBUG=2", "GST_DEBUG_NO_COLOR=1")
	b, err := runWithTimeout(cmd, 60*time.Second)
	if err != nil {
		t.Fatalf("gst-launch-1.0 rtmpsrc: %v\n%s", err, b)
	}
	check("rtmpsrc", out, b)
}

package edge_test

import (
	"errors"
	"net"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/bluenviron/gortmplib/pkg/amf0"
	"github.com/bluenviron/gortmplib/pkg/bytecounter"
	"github.com/bluenviron/gortmplib/pkg/message"
	"github.com/bluenviron/gortmplib/pkg/rawmessage"

	"github.com/streamfront/streamfront/internal/edge"
	"github.com/streamfront/streamfront/internal/testenv"
)

// Clips have a key frame every second (-g 25 at 25 fps), so a play or seek
// to t must start with a key frame in (t-1s, t].

func nearKeyFrame(t *testing.T, what string, ev event, asked time.Duration) {
	t.Helper()
	if !ev.key || ev.ts > asked || ev.ts <= asked-time.Second {
		t.Fatalf("%s: first video frame at %v (key %v), want a key frame in (%v, %v]", what, ev.ts, ev.key, asked-time.Second, asked)
	}
}

// firstVideo returns the next video frame.
func (p *player) firstVideo() event {
	p.t.Helper()
	for {
		if ev := p.waitMedia(); ev.media == 9 {
			return ev
		}
	}
}

func TestPlayFromStartOffset(t *testing.T) {
	p := playerOf(t, "mp4", "videos/clip.mp4", 5)
	p.play("mp4:videos/clip.mp4", 2500, 1000)
	nearKeyFrame(t, "play from 2.5s", p.firstVideo(), 2500*time.Millisecond)
}

func TestSeekLandsNearAskedTime(t *testing.T) {
	p := playerOf(t, "flv", "videos/clip.flv", 6)
	p.play("videos/clip", 0, 100)
	if ev := p.waitMedia(); ev.ts > time.Second {
		t.Fatalf("first media at %v", ev.ts)
	}
	p.command(1, "seek", nil, float64(4200))
	for p.next().code != "NetStream.Seek.Notify" {
	}
	nearKeyFrame(t, "seek to 4.2s", p.firstVideo(), 4200*time.Millisecond)
	// The play still ends with Play.Complete after the seek.
	for {
		if ev := p.next(); ev.code == "NetStream.Play.Complete" {
			return
		} else if ev.code != "" {
			t.Fatalf("unexpected status %s", ev.code)
		}
	}
}

// pausedPlayer plays an 8-second clip and pauses it once media flows.
func pausedPlayer(t *testing.T) *player {
	p := playerOf(t, "flv", "videos/clip.flv", 8)
	p.play("videos/clip", 0, 100)
	p.waitMedia()
	p.command(1, "pause", nil, true, float64(500))
	for p.next().code != "NetStream.Pause.Notify" {
	}
	return p
}

func TestPauseStopsAndUnpauseResumes(t *testing.T) {
	p := pausedPlayer(t)
	// Media sent before the pause precedes Pause.Notify; after it, nothing.
	p.quietFor(700*time.Millisecond, "while paused")
	p.command(1, "pause", nil, false, float64(3300))
	for p.next().code != "NetStream.Unpause.Notify" {
	}
	nearKeyFrame(t, "unpause at 3.3s", p.firstVideo(), 3300*time.Millisecond)
}

// quietFor fails if media or a Play.Start arrives within d.
func (p *player) quietFor(d time.Duration, when string) {
	p.t.Helper()
	p.nc.SetReadDeadline(time.Now().Add(d))
	defer p.nc.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		m, err := p.rw.Read()
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return
		}
		if err != nil {
			p.t.Fatal(err)
		}
		switch m := m.(type) {
		case *message.Video, *message.Audio:
			p.t.Fatalf("media %s: %T", when, m)
		case *message.CommandAMF0:
			if code := statusCode(m); code == "NetStream.Play.Start" {
				p.t.Fatalf("%s %s", code, when)
			}
		}
	}
}

// TestSeekWhilePausedStaysPaused: a seek while paused is acknowledged but
// sends nothing until the unpause, which resumes from the sought position
// even when the player's own position predates the seek (ffmpeg sends its
// last received timestamp).
func TestSeekWhilePausedStaysPaused(t *testing.T) {
	p := pausedPlayer(t)
	p.command(1, "seek", nil, float64(5000))
	for p.next().code != "NetStream.Seek.Notify" {
	}
	p.quietFor(700*time.Millisecond, "after a seek while paused")
	p.command(1, "pause", nil, false, float64(500))
	for p.next().code != "NetStream.Unpause.Notify" {
	}
	nearKeyFrame(t, "unpause after a seek to 5s", p.firstVideo(), 5000*time.Millisecond)
}

// TestPacingFollowsBufferLength checks that media never runs further ahead
// of the viewer's clock than its buffer length plus one second (and the
// edge's 250ms batching), and that the whole clip arrives.
func TestPacingFollowsBufferLength(t *testing.T) {
	p := playerOf(t, "mp4", "videos/clip.mp4", 4)
	const buffer = 500 * time.Millisecond
	// The edge cannot start its clock before the play arrives, so measured
	// from sending play, media may be at most lead + batch ahead, however
	// slowly this test reads.
	sent := time.Now()
	p.play("mp4:videos/clip.mp4", 0, uint32(buffer/time.Millisecond))
	meta := p.waitMeta()
	// The duration is the last timestamp (what rtmpdump checks completeness
	// against): 4 s at 25 fps ends with the frame at 3.96 s, plus the shift
	// of the AAC priming.
	if d, _ := meta.GetFloat64("duration"); d < 3.9 || d > 4.1 {
		t.Errorf("onMetaData duration %v for a 4s clip", d)
	}
	if w, _ := meta.GetFloat64("width"); w != 320 {
		t.Errorf("onMetaData width %v", w)
	}
	first := p.waitMedia()
	allowed := buffer + time.Second + 250*time.Millisecond + 20*time.Millisecond // + timer granularity
	var last time.Duration
	for {
		ev := p.next()
		if ev.code == "NetStream.Play.Complete" {
			break
		}
		if ev.code != "" {
			continue
		}
		ahead := (ev.ts - first.ts) - ev.at.Sub(sent)
		if ahead > allowed {
			t.Fatalf("media at %v arrived %v ahead of real time (allowed %v)", ev.ts, ahead, allowed)
		}
		last = max(last, ev.ts)
	}
	if last < 3800*time.Millisecond {
		t.Fatalf("play completed at %v of a 4s clip", last)
	}
}

// TestAMF3CommandsAndUnknownMessages: a player speaking AMF3-wrapped
// commands (Flash with objectEncoding 3) plays, and messages the edge has
// no use for (aggregate, AMF3 data) are skipped, not fatal.
func TestAMF3CommandsAndUnknownMessages(t *testing.T) {
	p := playerOf(t, "flv", "videos/clip.flv", 2)
	raw := rawmessage.NewWriter(p.nc, bytecounter.NewWriter(p.nc), false)
	send := func(typ uint8, body []byte) {
		t.Helper()
		if err := raw.Write(&rawmessage.Message{ChunkStreamID: 8, Type: typ, MessageStreamID: 1, Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	send(22, []byte{9, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 14}) // aggregate
	send(15, []byte{0, 2, 0, 3, 'x', 'y', 'z'})                             // AMF3 data
	cmd := func(name string, txid float64, args ...any) []byte {
		body, err := amf0.Data(append([]any{name, txid}, args...)).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return append([]byte{0}, body...)
	}
	send(17, cmd("createStream", 2, nil))
	send(17, cmd("play", 0, nil, "videos/clip", -2000.0))
	if code := p.waitCode(); code != "NetStream.Play.Reset" {
		t.Fatalf("AMF3 play answered %s", code)
	}
	p.firstVideo()
}

// TestRtmpdumpStartOffset downloads from 2.5 s with rtmpdump --start: the
// FLV begins at the key frame at or before it.
func TestRtmpdumpStartOffset(t *testing.T) {
	testenv.Require(t, "rtmpdump")
	e := startEnv(t, edge.Hooks{}, nil)
	_, domain := e.createDist(t)
	e.makeMedia(t, "videos/clip.mp4", "mp4", 5)
	out := filepath.Join(t.TempDir(), "from2.5.flv")
	cmd := exec.Command("rtmpdump", "-q", "-r", "rtmp://"+e.addr+"/cfx/st", "-a", "cfx/st",
		"-t", "rtmp://"+domain+"/cfx/st", "-y", "mp4:videos/clip.mp4", "-A", "2.5", "-o", out)
	if b, err := runWithTimeout(cmd, 60*time.Second); err != nil {
		t.Fatalf("rtmpdump: %v\n%s", err, b)
	}
	pts := videoPTS(t, out)
	if len(pts) == 0 {
		t.Fatal("no video downloaded")
	}
	// The edge sends media time (as FMS and nginx-rtmp do); rtmpdump adds
	// its --start to every timestamp it writes (librtmp's nResumeTS).
	const start = 2500 * time.Millisecond
	if first := time.Duration(pts[0]*float64(time.Second)) - start; first <= start-time.Second || first > start {
		t.Fatalf("download from 2.5s starts at media time %v", first)
	}
	if v, _ := frameCounts(t, out); v < 50 || v > 75 {
		t.Fatalf("%d video frames from 2.5s of a 5s 25fps clip", v)
	}
}

// TestPlayDuration: the play command's duration (rtmpdump --stop) ends the
// play after that much media, with Play.Complete.
func TestPlayDuration(t *testing.T) {
	p := playerOf(t, "flv", "videos/clip.flv", 6)
	p.command(0, "createStream", nil)
	p.command(1, "play", nil, "videos/clip", 1000.0, 2000.0)
	var first, last time.Duration = -1, 0
	for {
		ev := p.next()
		if ev.code == "NetStream.Play.Complete" {
			break
		}
		if ev.code != "" || ev.meta != nil || ev.media != 9 {
			continue
		}
		if first < 0 {
			first = ev.ts
		}
		last = ev.ts
	}
	if first < 0 || first > time.Second || last >= 3*time.Second || last < 2900*time.Millisecond {
		t.Fatalf("play from 1s for 2s sent video from %v to %v", first, last)
	}
}

package edge_test

import (
	"testing"
	"time"

	"github.com/streamfront/streamfront/internal/edge"
	"github.com/streamfront/streamfront/internal/testenv"
)

// startFollowingEnv is startEnv behind a running Follower polling every
// 50 ms, with deployments gated on the edge, as `serve` and `streamfront
// edge` run it: a change is Deployed once the edge has applied it. The
// edge counts as live for 5 s after each heartbeat (as --edge-live's
// default), so it never misses a change by looking dead between beats.
func startFollowingEnv(t *testing.T, hooks edge.Hooks) *env {
	t.Helper()
	var f *edge.Follower
	e := startEnvOptions(t, testenv.Options{EdgeLive: 5 * time.Second}, hooks, nil, func(cfg *edge.Config) {
		f = edge.NewFollower(cfg.Router.(edge.StoreRouter).Store.(edge.FollowedStore), nil, "edge-test", 50*time.Millisecond, nil)
		cfg.Router = f
	})
	runFollower(t, f)
	return e
}

// TestDisabledDistributionStopsItsPlays disables a distribution while
// ffmpeg and a player play it and ffmpeg plays another: once the edge has
// applied the change, the disabled one's plays end with NetStream.Play.Stop
// (ffmpeg ends cleanly with what it got, before the other play ends), and
// the other distribution's play goes on to its end.
func TestDisabledDistributionStopsItsPlays(t *testing.T) {
	started := make(chan string, 8) // distribution of each play that started
	e := startFollowingEnv(t, edge.Hooks{OnEvent: func(ev edge.Event) {
		if ev.Kind == edge.EventPlay && ev.Status == "OK" {
			started <- ev.Conn.Route.DistributionID
		}
	}})
	idA, domainA := e.createDist(t)
	idB, domainB := e.createDist(t)
	src := e.makeMedia(t, "videos/clip.flv", "flv", 8)
	wantV, _ := frameCounts(t, src)

	ffmpegA, ffmpegB := e.ffmpegCopy(t, domainA, "videos/clip"), e.ffmpegCopy(t, domainB, "videos/clip")
	doneA, doneB := make(chan error, 1), make(chan error, 1)
	go func() { doneA <- ffmpegA.run() }()
	go func() { doneB <- ffmpegB.run() }()
	p := connectedPlayer(t, dialPlayer(t, e.addr), domainA)
	p.play("videos/clip", 0, 0)
	playing := map[string]int{}
	for range 3 {
		select {
		case id := <-started:
			playing[id]++
		case <-time.After(30 * time.Second):
			t.Fatalf("plays started: %v", playing)
		}
	}
	if playing[idA] != 2 || playing[idB] != 1 {
		t.Fatalf("plays started: %v, want 2 of %s and 1 of %s", playing, idA, idB)
	}

	setEnabled(t, e.cf, idA, false)
	for {
		ev := p.next()
		if ev.code == "NetStream.Play.Stop" {
			break
		}
		if ev.code != "" && ev.code != "NetStream.Play.Reset" && ev.code != "NetStream.Play.Start" {
			t.Fatalf("player of the disabled distribution: %s, want NetStream.Play.Stop", ev.code)
		}
	}
	if err := <-doneA; err != nil {
		t.Fatalf("ffmpeg of the disabled distribution: %v", err)
	}
	select {
	case err := <-doneB:
		t.Fatalf("the enabled distribution's play ended (%v) before the disabled one's", err)
	default:
	}
	if v, _ := frameCounts(t, ffmpegA.out); v == 0 || v >= wantV {
		t.Errorf("ffmpeg of the disabled distribution got %d video frames of %d, want a part", v, wantV)
	}
	if err := <-doneB; err != nil {
		t.Fatalf("ffmpeg of the enabled distribution: %v", err)
	}
	if v, _ := frameCounts(t, ffmpegB.out); v != wantV {
		t.Errorf("ffmpeg of the enabled distribution got %d video frames, want all %d", v, wantV)
	}
	// The stopped connection stays open, but plays nothing more.
	p.play("videos/clip", 0, 0)
	if code := p.waitCode(); code != "NetStream.Play.Failed" {
		t.Errorf("a new play of the disabled distribution: %s", code)
	}
}

package edge_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/streamfront/streamfront/internal/edge"
	"github.com/streamfront/streamfront/internal/edge/origin"
	"github.com/streamfront/streamfront/internal/testenv"
)

// startFollowingEnv is startEnv behind a running Follower polling every
// 50 ms, as `serve` and `streamfront edge` run the edge: deployments wait
// for the edge (testenv gates them as serve does), so a change is Deployed
// once the edge has applied it.
func startFollowingEnv(t *testing.T, hooks edge.Hooks) *env {
	t.Helper()
	var f *edge.Follower
	e := startEnvConfig(t, hooks, nil, func(cfg *edge.Config) {
		f = edge.NewFollower(cfg.Router.(edge.StoreRouter).Store.(edge.FollowedStore), nil, "edge-test", 50*time.Millisecond, nil)
		cfg.Router = f
	})
	runFollower(t, f)
	return e
}

// TestDisabledDistributionStopsItsPlays disables a distribution while
// ffmpeg and a player play it, another player has paused it, and ffmpeg
// plays another distribution: once the edge has applied the change, the
// disabled one's plays end with NetStream.Play.Stop (ffmpeg ends cleanly
// with what it got, before the other play ends), and the other
// distribution's play goes on to its end.
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
	paused := connectedPlayer(t, dialPlayer(t, e.addr), domainA)
	paused.play("videos/clip", 0, 0)
	paused.waitMedia()
	paused.command(1, "pause", nil, true, float64(0))
	for paused.next().code != "NetStream.Pause.Notify" {
	}
	playing := map[string]int{}
	for range 4 {
		select {
		case id := <-started:
			playing[id]++
		case <-time.After(30 * time.Second):
			t.Fatalf("plays started: %v", playing)
		}
	}
	if playing[idA] != 3 || playing[idB] != 1 {
		t.Fatalf("plays started: %v, want 3 of %s and 1 of %s", playing, idA, idB)
	}

	setEnabled(t, e.cf, idA, false)
	for _, viewer := range []*player{p, paused} {
		for {
			ev := viewer.next()
			if ev.code == "NetStream.Play.Stop" {
				break
			}
			if ev.code != "" && ev.code != "NetStream.Play.Reset" && ev.code != "NetStream.Play.Start" {
				t.Fatalf("player of the disabled distribution: %s, want NetStream.Play.Stop", ev.code)
			}
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

// TestFollowerSilentTooLongRereadsEverything: an edge the API has not heard
// from within its live window does not hold deployments back, so a disable
// can be Deployed without it and is no longer pending when the edge polls
// again. After such a silence the edge re-reads everything: its cached
// route goes, its play of the disabled distribution stops and a new
// connect is refused.
func TestFollowerSilentTooLongRereadsEverything(t *testing.T) {
	api := testenv.Start(t, testenv.Options{EdgeLive: time.Second})
	f := edge.NewFollower(api.Store, nil, "edge-1", time.Hour, nil)
	e := &env{api: api, cf: api.Client(), dir: t.TempDir()}
	e.edge = edge.New(edge.Config{Router: f, Origin: origin.NewCache(origin.Dir{Root: e.dir}, 1<<20, 0)})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.addr = ln.Addr().String()
	go e.edge.Serve(ln)
	t.Cleanup(func() { e.edge.Close() })
	ctx := context.Background()

	id, domain := e.createDist(t)
	e.writeSparseFLV(t, "videos/sparse.flv")
	if err := f.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	testenv.WaitDeployed(t, e.cf, id)
	p := connectedPlayer(t, dialPlayer(t, e.addr), domain)
	p.play("videos/sparse", 0, 0)
	p.waitMedia()

	time.Sleep(2*edge.HeartbeatEvery + 100*time.Millisecond) // the edge silent beyond the API's live window and its own bound
	setEnabled(t, e.cf, id, false)
	testenv.WaitDeployed(t, e.cf, id) // without the edge
	if err := f.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	for {
		ev := p.next()
		if ev.code == "NetStream.Play.Stop" {
			break
		}
		if ev.code != "" {
			t.Fatalf("play of the disabled distribution: %s, want NetStream.Play.Stop", ev.code)
		}
	}
	if code := dialPlayer(t, e.addr).connect(domain); code != "NetConnection.Connect.Rejected" {
		t.Fatalf("connect after the silence: %s", code)
	}
}

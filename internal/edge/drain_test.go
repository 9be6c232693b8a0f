package edge_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streamfront/streamfront/internal/edge"
)

// eventLog records the kinds of the edge's events.
type eventLog struct {
	mu    sync.Mutex
	kinds []string
}

func (l *eventLog) hook(e edge.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.kinds = append(l.kinds, string(e.Kind))
}

func (l *eventLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.kinds, " ")
}

// untilEOF reads until the edge closes the connection and returns the
// status codes seen on the way.
func (p *player) untilEOF() []string {
	p.t.Helper()
	var codes []string
	for {
		m, err := p.rw.Read()
		if err != nil {
			return codes
		}
		if ev, _ := eventOf(m); ev.code != "" {
			codes = append(codes, ev.code)
		}
	}
}

// shutdown runs Shutdown with a drain time of d and returns its result.
func shutdown(e *env, d time.Duration) <-chan error {
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		done <- e.edge.Shutdown(ctx)
	}()
	return done
}

// TestShutdownStopsLongPlays: a viewer whose play would outlast the drain
// time gets StreamEOF and NetStream.Play.Stop, then the connection closes;
// a connection that is not playing is closed; Shutdown returns once both
// have ended, with their stop and disconnect events emitted.
func TestShutdownStopsLongPlays(t *testing.T) {
	var log eventLog
	e := startEnv(t, edge.Hooks{OnEvent: log.hook}, nil)
	_, domain := e.createDist(t)
	e.makeMedia(t, "videos/long.flv", "flv", 20)
	viewer, idle := connectedPlayer(t, dialPlayer(t, e.addr), domain), connectedPlayer(t, dialPlayer(t, e.addr), domain)
	viewer.play("videos/long", 0, 100)
	viewer.waitMedia()

	done := shutdown(e, 3*time.Second)
	if codes := viewer.untilEOF(); len(codes) == 0 || codes[len(codes)-1] != "NetStream.Play.Stop" {
		t.Fatalf("the viewer saw %q before the close, want NetStream.Play.Stop last", codes)
	}
	if codes := idle.untilEOF(); len(codes) != 0 {
		t.Fatalf("the idle connection saw %q", codes)
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v (connections did not end by themselves)", err)
	}
	if got := log.String(); strings.Count(got, "disconnect") != 2 || strings.Count(got, " stop") != 1 {
		t.Fatalf("events %q", got)
	}
}

// TestShutdownLetsShortPlaysFinish: a play that will have been sent
// before the drain deadline runs to NetStream.Play.Complete.
func TestShutdownLetsShortPlaysFinish(t *testing.T) {
	e := startEnv(t, edge.Hooks{}, nil)
	_, domain := e.createDist(t)
	e.makeMedia(t, "videos/short.flv", "flv", 3)
	p := connectedPlayer(t, dialPlayer(t, e.addr), domain)
	p.play("videos/short", 0, 100)
	p.waitMedia()
	done := shutdown(e, 10*time.Second)
	codes := strings.Join(p.untilEOF(), " ")
	if !strings.Contains(codes, "NetStream.Play.Complete") {
		t.Fatalf("the viewer saw %q, want its play to complete", codes)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

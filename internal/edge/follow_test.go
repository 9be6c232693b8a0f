package edge_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	cf "github.com/streamfront/streamfront/internal/cloudfront"
	"github.com/streamfront/streamfront/internal/edge"
	"github.com/streamfront/streamfront/internal/edge/origin"
	"github.com/streamfront/streamfront/internal/testenv"
)

// live is the heartbeat window (--edge-live) of these tests.
const live = time.Second

func status(t *testing.T, c *cloudfront.Client, id string) string {
	t.Helper()
	out, err := c.GetStreamingDistribution(context.Background(), &cloudfront.GetStreamingDistributionInput{Id: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	return *out.StreamingDistribution.Status
}

// stillInProgress checks, over several deployer ticks, that id stays
// InProgress; keepAlive (if set) heart-beats the edge that holds it back.
func stillInProgress(t *testing.T, c *cloudfront.Client, id, why string, keepAlive func()) {
	t.Helper()
	for range 10 {
		if keepAlive != nil {
			keepAlive()
		}
		if s := status(t, c, id); s != cf.StatusInProgress {
			t.Fatalf("%s: status %s, want InProgress", why, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDeployedWhenEveryLiveEdgeApplied drives two edges' syncs by hand: a
// distribution is Deployed only once both have applied its latest version,
// a stopped edge stops counting after the heartbeat window, and an edge
// applies Enabled=false only when it syncs.
func TestDeployedWhenEveryLiveEdgeApplied(t *testing.T) {
	api := testenv.Start(t, testenv.Options{EdgeLive: live})
	c := api.Client()
	e1 := edge.NewFollower(api.Store, nil, "edge-1", time.Hour, nil)
	e2 := edge.NewFollower(api.Store, nil, "edge-2", time.Hour, nil)
	ctx := context.Background()
	sync := func(f *edge.Follower) {
		t.Helper()
		if err := f.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// alive heart-beats for edge-2 without applying anything: a live edge
	// that has not polled the change yet.
	alive := func() {
		t.Helper()
		if err := api.Store.EdgeHeartbeat(ctx, "edge-2", time.Now(), nil); err != nil {
			t.Fatal(err)
		}
	}
	sync(e1)
	sync(e2)
	env := &env{api: api, cf: c}
	id, domain := env.createDist(t)
	stillInProgress(t, c, id, "no edge applied", alive)
	sync(e1)
	stillInProgress(t, c, id, "edge-2 has not applied", alive)
	sync(e2)
	testenv.WaitDeployed(t, c, id)

	// An edge serving from its cache keeps the applied configuration until
	// it syncs: the disable takes effect there at its next sync.
	srv := edge.New(edge.Config{Router: e1, Origin: origin.NewCache(origin.Dir{Root: t.TempDir()}, 1<<20, 0)})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	if code := dialPlayer(t, ln.Addr().String()).connect(domain); code != "NetConnection.Connect.Success" {
		t.Fatalf("connect: %s", code)
	}
	setEnabled(t, c, id, false)
	if code := dialPlayer(t, ln.Addr().String()).connect(domain); code != "NetConnection.Connect.Success" {
		t.Fatalf("before edge-1 applied the disable: %s", code)
	}
	sync(e1)
	if code := dialPlayer(t, ln.Addr().String()).connect(domain); code != "NetConnection.Connect.Rejected" {
		t.Fatalf("after edge-1 applied the disable: %s", code)
	}
	stillInProgress(t, c, id, "edge-2 has not applied the disable", alive)

	// edge-2 stops: once its heartbeat is older than the window it no
	// longer holds deployments back.
	time.Sleep(live)
	sync(e1)
	testenv.WaitDeployed(t, c, id)
}

// TestWaiterPassesWithEdgeRunning runs an edge's follower loop next to the
// API: the SDK waiter sees a new distribution Deployed.
func TestWaiterPassesWithEdgeRunning(t *testing.T) {
	api := testenv.Start(t, testenv.Options{EdgeLive: live})
	runFollower(t, edge.NewFollower(api.Store, nil, "edge-1", 50*time.Millisecond, nil))
	env := &env{api: api, cf: api.Client()}
	id, _ := env.createDist(t)
	testenv.WaitDeployed(t, env.cf, id)
}

// Sync may be called while Run's loop polls (both heart-beat): under -race
// this fails if the heartbeat time is shared without the lock.
func TestSyncWhileRunning(t *testing.T) {
	api := testenv.Start(t, testenv.Options{EdgeLive: live})
	f := edge.NewFollower(api.Store, nil, "edge-1", time.Millisecond, nil)
	ctx := runFollower(t, f)
	env := &env{api: api, cf: api.Client()}
	id, _ := env.createDist(t)
	for range 100 {
		if err := f.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	testenv.WaitDeployed(t, env.cf, id)
}

// runFollower runs f's loop until the test ends; the context it returns
// ends then too.
func runFollower(t *testing.T, f *edge.Follower) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return ctx
}

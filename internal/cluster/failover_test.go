package cluster_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/streamfront/streamfront/internal/store/postgres/pgtest"
	"github.com/streamfront/streamfront/internal/testenv"
)

// TestDatabaseRestart crashes the PostgreSQL server under a running API node
// and an edge (as a failover looks to them): while it is down requests fail
// with a 5xx the SDK retries and health says 503; once it is back, without
// restarting streamfront, every acknowledged write is there, reads and writes
// work, the deployer deploys and the edge heart-beats and applies again.
func TestDatabaseRestart(t *testing.T) {
	pg := pgtest.StartServer(t)
	addr := testenv.FreeAddr(t)
	// An API-only node and one edge: the edge below is the one whose
	// heartbeats and applied versions are checked.
	p := testenv.StartProc(t, addr, "serve", "--listen", addr, "--store", pg.DSN, "--data-dir", t.TempDir(), "--deploy-delay", "50ms", "--max-distributions", "1000000", "--edge=false")
	startEdge(t, pg.DSN)
	node := testenv.Client(p.URL, "AKIDEXAMPLE", "secret")

	// Acknowledged writes: three creates and an update.
	var ids []*string
	etags := map[string]string{}
	for i := range 3 {
		out := mustCreate(t, node, config(fmt.Sprintf("before-%d", i), "before"))
		ids = append(ids, out.StreamingDistribution.Id)
		etags[*out.StreamingDistribution.Id] = aws.ToString(out.ETag)
	}
	upd, err := update(node, ids[0], aws.String(etags[*ids[0]]), config("before-0", "updated before"))
	if err != nil {
		t.Fatal(err)
	}
	etags[*ids[0]] = aws.ToString(upd.ETag)
	testenv.WaitDeployed(t, node, *ids[0])

	pg.Crash(t)
	outage := outageCalls(node, ids[1], "during")
	outage["Update"] = func(ctx context.Context) error {
		_, err := update(node, ids[1], aws.String(etags[*ids[1]]), config("before-1", "during"))
		return err
	}
	for op, call := range outage {
		// Twice: the first attempt may meet a pooled connection the crash broke,
		// the second has to open a new one.
		for range 2 {
			err := callBounded(call)
			if err == nil {
				t.Fatalf("%s succeeded while the database is down", op)
			}
			if code, status := errorCode(err); code != "ServiceUnavailable" || status != 503 || !retryable5xx(err) {
				t.Fatalf("%s while the database is down: %v (%s, %d), want a retryable ServiceUnavailable (503)", op, err, code, status)
			}
		}
	}
	if status := health(t, p.URL); status != http.StatusServiceUnavailable {
		t.Fatalf("health answers %d while the database is down, want 503", status)
	}

	pg.Start(t)
	var restarted time.Time
	pg.QueryRow(t, &restarted, `SELECT now()`)
	for op, call := range outage {
		if op == "Create" || op == "Update" {
			continue // the writes below check their results
		}
		eventually(t, op+" after the restart", func() error {
			err := callBounded(call)
			if err != nil && !retryable5xx(err) {
				t.Fatalf("%s after the restart: %v is not a 5xx the SDK retries", op, err)
			}
			return err
		})
	}
	if status := health(t, p.URL); status != http.StatusOK {
		t.Fatalf("health answers %d after the database is back", status)
	}
	for _, id := range ids {
		if got := aws.ToString(get(t, node, id).ETag); got != etags[*id] {
			t.Fatalf("%s has ETag %s after the restart, the acknowledged write set %s", *id, got, etags[*id])
		}
	}
	if c := aws.ToString(get(t, node, ids[0]).StreamingDistribution.StreamingDistributionConfig.Comment); c != "updated before" {
		t.Fatalf("the update acknowledged before the crash is lost: comment %q", c)
	}
	// A create or update tried during the outage did not happen.
	list, err := node.ListStreamingDistributions(ctx, &cloudfront.ListStreamingDistributionsInput{})
	if err != nil || aws.ToInt32(list.StreamingDistributionList.Quantity) != 3 {
		t.Fatalf("after the restart the node lists %+v, %v; want the 3 acknowledged distributions", list, err)
	}
	if _, err := update(node, ids[1], aws.String(etags[*ids[1]]), config("before-1", "after")); err != nil {
		t.Fatalf("update after the restart: %v", err)
	}
	out := mustCreate(t, node, config("after", "after"))
	testenv.WaitDeployed(t, node, *out.StreamingDistribution.Id)

	// The edge's follower is still running: it has heart-beaten since the
	// restart and applied the distribution created after it.
	eventually(t, "an edge heartbeat after the restart", func() error {
		var beat bool
		pg.QueryRow(t, &beat, `SELECT EXISTS (SELECT 1 FROM edges WHERE seen_at > $1)`, restarted)
		if !beat {
			return fmt.Errorf("no edge heartbeat since %v", restarted)
		}
		return nil
	})
	var applied int64
	pg.QueryRow(t, &applied, `SELECT count(*) FROM edge_applied WHERE distribution_id = $1`, *out.StreamingDistribution.Id)
	if applied != 1 {
		t.Fatalf("the edge has not applied %s, created after the restart", *out.StreamingDistribution.Id)
	}

	restartUnderLoad(t, pg, node)
}

// restartUnderLoad runs `pg_ctl restart -m immediate` while writers create
// and read distributions: requests cut off mid-transaction fail with a 5xx
// the SDK retries (500 or 503, depending on whether the database is back by
// the time the node looks), and every acknowledged create is stored.
func restartUnderLoad(t *testing.T, pg *pgtest.Server, node *cloudfront.Client) {
	const writers, acksEachSide = 4, 40
	var (
		mu           sync.Mutex
		acked        = map[string]string{} // id → ETag
		afterRestart int                   // creates acknowledged after the restart
		failures     = map[string]int{}    // error code → requests failed with it
		badErr       error                 // a failure the SDK would not retry
	)
	restarted := make(chan struct{})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; !isClosed(stop); n++ {
				var out *cloudfront.CreateStreamingDistributionOutput
				err := callBounded(func(ctx context.Context) (err error) {
					out, err = node.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{
						StreamingDistributionConfig: config(fmt.Sprintf("load-%d-%d", w, n), "load")})
					return err
				})
				if err == nil {
					err = callBounded(func(ctx context.Context) error {
						_, err := node.GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: out.StreamingDistribution.Id})
						return err
					})
				}
				mu.Lock()
				switch {
				case out != nil:
					acked[*out.StreamingDistribution.Id] = aws.ToString(out.ETag)
					if isClosed(restarted) {
						afterRestart++
					}
				case !retryable5xx(err):
					badErr = err
				}
				if err != nil {
					code, status := errorCode(err)
					failures[fmt.Sprintf("%s (%d)", code, status)]++
				}
				mu.Unlock()
				if err != nil {
					time.Sleep(10 * time.Millisecond)
				}
			}
		}()
	}
	// waitAcks waits until done holds, for at most as many polls as the
	// writers need without an outage by far.
	waitAcks := func(what string, done func() bool) {
		for range 3000 {
			mu.Lock()
			ok, err := done(), badErr
			mu.Unlock()
			if err != nil {
				t.Fatalf("a request failed with an error that is not a 5xx the SDK retries: %v", err)
			}
			if ok {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("load did not reach %s", what)
	}
	waitAcks("the first creates", func() bool { return len(acked) >= acksEachSide })
	pg.Restart(t)
	close(restarted)
	waitAcks("creates after the restart", func() bool { return afterRestart >= acksEachSide })
	close(stop)
	wg.Wait()
	if badErr != nil {
		t.Fatalf("a request failed with an error that is not a 5xx the SDK retries: %v", badErr)
	}
	for id, etag := range acked {
		if got := aws.ToString(get(t, node, aws.String(id)).ETag); got != etag {
			t.Fatalf("%s has ETag %s, its acknowledged create set %s", id, got, etag)
		}
	}
	t.Logf("restart under load: %d creates acknowledged, all stored; retryable failures: %v", len(acked), failures)
}

// outageCalls returns the requests tried while the database is away, by
// operation: Get of id, List, and Create of a distribution with CallerReference ref.
func outageCalls(node *cloudfront.Client, id *string, ref string) map[string]func(context.Context) error {
	return map[string]func(context.Context) error{
		"Get": func(ctx context.Context) error {
			_, err := node.GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: id})
			return err
		},
		"List": func(ctx context.Context) error {
			_, err := node.ListStreamingDistributions(ctx, &cloudfront.ListStreamingDistributionsInput{})
			return err
		},
		"Create": func(ctx context.Context) error {
			_, err := node.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{
				StreamingDistributionConfig: config(ref, "during")})
			return err
		},
	}
}

// callBounded runs call with a deadline so that a hanging request fails the
// test instead of stalling it; a request that hangs until then gets no API error.
func callBounded(call func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return call(ctx)
}

// eventually calls fn until it succeeds, at most 200 times 50 ms apart.
func eventually(t *testing.T, what string, fn func() error) {
	t.Helper()
	var err error
	for range 200 {
		if err = fn(); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: still failing after 200 tries: %v", what, err)
}

// retryable5xx reports whether err is an AWS error response with a 5xx
// status that the SDK's standard retryer retries (not a hang, not a 4xx
// telling the client its request was wrong).
func retryable5xx(err error) bool {
	_, status := errorCode(err)
	return status >= 500 && retry.NewStandard().IsErrorRetryable(err)
}

func health(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url + "/_streamfront/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// startEdge runs `streamfront edge` on the store dsn until the test ends.
func startEdge(t *testing.T, dsn string) {
	t.Helper()
	rtmp := testenv.FreeAddr(t)
	cmd := exec.Command(testenv.Binary(t), "edge", "--rtmp-listen", rtmp, "--store", dsn,
		"--data-dir", t.TempDir(), "--origin-dir", t.TempDir())
	testenv.LogOnFailure(t, cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for range 3000 {
		if conn, err := net.Dial("tcp", rtmp); err == nil {
			conn.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("edge not listening on %s", rtmp)
}

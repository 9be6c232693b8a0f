// Package crashtest SIGKILLs real streamfront processes in the middle of
// concurrent creates, updates and deletes, restarts them on the same store,
// and checks that every acknowledged write survived and no unacknowledged
// write was half-applied.
package crashtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/smithy-go"

	"github.com/streamfront/streamfront/internal/store/postgres/pgtest"
	"github.com/streamfront/streamfront/internal/testenv"
)

const workers = 6

// version is one state a distribution may be in: the ETag the server gave
// for it and the content that must come with that ETag.
type version struct {
	etag  string
	n     int // config version, written into Comment and the alias
	alive bool
}

// dist is the client's knowledge of one distribution. acked is the last
// acknowledged state; maybe, when set, is a write whose answer was lost in
// the crash: the server may hold either state.
type dist struct {
	id     string
	ref    string
	acked  version
	maybe  *version
	probed bool // alias reuse after delete already checked
}

// same reports whether the server's state st is the acknowledged state a.
func same(st, a version) bool {
	if !st.alive || !a.alive {
		return st.alive == a.alive
	}
	return st == a
}

// pendingCreate is a create whose answer was lost: it may or may not exist.
type pendingCreate struct{ ref string }

type worker struct {
	w       int
	next    int
	dists   []*dist
	pending []pendingCreate
	stats   *stats
}

type stats struct {
	mu                       sync.Mutex
	acked, inFlight, checked int
}

func (s *stats) add(acked, inFlight int) {
	s.mu.Lock()
	s.acked += acked
	s.inFlight += inFlight
	s.mu.Unlock()
}

func alias(ref string, n int) string { return fmt.Sprintf("%s-v%d.crash.example.com", ref, n) }

func config(ref string, n int, enabled bool) *types.StreamingDistributionConfig {
	c := testenv.DistConfig(ref)
	c.Aliases = &types.Aliases{Quantity: aws.Int32(1), Items: []string{alias(ref, n)}}
	c.Comment, c.Enabled = aws.String("v"+strconv.Itoa(n)), aws.Bool(enabled)
	return c
}

// transient reports whether err is the crash (no answer) rather than an
// answer from the server.
func transient(err error) bool {
	var ae smithy.APIError
	return !errors.As(err, &ae)
}

// step performs one random operation; it returns false once the server is gone.
func (wk *worker) step(ctx context.Context, c *cloudfront.Client, rng *rand.Rand) bool {
	if len(wk.dists) < 3 || rng.IntN(3) == 0 {
		ref := fmt.Sprintf("w%d-c%d", wk.w, wk.next)
		wk.next++
		out, err := c.CreateStreamingDistributionWithTags(ctx, &cloudfront.CreateStreamingDistributionWithTagsInput{
			StreamingDistributionConfigWithTags: &types.StreamingDistributionConfigWithTags{
				StreamingDistributionConfig: config(ref, 1, true),
				Tags: &types.Tags{Items: []types.Tag{{Key: aws.String("ref"), Value: aws.String(ref)},
					{Key: aws.String("owner"), Value: aws.String("crash")}}},
			}})
		if err != nil {
			if transient(err) {
				wk.pending = append(wk.pending, pendingCreate{ref})
				wk.stats.add(0, 1)
				return false
			}
			panic(fmt.Sprintf("create %s: %v", ref, err))
		}
		wk.dists = append(wk.dists, &dist{id: *out.StreamingDistribution.Id, ref: ref, acked: version{etag: *out.ETag, n: 1, alive: true}})
		wk.stats.add(1, 0)
		return true
	}
	d := wk.dists[rng.IntN(len(wk.dists))]
	if !d.acked.alive {
		return true
	}
	n := d.acked.n + 1
	enabled := rng.IntN(2) == 0
	out, err := c.UpdateStreamingDistribution(ctx, &cloudfront.UpdateStreamingDistributionInput{
		Id: aws.String(d.id), IfMatch: aws.String(d.acked.etag), StreamingDistributionConfig: config(d.ref, n, enabled)})
	if err != nil {
		if transient(err) {
			d.maybe = &version{n: n, alive: true} // ETag unknown: any new one
			wk.stats.add(0, 1)
			return false
		}
		panic(fmt.Sprintf("update %s: %v", d.id, err))
	}
	d.acked = version{etag: *out.ETag, n: n, alive: true}
	wk.stats.add(1, 0)
	if enabled {
		return true
	}
	// Disabled: delete it once the disable is deployed (deploy delay is 0).
	for range 50 {
		_, err = c.DeleteStreamingDistribution(ctx, &cloudfront.DeleteStreamingDistributionInput{Id: aws.String(d.id), IfMatch: aws.String(d.acked.etag)})
		var ae smithy.APIError
		if err == nil || !errors.As(err, &ae) || ae.ErrorCode() != "StreamingDistributionNotDisabled" {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	switch {
	case err == nil:
		d.acked = version{n: n}
		wk.stats.add(1, 0)
	case transient(err):
		d.maybe = &version{n: n}
		wk.stats.add(0, 1)
		return false
	default:
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorCode() == "StreamingDistributionNotDisabled" {
			return true // still InProgress after our retries; try again later
		}
		panic(fmt.Sprintf("delete %s: %v", d.id, err))
	}
	return true
}

// verify compares the restarted server with the worker's knowledge and
// folds in-doubt writes into acknowledged state.
func (wk *worker) verify(t *testing.T, ctx context.Context, c *cloudfront.Client, byRef map[string]string) {
	for _, d := range wk.dists {
		got, err := c.GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: aws.String(d.id)})
		var st version
		if err == nil {
			cfg := got.StreamingDistribution.StreamingDistributionConfig
			n, _ := strconv.Atoi((*cfg.Comment)[1:])
			st = version{etag: *got.ETag, n: n, alive: true}
			if len(cfg.Aliases.Items) != 1 || cfg.Aliases.Items[0] != alias(d.ref, n) {
				t.Errorf("%s: half-applied update: comment v%d but aliases %v", d.id, n, cfg.Aliases.Items)
			}
		} else {
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != "NoSuchStreamingDistribution" {
				t.Fatalf("get %s: %v", d.id, err)
			}
		}
		switch {
		case same(st, d.acked):
		case d.maybe != nil && st.alive == d.maybe.alive && (!st.alive || st.n == d.maybe.n):
			if !st.alive {
				st.n = d.maybe.n
			}
			d.acked = st
		default:
			t.Errorf("%s: lost acknowledged write: server has %+v, client acknowledged %+v (in doubt %+v)", d.id, st, d.acked, d.maybe)
			if !st.alive {
				st.n = d.acked.n
			}
			d.acked = st
		}
		d.maybe = nil
		if !d.acked.alive && !d.probed {
			checkAliasFree(t, ctx, c, d.ref, d.acked.n)
			d.probed = true
		}
	}
	for _, p := range wk.pending {
		if id, ok := byRef[p.ref]; ok {
			wk.adoptCreate(t, ctx, c, p.ref, id)
		}
	}
	wk.pending = nil
}

// adoptCreate checks a create that committed although its answer was lost:
// the distribution must be whole (config and both tags).
func (wk *worker) adoptCreate(t *testing.T, ctx context.Context, c *cloudfront.Client, ref, id string) {
	got, err := c.GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: aws.String(id)})
	if err != nil {
		t.Fatalf("get in-doubt create %s: %v", id, err)
	}
	tags, err := c.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: got.StreamingDistribution.ARN})
	if err != nil {
		t.Fatalf("tags of %s: %v", id, err)
	}
	if len(tags.Tags.Items) != 2 {
		t.Errorf("in-doubt create %s committed with %d of 2 tags", id, len(tags.Tags.Items))
	}
	wk.dists = append(wk.dists, &dist{id: id, ref: ref, acked: version{etag: *got.ETag, n: 1, alive: true}})
}

// checkAliasFree proves a deleted distribution left no alias behind.
func checkAliasFree(t *testing.T, ctx context.Context, c *cloudfront.Client, ref string, n int) {
	probe := ref + "-probe-" + strconv.Itoa(n)
	cfg := config(probe, 0, false)
	cfg.Aliases.Items = []string{alias(ref, n)}
	out, err := c.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: cfg})
	if err != nil {
		t.Errorf("alias %s of deleted distribution not reusable: %v", alias(ref, n), err)
		return
	}
	// Free the alias again so the next cycle can probe it once more.
	cfg.Aliases = &types.Aliases{Quantity: aws.Int32(0)}
	if _, err := c.UpdateStreamingDistribution(ctx, &cloudfront.UpdateStreamingDistributionInput{
		Id: out.StreamingDistribution.Id, IfMatch: out.ETag, StreamingDistributionConfig: cfg}); err != nil {
		t.Errorf("freeing probe alias: %v", err)
	}
}

func listByRef(t *testing.T, ctx context.Context, c *cloudfront.Client) map[string]string {
	byRef := map[string]string{}
	p := cloudfront.NewListStreamingDistributionsPaginator(c, &cloudfront.ListStreamingDistributionsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page.StreamingDistributionList.Items {
			// The list does not carry CallerReference; fetch the config.
			cfg, err := c.GetStreamingDistributionConfig(ctx, &cloudfront.GetStreamingDistributionConfigInput{Id: s.Id})
			if err != nil {
				t.Fatal(err)
			}
			byRef[*cfg.StreamingDistributionConfig.CallerReference] = *s.Id
		}
	}
	return byRef
}

func cycles() int {
	if n, err := strconv.Atoi(os.Getenv("STREAMFRONT_CRASH_CYCLES")); err == nil && n > 0 {
		return n
	}
	return 20
}

// runCrashCycles is the harness; args start a server on the store under test.
func runCrashCycles(t *testing.T, args func(listen string) []string) {
	ctx := context.Background()
	st := &stats{}
	wks := make([]*worker, workers)
	for i := range wks {
		wks[i] = &worker{w: i, stats: st}
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	n := cycles()
	for cycle := range n {
		addr := testenv.FreeAddr(t)
		p := testenv.StartProc(t, addr, args(addr)...)
		c := testenv.Client(p.URL, "AKIDCRASH", "secret")
		if cycle > 0 {
			byRef := listByRef(t, ctx, c)
			for _, wk := range wks {
				wk.verify(t, ctx, c, byRef)
			}
			if t.Failed() {
				t.Fatalf("cycle %d: inconsistencies after SIGKILL", cycle)
			}
		}
		var wg sync.WaitGroup
		for i, wk := range wks {
			wg.Add(1)
			seed := rng.Uint64()
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(seed, uint64(i)))
				for wk.step(ctx, c, r) {
				}
			}()
		}
		time.Sleep(time.Duration(150+rng.IntN(500)) * time.Millisecond)
		p.Kill() // SIGKILL mid-load
		wg.Wait()
	}
	addr := testenv.FreeAddr(t)
	p := testenv.StartProc(t, addr, args(addr)...)
	c := testenv.Client(p.URL, "AKIDCRASH", "secret")
	byRef := listByRef(t, ctx, c)
	for _, wk := range wks {
		wk.verify(t, ctx, c, byRef)
	}
	t.Logf("crash harness: %d SIGKILL cycles, %d writes acknowledged, %d in doubt at a kill, 0 lost (else failed above)", n, st.acked, st.inFlight)
}

func TestCrashSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("crash harness skipped in -short")
	}
	dir := t.TempDir()
	runCrashCycles(t, func(listen string) []string {
		return []string{"serve", "--listen", listen, "--data-dir", dir, "--deploy-delay", "0s", "--max-distributions", "100000",
			"--edge=false"} // the API's durability alone, as before serve ran an edge by default
	})
}

func TestCrashPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("crash harness skipped in -short")
	}
	dsn := pgtest.DSN(t)
	dir := t.TempDir()
	runCrashCycles(t, func(listen string) []string {
		return []string{"serve", "--listen", listen, "--store", dsn, "--data-dir", dir, "--deploy-delay", "0s", "--max-distributions", "100000",
			"--edge=false"} // the API's durability alone, as before serve ran an edge by default
	})
}

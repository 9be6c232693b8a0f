// Package cluster_test runs several real `streamfront serve` processes on one
// PostgreSQL database and drives them with the AWS SDK, as a client behind a
// load balancer would: a write through any node is seen by every node at
// once, and the API's invariants hold across nodes.
package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/smithy-go"

	"github.com/streamfront/streamfront/internal/store/postgres/pgtest"
	"github.com/streamfront/streamfront/internal/testenv"
)

var ctx = context.Background()

// cluster is a set of nodes sharing one fresh PostgreSQL schema.
type cluster struct {
	dsn   string
	args  []string
	procs []*testenv.Proc
	nodes []*cloudfront.Client
}

// startCluster starts n nodes with the extra serve flags args.
func startCluster(t *testing.T, n int, args ...string) *cluster {
	t.Helper()
	c := &cluster{dsn: pgtest.DSN(t), args: args}
	for range n {
		c.addNode(t)
	}
	return c
}

// addNode starts one more node on the cluster's store.
func (c *cluster) addNode(t testing.TB) *cloudfront.Client {
	t.Helper()
	addr := testenv.FreeAddr(t)
	args := append([]string{"serve", "--listen", addr, "--store", c.dsn, "--data-dir", t.TempDir()}, c.args...)
	p := testenv.StartProc(t, addr, args...)
	client := testenv.Client(p.URL, "AKIDEXAMPLE", "secret")
	c.procs = append(c.procs, p)
	c.nodes = append(c.nodes, client)
	return client
}

func config(ref, comment string, aliases ...string) *types.StreamingDistributionConfig {
	c := testenv.DistConfig(ref)
	c.Aliases = &types.Aliases{Quantity: aws.Int32(int32(len(aliases))), Items: aliases}
	c.Comment = aws.String(comment)
	return c
}

func create(node *cloudfront.Client, cfg *types.StreamingDistributionConfig) (*cloudfront.CreateStreamingDistributionOutput, error) {
	return node.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: cfg})
}

func mustCreate(t *testing.T, node *cloudfront.Client, cfg *types.StreamingDistributionConfig) *cloudfront.CreateStreamingDistributionOutput {
	t.Helper()
	out, err := create(node, cfg)
	if err != nil {
		t.Fatalf("create %s: %v", aws.ToString(cfg.CallerReference), err)
	}
	return out
}

func get(t *testing.T, node *cloudfront.Client, id *string) *cloudfront.GetStreamingDistributionOutput {
	t.Helper()
	out, err := node.GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: id})
	if err != nil {
		t.Fatalf("get %s: %v", aws.ToString(id), err)
	}
	return out
}

func update(node *cloudfront.Client, id, etag *string, cfg *types.StreamingDistributionConfig) (*cloudfront.UpdateStreamingDistributionOutput, error) {
	return node.UpdateStreamingDistribution(ctx, &cloudfront.UpdateStreamingDistributionInput{Id: id, IfMatch: etag, StreamingDistributionConfig: cfg})
}

// errorCode returns the CloudFront error code and HTTP status of err as the
// SDK reports them, or "" for a non-API error.
func errorCode(err error) (string, int) {
	var ae smithy.APIError
	var re *awshttp.ResponseError
	if !errors.As(err, &ae) || !errors.As(err, &re) {
		return "", 0
	}
	return ae.ErrorCode(), re.HTTPStatusCode()
}

// oneWinner fails unless exactly one of errs is nil and every other is the
// error code with status; it returns the winner's index.
func oneWinner(t *testing.T, errs []error, code string, status int) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		if err == nil {
			if winner >= 0 {
				t.Fatalf("requests %d and %d both succeeded", winner, i)
			}
			winner = i
			continue
		}
		if c, s := errorCode(err); c != code || s != status {
			t.Fatalf("request %d: %v, want %s (%d)", i, err, code, status)
		}
	}
	if winner < 0 {
		t.Fatalf("no request succeeded: %v", errs)
	}
	return winner
}

// raceNodes runs fn(i) for each of n requests at once, request i on node
// i % len(nodes), and returns their errors.
func raceNodes(c *cluster, n int, fn func(i int, node *cloudfront.Client) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i, c.nodes[i%len(c.nodes)])
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

func TestWriteOnOneNodeIsReadOnEveryOther(t *testing.T) {
	c := startCluster(t, 3)
	out := mustCreate(t, c.nodes[0], config("shared-1", "first", "live.example.com"))
	for i, node := range c.nodes[1:] {
		g := get(t, node, out.StreamingDistribution.Id)
		if aws.ToString(g.ETag) != aws.ToString(out.ETag) || aws.ToString(g.StreamingDistribution.StreamingDistributionConfig.Comment) != "first" {
			t.Fatalf("node %d reads ETag %s comment %s, want %s first", i+1, aws.ToString(g.ETag),
				aws.ToString(g.StreamingDistribution.StreamingDistributionConfig.Comment), aws.ToString(out.ETag))
		}
	}
	upd, err := update(c.nodes[1], out.StreamingDistribution.Id, out.ETag, config("shared-1", "second", "live.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if g := get(t, c.nodes[2], out.StreamingDistribution.Id); aws.ToString(g.ETag) != aws.ToString(upd.ETag) ||
		aws.ToString(g.StreamingDistribution.StreamingDistributionConfig.Comment) != "second" {
		t.Fatalf("node 2 reads ETag %s after node 1 updated to %s", aws.ToString(g.ETag), aws.ToString(upd.ETag))
	}
	_, err = c.nodes[2].TagResource(ctx, &cloudfront.TagResourceInput{Resource: out.StreamingDistribution.ARN,
		Tags: &types.Tags{Items: []types.Tag{{Key: aws.String("team"), Value: aws.String("video")}}}})
	if err != nil {
		t.Fatal(err)
	}
	tags, err := c.nodes[0].ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: out.StreamingDistribution.ARN})
	if err != nil || len(tags.Tags.Items) != 1 || aws.ToString(tags.Tags.Items[0].Value) != "video" {
		t.Fatalf("node 0 lists tags %+v, %v after node 2 tagged", tags, err)
	}
	list, err := c.nodes[2].ListStreamingDistributions(ctx, &cloudfront.ListStreamingDistributionsInput{})
	if err != nil || aws.ToInt32(list.StreamingDistributionList.Quantity) != 1 {
		t.Fatalf("node 2 lists %+v, %v", list, err)
	}
	oai, err := c.nodes[0].CreateCloudFrontOriginAccessIdentity(ctx, &cloudfront.CreateCloudFrontOriginAccessIdentityInput{
		CloudFrontOriginAccessIdentityConfig: &types.CloudFrontOriginAccessIdentityConfig{CallerReference: aws.String("oai-1"), Comment: aws.String("shared")}})
	if err != nil {
		t.Fatal(err)
	}
	// A distribution created on node 1 may use the OAI node 0 just created,
	// and node 2 then refuses to delete that OAI.
	withOAI := config("shared-2", "uses oai")
	withOAI.S3Origin.OriginAccessIdentity = aws.String("origin-access-identity/cloudfront/" + aws.ToString(oai.CloudFrontOriginAccessIdentity.Id))
	mustCreate(t, c.nodes[1], withOAI)
	_, err = c.nodes[2].DeleteCloudFrontOriginAccessIdentity(ctx, &cloudfront.DeleteCloudFrontOriginAccessIdentityInput{
		Id: oai.CloudFrontOriginAccessIdentity.Id, IfMatch: oai.ETag})
	if code, status := errorCode(err); code != "CloudFrontOriginAccessIdentityInUse" || status != 409 {
		t.Fatalf("delete OAI in use on another node: %v", err)
	}
}

func TestSameAliasRacedOnTwoNodes(t *testing.T) {
	c := startCluster(t, 2)
	for round := range 5 {
		alias := fmt.Sprintf("race-%d.example.com", round)
		errs := raceNodes(c, 2, func(i int, node *cloudfront.Client) error {
			_, err := create(node, config(fmt.Sprintf("alias-%d-%d", round, i), "racer", alias))
			return err
		})
		oneWinner(t, errs, "CNAMEAlreadyExists", 409)
	}
	list, err := c.nodes[1].ListStreamingDistributions(ctx, &cloudfront.ListStreamingDistributionsInput{})
	if err != nil || aws.ToInt32(list.StreamingDistributionList.Quantity) != 5 {
		t.Fatalf("after 5 rounds node 1 lists %+v, %v; want 5 distributions", list, err)
	}
}

func TestIfMatchRacedOnTwoNodes(t *testing.T) {
	c := startCluster(t, 2)
	out := mustCreate(t, c.nodes[0], config("ifmatch", "0"))
	id := out.StreamingDistribution.Id
	for round := range 5 {
		etag := get(t, c.nodes[0], id).ETag
		errs := raceNodes(c, 2, func(i int, node *cloudfront.Client) error {
			_, err := update(node, id, etag, config("ifmatch", fmt.Sprintf("round %d node %d", round, i)))
			return err
		})
		w := oneWinner(t, errs, "PreconditionFailed", 412)
		if got := aws.ToString(get(t, c.nodes[1-w], id).StreamingDistribution.StreamingDistributionConfig.Comment); got != fmt.Sprintf("round %d node %d", round, w) {
			t.Fatalf("round %d: node %d won but the comment is %q", round, w, got)
		}
	}
}

// TestNoLostUpdateAcrossNodes increments a counter kept in the Comment with
// read-modify-write cycles from both nodes; If-Match makes every increment count.
func TestNoLostUpdateAcrossNodes(t *testing.T) {
	c := startCluster(t, 2)
	out := mustCreate(t, c.nodes[0], config("counter", "0"))
	id := out.StreamingDistribution.Id
	const writers, increments = 4, 5
	errs := raceNodes(c, writers, func(_ int, node *cloudfront.Client) error {
		for done := 0; done < increments; {
			g, err := node.GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: id})
			if err != nil {
				return err
			}
			n, _ := strconv.Atoi(aws.ToString(g.StreamingDistribution.StreamingDistributionConfig.Comment))
			_, err = update(node, id, g.ETag, config("counter", strconv.Itoa(n+1)))
			if code, _ := errorCode(err); err != nil && code != "PreconditionFailed" {
				return err
			}
			if err == nil {
				done++
			}
		}
		return nil
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	if got := aws.ToString(get(t, c.nodes[1], id).StreamingDistribution.StreamingDistributionConfig.Comment); got != strconv.Itoa(writers*increments) {
		t.Fatalf("counter %s after %d increments", got, writers*increments)
	}
}

func TestLastQuotaSlotRacedOnTwoNodes(t *testing.T) {
	const quota = 6
	c := startCluster(t, 2, "--max-distributions", strconv.Itoa(quota))
	for i := range quota - 1 {
		mustCreate(t, c.nodes[i%2], config(fmt.Sprintf("fill-%d", i), "fill"))
	}
	errs := raceNodes(c, 4, func(i int, node *cloudfront.Client) error {
		_, err := create(node, config(fmt.Sprintf("last-%d", i), "racer"))
		return err
	})
	oneWinner(t, errs, "TooManyStreamingDistributions", 400)
	list, err := c.nodes[0].ListStreamingDistributions(ctx, &cloudfront.ListStreamingDistributionsInput{})
	if err != nil || aws.ToInt32(list.StreamingDistributionList.Quantity) != quota {
		t.Fatalf("node 0 lists %+v, %v; want %d", list, err, quota)
	}
}

// TestDeployedBySurvivingNode creates a distribution through a node that dies
// at once; the other node's deployer still takes it to Deployed.
func TestDeployedBySurvivingNode(t *testing.T) {
	c := startCluster(t, 2, "--deploy-delay", "1s")
	out := mustCreate(t, c.nodes[0], config("deploy", "x"))
	c.procs[0].Kill()
	if s := aws.ToString(get(t, c.nodes[1], out.StreamingDistribution.Id).StreamingDistribution.Status); s != "InProgress" {
		t.Fatalf("status right after create is %s, want InProgress", s)
	}
	testenv.WaitDeployed(t, c.nodes[1], aws.ToString(out.StreamingDistribution.Id))
}

// TestKillNodeMidLoad SIGKILLs one node while both take creates and
// updates: every write either node acknowledged is stored, and the survivor
// keeps serving.
func TestKillNodeMidLoad(t *testing.T) {
	c := startCluster(t, 2, "--max-distributions", "1000000")
	const writersPerNode = 4
	var (
		mu          sync.Mutex
		acked       = map[string]string{} // id → ETag of the last acknowledged write
		inFlight    = map[string]bool{}   // id → an update was sent but not acknowledged
		survivorErr error                 // any failure on the surviving node
		afterKill   int                   // writes the survivor acknowledged after the kill
	)
	ack := func(id, etag *string, killed bool) {
		mu.Lock()
		defer mu.Unlock()
		acked[aws.ToString(id)] = aws.ToString(etag)
		if killed {
			afterKill++
		}
	}
	killed := make(chan struct{})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	stopWriters := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer stopWriters()
	for w := range writersPerNode * 2 {
		node := c.nodes[w%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			// fail records err unless it came from the node that was killed.
			fail := func(err error) {
				if w%2 == 1 {
					mu.Lock()
					survivorErr = err
					mu.Unlock()
				}
			}
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				ref := fmt.Sprintf("load-%d-%d", w, n)
				out, err := create(node, config(ref, "created"))
				if err != nil {
					fail(err)
					return
				}
				ack(out.StreamingDistribution.Id, out.ETag, isClosed(killed))
				upd, err := update(node, out.StreamingDistribution.Id, out.ETag, config(ref, "updated"))
				if err != nil {
					// Killed mid-request, the update may or may not have committed.
					mu.Lock()
					inFlight[aws.ToString(out.StreamingDistribution.Id)] = true
					mu.Unlock()
					fail(err)
					return
				}
				ack(out.StreamingDistribution.Id, upd.ETag, isClosed(killed))
			}
		}()
	}
	waitFor := func(what string, done func() bool) {
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			mu.Lock()
			ok := done()
			mu.Unlock()
			if ok {
				return
			}
		}
		t.Fatalf("load did not reach %s", what)
	}
	waitFor("100 acknowledged distributions", func() bool { return len(acked) >= 100 })
	c.procs[0].Cmd.Process.Kill() // SIGKILL, mid-request
	close(killed)
	waitFor("100 acknowledged writes after the kill", func() bool { return afterKill >= 100 || survivorErr != nil })
	stopWriters()
	mu.Lock()
	err := survivorErr
	mu.Unlock()
	if err != nil {
		t.Fatalf("surviving node failed a request: %v", err)
	}
	// A node started after the kill reads every acknowledged write (or the
	// unacknowledged update sent after it).
	fresh := c.addNode(t)
	mu.Lock()
	defer mu.Unlock()
	for id, etag := range acked {
		g := get(t, fresh, aws.String(id))
		applied := inFlight[id] && aws.ToString(g.StreamingDistribution.StreamingDistributionConfig.Comment) == "updated"
		if aws.ToString(g.ETag) != etag && !applied {
			t.Fatalf("%s has ETag %s, the last acknowledged write set %s", id, aws.ToString(g.ETag), etag)
		}
	}
	t.Logf("%d distributions acknowledged, %d writes after the kill, all present", len(acked), afterKill)
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

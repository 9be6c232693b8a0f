package api_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/streamfront/streamfront/internal/testenv"
)

// TestAcknowledgedWritesSurviveKill9 runs the real binary, has 8 clients
// create and update distributions as fast as they can, SIGKILLs the server
// in the middle of that traffic, restarts it on the same --data-dir and
// checks that every acknowledged write is there with the ETag the client
// was given (and an OAI, a tag and a delete acknowledged before).
func TestAcknowledgedWritesSurviveKill9(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	start := func() *testenv.Proc {
		addr := testenv.FreeAddr(t)
		return testenv.StartProc(t, addr, "serve", "--listen", addr, "--data-dir", dataDir,
			"--max-distributions", "100000", "--deploy-delay", "100ms")
	}
	p := start()
	c := testenv.Client(p.URL, "AKIDEXAMPLE", "secret")

	// Before the storm: an OAI, a tag, and an acknowledged delete.
	oai := createOAI(t, c, "kill-oai")
	tagged := create(t, c, minimalConfig("kill-tagged")).StreamingDistribution
	if _, err := c.TagResource(ctx, &cloudfront.TagResourceInput{Resource: tagged.ARN,
		Tags: &types.Tags{Items: []types.Tag{tag("survives", "kill")}}}); err != nil {
		t.Fatal(err)
	}
	gone := create(t, c, disabled("kill-deleted"))
	testenv.WaitDeployed(t, c, aws.ToString(gone.StreamingDistribution.Id))
	if _, err := c.DeleteStreamingDistribution(ctx, &cloudfront.DeleteStreamingDistributionInput{
		Id: gone.StreamingDistribution.Id, IfMatch: gone.ETag}); err != nil {
		t.Fatal(err)
	}

	type write struct {
		id, etag, comment string
		settled           bool // false while an unacknowledged update may have landed
	}
	var mu sync.Mutex
	acked := map[string]*write{}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				cfg := minimalConfig(fmt.Sprintf("kill-%d-%d", w, i))
				out, err := c.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: cfg})
				if err != nil {
					return // the server is gone
				}
				// The create is acknowledged; the update that follows may or
				// may not land if the kill comes first.
				mu.Lock()
				wr := &write{id: *out.StreamingDistribution.Id, etag: *out.ETag, comment: "test"}
				acked[wr.id] = wr
				mu.Unlock()
				cfg.Comment = aws.String("updated")
				up, err := c.UpdateStreamingDistribution(ctx, &cloudfront.UpdateStreamingDistributionInput{Id: out.StreamingDistribution.Id, IfMatch: out.ETag, StreamingDistributionConfig: cfg})
				if err != nil {
					return
				}
				mu.Lock()
				wr.etag, wr.comment, wr.settled = *up.ETag, "updated", true
				mu.Unlock()
			}
		}()
	}
	// Kill once a few hundred writes are acknowledged, while writes continue.
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 150 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	p.Kill()
	close(stop)
	wg.Wait()
	if len(acked) < 150 {
		t.Fatalf("only %d creates acknowledged before the deadline", len(acked))
	}

	p = start()
	c = testenv.Client(p.URL, "AKIDEXAMPLE", "secret")
	for _, wr := range acked {
		got, err := c.GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: aws.String(wr.id)})
		if err != nil {
			t.Fatalf("acknowledged %s lost: %v", wr.id, err)
		}
		if wr.settled && (*got.ETag != wr.etag || *got.StreamingDistribution.StreamingDistributionConfig.Comment != wr.comment) {
			t.Fatalf("%s: etag %s comment %q, acknowledged %s %q", wr.id, *got.ETag,
				*got.StreamingDistribution.StreamingDistributionConfig.Comment, wr.etag, wr.comment)
		}
	}
	got, err := c.GetCloudFrontOriginAccessIdentity(ctx, &cloudfront.GetCloudFrontOriginAccessIdentityInput{Id: oai.CloudFrontOriginAccessIdentity.Id})
	if err != nil || *got.ETag != *oai.ETag {
		t.Fatalf("acknowledged OAI: %v", err)
	}
	if tags := listTags(t, c, tagged.ARN); len(tags) != 1 || *tags[0].Key != "survives" {
		t.Fatalf("acknowledged tag lost: %s", dump(tags))
	}
	_, err = c.GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: gone.StreamingDistribution.Id})
	wantError(t, err, "NoSuchStreamingDistribution", 404)
	t.Logf("%d acknowledged distributions survived SIGKILL", len(acked))
}

package api_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/smithy-go"

	"github.com/streamfront/streamfront/internal/testenv"
)

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// Many clients update with the same If-Match: exactly one wins each round,
// the rest get PreconditionFailed, and read-modify-write loops lose nothing.
func TestConcurrentIfMatch(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	c := srv.Client()
	ctx := context.Background()
	out, err := c.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: minimalConfig("race")})
	if err != nil {
		t.Fatal(err)
	}
	id, etag := out.StreamingDistribution.Id, *out.ETag
	const clients = 16

	for round := range 10 {
		var wins, stale atomic.Int32
		var wg sync.WaitGroup
		for i := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cfg := minimalConfig("race")
				cfg.Comment = aws.String("round " + strconv.Itoa(round) + " client " + strconv.Itoa(i))
				_, err := c.UpdateStreamingDistribution(ctx, &cloudfront.UpdateStreamingDistributionInput{Id: id, IfMatch: aws.String(etag), StreamingDistributionConfig: cfg})
				switch code := apiCode(err); {
				case err == nil:
					wins.Add(1)
				case code == "PreconditionFailed":
					stale.Add(1)
				default:
					t.Errorf("update: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 || stale.Load() != clients-1 {
			t.Fatalf("round %d: %d winners, %d PreconditionFailed; want 1 and %d", round, wins.Load(), stale.Load(), clients-1)
		}
		got, err := c.GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: id})
		if err != nil {
			t.Fatal(err)
		}
		etag = *got.ETag
	}

	// Read-modify-write counter: every increment must land exactly once.
	const perClient = 8
	var wg sync.WaitGroup
	for range clients / 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for done := 0; done < perClient; {
				cur, err := c.GetStreamingDistributionConfig(ctx, &cloudfront.GetStreamingDistributionConfigInput{Id: id})
				if err != nil {
					t.Error(err)
					return
				}
				n, _ := strconv.Atoi(*cur.StreamingDistributionConfig.Comment)
				cfg := cur.StreamingDistributionConfig
				cfg.Comment = aws.String(strconv.Itoa(n + 1))
				_, err = c.UpdateStreamingDistribution(ctx, &cloudfront.UpdateStreamingDistributionInput{Id: id, IfMatch: cur.ETag, StreamingDistributionConfig: cfg})
				switch {
				case err == nil:
					done++
				case apiCode(err) != "PreconditionFailed":
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	cur, err := c.GetStreamingDistributionConfig(ctx, &cloudfront.GetStreamingDistributionConfigInput{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	// The first increment reads a non-numeric comment as 0.
	if got, want := *cur.StreamingDistributionConfig.Comment, strconv.Itoa(clients/2*perClient); got != want {
		t.Fatalf("counter = %s, want %s: an update was lost", got, want)
	}
}

// Concurrent deletes with the same If-Match: exactly one succeeds.
func TestConcurrentDelete(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	c := srv.Client()
	ctx := context.Background()
	cfg := minimalConfig("race-delete")
	cfg.Enabled = aws.Bool(false)
	out, err := c.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	testenv.WaitDeployed(t, c, aws.ToString(out.StreamingDistribution.Id))
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.DeleteStreamingDistribution(ctx, &cloudfront.DeleteStreamingDistributionInput{Id: out.StreamingDistribution.Id, IfMatch: out.ETag})
			switch code := apiCode(err); {
			case err == nil:
				wins.Add(1)
			case code == "PreconditionFailed" || code == "NoSuchStreamingDistribution":
			default:
				t.Errorf("delete: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d deletes succeeded, want exactly 1", wins.Load())
	}
}

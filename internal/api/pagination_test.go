package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/streamfront/streamfront/internal/testenv"
)

// TestListPaginator250 walks 250 distributions with the SDK paginator, with
// the default page size and with MaxItems=7: every id exactly once, in the
// same order both times.
func TestListPaginator250(t *testing.T) {
	t.Parallel()
	const n = 250
	srv := testenv.Start(t, testenv.Options{Service: quota(n)})
	c := srv.Client()
	created := createMany(t, c, n)

	walk := func(maxItems *int32) (ids []string, pages int) {
		p := cloudfront.NewListStreamingDistributionsPaginator(c, &cloudfront.ListStreamingDistributionsInput{MaxItems: maxItems})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			l := page.StreamingDistributionList
			pages++
			if int(*l.Quantity) != len(l.Items) {
				t.Fatalf("page %d: Quantity %d, %d items", pages, *l.Quantity, len(l.Items))
			}
			if maxItems != nil && *l.MaxItems != *maxItems {
				t.Fatalf("MaxItems echoed %d, want %d", *l.MaxItems, *maxItems)
			}
			if *l.IsTruncated != (l.NextMarker != nil) || (*l.IsTruncated && *l.NextMarker != *l.Items[len(l.Items)-1].Id) {
				t.Fatalf("page %d: IsTruncated %v NextMarker %v", pages, *l.IsTruncated, l.NextMarker)
			}
			for _, s := range l.Items {
				ids = append(ids, *s.Id)
			}
		}
		return ids, pages
	}
	all, pages := walk(nil)
	if pages != 3 { // 100 per page by default
		t.Errorf("default walk took %d pages, want 3", pages)
	}
	small, pages := walk(aws.Int32(7))
	if pages != (n+6)/7 {
		t.Errorf("MaxItems=7 walk took %d pages, want %d", pages, (n+6)/7)
	}
	if !slices.Equal(all, small) {
		t.Fatal("the two walks disagree on the order")
	}
	seen := map[string]bool{}
	for _, id := range all {
		if seen[id] {
			t.Fatalf("%s listed twice", id)
		}
		seen[id] = true
	}
	for _, id := range created {
		if !seen[id] {
			t.Fatalf("%s never listed", id)
		}
	}
	if len(all) != n {
		t.Fatalf("listed %d, want %d", len(all), n)
	}
}

// createMany creates n distributions from 8 concurrent clients.
func createMany(t *testing.T, c *cloudfront.Client, n int) []string {
	t.Helper()
	ids := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				out, err := c.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: minimalConfig(fmt.Sprint("many-", i))})
				if err != nil {
					errs <- err
					return
				}
				ids[i] = *out.StreamingDistribution.Id
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return ids
}

func TestListInvalidMaxItems(t *testing.T) {
	srv := testenv.Start(t, testenv.Options{})
	c := srv.Client()
	create(t, c, minimalConfig("x"))
	_, err := c.ListStreamingDistributions(ctx, &cloudfront.ListStreamingDistributionsInput{MaxItems: aws.Int32(0)})
	wantError(t, err, "InvalidArgument", http.StatusBadRequest)
	for _, path := range []string{"/2020-05-31/streaming-distribution?MaxItems=abc", "/2020-05-31/origin-access-identity/cloudfront?MaxItems=-1"} {
		r := raw(t, http.MethodGet, srv.URL+path, "", nil)
		if r.Status != http.StatusBadRequest || r.Code != "InvalidArgument" {
			t.Errorf("%s: %d %s", path, r.Status, r.Body)
		}
	}
}

package api_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	cf "github.com/streamfront/streamfront/internal/cloudfront"
	"github.com/streamfront/streamfront/internal/store"
	"github.com/streamfront/streamfront/internal/testenv"
)

// flakyStore fails reads with an error no table row explains; its Ping
// fails too while down is set, as a database that is restarting does.
type flakyStore struct {
	store.Store
	down  atomic.Bool
	pings atomic.Int32
}

var errDriver = errors.New("driver: unexpected EOF")

func (s *flakyStore) GetDistribution(context.Context, string, string) (*store.Distribution, error) {
	return nil, errDriver
}

func (s *flakyStore) Ping(ctx context.Context) error {
	s.pings.Add(1)
	if s.down.Load() {
		return errDriver
	}
	return s.Store.Ping(ctx)
}

// A request that fails while the store does not answer gets 503
// ServiceUnavailable (the SDKs retry it), and health says 503; an unexplained
// failure of a store that answers stays 500 InternalError. (internal/cluster
// provokes both with a real PostgreSQL crash.)
func TestStoreUnreachableIsServiceUnavailable(t *testing.T) {
	base := testenv.Start(t, testenv.Options{})
	st := &flakyStore{Store: base.Store}
	srv := testenv.Start(t, testenv.Options{Store: st})
	get := func() error {
		_, err := srv.Client().GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: aws.String("E123")})
		return err
	}

	err := get()
	wantError(t, err, "InternalError", http.StatusInternalServerError)
	if r := raw(t, http.MethodGet, srv.URL+"/_streamfront/health", "", nil); r.Status != http.StatusOK {
		t.Fatalf("health %d while the store answers", r.Status)
	}

	st.down.Store(true)
	err = get()
	wantError(t, err, "ServiceUnavailable", http.StatusServiceUnavailable)
	if !retry.NewStandard().IsErrorRetryable(err) {
		t.Fatalf("the SDK does not retry %v", err)
	}
	if r := raw(t, http.MethodGet, srv.URL+"/_streamfront/health", "", nil); r.Status != http.StatusServiceUnavailable {
		t.Fatalf("health %d while the store is down, want 503", r.Status)
	}
	// A known error is answered as such without asking the store.
	pings := st.pings.Load()
	_, err = srv.Client().DeleteStreamingDistribution(ctx, &cloudfront.DeleteStreamingDistributionInput{Id: aws.String("E123")})
	wantError(t, err, "InvalidIfMatchVersion", http.StatusBadRequest)
	if n := st.pings.Load() - pings; n != 0 {
		t.Fatalf("a known error cost %d store pings", n)
	}
}

// stalledStore never answers distribution reads or creates, as a database
// behind a connection whose packets are dropped: the call returns only when
// its context ends, with the driver's error. Its Ping answers.
type stalledStore struct {
	store.Store
	returned atomic.Int32 // stalled calls that saw their context end
}

func (s *stalledStore) stall(ctx context.Context) error {
	<-ctx.Done()
	s.returned.Add(1)
	return errDriver
}

func (s *stalledStore) GetDistribution(ctx context.Context, _, _ string) (*store.Distribution, error) {
	return nil, s.stall(ctx)
}

func (s *stalledStore) CreateDistribution(ctx context.Context, _ *store.Distribution, _ []store.Tag, _ int) error {
	return s.stall(ctx)
}

// A request whose store work outlives the request timeout is answered 503
// ServiceUnavailable (which the SDKs retry), not 500 and not a hang, even
// though the store still answers pings; the store call got the cancellation.
func TestRequestTimeoutIsServiceUnavailable(t *testing.T) {
	base := testenv.Start(t, testenv.Options{})
	st := &stalledStore{Store: base.Store}
	var logs testenv.LogBuffer
	srv := testenv.Start(t, testenv.Options{Store: st, RequestTimeout: 100 * time.Millisecond,
		Service: cf.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}})
	calls := map[string]func(context.Context) error{
		"Get": func(ctx context.Context) error {
			_, err := srv.Client().GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: aws.String("E123")})
			return err
		},
		"Create": func(ctx context.Context) error {
			_, err := srv.Client().CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{
				StreamingDistributionConfig: minimalConfig("stalled")})
			return err
		},
	}
	for op, call := range calls {
		// The hang guard fails the test instead of stalling it; it is no timing assertion.
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err := call(ctx)
		cancel()
		wantError(t, err, "ServiceUnavailable", http.StatusServiceUnavailable)
		if !retry.NewStandard().IsErrorRetryable(err) {
			t.Fatalf("%s: the SDK does not retry %v", op, err)
		}
	}
	if n := st.returned.Load(); n != int32(len(calls)) {
		t.Fatalf("%d of %d stalled store calls saw their context end", n, len(calls))
	}
	// The log line of a request is written just after its response.
	for range 100 {
		if strings.Count(logs.String(), "no answer within the request timeout") == len(calls) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the timed-out requests are not logged with their cause:\n%s", logs.String())
}

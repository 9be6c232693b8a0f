package edge_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/streamfront/streamfront/internal/edge"
	"github.com/streamfront/streamfront/internal/edge/origin"
)

// fakeS3 is gofakes3 on a loopback HTTP port, counting object GETs.
type fakeS3 struct {
	url    string
	client *s3.Client
	gets   atomic.Int64
	heads  atomic.Int64
}

func startFakeS3(t *testing.T) *fakeS3 {
	t.Helper()
	f := &fakeS3{}
	h := gofakes3.New(s3mem.New()).Server()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Count(strings.Trim(r.URL.Path, "/"), "/") >= 1 { // object requests
			switch r.Method {
			case http.MethodGet:
				f.gets.Add(1)
			case http.MethodHead:
				f.heads.Add(1)
			}
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	f.client = s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("AK", "SK", ""),
	})
	if _, err := f.client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fakeS3) put(t *testing.T, key, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(string(b)),
	}); err != nil {
		t.Fatal(err)
	}
}

// TestS3OriginFetchesOnceForManyViewers plays one MP4 from an S3-compatible
// origin to several concurrent ffmpeg viewers: each gets every frame, and
// each block of the object is fetched from the origin once.
func TestS3OriginFetchesOnceForManyViewers(t *testing.T) {
	s3f := startFakeS3(t)
	e := startEnv(t, edge.Hooks{}, origin.NewS3(origin.S3Config{Endpoint: s3f.url, AccessKey: "AK", SecretKey: "SK"}))
	_, domain := e.createDist(t)
	src := e.makeMedia(t, "local/clip.mp4", "mp4", 3)
	s3f.put(t, "videos/clip.mp4", src)
	fi, _ := os.Stat(src)
	blocks := (fi.Size() + testBlockSize - 1) / testBlockSize
	if blocks < 4 {
		t.Fatalf("clip of %d bytes is too small to span blocks", fi.Size())
	}
	wantV, _ := frameCounts(t, src)
	wantA := audioPackets(t, src)

	const viewers = 4
	began := time.Now()
	var wg sync.WaitGroup
	plays := make([]*ffmpegCopy, viewers)
	errs := make([]error, viewers)
	for i := range viewers {
		plays[i] = e.ffmpegCopy(t, domain, "mp4:videos/clip.mp4")
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = plays[i].run()
		}()
	}
	wg.Wait()
	for i := range viewers {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if v, a := frameCounts(t, plays[i].out); v != wantV || a < wantA-2 || a > wantA {
			t.Errorf("viewer %d: %d video / %d audio frames, source %d / %d", i, v, a, wantV, wantA)
		}
	}
	if got := s3f.gets.Load(); got != blocks {
		t.Errorf("origin GETs: %d, want one per block (%d)", got, blocks)
	}
	// Each viewer asks for the stream length and plays: 8 lookups, one
	// HEAD per StatTTL (a slow machine may span two).
	if got, limit := s3f.heads.Load(), 1+int64(time.Since(began)/origin.StatTTL); got < 1 || got > limit {
		t.Errorf("origin HEADs: %d, want at most %d for viewers joining together", got, limit)
	}
	if st := e.cache.Stats(); st.Fetches != blocks || st.Hits == 0 {
		t.Errorf("cache stats %+v", st)
	}
	// Missing keys in the S3 origin are StreamNotFound too.
	p := dialPlayer(t, e.addr)
	p.connect(domain)
	p.play("mp4:videos/none.mp4", 0, 1000)
	if code := p.waitCode(); code != "NetStream.Play.StreamNotFound" {
		t.Errorf("missing S3 object: %s", code)
	}
}

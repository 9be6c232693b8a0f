package accesslog

import (
	"context"
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/streamfront/streamfront/internal/edge/origin"
)

// TestS3Sink stores logs in gofakes3 over a real loopback HTTP server and
// reads them back with the S3 API.
func TestS3Sink(t *testing.T) {
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	defer srv.Close()
	sink := &S3Sink{Client: origin.NewS3Client(origin.S3Config{Endpoint: srv.URL, AccessKey: "AKID", SecretKey: "secret"})}
	ctx := context.Background()
	if _, err := sink.Client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("logs")}); err != nil {
		t.Fatal(err)
	}

	w := mustNew(t, Options{Sink: sink, FlushInterval: time.Hour})
	at := time.Date(2026, 11, 26, 6, 30, 0, 0, time.UTC)
	for _, e := range session(at, "192.0.2.50", 123456) {
		w.Log(dest, e)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}

	list, err := sink.Client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("logs"), Prefix: aws.String("rtmp/")})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Contents) != 1 {
		t.Fatalf("%d objects", len(list.Contents))
	}
	key := aws.ToString(list.Contents[0].Key)
	if !keyRE.MatchString("logs/" + key) {
		t.Fatalf("key %q", key)
	}
	obj, err := sink.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("logs"), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(obj.Body)
	recs := parseLog(t, body)
	if len(recs) != 7 || recs[6]["x-event"] != "disconnect" || recs[6]["sc-bytes"] != "123456" {
		t.Fatalf("records %v", recs)
	}
}

// TestS3SinkMissingBucketIsKept: a bucket that does not exist yet fails the
// upload; the file is kept and stored once the bucket appears.
func TestS3SinkMissingBucketIsKept(t *testing.T) {
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	defer srv.Close()
	sink := &S3Sink{Client: origin.NewS3Client(origin.S3Config{Endpoint: srv.URL, AccessKey: "AKID", SecretKey: "secret"})}
	ctx := context.Background()
	w := mustNew(t, Options{Sink: sink, FlushInterval: time.Hour})
	w.Log(dest, Event{Time: time.Now(), Kind: "connect"})
	if err := w.Flush(ctx); err == nil {
		t.Fatal("upload to a missing bucket succeeded")
	}
	if w.Pending() != 1 {
		t.Fatalf("Pending = %d after a failed upload", w.Pending())
	}
	sink.Client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("logs")})
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	list, _ := sink.Client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("logs")})
	if len(list.Contents) != 1 {
		t.Fatalf("%d objects after recovery", len(list.Contents))
	}
}

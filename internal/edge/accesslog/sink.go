package accesslog

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/streamfront/streamfront/internal/atomicfile"
)

// Sink stores one finished log file. PutObject must be safe to call again
// with the same key after a failure: the Writer retries with the same key,
// so a retry after a lost reply overwrites rather than duplicates.
type Sink interface {
	PutObject(ctx context.Context, bucket, key string, body []byte) error
}

// DirSink stores log files under a local directory as <Root>/<bucket>/<key>,
// the same layout as a directory origin.
type DirSink struct {
	Root string
}

func (d DirSink) PutObject(_ context.Context, bucket, key string, body []byte) error {
	dst, err := d.path(bucket, key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	// Readers never see half a file, and a file reported stored survives a crash.
	return atomicfile.Write(dst, body, 0o600)
}

// path maps bucket and key below Root, refusing names that would escape it.
func (d DirSink) path(bucket, key string) (string, error) {
	if bucket == "" || strings.ContainsAny(bucket, `/\`) || bucket == "." || bucket == ".." {
		return "", fmt.Errorf("accesslog: invalid bucket name %q", bucket)
	}
	for _, part := range strings.Split(key, "/") {
		if part == ".." || part == "." {
			return "", fmt.Errorf("accesslog: invalid object key %q", key)
		}
	}
	if key == "" || strings.HasSuffix(key, "/") || strings.Contains(key, `\`) {
		return "", fmt.Errorf("accesslog: invalid object key %q", key)
	}
	return filepath.Join(d.Root, bucket, filepath.FromSlash(key)), nil
}

// S3Sink stores log files in an S3-compatible service; build its client
// with origin.NewS3Client, as for S3 origins.
type S3Sink struct {
	Client *s3.Client
}

func (s *S3Sink) PutObject(ctx context.Context, bucket, key string, body []byte) error {
	_, err := s.Client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(bucket),
		Key:           aws.String(key),
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
		ContentType:   aws.String("application/x-gzip"),
	})
	return err
}

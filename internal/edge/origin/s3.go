package origin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// S3 reads objects from an S3-compatible endpoint (MinIO, versitygw, Ceph,
// AWS itself) with path-style addressing and ranged GETs.
type S3 struct {
	client *s3.Client
}

// S3Config locates the endpoint; Region defaults to us-east-1.
type S3Config struct {
	Endpoint  string
	AccessKey string
	SecretKey string
	Region    string
	// HTTPClient overrides the transport (tests); nil uses the SDK default.
	HTTPClient *http.Client
}

// NewS3 returns an S3 origin.
func NewS3(c S3Config) *S3 { return &S3{client: NewS3Client(c)} }

// NewS3Client returns a path-style S3 client for c, the one way streamfront
// talks to an S3-compatible endpoint (origins and access-log buckets).
func NewS3Client(c S3Config) *s3.Client {
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	o := s3.Options{
		Region:       c.Region,
		BaseEndpoint: aws.String(c.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(c.AccessKey, c.SecretKey, ""),
	}
	if c.HTTPClient != nil {
		o.HTTPClient = c.HTTPClient
	}
	return s3.New(o)
}

// Stat issues a HEAD request.
func (o *S3) Stat(ctx context.Context, bucket, key string) (Info, error) {
	if !validKey(key) {
		return Info{}, ErrNotFound
	}
	out, err := o.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return Info{}, notFound(err)
	}
	info := Info{Size: aws.ToInt64(out.ContentLength), ETag: aws.ToString(out.ETag), Modified: aws.ToTime(out.LastModified)}
	if info.ETag == "" && out.LastModified != nil {
		info.ETag = strconv.FormatInt(out.LastModified.UnixNano(), 10)
	}
	return info, nil
}

// ReadAt issues a ranged GET, conditional on the version's ETag so that a
// replaced object is never spliced with cached blocks of the old one.
func (o *S3) ReadAt(ctx context.Context, bucket, key string, info Info, p []byte, off int64) error {
	in := &s3.GetObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key),
		Range: aws.String(fmt.Sprintf("bytes=%d-%d", off, off+int64(len(p))-1)),
	}
	if info.ETag != "" && info.ETag[0] == '"' {
		in.IfMatch = aws.String(info.ETag)
	}
	out, err := o.client.GetObject(ctx, in)
	if err != nil {
		return notFound(err)
	}
	defer out.Body.Close()
	if _, err := io.ReadFull(out.Body, p); err != nil {
		return fmt.Errorf("origin: s3 GET %s/%s: %w", bucket, key, err)
	}
	return nil
}

// notFound maps 404s (NoSuchKey, NoSuchBucket, HEAD's bare NotFound) to ErrNotFound.
func notFound(err error) error {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound {
		return fmt.Errorf("%w: %v", ErrNotFound, err)
	}
	return err
}

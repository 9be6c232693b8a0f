// Package origin reads the objects a streaming distribution serves: from a
// local directory (bucket = sub-directory) or an S3-compatible endpoint, with
// a bounded block cache in front so that many viewers of one object fetch
// each byte from the origin once.
package origin

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound reports a missing bucket or object.
var (
	ErrNotFound = errors.New("origin: object not found")
	errPastEnd  = errors.New("origin: read past the end of the object")
)

// Info identifies one version of an object.
type Info struct {
	Size int64
	// ETag changes whenever the content does; cached bytes are keyed by it.
	ETag string
	// Modified is the version's last-modified time (zero if unknown).
	Modified time.Time
}

// Origin is where objects come from.
type Origin interface {
	// Stat returns the current version of bucket/key, or ErrNotFound.
	Stat(ctx context.Context, bucket, key string) (Info, error)
	// ReadAt fills p with the bytes of the version info of bucket/key at off.
	// A short object end is an error: callers never read past Size.
	ReadAt(ctx context.Context, bucket, key string, info Info, p []byte, off int64) error
}

// validKey rejects keys that could escape a bucket directory or that S3
// would not hold.
func validKey(key string) bool {
	if key == "" || key[0] == '/' || len(key) > 1024 {
		return false
	}
	for _, part := range splitPath(key) {
		if part == ".." || part == "." || part == "" {
			return false
		}
	}
	return true
}

func splitPath(key string) []string {
	var parts []string
	start := 0
	for i := 0; i < len(key); i++ {
		if key[i] == '/' || key[i] == '\\' {
			parts = append(parts, key[start:i])
			start = i + 1
		}
	}
	return append(parts, key[start:])
}

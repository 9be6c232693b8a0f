package origin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Dir serves objects from a local directory: bucket "media" and key
// "videos/clip.flv" are the file <root>/media/videos/clip.flv.
type Dir struct{ Root string }

func (d Dir) path(bucket, key string) (string, bool) {
	if !validKey(bucket) || !validKey(key) || filepath.Base(bucket) != bucket {
		return "", false
	}
	return filepath.Join(d.Root, bucket, filepath.FromSlash(key)), true
}

// Stat uses size and modification time as the version tag.
func (d Dir) Stat(_ context.Context, bucket, key string) (Info, error) {
	p, ok := d.path(bucket, key)
	if !ok {
		return Info{}, ErrNotFound
	}
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && !fi.Mode().IsRegular()) {
		return Info{}, ErrNotFound
	}
	if err != nil {
		return Info{}, err
	}
	return Info{Size: fi.Size(), ETag: fmt.Sprintf("%d-%d", fi.Size(), fi.ModTime().UnixNano()), Modified: fi.ModTime()}, nil
}

// ReadAt opens the file for each read: the cache in front makes reads rare
// and large, and no descriptor outlives a request.
func (d Dir) ReadAt(_ context.Context, bucket, key string, _ Info, p []byte, off int64) error {
	path, ok := d.path(bucket, key)
	if !ok {
		return ErrNotFound
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := f.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

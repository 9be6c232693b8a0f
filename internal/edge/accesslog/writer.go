package accesslog

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Destination is where one distribution's logs go: its Logging.Bucket (as a
// bucket name, not a domain) and Logging.Prefix.
type Destination struct {
	DistributionID string
	Bucket         string
	Prefix         string
}

// Options configure a Writer.
type Options struct {
	Sink Sink
	// EdgeLocation is logged as x-edge-location; default "SFE1".
	EdgeLocation string
	// FlushInterval is how often buffered events are uploaded and failed
	// uploads retried; default one minute.
	FlushInterval time.Duration
	// MaxFileBytes closes a file early once its uncompressed lines reach
	// this size, bounding memory between flushes; default 8 MiB.
	MaxFileBytes int
	Logger       *slog.Logger
}

// ErrClosed is returned by Log after Close.
var ErrClosed = errors.New("accesslog: writer is closed")

// Writer buffers events per distribution and hour and uploads them as gzip
// files. It is safe for concurrent use.
type Writer struct {
	opts Options

	mu     sync.Mutex
	open   map[fileKey]*bytes.Buffer // files still collecting lines
	ready  []*upload                 // sealed files not yet stored (new or failed)
	closed bool

	flushMu sync.Mutex // one upload pass at a time
	kick    chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

// fileKey groups events into files: CloudFront names a file after the hour
// of its events, so events of different hours never share one.
type fileKey struct {
	dest Destination
	hour int64 // Unix seconds of the hour's start, UTC
}

type upload struct {
	bucket, key string
	body        []byte
	attempts    int
}

// New starts a Writer; Close it to stop its flusher and store what is left.
func New(o Options) *Writer {
	if o.EdgeLocation == "" {
		o.EdgeLocation = "SFE1"
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = time.Minute
	}
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = 8 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	w := &Writer{
		opts: o, open: map[fileKey]*bytes.Buffer{},
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
	}
	go w.run()
	return w
}

// Log buffers one event for d. It fails only after Close.
func (w *Writer) Log(d Destination, e Event) error {
	fk := fileKey{dest: d, hour: e.Time.UTC().Truncate(time.Hour).Unix()}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	buf := w.open[fk]
	if buf == nil {
		buf = new(bytes.Buffer)
		w.open[fk] = buf
	}
	buf.Write(appendLine(nil, w.opts.EdgeLocation, e))
	if buf.Len() >= w.opts.MaxFileBytes {
		w.sealLocked(fk)
		select {
		case w.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

// Pending reports how many log files are still collecting events or
// waiting to be stored.
func (w *Writer) Pending() (files int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.open) + len(w.ready)
}

// Flush seals every open file and uploads all sealed files. Files that fail
// stay queued for the next flush; the error lists them.
func (w *Writer) Flush(ctx context.Context) error {
	w.flushMu.Lock()
	defer w.flushMu.Unlock()
	w.mu.Lock()
	for fk := range w.open {
		w.sealLocked(fk)
	}
	batch := w.ready
	w.ready = nil
	w.mu.Unlock()

	var failed []*upload
	var errs []error
	for _, u := range batch {
		u.attempts++
		if err := w.opts.Sink.PutObject(ctx, u.bucket, u.key, u.body); err != nil {
			failed = append(failed, u)
			errs = append(errs, fmt.Errorf("s3://%s/%s (attempt %d): %w", u.bucket, u.key, u.attempts, err))
			continue
		}
	}
	if len(failed) > 0 {
		w.mu.Lock()
		w.ready = append(failed, w.ready...)
		w.mu.Unlock()
	}
	return errors.Join(errs...)
}

// Close stops accepting events and stores everything buffered, retrying
// failed uploads until ctx ends. Its error names every file it could not
// store.
func (w *Writer) Close(ctx context.Context) error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return ErrClosed
	}
	w.closed = true
	w.mu.Unlock()
	close(w.stop)
	<-w.done

	backoff := 50 * time.Millisecond
	for {
		err := w.Flush(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("accesslog: %d log files not stored: %w", w.Pending(), err)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// run flushes at the interval, and early when a file fills up.
func (w *Writer) run() {
	defer close(w.done)
	t := time.NewTicker(w.opts.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
		case <-w.kick:
		}
		ctx, cancel := context.WithTimeout(context.Background(), w.opts.FlushInterval)
		if err := w.Flush(ctx); err != nil {
			w.opts.Logger.Warn("access log upload failed; will retry", "err", err)
		}
		cancel()
	}
}

// sealLocked turns an open file into a gzip object queued for upload.
func (w *Writer) sealLocked(fk fileKey) {
	buf := w.open[fk]
	delete(w.open, fk)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(Header))
	zw.Write(buf.Bytes())
	zw.Close() // writes to memory cannot fail
	w.ready = append(w.ready, &upload{bucket: fk.dest.Bucket, key: objectKey(fk), body: gz.Bytes()})
}

// objectKey is <Prefix><DistributionId>.YYYY-MM-DD-HH.<unique>.gz.
func objectKey(fk fileKey) string {
	hour := time.Unix(fk.hour, 0).UTC().Format("2006-01-02-15")
	return fk.dest.Prefix + fk.dest.DistributionID + "." + hour + "." + uniqueID() + ".gz"
}

var uniqueEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// uniqueID is random, not a counter, so several edges writing the same
// distribution's logs never collide.
func uniqueID() string {
	var b [5]byte
	rand.Read(b[:])
	return uniqueEncoding.EncodeToString(b[:])
}

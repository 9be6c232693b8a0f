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
	// SpoolDir, when set, keeps every event on disk until its file is
	// stored, so a killed process loses none: the next Writer on the
	// directory uploads them (see spool.go). Empty keeps events in memory
	// only, lost if the process dies before a flush.
	SpoolDir string
	Logger   *slog.Logger
}

// ErrClosed is returned by Log after Close.
var ErrClosed = errors.New("accesslog: writer is closed")

// Writer buffers events per distribution and hour and uploads them as gzip
// files. It is safe for concurrent use.
type Writer struct {
	opts Options

	mu     sync.Mutex
	open   map[fileKey]*openFile // files still collecting lines
	ready  []*upload             // sealed files not yet stored (new or failed)
	closed bool
	spool  *spool // nil without SpoolDir

	flushMu sync.Mutex // one upload pass at a time
	kick    chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

// fileKey groups events into files: CloudFront names a file after the hour
// of its events, so events of different hours never share one.
type fileKey struct {
	dest   Destination
	hour   int64 // Unix seconds of the hour's start, UTC
	format Format
}

// openFile is a log file still collecting lines.
type openFile struct {
	lines  bytes.Buffer
	unique string // the object key's unique part, fixed when the file opens
	spool  spoolFile
}

type upload struct {
	bucket, key string
	body        []byte
	attempts    int
	spoolPath   string // removed once stored; "" without a spool
}

// New starts a Writer; Close it to stop its flusher and store what is left.
// With SpoolDir it first takes up the files a killed Writer left there and
// uploads them at once; it fails only if SpoolDir cannot be used.
func New(o Options) (*Writer, error) {
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
		opts: o, open: map[fileKey]*openFile{},
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
	}
	if o.SpoolDir != "" {
		s, recovered, err := openSpool(o.SpoolDir, o.Logger)
		if err != nil {
			return nil, fmt.Errorf("accesslog: spool %s: %w", o.SpoolDir, err)
		}
		w.spool, w.ready = s, recovered
		if len(recovered) > 0 {
			w.kick <- struct{}{}
		}
	}
	go w.run()
	return w, nil
}

// Log buffers one RTMP event for d, and appends it to its spool file with
// SpoolDir. It fails only after Close.
func (w *Writer) Log(d Destination, e Event) error {
	fk := fileKey{dest: d, hour: e.Time.UTC().Truncate(time.Hour).Unix(), format: RTMP}
	return w.add(fk, appendLine(nil, w.opts.EdgeLocation, e))
}

// LogWeb buffers one HTTP request for d, in a web log file (never in the
// file of d's RTMP events). It fails only after Close.
func (w *Writer) LogWeb(d Destination, e WebEvent) error {
	fk := fileKey{dest: d, hour: e.Time.UTC().Truncate(time.Hour).Unix(), format: Web}
	return w.add(fk, appendWebLine(nil, w.opts.EdgeLocation, e))
}

func (w *Writer) add(fk fileKey, line []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	f := w.open[fk]
	if f == nil {
		f = &openFile{unique: uniqueID()}
		w.open[fk] = f
	}
	f.lines.Write(line)
	w.spool.append(&f.spool, fk, f.unique, line)
	if f.lines.Len() >= w.opts.MaxFileBytes {
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
		w.spool.remove(u.spoolPath)
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
// store; with SpoolDir those stay there for the next Writer.
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
	defer w.spool.close()

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
	f := w.open[fk]
	delete(w.open, fk)
	f.spool.close()
	w.ready = append(w.ready, &upload{bucket: fk.dest.Bucket, key: objectKey(fk, f.unique),
		body: gzipLog(fk.format, f.lines.Bytes()), spoolPath: f.spool.path})
}

// gzipLog is a log file's body: the format's header, then lines.
func gzipLog(f Format, lines []byte) []byte {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(f.header()))
	zw.Write(lines)
	zw.Close() // writes to memory cannot fail
	return gz.Bytes()
}

// objectKey is <Prefix><DistributionId>.YYYY-MM-DD-HH.<unique>.gz.
func objectKey(fk fileKey, unique string) string {
	return fk.dest.Prefix + fk.dest.DistributionID + "." + hourName(fk.hour) + "." + unique + ".gz"
}

// hourName is the YYYY-MM-DD-HH of a file's hour.
func hourName(hour int64) string { return time.Unix(hour, 0).UTC().Format("2006-01-02-15") }

var uniqueEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

const uniqueBytes = 5

// uniqueID is random, not a counter, so several edges writing the same
// distribution's logs never collide.
func uniqueID() string {
	var b [uniqueBytes]byte
	rand.Read(b[:])
	return uniqueEncoding.EncodeToString(b[:])
}

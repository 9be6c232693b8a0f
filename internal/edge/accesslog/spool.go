package accesslog

// The spool keeps every event on local disk from Log until its file is
// stored, so that a process killed between flushes loses none: the next
// Writer on the same directory uploads what the killed one left, under the
// object keys it would have used (a file stored just before the kill is
// overwritten, not duplicated).
//
// Each line is appended to its spool file with one write(2) and no fsync:
// the page cache survives a killed process, but an operating-system crash
// or power loss may lose the last seconds of events.
//
// Layout of Options.SpoolDir:
//
//	.lock                    serialises Writers starting up
//	w-<random>/              one per live Writer, flock'ed while it lives
//	    <DistributionId>.<YYYY-MM-DD-HH>.<unique>.spool
//	<name>.bad               files that could not be read, kept for a human
//
// Several processes may share a spool directory (serve and edge on one data
// dir): a starting Writer adopts the files of every w-* whose lock is free,
// since the Writer that held it is gone.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// spoolMagic starts a spool file's first line; a JSON spoolHeader follows.
const spoolMagic = "#streamfront-accesslog-spool-v1 "

// spoolHeader records what names the file's upload: its destination, hour
// and unique part give the object key.
type spoolHeader struct {
	Bucket         string `json:"bucket"`
	Prefix         string `json:"prefix"`
	DistributionID string `json:"distribution"`
	Hour           int64  `json:"hour"` // Unix seconds of the hour's start
	Unique         string `json:"unique"`
	Format         string `json:"format,omitempty"` // "web", or "" for RTMP
}

// spool is one Writer's sub-directory of the spool directory. A nil *spool
// spools nothing.
type spool struct {
	root, dir string
	dirLock   *os.File // holds the flock on dir while the Writer lives
	log       *slog.Logger
}

// spoolFile is the spool copy of one log file still collecting lines.
type spoolFile struct {
	f      *os.File // nil before the first line and once sealed or failed
	path   string   // removed once the log file is stored
	failed bool     // a write failed: the rest of the file is in memory only
}

// openSpool makes a sub-directory of root for a new Writer, adopts the files
// of Writers that are gone and returns them as uploads.
func openSpool(root string, log *slog.Logger) (*spool, []*upload, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, nil, err
	}
	startup, err := os.OpenFile(filepath.Join(root, ".lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, err
	}
	defer startup.Close() // releases the lock
	if err := flock(startup, true); err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp(root, "w-")
	if err != nil {
		return nil, nil, err
	}
	dirLock, err := os.Open(dir)
	if err == nil {
		err = flock(dirLock, false)
	}
	if err != nil {
		os.Remove(dir)
		return nil, nil, err
	}
	s := &spool{root: root, dir: dir, dirLock: dirLock, log: log}
	s.adoptOrphans()
	return s, s.recover(), nil
}

// adoptOrphans moves into s.dir the files of every sub-directory whose
// Writer is gone (its lock is free).
func (s *spool) adoptOrphans() {
	entries, err := os.ReadDir(s.root)
	if err != nil {
		s.log.Error("cannot list the access-log spool", "dir", s.root, "err", err)
		return
	}
	for _, e := range entries {
		other := filepath.Join(s.root, e.Name())
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "w-") || other == s.dir {
			continue
		}
		d, err := os.Open(other)
		if err != nil {
			s.log.Error("cannot open an access-log spool directory", "dir", other, "err", err)
			continue
		}
		if flock(d, false) == nil { // else its Writer is alive
			names, _ := d.Readdirnames(-1)
			for _, n := range names {
				if err := os.Rename(filepath.Join(other, n), filepath.Join(s.dir, n)); err != nil {
					s.log.Error("cannot adopt an access-log spool file", "file", filepath.Join(other, n), "err", err)
				}
			}
			os.Remove(other) // fails, and keeps what it holds, if a rename failed
		}
		d.Close()
	}
}

// recover turns the spool files in s.dir into uploads. Unreadable ones are
// moved aside to <root>/<name>.bad.
func (s *spool) recover() []*upload {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		s.log.Error("cannot list the access-log spool", "dir", s.dir, "err", err)
		return nil
	}
	var ups []*upload
	for _, e := range entries {
		path := filepath.Join(s.dir, e.Name())
		u, err := readSpoolFile(path)
		switch {
		case err != nil:
			bad := filepath.Join(s.root, e.Name()+".bad")
			if rerr := os.Rename(path, bad); rerr != nil {
				bad, err = path, errors.Join(err, rerr)
			}
			s.log.Error("unreadable access-log spool file set aside; its events are not uploaded", "file", bad, "err", err)
		case u == nil:
			s.log.Info("access-log spool file held no complete event; removed", "file", path)
			os.Remove(path)
		default:
			ups = append(ups, u)
		}
	}
	if len(ups) > 0 {
		s.log.Info("access-log files recovered from the spool", "files", len(ups), "dir", s.root)
	}
	return ups
}

// readSpoolFile rebuilds the upload of a spool file, dropping a last line
// cut short by a kill. It returns nil, nil for a file holding no complete
// event, and an error for one that is not a spool file or is damaged.
func readSpoolFile(path string) (*upload, error) {
	data, err := os.ReadFile(path)
	if err != nil || len(data) == 0 {
		return nil, err
	}
	first, rest, _ := bytes.Cut(data, []byte{'\n'})
	h, err := parseSpoolHeader(first)
	if err != nil {
		return nil, err
	}
	format := RTMP
	if h.Format == Web.spoolName() {
		format = Web
	}
	lines := rest[:bytes.LastIndexByte(rest, '\n')+1]
	for line := range bytes.Lines(lines) {
		if !validLine(format, line) {
			return nil, fmt.Errorf("damaged log line %q", line)
		}
	}
	if len(lines) == 0 {
		return nil, nil
	}
	fk := fileKey{dest: Destination{DistributionID: h.DistributionID, Bucket: h.Bucket, Prefix: h.Prefix}, hour: h.Hour, format: format}
	return &upload{bucket: h.Bucket, key: objectKey(fk, h.Unique), body: gzipLog(format, lines), spoolPath: path}, nil
}

func parseSpoolHeader(line []byte) (spoolHeader, error) {
	var h spoolHeader
	js, ok := bytes.CutPrefix(line, []byte(spoolMagic))
	if !ok {
		return h, errors.New("not an access-log spool file")
	}
	if err := json.Unmarshal(js, &h); err != nil {
		return h, fmt.Errorf("spool header: %w", err)
	}
	if u, err := uniqueEncoding.DecodeString(h.Unique); err != nil || len(u) != uniqueBytes ||
		h.Bucket == "" || h.DistributionID == "" || h.Hour%3600 != 0 || (h.Format != "" && h.Format != Web.spoolName()) {
		return h, fmt.Errorf("spool header %s names no log file", js)
	}
	return h, nil
}

// validLine reports whether line could have come from appendLine (or
// appendWebLine): the format's number of tab-separated printable ASCII
// fields and a newline. Anything else (such as the zeros a crashed file
// system may leave) means damage.
func validLine(f Format, line []byte) bool {
	if bytes.Count(line, []byte{'\t'}) != f.fields()-1 || line[len(line)-1] != '\n' {
		return false
	}
	for _, c := range line[:len(line)-1] {
		if (c < ' ' && c != '\t') || c >= 0x7f {
			return false
		}
	}
	return true
}

// append writes line to fk's spool file, creating it with its header on the
// first line. A failure is logged and ends spooling of that file; its lines
// stay in memory and are uploaded as usual.
func (s *spool) append(sf *spoolFile, fk fileKey, unique string, line []byte) {
	if s == nil || sf.failed {
		return
	}
	var err error
	if sf.f == nil {
		err = s.create(sf, fk, unique, line)
	} else {
		_, err = sf.f.Write(line)
	}
	if err != nil {
		sf.failed = true
		sf.close()
		s.log.Warn("access-log spool write failed: this log file is in memory only until stored", "file", sf.path, "err", err)
	}
}

// create opens fk's spool file and writes its header and first line in one
// write, so a file never exists with a header and no event but for a kill
// inside that write.
func (s *spool) create(sf *spoolFile, fk fileKey, unique string, line []byte) error {
	js, _ := json.Marshal(spoolHeader{Bucket: fk.dest.Bucket, Prefix: fk.dest.Prefix,
		DistributionID: fk.dest.DistributionID, Hour: fk.hour, Unique: unique, Format: fk.format.spoolName()})
	path := filepath.Join(s.dir, fk.dest.DistributionID+"."+hourName(fk.hour)+"."+unique+".spool")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	sf.f, sf.path = f, path
	buf := append(append(append([]byte(spoolMagic), js...), '\n'), line...)
	_, err = f.Write(buf)
	return err
}

// close ends appends to sf; its file stays until the upload succeeds.
func (sf *spoolFile) close() {
	if sf.f != nil {
		sf.f.Close()
		sf.f = nil
	}
}

// remove deletes the spool file of a stored log file.
func (s *spool) remove(path string) {
	if s == nil || path == "" {
		return
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.log.Warn("cannot remove a stored access-log spool file; it will be uploaded again", "file", path, "err", err)
	}
}

// close releases the Writer's directory: removed if empty, and unlocked so
// that the next Writer adopts what is left.
func (s *spool) close() {
	if s == nil {
		return
	}
	os.Remove(s.dir) // fails, keeping the files, unless all were stored
	s.dirLock.Close()
}

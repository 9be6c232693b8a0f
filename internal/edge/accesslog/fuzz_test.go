package accesslog

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzAppendLine: whatever clients put in their connect and play commands,
// a log line has exactly 17 tab-separated fields and one newline, and each
// field decodes back to what was logged.
func FuzzAppendLine(f *testing.F) {
	f.Add("LNX 10,0,32,18", "mp4:videos/clip.mp4?Expires=1&Signature=a~b_", "rtmp://h/cfx/st?x=1", "http://p/a b")
	f.Add("", "", "", "")
	f.Add("\t\n\r%", "mp3:\x00\xff", "%zz", "café\"\\")
	f.Fuzz(func(t *testing.T, flashVer, stream, tcURL, pageURL string) {
		e := Event{Time: time.Unix(0, 0), Kind: "play", FlashVer: flashVer, Stream: stream, TcURL: tcURL, PageURL: pageURL, StreamID: 1}
		line := string(appendLine(nil, "SFE1", e))
		if !strings.HasSuffix(line, "\n") || strings.Count(line, "\n") != 1 {
			t.Fatalf("line %q is not one line", line)
		}
		fields := strings.Split(strings.TrimSuffix(line, "\n"), "\t")
		if len(fields) != 17 {
			t.Fatalf("%d fields in %q", len(fields), line)
		}
		check := func(i int, want string) {
			got := fields[i]
			if want == "" {
				if got != "-" {
					t.Fatalf("empty field %d logged as %q", i, got)
				}
				return
			}
			dec, err := url.PathUnescape(got)
			if err != nil || dec != want {
				t.Fatalf("field %d %q decodes to %q (%v), want %q", i, got, dec, err, want)
			}
		}
		check(12, flashVer)
		check(11, pageURL)
		stem, query, _ := strings.Cut(tcURL, "?")
		check(8, stem)
		check(9, query)
	})
}

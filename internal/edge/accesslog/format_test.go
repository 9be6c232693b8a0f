package accesslog

import (
	"strings"
	"testing"
	"time"
)

func TestLineFormat(t *testing.T) {
	at := time.Date(2010, 3, 12, 23, 51, 21, 0, time.FixedZone("CET", 3600)) // logged in UTC
	play := Event{
		Time: at, Kind: "play", ClientIP: "192.0.2.222", Bytes: 3914,
		ClientID: "bfd8a98bee0840d9b871b7f6ade9908f", TcURL: "rtmp://shqshne4jdp4b6.cloudfront.net/cfx/st?key=value",
		SwfURL: "http://player.example.com/player.swf", PageURL: "http://www.example.com/video?x=1",
		FlashVer: "LNX 10,0,32,18", Stream: "mp4:dir/favs/myothervideo?p=42&q=147", StreamID: 1,
	}
	want := "2010-03-12\t22:51:21\tSEA4\t192.0.2.222\tplay\t3914\tOK\tbfd8a98bee0840d9b871b7f6ade9908f\t" +
		"rtmp://shqshne4jdp4b6.cloudfront.net/cfx/st\tkey=value\thttp://player.example.com/player.swf\t" +
		"http://www.example.com/video?x=1\tLNX%2010,0,32,18\tdir/favs/myothervideo\tp=42&q=147\tmp4\t1\n"
	if got := string(appendLine(nil, "SEA4", play)); got != want {
		t.Fatalf("play line\n got %q\nwant %q", got, want)
	}

	connect := Event{Time: at, Kind: "connect", ClientIP: "192.0.2.147", Bytes: 2014, ClientID: "c1", TcURL: "rtmp://h/cfx/st"}
	want = "2010-03-12\t22:51:21\tSEA4\t192.0.2.147\tconnect\t2014\tOK\tc1\trtmp://h/cfx/st\t-\t-\t-\t-\t-\t-\t-\t-\n"
	if got := string(appendLine(nil, "SEA4", connect)); got != want {
		t.Fatalf("connect line\n got %q\nwant %q", got, want)
	}

	// The edge knows the object's real type and says so.
	play.Stream, play.FileExt = "videos/clip", "flv"
	if got := string(appendLine(nil, "SEA4", play)); !strings.Contains(got, "\tvideos/clip\t-\tflv\t1\n") {
		t.Fatalf("play line with FileExt: %q", got)
	}
	play.Stream, play.FileExt = "mp4:videos/clip.mov", "mov"
	if got := string(appendLine(nil, "SEA4", play)); !strings.Contains(got, "\tvideos/clip.mov\t-\tmov\t1\n") {
		t.Fatalf("play line with FileExt: %q", got)
	}
}

func TestFieldEscaping(t *testing.T) {
	for in, want := range map[string]string{
		"":               "-",
		"plain/name.mp4": "plain/name.mp4",
		"a b":            "a%20b",
		"tab\there":      "tab%09here",
		"line\nbreak":    "line%0Abreak",
		"100%":           "100%25",
		`quote"back\`:    "quote%22back%5C",
		"café":           "caf%C3%A9",
	} {
		if got := string(appendField(nil, in)); got != want {
			t.Errorf("appendField(%q) = %q, want %q", in, got, want)
		}
	}
	// Whatever a client sends, a line keeps exactly 17 fields.
	e := Event{Time: time.Now(), Kind: "play", FlashVer: "evil\tagent\nnext", Stream: "a b\tc?d e"}
	line := strings.TrimSuffix(string(appendLine(nil, "SFE1", e)), "\n")
	if n := len(strings.Split(line, "\t")); n != 17 || strings.Contains(line, "\n") {
		t.Fatalf("line %q has %d fields", line, n)
	}
}

func TestSplitStream(t *testing.T) {
	for _, tc := range []struct{ in, name, query, ext string }{
		{"videos/clip", "videos/clip", "", "flv"},
		{"flv:videos/clip", "videos/clip", "", "flv"},
		{"mp4:videos/clip.mp4", "videos/clip.mp4", "", "mp4"},
		{"mp4:videos/clip", "videos/clip", "", "mp4"},
		{"mp4:videos/clip.F4V?Expires=1&Signature=x", "videos/clip.F4V", "Expires=1&Signature=x", "f4v"},
		{"mp3:audio/track", "audio/track", "", "mp3"},
		{"", "", "", ""},
	} {
		name, query, ext := splitStream(tc.in)
		if name != tc.name || query != tc.query || ext != tc.ext {
			t.Errorf("splitStream(%q) = %q %q %q, want %q %q %q", tc.in, name, query, ext, tc.name, tc.query, tc.ext)
		}
	}
}

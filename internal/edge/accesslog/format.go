// Package accesslog writes CloudFront access logs.
//
// A streaming distribution with Logging enabled gets its RTMP viewers'
// events (connect, play, stop, pause, unpause, seek, disconnect) and its
// HTTP requests written to its logging bucket as gzip files named
// <Prefix><DistributionId>.YYYY-MM-DD-HH.<unique>.gz: RTMP events in the
// W3C format CloudFront used for RTMP (Header, Event), HTTP requests in
// CloudFront's standard web format (WebHeader, WebEvent, web.go), never
// both in one file. Each file has two header lines, then one
// tab-separated line per event. A Writer buffers events per distribution and hour and uploads them
// through a Sink at an interval and at Close; an upload that fails is kept
// and retried, never dropped silently. With Options.SpoolDir every event is
// also on local disk until stored, so a killed process loses none (spool.go).
package accesslog

import (
	"path"
	"strconv"
	"strings"
	"time"
)

// Header is the start of every log file.
const Header = "#Version: 1.0\n" +
	"#Fields: date time x-edge-location c-ip x-event sc-bytes x-cf-status x-cf-client-id cs-uri-stem cs-uri-query c-referrer x-page-url c-user-agent x-sname x-sname-query x-file-ext x-sid\n"

// Event is one line of the log. Connection fields come from the client's
// connect command; stream fields are empty for connect and disconnect.
type Event struct {
	Time     time.Time
	Kind     string // x-event: connect, play, stop, pause, unpause, seek or disconnect
	ClientIP string
	// Bytes is the running total of bytes sent to the client on this
	// connection up to the event (sc-bytes).
	Bytes int64
	// Status is x-cf-status; empty means "OK".
	Status string
	// ClientID differentiates connections (x-cf-client-id).
	ClientID string
	// TcURL is the connect string, e.g. rtmp://s1.cloudfront.net/cfx/st,
	// logged as cs-uri-stem; a query in it goes to cs-uri-query.
	TcURL string
	// SwfURL and PageURL are the player's swfUrl (c-referrer) and pageUrl
	// (x-page-url); FlashVer is logged as c-user-agent.
	SwfURL, PageURL, FlashVer string
	// Stream is the stream name as played, query included; it becomes
	// x-sname (without an mp4:/mp3: prefix) and x-sname-query.
	Stream string
	// FileExt is x-file-ext, the type of the object played; when empty it
	// is read from Stream's prefix or extension.
	FileExt string
	// StreamID is the RTMP message stream id (x-sid); 0 is logged as "-".
	StreamID uint32
}

// appendLine appends e as one log line, newline included.
func appendLine(b []byte, edgeLocation string, e Event) []byte {
	t := e.Time.UTC()
	stem, query, _ := strings.Cut(e.TcURL, "?")
	sname, squery, ext := splitStream(e.Stream)
	if e.FileExt != "" && e.Stream != "" {
		ext = e.FileExt
	}
	status := e.Status
	if status == "" {
		status = "OK"
	}
	sid := ""
	if e.StreamID != 0 {
		sid = strconv.FormatUint(uint64(e.StreamID), 10)
	}
	b = t.AppendFormat(b, "2006-01-02\t15:04:05")
	for _, f := range []string{
		edgeLocation, e.ClientIP, e.Kind, strconv.FormatInt(e.Bytes, 10), status, e.ClientID,
		stem, query, e.SwfURL, e.PageURL, e.FlashVer, sname, squery, ext, sid,
	} {
		b = append(b, '\t')
		b = appendField(b, f)
	}
	return append(b, '\n')
}

// splitStream derives x-sname, x-sname-query and x-file-ext from a played
// stream name: "mp4:videos/clip.mp4?a=1" → "videos/clip.mp4", "a=1", "mp4";
// "videos/clip" → "videos/clip", "", "flv".
func splitStream(s string) (name, query, ext string) {
	if s == "" {
		return "", "", ""
	}
	name, query, _ = strings.Cut(s, "?")
	prefix, rest, ok := strings.Cut(name, ":")
	switch {
	case ok && (prefix == "mp4" || prefix == "mp3"):
		name, ext = rest, prefix
		if e := strings.TrimPrefix(path.Ext(rest), "."); prefix == "mp4" && e != "" {
			ext = strings.ToLower(e) // f4v, mov, m4v
		}
	case ok && prefix == "flv":
		name, ext = rest, "flv"
	default:
		ext = "flv"
	}
	return name, query, ext
}

// appendField appends one field escaped as CloudFront escapes log values:
// "-" for an empty value, and percent-encoding for the bytes that would break
// the line or its columns (controls, space, non-ASCII) and for '%' itself so
// that decoding is unambiguous.
func appendField(b []byte, s string) []byte {
	if s == "" {
		return append(b, '-')
	}
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '%' || c == '"' || c == '\\' {
			b = append(b, '%', hex[c>>4], hex[c&15])
			continue
		}
		b = append(b, c)
	}
	return b
}

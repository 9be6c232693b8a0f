package accesslog

import (
	"context"
	"strings"
	"testing"
	"time"
)

func webEvent(at time.Time) WebEvent {
	return WebEvent{
		Time: at, ClientIP: "192.0.2.7", ClientPort: 51234, Method: "GET",
		DistributionDomain: "s5c39gqb8ow64r.cloudfront.net", HostHeader: "s5c39gqb8ow64r.cloudfront.net.localhost:8080",
		URIStem: "/videos/clip.mp4/index.m3u8", URIQuery: "Expires=1&Signature=a~b_&Key-Pair-Id=APKA",
		Status: 200, UserAgent: "Mozilla/5.0 (X11; Linux x86_64)", ResultType: "Miss", RequestID: "req-1",
		Protocol: "http", ProtocolVersion: "HTTP/1.1", RequestBytes: 312, SentBytes: 1024,
		TimeTaken: 1500 * time.Microsecond, TimeToFirstByte: time.Millisecond, ContentType: "application/vnd.apple.mpegurl",
		ContentLength: 800, RangeStart: -1, RangeEnd: -1,
	}
}

func TestWebEventsGoToTheirOwnFiles(t *testing.T) {
	sink := newMemSink()
	w := newWriter(t, sink, time.Hour)
	at := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	if err := w.Log(dest, Event{Time: at, Kind: "connect", ClientIP: "192.0.2.7"}); err != nil {
		t.Fatal(err)
	}
	ranged := webEvent(at)
	ranged.Status, ranged.RangeStart, ranged.RangeEnd, ranged.Referer = 206, 100, 199, "http://other.example/page"
	for _, e := range []WebEvent{webEvent(at), ranged} {
		if err := w.LogWeb(dest, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	files := sink.snapshot()
	if len(files) != 2 {
		t.Fatalf("%d files, want one RTMP and one web file: %v", len(files), files)
	}
	var web []record
	for key, body := range files {
		if !keyRE.MatchString(key) {
			t.Errorf("key %q", key)
		}
		text := gunzip(t, body)
		switch {
		case strings.HasPrefix(text, WebHeader):
			web = parseLog(t, body)
		case strings.HasPrefix(text, Header):
			if recs := parseLog(t, body); len(recs) != 1 || recs[0]["x-event"] != "connect" {
				t.Errorf("RTMP file holds %v", recs)
			}
		default:
			t.Errorf("file %s starts %q", key, text[:40])
		}
	}
	if len(web) != 2 {
		t.Fatalf("web lines: %v", web)
	}
	want := map[string]string{
		"date": "2026-12-01", "time": "09:30:00", "x-edge-location": "TST1", "sc-bytes": "1024", "c-ip": "192.0.2.7",
		"cs-method": "GET", "cs(Host)": "s5c39gqb8ow64r.cloudfront.net", "cs-uri-stem": "/videos/clip.mp4/index.m3u8",
		"sc-status": "200", "cs(Referer)": "-", "cs(User-Agent)": "Mozilla/5.0%20(X11;%20Linux%20x86_64)",
		"cs-uri-query": "Expires=1&Signature=a~b_&Key-Pair-Id=APKA", "cs(Cookie)": "-", "x-edge-result-type": "Miss",
		"x-edge-request-id": "req-1", "x-host-header": "s5c39gqb8ow64r.cloudfront.net.localhost:8080", "cs-protocol": "http",
		"cs-bytes": "312", "time-taken": "0.002", "x-forwarded-for": "-", "ssl-protocol": "-", "ssl-cipher": "-",
		"x-edge-response-result-type": "Miss", "cs-protocol-version": "HTTP/1.1", "fle-status": "-",
		"fle-encrypted-fields": "-", "c-port": "51234", "time-to-first-byte": "0.001", "x-edge-detailed-result-type": "Miss",
		"sc-content-type": "application/vnd.apple.mpegurl", "sc-content-len": "800", "sc-range-start": "-", "sc-range-end": "-",
	}
	for f, v := range want {
		if web[0][f] != v {
			t.Errorf("%s = %q, want %q", f, web[0][f], v)
		}
	}
	if r := web[1]; r["sc-status"] != "206" || r["sc-range-start"] != "100" || r["sc-range-end"] != "199" ||
		r["cs(Referer)"] != "http://other.example/page" {
		t.Errorf("ranged line %v", r)
	}
}

func TestWebEventsSurviveAKill(t *testing.T) {
	dir := t.TempDir()
	at := time.Now().UTC()
	w := mustNew(t, Options{Sink: newMemSink(), FlushInterval: time.Hour, EdgeLocation: "TST1", SpoolDir: dir})
	w.Log(dest, Event{Time: at, Kind: "connect", ClientIP: "192.0.2.7"})
	w.LogWeb(dest, webEvent(at))
	kill(w)

	sink := newMemSink()
	w2 := mustNew(t, Options{Sink: sink, FlushInterval: time.Hour, EdgeLocation: "TST1", SpoolDir: dir})
	if err := w2.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	var headers []string
	for _, body := range sink.snapshot() {
		text := gunzip(t, body)
		headers = append(headers, text[:strings.Index(text[15:], "\n")+15])
		if recs := parseLog(t, body); len(recs) != 1 {
			t.Errorf("recovered %d lines", len(recs))
		}
	}
	if len(headers) != 2 || headers[0] == headers[1] {
		t.Fatalf("recovered files' fields lines: %q", headers)
	}
}

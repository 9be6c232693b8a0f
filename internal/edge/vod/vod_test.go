package vod

import (
	"errors"
	"math"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/streamfront/streamfront/internal/edge/media"
)

// playable are the sources every rendition must carry packet for packet.
var playableKinds = []string{"mp4", "mp4-faststart", "mp4-mp3", "mp4-bframes", "mov", "flv", "flv-mp3", "mp3"}

// TestRenditionsCarryTheSourcesPackets reads the fMP4 HLS, the TS HLS and
// the DASH rendition of each source with ffprobe: the same codecs and the
// same number of packets per stream as the source, the same duration, and
// no negative timestamp. DASH is read one AdaptationSet at a time, as
// players do: ffmpeg's DASH demuxer stops at the first representation's
// end, dropping the other's last packets when it reads both.
func TestRenditionsCarryTheSourcesPackets(t *testing.T) {
	for _, kind := range playableKinds {
		t.Run(kind, func(t *testing.T) {
			path, format := fixture(t, kind)
			src := ffprobe(t, path, "")
			s := serve(t, path, format)
			for _, rest := range []string{HLSPlaylist, TSPlaylist, DASHManifest} {
				var got probe
				if rest == DASHManifest {
					for _, st := range src.Streams {
						one := ffprobe(t, s.URL+"/"+rest, st.CodecType[:1])
						got.Streams = append(got.Streams, one.Streams...)
						got.Packets = append(got.Packets, one.Packets...)
						got.Format = one.Format
					}
				} else {
					got = ffprobe(t, s.URL+"/"+rest, "")
				}
				if g, w := got.counts(), src.counts(); !equalMaps(g, w) {
					t.Errorf("%s: streams %v, source has %v", rest, g, w)
				}
				if d, w := got.duration(t), src.duration(t); math.Abs(d-w) > 0.1 {
					t.Errorf("%s: duration %.3f s, source %.3f s", rest, d, w)
				}
				for _, pk := range got.Packets {
					if strings.HasPrefix(pk.PTS, "-") || strings.HasPrefix(pk.DTS, "-") {
						t.Errorf("%s: %s packet at pts %s dts %s", rest, pk.CodecType, pk.PTS, pk.DTS)
						break
					}
				}
			}
		})
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestPlaylistInvariants parses both HLS playlists of every source: RFC 8216
// VOD tags, EXTINF never above TARGETDURATION once rounded, no empty
// segment, durations that add up to the presentation's, and segments cut
// near the 6 s target.
func TestPlaylistInvariants(t *testing.T) {
	for _, kind := range []string{"mp4", "mp4-bframes", "flv", "mp3"} {
		t.Run(kind, func(t *testing.T) {
			path, format := fixture(t, kind)
			s := serve(t, path, format)
			for _, rest := range []string{HLSPlaylist, TSPlaylist} {
				resp, body := get(t, s.URL+"/"+rest)
				if ct := resp.Header.Get("Content-Type"); ct != "application/vnd.apple.mpegurl" {
					t.Errorf("%s: Content-Type %q", rest, ct)
				}
				checkPlaylist(t, rest, string(body), s.p)
			}
		})
	}
}

func checkPlaylist(t *testing.T, name, body string, p *Presentation) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	for _, tag := range []string{"#EXTM3U", "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-INDEPENDENT-SEGMENTS", "#EXT-X-ENDLIST"} {
		if !strings.Contains(body, tag+"\n") {
			t.Errorf("%s: no %s", name, tag)
		}
	}
	if name == HLSPlaylist && !p.mp3() && !strings.Contains(body, `#EXT-X-MAP:URI="init.mp4"`) {
		t.Errorf("%s: no EXT-X-MAP", name)
	}
	if name == HLSPlaylist && p.mp3() && !strings.Contains(body, "\nts/seg-1.ts\n") {
		t.Errorf("%s of MP3 audio does not list the TS segments", name)
	}
	target := -1
	var sumMS int64
	var durations []float64
	for i, l := range lines {
		if v, ok := strings.CutPrefix(l, "#EXT-X-TARGETDURATION:"); ok {
			target, _ = strconv.Atoi(v)
		}
		v, ok := strings.CutPrefix(l, "#EXTINF:")
		if !ok {
			continue
		}
		v = strings.TrimSuffix(v, ",")
		d, err := strconv.ParseFloat(v, 64)
		if err != nil || d <= 0 {
			t.Fatalf("%s: bad EXTINF %q", name, l)
		}
		if i+1 >= len(lines) || strings.HasPrefix(lines[i+1], "#") {
			t.Fatalf("%s: EXTINF without a URI", name)
		}
		sumMS += int64(math.Round(d * 1000))
		durations = append(durations, d)
	}
	if target <= 0 || len(durations) != p.Segments() {
		t.Fatalf("%s: target %d, %d segments, want %d", name, target, len(durations), p.Segments())
	}
	for i, d := range durations {
		if int(math.Round(d)) > target {
			t.Errorf("%s: segment %d lasts %.3f s, more than the target %d s", name, i+1, d, target)
		}
		if i < len(durations)-1 && (d < 3 || d > 9) {
			t.Errorf("%s: segment %d lasts %.3f s, not near the 6 s target", name, i+1, d)
		}
	}
	if sumMS != p.Duration().Milliseconds() {
		t.Errorf("%s: EXTINF add up to %d ms, presentation lasts %d ms", name, sumMS, p.Duration().Milliseconds())
	}
}

// TestRefusesCodecsBrowsersCannotDecode: an object with a track of such a
// codec is refused with a media.CodecError naming it: by media.Parse for an
// MP4 (RTMP cannot send it either), by New, wrapping ErrCodec too, for an
// FLV (which RTMP plays as it is).
func TestRefusesCodecsBrowsersCannotDecode(t *testing.T) {
	for _, c := range []struct{ kind, track, name string }{
		{"mp4-hevc", "video", "HEVC"}, {"mp4-mpeg4", "video", "MPEG-4 Part 2"},
		{"flv-sorenson", "video", "Sorenson H.263"}, {"flv-adpcm", "audio", "ADPCM"},
	} {
		t.Run(c.kind, func(t *testing.T) {
			path, format := fixture(t, c.kind)
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			st, _ := f.Stat()
			a, err := media.Parse(format, f, st.Size())
			if err == nil {
				_, err = New(a, Options{})
				if !errors.Is(err, ErrCodec) {
					t.Errorf("New = %v, want ErrCodec", err)
				}
			}
			var ce *media.CodecError
			if !errors.As(err, &ce) || ce.Track != c.track || !strings.Contains(ce.Codec, c.name) {
				t.Errorf("refused with %v, want a CodecError naming %s codec %s", err, c.track, c.name)
			}
		})
	}
}

// TestServeAnswers: the query is carried onto every URL listed, unknown
// names are 404, HEAD has the headers and no body, and cache lifetimes
// differ between playlists and segments.
func TestServeAnswers(t *testing.T) {
	path, format := fixture(t, "mp4")
	s := serve(t, path, format)
	const q = "?Expires=2000000000&Signature=abc~_-&Key-Pair-Id=K2JCJMDEHXQW5F"
	for _, rest := range []string{HLSPlaylist, TSPlaylist, DASHManifest} {
		_, body := get(t, s.URL+"/"+rest+q)
		text := strings.ReplaceAll(string(body), "&amp;", "&")
		urls := listedURLs(rest, text)
		if len(urls) < 3 {
			t.Fatalf("%s lists %v", rest, urls)
		}
		for _, u := range urls {
			if !strings.HasSuffix(u, q) {
				t.Errorf("%s lists %q without the query", rest, u)
			}
			if strings.Contains(u, "$Number$") {
				continue
			}
			base := strings.TrimSuffix(u, q)
			if rest == TSPlaylist {
				base = "ts/" + base
			}
			if resp, _ := get(t, s.URL+"/"+base); resp.StatusCode != 200 {
				t.Errorf("%s lists %s: %s", rest, base, resp.Status)
			}
		}
	}
	for _, rest := range []string{"seg-0.m4s", "seg-4.m4s", "seg-01.m4s", "ts/seg-9.ts", "dash/video-0.m4s", "dash/text-init.mp4", "nope", "", "index.m3u8/x"} {
		if resp, _ := get(t, s.URL+"/"+rest); resp.StatusCode != 404 {
			t.Errorf("GET %q: %s, want 404", rest, resp.Status)
		}
	}
	for rest, cache := range map[string]string{HLSPlaylist: cachePlaylist, "seg-2.m4s": cacheSegments, "ts/seg-1.ts": cacheSegments, "dash/audio-init.mp4": cacheSegments} {
		getResp, getBody := get(t, s.URL+"/"+rest)
		resp, body := do(t, "HEAD", s.URL+"/"+rest)
		if resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("Content-Length") != strconv.Itoa(len(getBody)) ||
			resp.Header.Get("Content-Type") != getResp.Header.Get("Content-Type") || resp.Header.Get("Cache-Control") != cache {
			t.Errorf("HEAD %s: %s, %d body bytes, headers %v; GET had %d bytes", rest, resp.Status, len(body), resp.Header, len(getBody))
		}
	}
}

// listedURLs are the URLs a playlist or manifest lists.
func listedURLs(name, body string) []string {
	var urls []string
	if name == DASHManifest {
		for _, attr := range []string{`initialization="`, `media="`} {
			for _, part := range strings.Split(body, attr)[1:] {
				urls = append(urls, part[:strings.Index(part, `"`)])
			}
		}
		return urls
	}
	for _, l := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(l, `#EXT-X-MAP:URI="`); ok {
			urls = append(urls, strings.TrimSuffix(v, `"`))
		} else if l != "" && !strings.HasPrefix(l, "#") {
			urls = append(urls, l)
		}
	}
	return urls
}

// TestSegmentNumberingAgrees: HLS and DASH cut at the same times.
func TestSegmentNumberingAgrees(t *testing.T) {
	path, format := fixture(t, "mp4-bframes")
	a := parse(t, path, format)
	p, err := New(a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for n, seg := range p.segs {
		for i := seg.first; i < seg.end; i++ {
			tag := a.Tags[i]
			if tag.Type == media.TypeVideo && tag.Key && i > seg.first && tag.Time > seg.start && n+1 < len(p.segs) && tag.Time >= p.segs[n+1].start {
				t.Errorf("segment %d holds a key frame of segment %d", n, n+1)
			}
		}
		if d := p.segs[n].dts[0]; d != int64(seg.start)*90 {
			t.Errorf("segment %d: video starts at %d, segment at %d ms", n, d, seg.start)
		}
	}
}

// TestServeVersionedNames: with a version, every URL a playlist or the
// manifest lists names it and is kept a year; the same segment asked
// without it is the current version's, kept a minute; one asked under
// another version is 404; and another version lists other names.
func TestServeVersionedNames(t *testing.T) {
	path, format := fixture(t, "mp4")
	s := serveWith(t, path, format, Options{Version: `"etag-1"`})
	other := serveWith(t, path, format, Options{Version: `"etag-2"`})
	dir := versionDir(`"etag-1"`)
	if len(dir) != 12 || dir == versionDir(`"etag-2"`) {
		t.Fatalf("version dirs %q, %q", dir, versionDir(`"etag-2"`))
	}
	for _, rest := range []string{HLSPlaylist, TSPlaylist, DASHManifest} {
		_, body := get(t, s.URL+"/"+rest)
		_, otherBody := get(t, other.URL+"/"+rest)
		if string(body) == string(otherBody) {
			t.Errorf("%s is the same for two versions", rest)
		}
		base, _ := url.Parse(s.URL + "/" + rest)
		for _, u := range listedURLs(rest, string(body)) {
			u = strings.ReplaceAll(u, "$Number$", "1")
			ref, err := url.Parse(u)
			if err != nil || !strings.Contains(u, dir) {
				t.Fatalf("%s lists %q, not under %s", rest, u, dir)
			}
			abs := base.ResolveReference(ref).String()
			resp, seg := get(t, abs)
			if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != cacheSegments {
				t.Fatalf("%s lists %s: %s, Cache-Control %q", rest, abs, resp.Status, resp.Header.Get("Cache-Control"))
			}
			plain := strings.Replace(abs, "/"+dir, "/", 1)
			resp, unversioned := get(t, plain)
			if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != cachePlaylist || string(unversioned) != string(seg) {
				t.Errorf("%s: %s, Cache-Control %q, same body %v", plain, resp.Status, resp.Header.Get("Cache-Control"), string(unversioned) == string(seg))
			}
			stale := strings.Replace(abs, "/"+dir, "/"+versionDir(`"etag-2"`), 1)
			if resp, body := get(t, stale); resp.StatusCode != 404 || !strings.Contains(string(body), "another version") {
				t.Errorf("%s: %s %q, want 404", stale, resp.Status, body)
			}
		}
	}
}

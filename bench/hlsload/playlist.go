package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// playlist is what a player needs of an HLS VOD media playlist with fMP4
// segments: the init segment and each media segment with its duration,
// their URLs resolved against the playlist's.
type playlist struct {
	target   time.Duration // #EXT-X-TARGETDURATION
	init     string        // #EXT-X-MAP URI
	segments []segment
}

type segment struct {
	url      string
	start    time.Duration // media time at which the segment starts
	duration time.Duration
}

// mediaDuration is the total length of the segments.
func (p *playlist) mediaDuration() time.Duration {
	if len(p.segments) == 0 {
		return 0
	}
	last := p.segments[len(p.segments)-1]
	return last.start + last.duration
}

// parsePlaylist parses body, fetched from base. It refuses what this player
// cannot play rather than misread it: a master playlist, byte-range
// segments, a missing #EXT-X-MAP, a URI without #EXTINF.
func parsePlaylist(body []byte, base string) (*playlist, error) {
	baseURL, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	resolve := func(ref string) (string, error) {
		u, err := url.Parse(ref)
		if err != nil {
			return "", fmt.Errorf("URI %q: %w", ref, err)
		}
		return baseURL.ResolveReference(u).String(), nil
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	if !sc.Scan() || strings.TrimSpace(sc.Text()) != "#EXTM3U" {
		return nil, errors.New("playlist does not start with #EXTM3U")
	}
	p := &playlist{}
	var pending time.Duration = -1 // duration of the #EXTINF awaiting its URI
	var start time.Duration
	for line := 2; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		tag, value, _ := strings.Cut(text, ":")
		switch {
		case text == "":
		case tag == "#EXT-X-TARGETDURATION":
			secs, err := strconv.Atoi(value)
			if err != nil || secs <= 0 {
				return nil, fmt.Errorf("line %d: bad #EXT-X-TARGETDURATION %q", line, value)
			}
			p.target = time.Duration(secs) * time.Second
		case tag == "#EXT-X-MAP":
			uri, ok := attribute(value, "URI")
			if !ok {
				return nil, fmt.Errorf("line %d: #EXT-X-MAP without URI", line)
			}
			if _, ranged := attribute(value, "BYTERANGE"); ranged {
				return nil, fmt.Errorf("line %d: byte-range init segments are not supported", line)
			}
			if p.init, err = resolve(uri); err != nil {
				return nil, err
			}
		case tag == "#EXTINF":
			d, _, _ := strings.Cut(value, ",")
			secs, err := strconv.ParseFloat(d, 64)
			if err != nil || secs <= 0 || math.IsInf(secs, 0) {
				return nil, fmt.Errorf("line %d: bad #EXTINF duration %q", line, d)
			}
			pending = time.Duration(secs * float64(time.Second))
		case tag == "#EXT-X-STREAM-INF":
			return nil, errors.New("a master playlist, not a media playlist")
		case tag == "#EXT-X-BYTERANGE":
			return nil, fmt.Errorf("line %d: byte-range segments are not supported", line)
		case strings.HasPrefix(text, "#"): // other tags and comments
		default:
			if pending < 0 {
				return nil, fmt.Errorf("line %d: segment %q without #EXTINF", line, text)
			}
			u, err := resolve(text)
			if err != nil {
				return nil, err
			}
			p.segments = append(p.segments, segment{url: u, start: start, duration: pending})
			start += pending
			pending = -1
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	switch {
	case len(p.segments) == 0:
		return nil, errors.New("playlist lists no segment")
	case p.init == "":
		return nil, errors.New("playlist has no #EXT-X-MAP (not fMP4)")
	}
	return p, nil
}

// attribute returns the value of name in an attribute list
// (NAME=value,NAME="quoted, value"), unquoted.
func attribute(list, name string) (string, bool) {
	for list != "" {
		key, rest, ok := strings.Cut(list, "=")
		if !ok {
			return "", false
		}
		var value string
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return "", false
			}
			value, rest = rest[1:end+1], rest[end+2:]
		} else {
			value, rest, _ = strings.Cut(rest, ",")
			rest = "," + rest
		}
		if strings.TrimSpace(key) == name {
			return value, true
		}
		list = strings.TrimPrefix(rest, ",")
	}
	return "", false
}

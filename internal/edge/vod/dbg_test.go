package vod

import (
	"os"
	"testing"
)

func TestDbg(t *testing.T) {
	if os.Getenv("KIND") == "" {
		t.Skip()
	}
	path, format := fixture(t, "/tmp/vodx", os.Getenv("KIND"))
	s := serve(t, path, format)
	var all []byte
	_, b := get(t, s.URL+"/dash/audio-init.mp4")
	all = append(all, b...)
	for n := 1; n <= len(s.p.audio.segs); n++ {
		_, b := get(t, s.URL+"/dash/audio-"+itoa(n)+".m4s")
		all = append(all, b...)
	}
	os.WriteFile("/tmp/vodx/dash-audio.mp4", all, 0o644)
	_, b = get(t, s.URL+"/manifest.mpd")
	os.WriteFile("/tmp/vodx/m.mpd", b, 0o644)
	_, b = get(t, s.URL+"/index.m3u8")
	os.WriteFile("/tmp/vodx/i.m3u8", b, 0o644)
}
func itoa(n int) string { return string(rune('0' + n)) }

func TestDbgServe(t *testing.T) {
	if os.Getenv("KIND") == "" {
		t.Skip()
	}
	path, format := fixture(t, "/tmp/vodx", os.Getenv("KIND"))
	s := serve(t, path, format)
	os.WriteFile("/tmp/vodx/url", []byte(s.URL), 0o644)
	select {}
}

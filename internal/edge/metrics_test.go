package edge_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/streamfront/streamfront/internal/edge"
)

// metric returns the value of the sample of name whose labels include
// labels (name, value pairs); ok is false when there is none.
func metric(t *testing.T, reg *prometheus.Registry, name string, labels ...string) (v float64, ok bool) {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	samples:
		for _, m := range f.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, l := range m.GetLabel() {
					found = found || (l.GetName() == labels[i] && l.GetValue() == labels[i+1])
				}
				if !found {
					continue samples
				}
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue(), true
			case m.Gauge != nil:
				return m.Gauge.GetValue(), true
			}
		}
	}
	return 0, false
}

func TestMetricsCountViewersPlaysBytesAndOrigin(t *testing.T) {
	e := startEnv(t, edge.Hooks{}, nil)
	_, domain := e.createDist(t)
	e.makeMedia(t, "videos/clip.flv", "flv", 4)

	p := dialPlayer(t, e.addr)
	if code := p.connect(domain); code != "NetConnection.Connect.Success" {
		t.Fatal(code)
	}
	p.play("videos/clip", 0, 100)
	p.waitMedia()
	if v, _ := metric(t, e.reg, "streamfront_edge_viewers"); v != 1 {
		t.Errorf("viewers while playing: %v", v)
	}
	p.nc.Close()
	if _, err := e.ffmpegPlay(t, domain, "videos/clip"); err != nil {
		t.Fatal(err)
	}
	q := dialPlayer(t, e.addr)
	q.connect(domain)
	q.play("videos/missing", 0, 100)
	q.waitCode()
	dialPlayer(t, e.addr).connect("unknown.example.com")

	// The first player's goroutine ends when the edge notices the close.
	e.edge.Close()
	want := map[string]float64{"streamfront_edge_viewers": 0}
	for name, v := range want {
		if got, _ := metric(t, e.reg, name); got != v {
			t.Errorf("%s = %v, want %v", name, got, v)
		}
	}
	if v, _ := metric(t, e.reg, "streamfront_edge_plays_total", "result", "ok"); v != 2 {
		t.Errorf("ok plays: %v", v)
	}
	if v, _ := metric(t, e.reg, "streamfront_edge_plays_total", "result", "NetStream.Play.StreamNotFound"); v != 1 {
		t.Errorf("StreamNotFound plays: %v", v)
	}
	if v, _ := metric(t, e.reg, "streamfront_edge_connects_total", "result", "rejected"); v != 1 {
		t.Errorf("rejected connects: %v", v)
	}
	st := e.cache.Stats()
	if v, _ := metric(t, e.reg, "streamfront_edge_origin_fetches_total"); v != float64(st.Fetches) || v == 0 {
		t.Errorf("origin fetches %v, cache says %d", v, st.Fetches)
	}
	if v, _ := metric(t, e.reg, "streamfront_edge_cache_hits_total"); v != float64(st.Hits) || v == 0 {
		t.Errorf("cache hits %v, cache says %d", v, st.Hits)
	}
	if v, _ := metric(t, e.reg, "streamfront_edge_sent_bytes_total", "protocol", "rtmp"); v < 100e3 {
		t.Errorf("bytes sent %v for two plays of a 4s clip", v)
	}
}

package edge

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/streamfront/streamfront/internal/edge/origin"
)

// Metrics are the edge's Prometheus collectors.
type Metrics struct {
	viewers  prometheus.Gauge
	sent     prometheus.Counter // RTMP
	http     httpMetrics
	plays    *prometheus.CounterVec
	connects *prometheus.CounterVec
	conns    prometheus.Gauge
	refusals *prometheus.CounterVec
}

// NewMetrics registers the edge collectors, including the origin cache's
// counters, on reg.
func NewMetrics(reg prometheus.Registerer, cache *origin.Cache) *Metrics {
	sentBytes := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "streamfront_edge_sent_bytes_total", Help: "Bytes sent to viewers, by protocol (rtmp, http).",
	}, []string{"protocol"})
	m := &Metrics{
		viewers: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "streamfront_edge_viewers", Help: "Streams being played now.",
		}),
		sent: sentBytes.WithLabelValues("rtmp"),
		plays: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "streamfront_edge_plays_total",
			Help: "Play commands by result: ok, or the RTMP status code that refused them.",
		}, []string{"result"}),
		connects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "streamfront_edge_connects_total",
			Help: "Connect commands by result: ok, or rejected.",
		}, []string{"result"}),
	}
	m.conns = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "streamfront_edge_connections", Help: "RTMP connections open now.",
	})
	m.refusals = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "streamfront_edge_connections_refused_total",
		Help: "Connections over the --rtmp-max-conns cap: rejected at connect, or closed at accept when too many wait for that.",
	}, []string{"how"})
	stat := func(f func(origin.Stats) int64) func() float64 {
		return func() float64 { return float64(f(cache.Stats())) }
	}
	m.http = newHTTPMetrics(reg, sentBytes.WithLabelValues("http"))
	reg.MustRegister(m.viewers, sentBytes, m.plays, m.connects, m.conns, m.refusals,
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "streamfront_edge_origin_fetches_total", Help: "Block reads from the origin (cache misses).",
		}, stat(func(s origin.Stats) int64 { return s.Fetches })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "streamfront_edge_cache_hits_total", Help: "Block reads served from the edge's memory cache.",
		}, stat(func(s origin.Stats) int64 { return s.Hits })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "streamfront_edge_cache_bytes", Help: "Bytes of origin objects held in the cache.",
		}, stat(func(s origin.Stats) int64 { return s.Bytes })),
	)
	return m
}

// The methods accept a nil *Metrics: a Server without metrics.

func (m *Metrics) play(result string) {
	if m != nil {
		m.plays.WithLabelValues(result).Inc()
	}
}

func (m *Metrics) connect(result string) {
	if m != nil {
		m.connects.WithLabelValues(result).Inc()
	}
}

func (m *Metrics) viewer(delta float64) {
	if m != nil {
		m.viewers.Add(delta)
	}
}

func (m *Metrics) bytes(n int) {
	if m != nil {
		m.sent.Add(float64(n))
	}
}

func (m *Metrics) connections(n int) {
	if m != nil {
		m.conns.Set(float64(n))
	}
}

func (m *Metrics) refused(how string) {
	if m != nil {
		m.refusals.WithLabelValues(how).Inc()
	}
}

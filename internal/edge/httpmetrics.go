package edge

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// httpMetrics are the HTTP delivery's collectors (RTMP's are in Metrics).
type httpMetrics struct {
	requests *prometheus.CounterVec
	inFlight prometheus.Gauge
	sent     prometheus.Counter
	viewers  *viewerTracker
}

func newHTTPMetrics(reg prometheus.Registerer, sent prometheus.Counter) httpMetrics {
	m := httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "streamfront_edge_http_requests_total", Help: "HTTP requests by result: the response's status code.",
		}, []string{"result"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "streamfront_edge_http_requests_in_flight", Help: "HTTP requests being answered now.",
		}),
		sent:    sent,
		viewers: newViewerTracker(),
	}
	reg.MustRegister(m.requests, m.inFlight, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "streamfront_edge_http_viewers",
		Help: "HTTP viewers: distinct client, distribution and object with a media request in the last 30 seconds.",
	}, func() float64 { return float64(m.viewers.count()) }))
	return m
}

func (m *Metrics) httpRequest(status int, sent int64) {
	if m != nil {
		m.http.requests.WithLabelValues(strconv.Itoa(status)).Inc()
		m.http.sent.Add(float64(sent))
	}
}

func (m *Metrics) httpInFlight(delta float64) {
	if m != nil {
		m.http.inFlight.Add(delta)
	}
}

// httpViewerTracker is nil without metrics.
func (m *Metrics) httpViewerTracker() *viewerTracker {
	if m == nil {
		return nil
	}
	return m.http.viewers
}

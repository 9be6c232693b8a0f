// Package metrics holds streamfront's Prometheus metrics: API requests by
// operation and code, request latency, and store latency. The edge registers
// its own collectors on the same registry.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Registry is a process's metrics registry with the API collectors on it.
type Registry struct {
	*prometheus.Registry
	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	storeDuration *prometheus.HistogramVec
}

// New returns a registry with Go runtime, process and API collectors.
func New(version string) *Registry {
	reg := prometheus.NewRegistry()
	r := &Registry{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "streamfront_api_requests_total",
			Help: "API requests by CloudFront operation, HTTP status and AWS error code (empty on success).",
		}, []string{"operation", "status", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "streamfront_api_request_duration_seconds",
			Help:    "API request latency by CloudFront operation.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2.5, 12),
		}, []string{"operation"}),
		storeDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "streamfront_store_duration_seconds",
			Help:    "Store call latency by method and outcome.",
			Buckets: prometheus.ExponentialBuckets(0.00005, 2.5, 12),
		}, []string{"method", "outcome"}),
	}
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "streamfront_build_info", Help: "Build information; the value is always 1.",
	}, []string{"version"})
	build.WithLabelValues(version).Set(1)
	reg.MustRegister(r.requests, r.duration, r.storeDuration, build,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}

// ObserveRequest records one finished API request.
func (r *Registry) ObserveRequest(op string, status int, code string, d time.Duration) {
	if op == "" {
		op = "unknown"
	}
	r.requests.WithLabelValues(op, strconv.Itoa(status), code).Inc()
	r.duration.WithLabelValues(op).Observe(d.Seconds())
}

// Handler serves the registry in the Prometheus text format.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.Registry, promhttp.HandlerOpts{Registry: r.Registry})
}

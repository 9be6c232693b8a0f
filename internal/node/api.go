package node

import (
	"crypto/tls"
	"net/http"
	"strings"
	"time"

	"github.com/streamfront/streamfront/internal/api"
	cf "github.com/streamfront/streamfront/internal/cloudfront"
)

// API is the control-plane part: the CloudFront API on its listener and
// the deployer. Zero durations and sizes take the Default values (those of
// `streamfront serve`), except DeployDelay, where zero means at once.
type API struct {
	Listen string // e.g. "127.0.0.1:4580"; port 0 picks one (see Addr)
	Auth   api.Authenticator
	// Service tunes the domain rules (quotas, domain suffix, clock); its
	// OriginSuffixes, Signers and Logger are the node's.
	Service cf.Options
	MaxBody int64 // largest request body in bytes
	// ReadHeaderTimeout bounds the request headers (slowloris guard); the
	// whole request must arrive within it plus BodyTimeout.
	ReadHeaderTimeout time.Duration
	IdleTimeout       time.Duration // keep-alive connections idle this long are closed
	RequestTimeout    time.Duration // a request's service and store work; then 503
	// DeployDelay is the time before a new version counts as Deployed, if
	// every live edge has applied it.
	DeployDelay time.Duration
	// EdgeLive is how long an edge (of any process sharing the store)
	// counts as live after its last heartbeat, holding deployments back.
	EdgeLive time.Duration
	// TLS, when set, serves the API over HTTPS (see internal/tlsfiles).
	TLS *tls.Config
	// Mounts are served on the API listener beside the API, before it: a
	// request whose path starts with a mount's Prefix goes to its Handler,
	// unauthenticated by the API (the handler does its own).
	Mounts []Mount
}

// Mount is a handler on the API listener.
type Mount struct {
	Prefix  string // e.g. "/console/"
	Handler http.Handler
}

// Defaults of API.
const (
	DefaultMaxBody           = 1 << 20
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultRequestTimeout    = api.DefaultRequestTimeout
	DefaultDeployDelay       = 2 * time.Second // the flag's default; zero is valid
	DefaultEdgeLive          = 5 * time.Second
	// BodyTimeout is the time a request body may take after its headers.
	BodyTimeout = 50 * time.Second
)

func (a API) withDefaults() API {
	if a.MaxBody == 0 {
		a.MaxBody = DefaultMaxBody
	}
	if a.ReadHeaderTimeout == 0 {
		a.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if a.IdleTimeout == 0 {
		a.IdleTimeout = DefaultIdleTimeout
	}
	if a.RequestTimeout == 0 {
		a.RequestTimeout = DefaultRequestTimeout
	}
	if a.EdgeLive == 0 {
		a.EdgeLive = DefaultEdgeLive
	}
	return a
}

func (n *Node) startAPI(a *API) error {
	cfg := a.withDefaults()
	opts := cfg.Service
	opts.OriginSuffixes, opts.Signers, opts.Logger = n.cfg.OriginSuffixes, n.cfg.Signers, n.log
	n.service = cf.NewService(n.metrics.InstrumentStore(n.cfg.Store), opts)
	if cfg.Auth == nil {
		cfg.Auth = api.Open{Account: "123456789012"}
	}
	var h http.Handler = api.New(api.Config{Service: n.service, Auth: cfg.Auth, Logger: n.log,
		MaxBody: cfg.MaxBody, Observe: n.metrics.ObserveRequest, Metrics: n.metrics.Handler(),
		RequestTimeout: cfg.RequestTimeout})
	if len(cfg.Mounts) > 0 {
		h = mounted{mounts: cfg.Mounts, api: h}
	}
	readTimeout := cfg.ReadHeaderTimeout + BodyTimeout
	n.api = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       readTimeout,
		// Counted from the headers: room for the body, the store work and
		// the answer, so that a request that runs out of RequestTimeout
		// still gets its 503.
		WriteTimeout:   readTimeout + cfg.RequestTimeout + 10*time.Second,
		IdleTimeout:    cfg.IdleTimeout,
		MaxHeaderBytes: 64 << 10,
		TLSConfig:      cfg.TLS,
	}
	if err := n.serveHTTP(ListenerAPI, cfg.Listen, n.api); err != nil {
		n.api = nil
		return err
	}
	// A version is Deployed once DeployDelay has passed and every live edge
	// (of this process or any `streamfront edge` sharing the store) has
	// applied it; with no live edge the delay alone decides.
	gate := cf.AllGates(cf.DelayGate(cfg.DeployDelay, time.Now), cf.EdgeGate(n.cfg.Store, cfg.EdgeLive, time.Now))
	n.loops.Add(1)
	go func() {
		defer n.loops.Done()
		n.service.RunDeployer(n.ctx, cf.DeployTick(cfg.DeployDelay), gate)
	}()
	scheme := "http"
	if cfg.TLS != nil {
		scheme = "https"
	}
	n.log.Info("streamfront listening", "api", scheme+"://"+n.Addr(ListenerAPI))
	return nil
}

// mounted serves the mounts before the API.
type mounted struct {
	mounts []Mount
	api    http.Handler
}

func (m mounted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for _, mt := range m.mounts {
		if strings.HasPrefix(r.URL.Path, mt.Prefix) {
			mt.Handler.ServeHTTP(w, r)
			return
		}
	}
	m.api.ServeHTTP(w, r)
}

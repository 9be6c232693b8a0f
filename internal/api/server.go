// Package api serves the CloudFront 2020-05-31 REST-XML API for streaming
// distributions, origin access identities and tags. Handlers are thin: decode,
// call the domain service, encode; one adapter (ServeHTTP) writes every
// response and every error through the table in errors.go.
package api

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	cf "github.com/streamfront/streamfront/internal/cloudfront"
	"github.com/streamfront/streamfront/internal/memo"
)

// Action is what a request asks to do.
type Action struct {
	// SigningName is the SigV4 service its credential must be scoped to:
	// "cloudfront", or "tagging" for the Resource Groups Tagging API.
	SigningName string
	// IAM is the permission it needs, e.g. "cloudfront:GetStreamingDistribution"
	// or "tag:GetResources".
	IAM string
	// Also are further permissions it needs, as IAM asks of the tagging
	// API: TagResources also needs cloudfront:TagResource.
	Also []string
}

// Caller is who made a request, as far as it is known: for a refused
// request, the access key it claimed (and that key's account, if the key exists).
type Caller struct {
	Account     string
	AccessKeyID string // "" in open mode
}

// Authenticator identifies the caller of a request and checks that it may
// perform the action. Open mode authenticates everyone as one account.
type Authenticator interface {
	Authenticate(r *http.Request, body []byte, a Action) (Caller, error)
}

// Open is the Authenticator of open mode: no signature needed.
type Open struct{ Account string }

func (o Open) Authenticate(*http.Request, []byte, Action) (Caller, error) {
	return Caller{Account: o.Account}, nil
}

// Config configures a Server.
type Config struct {
	Service *cf.Service
	Auth    Authenticator
	Logger  *slog.Logger
	MaxBody int64 // request body limit in bytes; default 1 MiB
	// Observe, when set, is told of each finished request (for metrics).
	Observe func(op string, status int, code string, d time.Duration)
	// Metrics, when set, is served at /metrics.
	Metrics http.Handler
	// RequestTimeout bounds each request's service and store work; a request
	// that runs out of it answers 503 ServiceUnavailable. Default
	// DefaultRequestTimeout.
	RequestTimeout time.Duration
}

// DefaultRequestTimeout is the RequestTimeout of a zero Config: long enough
// for any healthy store call, short enough that a database that silently
// stopped answering (no RST: the kernel would wait ~15 min) does not hold
// the client.
const DefaultRequestTimeout = 30 * time.Second

// Server is the http.Handler of the API.
type Server struct {
	cfg      Config
	rendered *memo.Cache[renderKey, renderedXML]
}

func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 1 << 20
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	s := &Server{cfg: cfg, rendered: newRenderCache()}
	return s
}

// call is one API request as a handler sees it.
type call struct {
	ctx     context.Context
	account string
	id      string
	query   url.Values
	header  http.Header
	body    []byte
	baseURL string
}

// response is what a handler returns; ServeHTTP writes it.
type response struct {
	status int
	header map[string]string
	body   any // XML document, or nil
}

type handler func(s *Server, c *call) (*response, error)

// ServeHTTP routes, authenticates, runs the handler and writes the result.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := newRequestID()
	w.Header().Set("x-amz-request-id", reqID)
	w.Header().Set("x-amzn-RequestId", reqID)

	switch {
	case r.URL.Path == "/_streamfront/health":
		s.health(w, r)
		return
	case r.URL.Path == "/metrics" && s.cfg.Metrics != nil:
		s.cfg.Metrics.ServeHTTP(w, r)
		return
	}
	q := r.URL.Query()
	ep := route(r, q)
	resp, caller, err := s.serve(r, q, ep)
	var status int
	var code string
	if ep.wire != wireXML {
		status, code = s.writeRPC(w, reqID, ep.wire, resp, err)
	} else {
		status, code = s.write(w, r, reqID, resp, err)
	}
	dur := time.Since(start)
	s.logRequest(r, ep.op, reqID, caller, status, code, err, dur)
	if s.cfg.Observe != nil {
		s.cfg.Observe(ep.op, status, code, dur)
	}
}

// logRequest writes the request's audit line: who (access key and account,
// never a secret), what, the outcome and, for a refused request, why.
func (s *Server) logRequest(r *http.Request, op, reqID string, caller Caller, status int, code string, err error, dur time.Duration) {
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	attrs := []slog.Attr{slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.String("operation", op), slog.Int("status", status), slog.String("request_id", reqID),
		slog.Duration("duration", dur)}
	if caller.AccessKeyID != "" {
		attrs = append(attrs, slog.String("access_key_id", caller.AccessKeyID))
	}
	if caller.Account != "" {
		attrs = append(attrs, slog.String("account", caller.Account))
	}
	if code != "" {
		attrs = append(attrs, slog.String("code", code))
	}
	if reason := refusalReason(err); reason != "" {
		attrs = append(attrs, slog.String("refused", reason))
	}
	if status >= 500 && err != nil {
		attrs = append(attrs, slog.String("err", err.Error()))
	}
	s.cfg.Logger.LogAttrs(r.Context(), level, "request", attrs...)
}

// serve reads and authenticates the request and runs its handler; a
// handler's error comes back explained (see explainFailure).
func (s *Server) serve(r *http.Request, q url.Values, ep endpoint) (*response, Caller, error) {
	if ep.op == "" { // no such operation: nothing to authenticate
		resp, err := ep.h(s, nil)
		return resp, Caller{}, err
	}
	body, err := readBody(r, s.cfg.MaxBody)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, Caller{}, errBodyTooLarge
		}
		return nil, Caller{}, cf.Errorf(cf.ErrInvalidArgument, "could not read the request body: %v", err)
	}
	caller, err := s.cfg.Auth.Authenticate(r, body, ep.action)
	if err != nil {
		return nil, caller, err
	}
	if ep.wire == wireCBOR { // verified as received; the handlers read JSON
		if body, err = cborToJSON(body); err != nil {
			return nil, caller, err
		}
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	// The handler's service and store work runs under the request timeout
	// (reading the body is bounded by the http.Server's ReadTimeout).
	work, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
	defer cancel()
	c := &call{ctx: work, account: caller.Account, id: ep.id, query: q, header: r.Header,
		body: body, baseURL: scheme + "://" + r.Host}
	resp, err := ep.h(s, c)
	return resp, caller, s.explainFailure(r.Context(), err, work.Err())
}

// readBody reads the request body up to limit bytes; GETs and DELETEs
// carry none and cost nothing.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	return io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
}

// write sends resp or the AWS error for err and returns status and code.
func (s *Server) write(w http.ResponseWriter, r *http.Request, reqID string, resp *response, err error) (int, string) {
	if err != nil {
		ae, known := lookupError(err)
		if !known {
			s.cfg.Logger.Error("unmapped error", "request_id", reqID, "err", err)
		}
		typ := "Sender"
		if ae.Status >= 500 {
			typ = "Receiver"
		}
		msg := message(err)
		if !known {
			msg = "We encountered an internal error. Please try again."
		}
		writeXML(w, ae.Status, &xmlError{Xmlns: Namespace, Type: typ, Code: ae.Code, Message: msg, RequestID: reqID})
		return ae.Status, ae.Code
	}
	for k, v := range resp.header {
		w.Header().Set(k, v)
	}
	if resp.body == nil {
		w.WriteHeader(resp.status)
		return resp.status, ""
	}
	writeXML(w, resp.status, resp.body)
	return resp.status, ""
}

// xmlBuffer is a response buffer with the bufio.Writer that xml.NewEncoder
// would otherwise allocate (4 KiB) for every response; it reuses one that
// is already large enough.
type xmlBuffer struct {
	buf bytes.Buffer
	bw  *bufio.Writer
}

var xmlBuffers = sync.Pool{New: func() any {
	b := &xmlBuffer{}
	b.bw = bufio.NewWriter(&b.buf)
	return b
}}

func writeXML(w http.ResponseWriter, status int, v any) {
	if doc, ok := v.(renderedXML); ok {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		w.Write(doc)
		return
	}
	b := xmlBuffers.Get().(*xmlBuffer)
	defer func() {
		if b.buf.Cap() <= 64<<10 { // let a rare huge list go
			xmlBuffers.Put(b)
		}
	}()
	b.buf.Reset()
	b.bw.Reset(&b.buf)
	b.buf.WriteString(xml.Header)
	if err := xml.NewEncoder(b.bw).Encode(v); err != nil {
		http.Error(w, "encoding failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	w.Write(b.buf.Bytes())
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if err := s.storeReachable(r.Context()); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"status":"unavailable"}`+"\n")
		return
	}
	io.WriteString(w, `{"status":"ok"}`+"\n")
}

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

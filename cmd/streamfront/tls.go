package main

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/streamfront/streamfront/internal/tlsfiles"
)

// serveTLS wraps *ln in TLS when --tls-cert/--tls-key are set, re-reading
// the pair on SIGHUP or when it changes until ctx ends, and returns the
// scheme the API is served with.
func serveTLS(ctx context.Context, f *serveFlags, ln *net.Listener, log *slog.Logger) (string, error) {
	if f.tlsCert == "" {
		return "http", nil
	}
	certs, err := tlsfiles.Load(f.tlsCert, f.tlsKey)
	if err != nil {
		(*ln).Close()
		return "", err
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		certs.Watch(ctx, 2*time.Second, hup, log)
	}()
	cfg := certs.Config()
	cfg.NextProtos = []string{"h2", "http/1.1"}
	*ln = tls.NewListener(*ln, cfg)
	return "https", nil
}

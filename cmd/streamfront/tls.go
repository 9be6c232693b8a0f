package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/streamfront/streamfront/internal/tlsfiles"
)

// tlsFlags serve a listener over HTTPS: the API's (--tls-cert, --tls-key)
// or, with prefix "http-", the HTTP edge's (--http-tls-cert, --http-tls-key).
type tlsFlags struct{ prefix, cert, key string }

func (f *tlsFlags) register(fs *flag.FlagSet, what string) {
	fs.StringVar(&f.cert, f.prefix+"tls-cert", "", "PEM certificate (chain) file: serve "+what+" over HTTPS (with --"+f.prefix+"tls-key); re-read on SIGHUP or when it changes")
	fs.StringVar(&f.key, f.prefix+"tls-key", "", "PEM private key file of --"+f.prefix+"tls-cert")
}

func (f *tlsFlags) validate() error {
	if (f.cert == "") != (f.key == "") {
		return fmt.Errorf("--%stls-cert and --%stls-key go together", f.prefix, f.prefix)
	}
	return nil
}

// start loads the pair and re-reads it on SIGHUP or when it changes, until
// ctx ends; without the flags it returns nil (plain HTTP).
func (f *tlsFlags) start(ctx context.Context, log *slog.Logger) (*tls.Config, error) {
	if f.cert == "" {
		return nil, nil
	}
	certs, err := tlsfiles.Load(f.cert, f.key)
	if err != nil {
		return nil, fmt.Errorf("--%stls-cert/--%stls-key: %w", f.prefix, f.prefix, err)
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		certs.Watch(ctx, 2*time.Second, hup, log)
	}()
	return certs.Config(), nil
}

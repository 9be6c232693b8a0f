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

// tlsFlags serve the API over HTTPS.
type tlsFlags struct{ cert, key string }

func (f *tlsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.cert, "tls-cert", "", "PEM certificate (chain) file: serve the API over HTTPS (with --tls-key); re-read on SIGHUP or when it changes")
	fs.StringVar(&f.key, "tls-key", "", "PEM private key file of --tls-cert")
}

func (f *tlsFlags) validate() error {
	if (f.cert == "") != (f.key == "") {
		return fmt.Errorf("--tls-cert and --tls-key go together")
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
		return nil, err
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		certs.Watch(ctx, 2*time.Second, hup, log)
	}()
	return certs.Config(), nil
}

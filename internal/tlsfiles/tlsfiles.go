// Package tlsfiles serves a TLS certificate and key from PEM files and
// re-reads them on Reload (SIGHUP) or when either file changes, so that a
// renewed certificate (certbot, cert-manager) needs no restart. A bad or
// half-written pair is logged and the previous certificate kept.
package tlsfiles

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"
)

// Holder holds the current certificate of a cert/key file pair.
type Holder struct {
	certFile, keyFile string
	cur               atomic.Pointer[tls.Certificate]
	loaded            atomic.Value // string: the files' stamp when last read
}

// Load reads the pair; the files must be a PEM certificate chain and the
// PEM private key that matches it.
func Load(certFile, keyFile string) (*Holder, error) {
	if certFile == "" || keyFile == "" {
		return nil, errors.New("a TLS certificate needs both a certificate file and a key file")
	}
	h := &Holder{certFile: certFile, keyFile: keyFile}
	if err := h.Reload(); err != nil {
		return nil, err
	}
	return h, nil
}

// Reload re-reads the files; on error the previous certificate stays.
func (h *Holder) Reload() error {
	h.loaded.Store(h.stamp())
	c, err := tls.LoadX509KeyPair(h.certFile, h.keyFile)
	if err != nil {
		return fmt.Errorf("TLS certificate %s / key %s: %w", h.certFile, h.keyFile, err)
	}
	h.cur.Store(&c)
	return nil
}

// GetCertificate implements tls.Config.GetCertificate.
func (h *Holder) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return h.cur.Load(), nil
}

// Config returns a server tls.Config (TLS 1.2 or later) that serves the
// holder's current certificate.
func (h *Holder) Config() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: h.GetCertificate}
}

// Watch reloads on each receive from hup (SIGHUP) and when either file's
// size or modification time changes (checked every poll), until ctx ends.
func (h *Holder) Watch(ctx context.Context, poll time.Duration, hup <-chan os.Signal, log *slog.Logger) {
	t := time.NewTicker(poll)
	defer t.Stop()
	last := h.loaded.Load().(string) // what the certificate in use was read from
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		case <-t.C:
			if s := h.stamp(); s == last {
				continue
			}
		}
		last = h.stamp()
		if err := h.Reload(); err != nil {
			log.Error("TLS certificate not reloaded; keeping the previous one", "err", err)
			continue
		}
		log.Info("TLS certificate reloaded", "cert", h.certFile, "not_after", h.cur.Load().Leaf.NotAfter)
	}
}

func (h *Holder) stamp() string {
	s := ""
	for _, f := range []string{h.certFile, h.keyFile} {
		if st, err := os.Stat(f); err == nil {
			s += fmt.Sprint(st.Size(), st.ModTime().UnixNano(), ";")
		}
	}
	return s
}

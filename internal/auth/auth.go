// Package auth is streamfront's security layer: the accounts file (accounts,
// access keys with their allowed actions, CloudFront key pairs), a Registry
// that serves it to the rest of the server and reloads it when it changes,
// and the SigV4 verifier that turns a signed API request into the calling
// account.
//
// In secure mode (serve --accounts FILE) every API request must be signed
// with an access key of the file. In open mode (no accounts file) there is
// one account and no signature is checked; a key-pairs file (serve
// --key-pairs FILE, same format) may then give that account its key pairs.
package auth

import (
	"context"
	"crypto/rsa"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync/atomic"
	"time"
)

// Registry holds the current accounts file. It implements
// cloudfront.Signers and the verifier's key lookup; it is safe for
// concurrent use, and Reload swaps the whole file at once.
type Registry struct {
	path string
	open string // the open-mode account; "" in secure mode
	cur  atomic.Pointer[Accounts]
	log  *slog.Logger
}

// Load reads the accounts file of secure mode.
func Load(path string, log *slog.Logger) (*Registry, error) {
	return load(path, "", log)
}

// LoadOpen reads the key-pairs file of open mode: it may declare only the
// open account and its key pairs (access keys would suggest the operator
// meant secure mode, so they are refused rather than ignored).
func LoadOpen(path, account string, log *slog.Logger) (*Registry, error) {
	return load(path, account, log)
}

func load(path, open string, log *slog.Logger) (*Registry, error) {
	if log == nil {
		log = slog.Default()
	}
	r := &Registry{path: path, open: open, log: log}
	if err := r.Reload(); err != nil {
		return nil, err
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 && open == "" {
		log.Warn("the accounts file holds secrets but other users may read it; chmod 600 it",
			"path", path, "mode", st.Mode().Perm().String())
	}
	return r, nil
}

// Reload re-reads the file. On error the previous contents stay in force.
func (r *Registry) Reload() error {
	a, err := ParseFile(r.path)
	if err != nil {
		return err
	}
	if r.open != "" {
		if err := checkOpen(a, r.open); err != nil {
			return fmt.Errorf("key-pairs file %s: %w", r.path, err)
		}
	}
	r.cur.Store(a)
	return nil
}

func checkOpen(a *Accounts, open string) error {
	if len(a.AccessKeys) > 0 {
		return fmt.Errorf("it holds access keys, which open mode never checks; serve it with --accounts for secure mode")
	}
	for id := range a.Accounts {
		if id != open {
			return fmt.Errorf("it declares account %s, but open mode has only account %s (--account-id)", id, open)
		}
	}
	return nil
}

// Watch reloads the file when hup delivers (SIGHUP) or when the file's size
// or modification time changes (checked every poll), until ctx ends. A bad
// file is logged and the previous one kept.
func (r *Registry) Watch(ctx context.Context, poll time.Duration, hup <-chan os.Signal) {
	t := time.NewTicker(poll)
	defer t.Stop()
	last := stamp(r.path)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		case <-t.C:
			if s := stamp(r.path); s == last {
				continue
			}
		}
		last = stamp(r.path)
		if err := r.Reload(); err != nil {
			r.log.Error("accounts file not reloaded; keeping the previous one", "err", err)
			continue
		}
		a := r.cur.Load()
		r.log.Info("accounts file reloaded", "path", r.path, "accounts", len(a.Accounts),
			"access_keys", len(a.AccessKeys), "key_pairs", len(a.KeyPairs))
	}
}

func stamp(path string) string {
	st, err := os.Stat(path)
	if err != nil {
		return ""
	}
	return fmt.Sprint(st.Size(), st.ModTime().UnixNano())
}

// AccessKey returns the access key id, if the file has it.
func (r *Registry) AccessKey(id string) (*AccessKey, bool) {
	k, ok := r.cur.Load().AccessKeys[id]
	return k, ok
}

// AccountExists implements cloudfront.Signers.
func (r *Registry) AccountExists(id string) bool {
	if r.open != "" {
		return id == r.open
	}
	return r.cur.Load().Accounts[id] != nil
}

// ActiveKeyPairIDs implements cloudfront.Signers, in id order.
func (r *Registry) ActiveKeyPairIDs(account string) []string {
	var ids []string
	for _, kp := range r.cur.Load().KeyPairs {
		if kp.Account == account && kp.Active {
			ids = append(ids, kp.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// Quotas returns the account's own limits from the file (0: the server's
// default), for cloudfront.Options.Quotas.
func (r *Registry) Quotas(account string) (distributions, oais int) {
	if a := r.cur.Load().Accounts[account]; a != nil {
		return a.MaxDistributions, a.MaxOAIs
	}
	return 0, 0
}

// PublicKey implements cloudfront.Signers.
func (r *Registry) PublicKey(id string) (*rsa.PublicKey, string, bool) {
	kp, ok := r.cur.Load().KeyPairs[id]
	if !ok || !kp.Active {
		return nil, "", false
	}
	return kp.Public, kp.Account, true
}

// Path is the file the registry reads.
func (r *Registry) Path() string { return r.path }

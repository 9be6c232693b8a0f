package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/streamfront/streamfront/internal/api"
	"github.com/streamfront/streamfront/internal/auth"
	cf "github.com/streamfront/streamfront/internal/cloudfront"
)

// security is what the key flags load.
type security struct {
	signers  cf.Signers
	quotas   func(account string) (distributions, oais int) // nil: flags only
	auth     api.Authenticator
	registry *auth.Registry // nil when no file is used
}

// load loads the accounts or key-pairs file; without either, open mode's
// one account has no key pairs and signed plays are refused.
func (f *keyFlags) load(log *slog.Logger) (*security, error) {
	if f.accounts != "" {
		reg, err := auth.Load(f.accounts, log)
		if err != nil {
			return nil, err
		}
		return &security{signers: reg, quotas: reg.Quotas, auth: auth.NewVerifier(reg, nil), registry: reg}, nil
	}
	sec := &security{signers: cf.SingleAccount{ID: f.accountID}, auth: api.Open{Account: f.accountID}}
	if f.keyPairs != "" {
		reg, err := auth.LoadOpen(f.keyPairs, f.accountID, log)
		if err != nil {
			return nil, err
		}
		sec.signers, sec.registry = reg, reg
	}
	return sec, nil
}

// checkOpenMode refuses open mode (no accounts file) on a non-loopback
// address unless insecure is set.
func checkOpenMode(keys *keyFlags, listen string, insecure bool) error {
	if keys.accounts != "" || insecure || isLoopback(listen) {
		return nil
	}
	return fmt.Errorf("refusing to serve in open mode on %s, a non-loopback address: anyone who can reach it could create and delete distributions without credentials. Use --accounts FILE for secure mode (SigV4), or --insecure-open to accept the risk", listen)
}

// watch reloads the file on SIGHUP or when it changes, until ctx ends.
func (s *security) watch(ctx context.Context) {
	if s.registry == nil {
		return
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	s.registry.Watch(ctx, 2*time.Second, hup)
}

// isLoopback reports whether a listen address only accepts local clients.
// An empty host (all interfaces) and host names other than localhost are
// not loopback.
func isLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// accountsCmd runs `streamfront accounts add-key`.
func accountsCmd(args []string) error {
	if len(args) == 0 || args[0] != "add-key" {
		return errors.New("usage: streamfront accounts add-key --accounts FILE --account ID [--name NAME] [--actions cloudfront:Get*,cloudfront:List*]")
	}
	fs := flag.NewFlagSet("accounts add-key", flag.ContinueOnError)
	file := fs.String("accounts", "", "accounts file to record the key in (created if missing)")
	account := fs.String("account", "", "12-digit account id (declared in the file if it is not yet)")
	name := fs.String("name", "", "account name, when the account is new")
	actions := fs.String("actions", "", "comma-separated allowed actions, e.g. cloudfront:Get*,cloudfront:List* (default: all)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *file == "" || *account == "" {
		return errors.New("accounts add-key needs --accounts FILE and --account ID")
	}
	var allowed []string
	if *actions != "" {
		allowed = splitList(*actions)
	}
	key, err := auth.AddAccessKey(*file, *account, *name, allowed)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "access key recorded in %s for account %s; a running server picks it up within seconds (or on SIGHUP)\n", *file, *account)
	fmt.Printf("AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\n", key.ID, key.Secret)
	return nil
}

// keypairCmd runs `streamfront keypair create`.
func keypairCmd(args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: streamfront keypair create --accounts FILE --account ID [--name NAME]")
	}
	fs := flag.NewFlagSet("keypair create", flag.ContinueOnError)
	file := fs.String("accounts", "", "accounts or key-pairs file to record the public key in (created if missing)")
	account := fs.String("account", "", "12-digit account id that owns the key pair")
	name := fs.String("name", "", "account name, when the account is new")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *file == "" || *account == "" {
		return errors.New("keypair create needs --accounts FILE and --account ID")
	}
	id, private, err := auth.CreateKeyPair(*file, *account, *name)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "KeyPairId: %s (active, recorded in %s for account %s)\n", id, *file, *account)
	fmt.Fprintln(os.Stderr, "The private key below is printed once and stored nowhere: keep it.")
	os.Stdout.Write(private)
	return nil
}

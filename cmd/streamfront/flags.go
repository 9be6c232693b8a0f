package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"

	"github.com/streamfront/streamfront/internal/node"
)

// The flag groups both long-running commands (serve and edge) register:
// each flag is declared once, with one meaning.

// commonFlags are the groups serve and edge both register.
type commonFlags struct {
	store   storeFlags
	buckets bucketFlags
	keys    keyFlags
	log     logFlags
	edge    edgeFlags
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	c.store.register(fs)
	c.buckets.register(fs)
	c.keys.register(fs)
	c.log.register(fs)
	c.edge.register(fs)
}

func (c *commonFlags) validate() error {
	if err := c.keys.validate(); err != nil {
		return err
	}
	if err := c.log.validate(); err != nil {
		return err
	}
	return c.edge.validate()
}

// nodeConfig is the node configuration of the common flags.
func (c *commonFlags) nodeConfig(sec *security) node.Config {
	cfg := node.Config{Version: Version, OriginSuffixes: c.buckets.suffixes(), Signers: sec.signers}
	if c.edge.enabled() {
		cfg.Edge = c.edge.config(c.store.dataDir)
	}
	return cfg
}

// logFlags say how the process logs.
type logFlags struct{ format string }

func (f *logFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.format, "log-format", "text", "log format: text or json")
}

func (f *logFlags) validate() error {
	if f.format != "text" && f.format != "json" {
		return fmt.Errorf("--log-format must be text or json")
	}
	return nil
}

func (f *logFlags) logger() *slog.Logger {
	if f.format == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, nil))
}

// bucketFlags say how an S3 origin's domain name reads as a bucket: the API
// validates origins with them, the edge finds buckets with them, so every
// process sharing a store must give the same.
type bucketFlags struct{ originSuffixes string }

func (f *bucketFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.originSuffixes, "origin-suffixes", "", "comma-separated extra S3 origin domain suffixes (e.g. s3.local)")
}

func (f *bucketFlags) suffixes() []string { return splitList(f.originSuffixes) }

// keyFlags locate the accounts and CloudFront key pairs: the API
// authenticates callers and validates TrustedSigners with them, the edge
// verifies signed plays.
type keyFlags struct {
	accounts  string
	keyPairs  string
	accountID string
}

func (f *keyFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.accounts, "accounts", "", "accounts file (TOML): secure mode, every API request must be SigV4-signed; its key pairs verify signed plays")
	fs.StringVar(&f.keyPairs, "key-pairs", "", "open mode only: file (accounts-file format) with the open account's CloudFront key pairs")
	fs.StringVar(&f.accountID, "account-id", "123456789012", "account id of open (single-account) mode")
}

var accountIDRE = regexp.MustCompile(`^[0-9]{12}$`)

func (f *keyFlags) validate() error {
	if !accountIDRE.MatchString(f.accountID) {
		return fmt.Errorf("--account-id must be 12 digits, got %q", f.accountID)
	}
	if f.accounts != "" && f.keyPairs != "" {
		return fmt.Errorf("--key-pairs is for open mode; in secure mode put key pairs in the --accounts file")
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

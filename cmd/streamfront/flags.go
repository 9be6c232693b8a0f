package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"
)

// The flag groups both long-running commands (serve and edge) register:
// each flag is declared once, with one meaning.

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

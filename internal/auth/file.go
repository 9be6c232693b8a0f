package auth

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"
)

// fileDoc is the accounts file as written: three flat arrays of tables, so
// that the subcommands can append an entry without rewriting (and losing the
// comments of) what the operator wrote.
type fileDoc struct {
	Accounts   []accountEntry   `toml:"account"`
	AccessKeys []accessKeyEntry `toml:"access_key"`
	KeyPairs   []keyPairEntry   `toml:"key_pair"`
}

type accountEntry struct {
	ID   string `toml:"id"`
	Name string `toml:"name"`
	// Optional quotas; 0 or absent: serve's --max-distributions, and 100 OAIs.
	MaxDistributions int `toml:"max_streaming_distributions"`
	MaxOAIs          int `toml:"max_origin_access_identities"`
}

type accessKeyEntry struct {
	Account string   `toml:"account"`
	ID      string   `toml:"id"`
	Secret  string   `toml:"secret"`
	Actions []string `toml:"actions"` // nil: every action
}

type keyPairEntry struct {
	Account   string `toml:"account"`
	ID        string `toml:"id"`
	PublicKey string `toml:"public_key"`
	Active    *bool  `toml:"active"` // nil: active
}

// Account is an account of this server.
type Account struct {
	ID               string
	Name             string
	MaxDistributions int // 0: the server's default
	MaxOAIs          int // 0: the server's default
}

// AccessKey is an access key id with its secret and the actions it may call.
type AccessKey struct {
	ID      string
	Account string
	Secret  string
	Actions []string // IAM-style patterns such as cloudfront:Get*; nil allows all
}

// Allows reports whether the key may perform the IAM action, e.g.
// "cloudfront:GetStreamingDistribution" or "tag:GetResources".
func (k *AccessKey) Allows(action string) bool {
	if k.Actions == nil {
		return true
	}
	for _, p := range k.Actions {
		if matchAction(p, action) {
			return true
		}
	}
	return false
}

// matchAction matches an IAM action pattern (* and ? wildcards,
// case-insensitive, as IAM does) against an action.
func matchAction(pattern, action string) bool {
	ok, err := path.Match(strings.ToLower(pattern), strings.ToLower(action))
	return err == nil && ok
}

// KeyPair is a CloudFront key pair's public half, as recorded.
type KeyPair struct {
	ID      string
	Account string
	Public  *rsa.PublicKey
	Active  bool
}

// Accounts is a validated accounts file.
type Accounts struct {
	Accounts   map[string]*Account   // by account id
	AccessKeys map[string]*AccessKey // by access key id
	KeyPairs   map[string]*KeyPair   // by key pair id
}

var (
	accountIDRE   = regexp.MustCompile(`^[0-9]{12}$`)
	nameRE        = regexp.MustCompile(`^[A-Za-z0-9 ._@+=-]{1,64}$`)
	accessKeyIDRE = regexp.MustCompile(`^[A-Z0-9]{16,128}$`)
	keyPairIDRE   = regexp.MustCompile(`^[A-Z0-9]{8,128}$`)
	// An action is "*", or the prefix of a service streamfront serves
	// (cloudfront, or tag for the Resource Groups Tagging API) and an
	// action name pattern; any other prefix would never match and is a
	// typo. Prefixes match case-insensitively, as IAM's do.
	actionRE = regexp.MustCompile(`^(\*|(?i:cloudfront|tag):[A-Za-z*?]+)$`)
)

// ParseFile reads and validates an accounts file.
func ParseFile(name string) (*Accounts, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	a, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("accounts file %s: %w", name, err)
	}
	return a, nil
}

// Parse decodes and validates accounts file text. Unknown keys are rejected
// and every error names the offending key; secrets never appear in errors.
func Parse(data []byte) (*Accounts, error) {
	var doc fileDoc
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&doc)
	if err != nil {
		return nil, err
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("unknown key %s (allowed: account{id,name,max_streaming_distributions,max_origin_access_identities}, access_key{account,id,secret,actions}, key_pair{account,id,public_key,active})", strings.Join(keys, ", "))
	}
	return doc.validate()
}

func (doc *fileDoc) validate() (*Accounts, error) {
	out := &Accounts{Accounts: map[string]*Account{}, AccessKeys: map[string]*AccessKey{}, KeyPairs: map[string]*KeyPair{}}
	for i, e := range doc.Accounts {
		at := fmt.Sprintf("account[%d]", i)
		if !accountIDRE.MatchString(e.ID) {
			return nil, fmt.Errorf("%s.id: %q is not a 12-digit account id", at, e.ID)
		}
		if !nameRE.MatchString(e.Name) {
			return nil, fmt.Errorf("%s.name: %q must be 1-64 letters, digits, spaces or ._@+=-", at, e.Name)
		}
		if out.Accounts[e.ID] != nil {
			return nil, fmt.Errorf("%s.id: account %s is declared twice", at, e.ID)
		}
		if e.MaxDistributions < 0 {
			return nil, fmt.Errorf("%s.max_streaming_distributions: %d is negative", at, e.MaxDistributions)
		}
		if e.MaxOAIs < 0 {
			return nil, fmt.Errorf("%s.max_origin_access_identities: %d is negative", at, e.MaxOAIs)
		}
		out.Accounts[e.ID] = &Account{ID: e.ID, Name: e.Name, MaxDistributions: e.MaxDistributions, MaxOAIs: e.MaxOAIs}
	}
	for i, e := range doc.AccessKeys {
		k, err := e.validate(out)
		if err != nil {
			return nil, fmt.Errorf("access_key[%d].%w", i, err)
		}
		out.AccessKeys[k.ID] = k
	}
	for i, e := range doc.KeyPairs {
		kp, err := e.validate(out)
		if err != nil {
			return nil, fmt.Errorf("key_pair[%d].%w", i, err)
		}
		out.KeyPairs[kp.ID] = kp
	}
	return out, nil
}

func checkOwner(a *Accounts, account string) error {
	if a.Accounts[account] == nil {
		return fmt.Errorf("account: %q is not a declared [[account]]", account)
	}
	return nil
}

func (e *accessKeyEntry) validate(a *Accounts) (*AccessKey, error) {
	if err := checkOwner(a, e.Account); err != nil {
		return nil, err
	}
	if !accessKeyIDRE.MatchString(e.ID) {
		return nil, fmt.Errorf("id: %q must be 16-128 upper-case letters or digits", e.ID)
	}
	if a.AccessKeys[e.ID] != nil {
		return nil, fmt.Errorf("id: access key %s is declared twice", e.ID)
	}
	if len(e.Secret) < 16 {
		return nil, errors.New("secret: must be at least 16 characters")
	}
	for j, p := range e.Actions {
		if !actionRE.MatchString(p) {
			return nil, fmt.Errorf("actions[%d]: %q is not \"*\", cloudfront:<Operation> or tag:<Operation> (wildcards * and ? allowed)", j, p)
		}
	}
	return &AccessKey{ID: e.ID, Account: e.Account, Secret: e.Secret, Actions: e.Actions}, nil
}

func (e *keyPairEntry) validate(a *Accounts) (*KeyPair, error) {
	if err := checkOwner(a, e.Account); err != nil {
		return nil, err
	}
	if !keyPairIDRE.MatchString(e.ID) {
		return nil, fmt.Errorf("id: %q must be 8-128 upper-case letters or digits (like APKA...)", e.ID)
	}
	if a.KeyPairs[e.ID] != nil {
		return nil, fmt.Errorf("id: key pair %s is declared twice", e.ID)
	}
	pub, err := ParsePublicKey([]byte(e.PublicKey))
	if err != nil {
		return nil, fmt.Errorf("public_key: %w", err)
	}
	return &KeyPair{ID: e.ID, Account: e.Account, Public: pub, Active: e.Active == nil || *e.Active}, nil
}

// ParsePublicKey reads a PEM RSA public key, PKIX ("PUBLIC KEY", as openssl
// writes it) or PKCS #1 ("RSA PUBLIC KEY").
func ParsePublicKey(data []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		rk, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("a %T, but CloudFront key pairs are RSA", k)
		}
		return rk, nil
	case "RSA PUBLIC KEY":
		return x509.ParsePKCS1PublicKey(block.Bytes)
	}
	return nil, fmt.Errorf("PEM block %q is not a public key", block.Type)
}

package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/streamfront/streamfront/internal/atomicfile"
)

// The subcommands record new credentials by appending a table to the
// accounts file: the operator's layout and comments stay as they were. The
// result is validated before it replaces the file, atomically.

const base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" // the characters of AWS key ids

func randomID(prefix string, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	for i := range b {
		b[i] = base32Alphabet[int(b[i])%len(base32Alphabet)]
	}
	return prefix + string(b)
}

// NewAccessKey returns a fresh access key id (AKIA + 16) and a 40-character
// secret, shaped like AWS's.
func NewAccessKey() (id, secret string) {
	b := make([]byte, 30)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return randomID("AKIA", 16), base64.StdEncoding.EncodeToString(b)
}

// NewKeyPairID returns a CloudFront-style key pair id (APKA + 16).
func NewKeyPairID() string { return randomID("APKA", 16) }

// AddAccessKey records a new access key for account in the accounts file
// (created if missing; the account is declared if it is not yet) and returns
// it. actions nil means every action.
func AddAccessKey(file, account, name string, actions []string) (*AccessKey, error) {
	id, secret := NewAccessKey()
	var b strings.Builder
	fmt.Fprintf(&b, "[[access_key]]\naccount = %q\nid = %q\nsecret = %q\n", account, id, secret)
	if actions != nil {
		quoted := make([]string, len(actions))
		for i, a := range actions {
			quoted[i] = strconv.Quote(a) // actions are validated to plain ASCII below
		}
		fmt.Fprintf(&b, "actions = [%s]\n", strings.Join(quoted, ", "))
	}
	a, err := appendEntry(file, account, name, b.String())
	if err != nil {
		return nil, err
	}
	return a.AccessKeys[id], nil
}

// CreateKeyPair generates an RSA-2048 key pair, records its public half as an
// active key pair of account, and returns the id and the private key PEM
// (PKCS #1, as CloudFront handed them out), which is not stored anywhere.
func CreateKeyPair(file, account, name string) (id string, privatePEM []byte, err error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", nil, err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", nil, err
	}
	id = NewKeyPairID()
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	entry := fmt.Sprintf("[[key_pair]]\naccount = %q\nid = %q\nactive = true\npublic_key = \"\"\"\n%s\"\"\"\n", account, id, pubPEM)
	if _, err := appendEntry(file, account, name, entry); err != nil {
		return "", nil, err
	}
	return id, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), nil
}

// appendEntry appends entry (declaring account first if needed), validates
// the whole file and atomically replaces it.
func appendEntry(file, account, name, entry string) (*Accounts, error) {
	if !accountIDRE.MatchString(account) {
		return nil, fmt.Errorf("account %q is not a 12-digit account id", account)
	}
	old, err := os.ReadFile(file)
	mode := fs.FileMode(0o600) // the file holds secrets
	switch {
	case err == nil:
		if st, err := os.Stat(file); err == nil {
			mode = st.Mode().Perm()
		}
	case errors.Is(err, fs.ErrNotExist):
		old = []byte("# streamfront accounts file (see docs/secure-mode.md)\n")
	default:
		return nil, err
	}
	cur, err := Parse(old)
	if err != nil {
		return nil, fmt.Errorf("accounts file %s: %w", file, err)
	}
	var b strings.Builder
	b.Write(old)
	if len(old) > 0 && old[len(old)-1] != '\n' {
		b.WriteByte('\n')
	}
	if cur.Accounts[account] == nil {
		if name == "" {
			name = "account-" + account
		}
		if !nameRE.MatchString(name) {
			return nil, fmt.Errorf("account name %q must be 1-64 letters, digits, spaces or ._@+=-", name)
		}
		fmt.Fprintf(&b, "\n[[account]]\nid = %q\nname = %q\n", account, name)
	}
	b.WriteString("\n" + entry)
	next, err := Parse([]byte(b.String()))
	if err != nil {
		return nil, err
	}
	return next, atomicfile.Write(file, []byte(b.String()), mode)
}

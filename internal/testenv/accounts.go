package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
)

// Key is an access key of a test accounts file.
type Key struct {
	Account string
	ID      string
	Secret  string
	Actions []string // nil: all actions
}

// Test accounts and keys for secure-mode tests.
var (
	AccountA = "111111111111"
	AccountB = "222222222222"
	KeyA     = Key{Account: AccountA, ID: "AKIAAAAAAAAAAAAAAAAA", Secret: "secretAsecretAsecretAsecretAsecretAsecr"}
	KeyB     = Key{Account: AccountB, ID: "AKIABBBBBBBBBBBBBBBB", Secret: "secretBsecretBsecretBsecretBsecretBsecr"}
	// KeyAReadOnly may only Get and List.
	KeyAReadOnly = Key{Account: AccountA, ID: "AKIAREADONLYAAAAAAAA", Secret: "readonlyreadonlyreadonlyreadonly",
		Actions: []string{"cloudfront:Get*", "cloudfront:List*"}}
)

// WriteAccounts writes an accounts file declaring AccountA and AccountB
// with the given keys, plus extra TOML text, and returns its path.
func WriteAccounts(t testing.TB, keys []Key, extra string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "[[account]]\nid = %q\nname = \"team-a\"\n\n[[account]]\nid = %q\nname = \"team-b\"\n", AccountA, AccountB)
	for _, k := range keys {
		fmt.Fprintf(&b, "\n[[access_key]]\naccount = %q\nid = %q\nsecret = %q\n", k.Account, k.ID, k.Secret)
		if k.Actions != nil {
			q := make([]string, len(k.Actions))
			for i, a := range k.Actions {
				q[i] = strconv.Quote(a)
			}
			fmt.Fprintf(&b, "actions = [%s]\n", strings.Join(q, ", "))
		}
	}
	b.WriteString(extra)
	path := filepath.Join(t.TempDir(), "accounts.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// ClientFor returns a CloudFront client of s signing with k.
func (s *Server) ClientFor(k Key) *cloudfront.Client { return Client(s.URL, k.ID, k.Secret) }

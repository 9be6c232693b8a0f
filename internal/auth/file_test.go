package auth_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamfront/streamfront/internal/auth"
)

const goodFile = `
[[account]]
id = "111111111111"
name = "team-a"

[[access_key]]
account = "111111111111"
id = "AKIAAAAAAAAAAAAAAAAA"
secret = "0123456789abcdef0123"
actions = ["cloudfront:Get*", "cloudfront:List*"]
`

func TestParseRejectsBadFilesNamingTheKey(t *testing.T) {
	cases := []struct{ name, text, want string }{
		{"unknown key", strings.Replace(goodFile, "actions", "action", 1), "unknown key access_key.action"},
		{"unknown table", goodFile + "\n[[acount]]\nid = \"1\"\n", "unknown key acount"},
		{"short account id", strings.Replace(goodFile, `id = "111111111111"`, `id = "1111"`, 1), `account[0].id: "1111"`},
		{"undeclared account", strings.Replace(goodFile, `account = "111111111111"`, `account = "222222222222"`, 1), `access_key[0].account: "222222222222"`},
		{"bad action", strings.Replace(goodFile, `"cloudfront:List*"`, `"s3:List*"`, 1), `access_key[0].actions[1]: "s3:List*"`},
		{"short secret", strings.Replace(goodFile, "0123456789abcdef0123", "short", 1), "access_key[0].secret"},
		{"duplicate account", goodFile + "\n[[account]]\nid = \"111111111111\"\nname = \"again\"\n", "account[1].id: account 111111111111 is declared twice"},
		{"bad public key", goodFile + "\n[[key_pair]]\naccount = \"111111111111\"\nid = \"APKAAAAAAAAAAAAAAAAA\"\npublic_key = \"not pem\"\n", "key_pair[0].public_key"},
	}
	for _, c := range cases {
		_, err := auth.Parse([]byte(c.text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: want error containing %q, got %v", c.name, c.want, err)
		}
		if err != nil && strings.Contains(err.Error(), "0123456789abcdef0123") {
			t.Errorf("%s: error reveals the secret: %v", c.name, err)
		}
	}
	if _, err := auth.Parse([]byte(goodFile)); err != nil {
		t.Fatalf("good file: %v", err)
	}
}

func TestAllowedActions(t *testing.T) {
	a, err := auth.Parse([]byte(goodFile))
	if err != nil {
		t.Fatal(err)
	}
	k := a.AccessKeys["AKIAAAAAAAAAAAAAAAAA"]
	for op, want := range map[string]bool{
		"GetStreamingDistribution": true, "GetStreamingDistributionConfig": true, "ListTagsForResource": true,
		"ListStreamingDistributions": true, "CreateStreamingDistribution": false, "TagResource": false,
		"UpdateStreamingDistribution": false, "DeleteStreamingDistribution": false,
	} {
		if k.Allows("cloudfront:"+op) != want {
			t.Errorf("cloudfront:Get*,List* allows %s: got %v, want %v", op, !want, want)
		}
	}
	all := &auth.AccessKey{}
	exact := &auth.AccessKey{Actions: []string{"cloudfront:createstreamingdistribution"}}
	if !all.Allows("cloudfront:DeleteStreamingDistribution") || !exact.Allows("cloudfront:CreateStreamingDistribution") || exact.Allows("cloudfront:CreateStreamingDistributionWithTags") {
		t.Fatal("default-all or case-insensitive exact action matched wrongly")
	}
}

func TestAddAccessKeyKeepsTheOperatorsText(t *testing.T) {
	file := filepath.Join(t.TempDir(), "accounts.toml")
	if err := os.WriteFile(file, []byte("# my comment\n"+goodFile), 0o640); err != nil {
		t.Fatal(err)
	}
	k, err := auth.AddAccessKey(file, "333333333333", "team-c", nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := auth.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(file)
	st, _ := os.Stat(file)
	if a.Accounts["333333333333"].Name != "team-c" || a.AccessKeys[k.ID].Secret != k.Secret || k.Actions != nil ||
		!strings.HasPrefix(string(data), "# my comment\n") || st.Mode().Perm() != 0o640 {
		t.Fatalf("after add-key: accounts %v, mode %v, file:\n%s", a.Accounts, st.Mode(), data)
	}
	if _, err := auth.AddAccessKey(file, "12345", "", nil); err == nil {
		t.Fatal("a bad account id was accepted")
	}
}

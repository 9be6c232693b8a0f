package signedurl

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/netip"
	"strings"
)

// signDoc signs a policy document as CloudFront signers do.
func signDoc(key *rsa.PrivateKey, doc []byte) ([]byte, error) {
	sum := sha1.Sum(doc)
	return rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA1, sum[:])
}

// encode is CloudFront's URL-safe base64.
func encode(b []byte) string {
	return strings.NewReplacer("+", "-", "=", "_", "/", "~").Replace(base64.StdEncoding.EncodeToString(b))
}

type httpCookie = http.Cookie

func netipMust(s string) netip.Addr { return netip.MustParseAddr(s) }

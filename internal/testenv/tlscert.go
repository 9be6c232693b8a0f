package testenv

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestCert is a certificate authority of one test and a server certificate
// it issued for 127.0.0.1 and localhost.
type TestCert struct {
	CAFile   string // the CA certificate, PEM (for --ca-bundle)
	CertFile string // the server certificate, PEM
	KeyFile  string // its private key, PEM
	Pool     *x509.CertPool
	Serial   *big.Int // of the server certificate
}

// WriteCert makes a fresh CA and server certificate in dir, under name.
func WriteCert(t testing.TB, dir, name string) *TestCert {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	ca := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: "streamfront test CA " + name},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	serial := big.NewInt(now.UnixNano() + 1)
	leaf := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	tc := &TestCert{CAFile: filepath.Join(dir, name+"-ca.pem"), CertFile: filepath.Join(dir, name+".pem"),
		KeyFile: filepath.Join(dir, name+"-key.pem"), Pool: x509.NewCertPool(), Serial: serial}
	tc.Pool.AddCert(caCert)
	for file, block := range map[string]*pem.Block{
		tc.CAFile:   {Type: "CERTIFICATE", Bytes: caDER},
		tc.CertFile: {Type: "CERTIFICATE", Bytes: der},
		tc.KeyFile:  {Type: "EC PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return tc
}

// Package testutil writes throw-away MSP folders and connection profiles for
// tests that need real key material but no network.
package testutil

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Cert describes a certificate to issue.
type Cert struct {
	CN       string
	OU       string // NodeOU: client, admin, peer
	Attrs    map[string]string
	NotAfter time.Time
}

// CA is a self-signed test CA.
type CA struct {
	Cert    *x509.Certificate
	CertPEM []byte
	key     *ecdsa.PrivateKey
}

// NewCA creates a CA.
func NewCA(t testing.TB, cn string) *CA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn, Organization: []string{cn}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		DNSNames: []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &CA{Cert: cert, CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), key: key}
}

// WriteMSP issues a certificate and writes dir/{signcerts,keystore,cacerts}.
func (ca *CA) WriteMSP(t testing.TB, dir string, c Cert) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if c.NotAfter.IsZero() {
		c.NotAfter = time.Now().Add(365 * 24 * time.Hour)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: c.CN, OrganizationalUnit: []string{c.OU}, Organization: []string{"Test"}},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: c.NotAfter,
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	if c.Attrs != nil {
		v, _ := json.Marshal(map[string]any{"attrs": c.Attrs})
		tmpl.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3, 4, 5, 6, 7, 8, 1}, Value: v}}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "signcerts", "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	write(t, filepath.Join(dir, "keystore", "abc_sk"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
	write(t, filepath.Join(dir, "cacerts", "ca.pem"), ca.CertPEM)
	cert, _ := x509.ParseCertificate(der)
	return cert
}

// Home writes a PROV_HOME with one org: orgs/<dir>/connection.json naming a
// peer at url, and users user1 (client) and admin (admin). It returns home.
func Home(t testing.TB, dir, org, msp, url string) string {
	t.Helper()
	home := t.TempDir()
	ca := NewCA(t, "ca."+dir)
	orgDir := filepath.Join(home, "orgs", dir)
	ca.WriteMSP(t, filepath.Join(orgDir, "users", "user1", "msp"), Cert{CN: "user1", OU: "client", Attrs: map[string]string{"prov.role": dir}})
	ca.WriteMSP(t, filepath.Join(orgDir, "users", "admin", "msp"), Cert{CN: "admin", OU: "admin", Attrs: map[string]string{"prov.role": dir}})
	prof := map[string]any{
		"name":    "test-" + dir,
		"version": "1.0.0",
		"client":  map[string]any{"organization": org},
		"organizations": map[string]any{
			org: map[string]any{"mspid": msp, "peers": []string{"peer0." + dir}},
		},
		"peers": map[string]any{
			"peer0." + dir: map[string]any{
				"url":         url,
				"tlsCACerts":  map[string]any{"pem": string(ca.CertPEM)},
				"grpcOptions": map[string]any{"ssl-target-name-override": "localhost"},
			},
		},
	}
	b, _ := json.MarshalIndent(prof, "", "  ")
	write(t, filepath.Join(orgDir, "connection.json"), b)
	return home
}

func write(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

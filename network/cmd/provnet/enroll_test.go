package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseEnrollSpec(t *testing.T) {
	e, err := parseEnrollSpec("peer0:peer0pw:tlsca:/h/tls:tls:peer0.x.prov,127.0.0.1:server")
	if err != nil {
		t.Fatal(err)
	}
	if e.name != "peer0" || e.secret != "peer0pw" || e.caName != "tlsca" || e.msp != "/h/tls" || e.profile != "tls" || e.as != "server" ||
		strings.Join(e.hosts, ",") != "peer0.x.prov,127.0.0.1" {
		t.Fatalf("parsed %+v", e)
	}
	e, err = parseEnrollSpec("user1:user1pw:ca:/h/msp")
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := os.Hostname(); h != "" && (len(e.hosts) != 1 || e.hosts[0] != h) {
		t.Fatalf("default hosts %v, want this host's name %q as fabric-ca-client", e.hosts, h)
	}
	for _, bad := range []string{"user1:pw:ca", "user1:pw::/h/msp", "a:b:ca:/m:tls::other", "a:b:c:d:e:f:g:h"} {
		if _, err := parseEnrollSpec(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// testCert makes a certificate signed by parent (self-signed when nil).
func testCert(t *testing.T, isCA bool, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey, []byte) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cn := "root"
	if parent != nil {
		cn = "issued" // another subject than the issuer's, or Go omits the authority key ID
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: isCA, BasicConstraintsValid: true}
	if parent == nil {
		parent, parentKey = tmpl, k
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &k.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c, k, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestSplitChain(t *testing.T) {
	root, rootKey, rootPEM := testCert(t, true, nil, nil)
	_, _, interPEM := testCert(t, true, root, rootKey)
	_, _, leafPEM := testCert(t, false, root, rootKey)
	roots, inters, err := splitChain(append(append([]byte{}, rootPEM...), interPEM...))
	if err != nil || string(roots) != string(rootPEM) || string(inters) != string(interPEM) {
		t.Fatalf("roots %q inters %q err %v", roots, inters, err)
	}
	if _, _, err := splitChain(leafPEM); err == nil {
		t.Error("a chain with a non-CA certificate accepted")
	}
	if _, _, err := splitChain(interPEM); err == nil {
		t.Error("a chain without a root accepted")
	}
}

// TestStoreLayout: the files fabric-ca-client enroll leaves (the names the
// peer, the orderer, the scripts and netdesc.LoadMSP read), and the TLS
// identity's stable names.
func TestStoreLayout(t *testing.T) {
	root, rootKey, rootPEM := testCert(t, true, nil, nil)
	_, _, leafPEM := testCert(t, false, root, rootKey)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	var r enrollResult
	r.Cert = base64.StdEncoding.EncodeToString(leafPEM)
	r.ServerInfo.CAChain = base64.StdEncoding.EncodeToString(rootPEM)
	r.ServerInfo.IssuerPublicKey = base64.StdEncoding.EncodeToString([]byte("ipk"))
	c, err := newCAClientForTest(t, "https://127.0.0.1:7054")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := c.store(enrollSpec{name: "peer0", caName: "tlsca", msp: dir, profile: "tls", as: "server"}, key, r); err != nil {
		t.Fatal(err)
	}
	pub, _ := key.PublicKey.ECDH()
	ski := sha256.Sum256(pub.Bytes())
	for name, want := range map[string]string{
		"signcerts/cert.pem":                      string(leafPEM),
		"tlscacerts/tls-127-0-0-1-7054-tlsca.pem": string(rootPEM),
		"IssuerPublicKey":                         "ipk",
		"server.crt":                              string(leafPEM),
		"ca.crt":                                  string(rootPEM),
		"keystore/" + hex.EncodeToString(ski[:]) + "_sk": "",
		"server.key": "",
	} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if want != "" && string(b) != want {
			t.Errorf("%s holds %q", name, b)
		}
	}
	kb, _ := os.ReadFile(filepath.Join(dir, "server.key"))
	blk, _ := pem.Decode(kb)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		t.Fatalf("server.key is not a PKCS#8 PEM key: %q", kb)
	}
	if k, err := x509.ParsePKCS8PrivateKey(blk.Bytes); err != nil || !k.(*ecdsa.PrivateKey).Equal(key) {
		t.Fatalf("server.key is not the enrolled key: %v", err)
	}
	// Not the tls profile: the root goes to cacerts/, no stable names.
	dir2 := t.TempDir()
	if err := c.store(enrollSpec{name: "user1", caName: "ca", msp: dir2}, key, r); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir2, "cacerts", "127-0-0-1-7054-ca.pem")); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(dir2, "server.crt")); err == nil {
		t.Error("server.crt written without AS")
	}
}

func newCAClientForTest(t *testing.T, u string) (*caClient, error) {
	f := filepath.Join(t.TempDir(), "ca.pem")
	_, _, p := testCert(t, true, nil, nil)
	if err := os.WriteFile(f, p, 0o644); err != nil {
		return nil, err
	}
	return newCAClient(u, f)
}

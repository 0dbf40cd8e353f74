package serve

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// certPair makes a certificate signed by parent (self-signed when nil).
func certPair(t *testing.T, cn string, parent *tls.Certificate, ca bool) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: ca, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	signer, signKey := tmpl, any(key)
	if parent != nil {
		signer, signKey = parent.Leaf, parent.PrivateKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

func TestPartnerMutualTLS(t *testing.T) {
	ca := certPair(t, "Partners CA", nil, true)
	other := certPair(t, "Other CA", nil, true)
	partner := certPair(t, "wholesaler-7", &ca, false)
	stranger := certPair(t, "stranger", &other, false)
	pool := x509.NewCertPool()
	pool.AddCert(ca.Leaf)

	ts := httptest.NewUnstartedServer(New(newFake(), Config{AnonBurst: 100, AnonRate: 100}))
	ts.TLS = &tls.Config{ClientCAs: pool, ClientAuth: tls.VerifyClientCertIfGiven}
	ts.StartTLS()
	defer ts.Close()
	client := func(cert *tls.Certificate) *http.Client {
		c := ts.Client()
		tr := c.Transport.(*http.Transport).Clone()
		if cert != nil {
			// sent even when the server's CA list does not name its issuer
			tr.TLSClientConfig.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
		}
		return &http.Client{Transport: tr}
	}
	view := func(c *http.Client) (string, string, error) {
		resp, err := c.Get(ts.URL + "/01/" + gtin + "/21/OK1")
		if err != nil {
			return "", "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var a Answer
		if err := json.Unmarshal(b, &a); err != nil {
			return "", "", err
		}
		return a.Prov.View, a.Prov.Owner, nil
	}
	if v, owner, err := view(client(&partner)); err != nil || v != "partner" || owner != "DistributorMSP" {
		t.Errorf("partner certificate: %q %q %v", v, owner, err)
	}
	if v, owner, err := view(client(nil)); err != nil || v != "anonymous" || owner != "" {
		t.Errorf("no certificate: %q %q %v", v, owner, err)
	}
	if _, _, err := view(client(&stranger)); err == nil {
		t.Errorf("a certificate from another CA was accepted")
	}
}

// TestSlowClientCutOff: a client sending its request one byte at a time is
// disconnected by the read-header timeout.
func TestSlowClientCutOff(t *testing.T) {
	hs := HTTPServer(New(newFake(), Config{}), nil)
	hs.ReadHeaderTimeout = 300 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
	start := time.Now()
	var werr error
	for i := 0; i < len(req) && werr == nil; i++ {
		_, werr = c.Write([]byte{req[i]})
		time.Sleep(50 * time.Millisecond)
	}
	// Either the write fails, or the server answers nothing but a close.
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	b, _ := io.ReadAll(c)
	if el := time.Since(start); el > 2500*time.Millisecond {
		t.Fatalf("slow client kept for %s", el)
	}
	if len(b) > 0 && string(b[:12]) == "HTTP/1.1 200" {
		t.Fatalf("slow client was served: %q", b)
	}
}

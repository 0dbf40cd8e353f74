package serve

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/provledger/provenance/client/serve/servetest"
)

func TestPartnerMutualTLS(t *testing.T) {
	ca := servetest.Cert("Partners CA", nil, true)
	other := servetest.Cert("Other CA", nil, true)
	partner := servetest.Cert("wholesaler-7", &ca, false)
	stranger := servetest.Cert("stranger", &other, false)
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
			servetest.SendAnyCert(tr.TLSClientConfig, cert)
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

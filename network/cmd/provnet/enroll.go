package main

// provnet enroll: an organization's enrollments at its Fabric CA in one
// process, all at once. It speaks the CA's enroll API (POST /api/v1/enroll,
// basic auth with the identity's secret, a CSR whose CN is the enrollment
// ID) and writes the MSP folder as fabric-ca-client enroll does
// (signcerts/cert.pem, keystore/<SKI>_sk, cacerts/ or, for the tls profile,
// tlscacerts/<host>-<port>-<caname>.pem, IssuerPublicKey,
// IssuerRevocationPublicKey). The CA still checks each secret and issues
// each certificate; what this saves is a fabric-ca-client process per
// identity (about 0.15 s of CPU each, ten per organization), which made up
// much of a network's start on the 2-core machine.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// enrollSpec is one enrollment: NAME:SECRET:CANAME:MSPDIR[:PROFILE[:HOSTS[:AS]]].
// HOSTS is comma-separated (default: this machine's host name, as
// fabric-ca-client); AS (server or client) also writes the TLS identity
// under stable names next to the MSP: AS.crt, AS.key and ca.crt.
type enrollSpec struct {
	name, secret, caName, msp, profile, as string
	hosts                                  []string
}

func parseEnrollSpec(s string) (enrollSpec, error) {
	f := strings.Split(s, ":")
	if len(f) < 4 || len(f) > 7 {
		return enrollSpec{}, fmt.Errorf("enrollment %q: want NAME:SECRET:CANAME:MSPDIR[:PROFILE[:HOSTS[:AS]]]", s)
	}
	for len(f) < 7 {
		f = append(f, "")
	}
	e := enrollSpec{name: f[0], secret: f[1], caName: f[2], msp: f[3], profile: f[4], as: f[6]}
	if e.name == "" || e.caName == "" || e.msp == "" {
		return enrollSpec{}, fmt.Errorf("enrollment %q: NAME, CANAME and MSPDIR are required", s)
	}
	if e.as != "" && e.as != "server" && e.as != "client" {
		return enrollSpec{}, fmt.Errorf("enrollment %q: AS must be server or client", s)
	}
	if f[5] != "" {
		e.hosts = strings.Split(f[5], ",")
	} else if h, _ := os.Hostname(); h != "" {
		e.hosts = []string{h}
	}
	return e, nil
}

func enrollMain(args []string) int {
	fs := flag.NewFlagSet("enroll", flag.ContinueOnError)
	caURL := fs.String("url", "", "the CA server, https://HOST:PORT")
	tlsCert := fs.String("tls-cert", "", "the CA server's TLS root certificate (PEM)")
	names := fs.String("names", "", "subject names of every CSR, e.g. C=US,O=Org")
	tries := fs.Int("tries", 5, "attempts per enrollment (a busy CA's sqlite may refuse one)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *caURL == "" || *tlsCert == "" || fs.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: provnet enroll -url https://HOST:PORT -tls-cert F [-names C=..,O=..] NAME:SECRET:CANAME:MSPDIR[:PROFILE[:HOSTS[:AS]]]...")
		return 2
	}
	var specs []enrollSpec
	for _, a := range fs.Args() {
		e, err := parseEnrollSpec(a)
		if err != nil {
			fmt.Fprintln(os.Stderr, "provnet enroll:", err)
			return 2
		}
		specs = append(specs, e)
	}
	subject, err := parseNames(*names)
	if err != nil {
		fmt.Fprintln(os.Stderr, "provnet enroll:", err)
		return 2
	}
	c, err := newCAClient(*caURL, *tlsCert)
	if err != nil {
		fmt.Fprintln(os.Stderr, "provnet enroll:", err)
		return 1
	}
	errs := make([]error, len(specs))
	var wg sync.WaitGroup
	for k, e := range specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for try := 1; ; try++ {
				err := c.enroll(e, subject)
				var perm permanentError
				if err == nil || try >= *tries || errors.As(err, &perm) {
					if err != nil {
						errs[k] = fmt.Errorf("enrolling %s at %s/%s failed: %w", e.name, *caURL, e.caName, err)
					}
					return
				}
				time.Sleep(200 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	rc := 0
	for _, err := range errs {
		if err != nil {
			fmt.Fprintln(os.Stderr, "provnet enroll:", err)
			rc = 1
		}
	}
	return rc
}

// parseNames reads "C=US,O=Org" into a subject (C, ST, L, O, OU).
func parseNames(s string) (pkix.Name, error) {
	var n pkix.Name
	if s == "" {
		return n, nil
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return n, fmt.Errorf("-names: %q is not KEY=VALUE", kv)
		}
		switch k {
		case "C":
			n.Country = append(n.Country, v)
		case "ST":
			n.Province = append(n.Province, v)
		case "L":
			n.Locality = append(n.Locality, v)
		case "O":
			n.Organization = append(n.Organization, v)
		case "OU":
			n.OrganizationalUnit = append(n.OrganizationalUnit, v)
		default:
			return n, fmt.Errorf("-names: unknown key %q (C, ST, L, O, OU)", k)
		}
	}
	return n, nil
}

type caClient struct {
	base  *url.URL
	http  *http.Client
	fname string // the CA chain's file name stem, as fabric-ca-client: host-port
}

func newCAClient(raw, tlsCert string) (*caClient, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("-url %q: want https://HOST:PORT", raw)
	}
	pemBytes, err := os.ReadFile(tlsCert)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		return nil, fmt.Errorf("%s holds no PEM certificate", tlsCert)
	}
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		MaxIdleConnsPerHost: 16,
	}
	r := strings.NewReplacer(":", "-", ".", "-")
	return &caClient{base: u, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}, fname: r.Replace(u.Host)}, nil
}

// caResponse is fabric-ca's (cfssl's) response envelope; result is an
// enrollResult on success.
type caResponse struct {
	Success bool            `json:"success"`
	Result  json.RawMessage `json:"result"`
	Errors  []struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
}

type enrollResult struct {
	Cert       string
	ServerInfo struct {
		CAName                    string
		CAChain                   string
		IssuerPublicKey           string
		IssuerRevocationPublicKey string
	}
}

// permanentError is a refusal that a retry cannot change (4xx: a wrong
// secret, an unknown identity, a bad request).
type permanentError struct{ error }

func (c *caClient) enroll(e enrollSpec, subject pkix.Name) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	subject.CommonName = e.name // the CA requires CN = enrollment ID
	tmpl := &x509.CertificateRequest{Subject: subject, SignatureAlgorithm: x509.ECDSAWithSHA256}
	for _, h := range e.hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	csr, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]any{
		"hosts":               e.hosts,
		"certificate_request": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr})),
		"profile":             e.profile,
		"CAName":              e.caName,
	})
	req, err := http.NewRequest(http.MethodPost, c.base.JoinPath("/api/v1/enroll").String(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.SetBasicAuth(e.name, e.secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var r caResponse
	var res enrollResult
	err = json.Unmarshal(raw, &r)
	if err == nil && r.Success && resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(r.Result, &res); err != nil {
			return fmt.Errorf("HTTP %d: unexpected result %.200s", resp.StatusCode, r.Result)
		}
		return c.store(e, key, res)
	}
	msg := fmt.Sprintf("%.200s", raw)
	if err == nil {
		var msgs []string
		for _, m := range r.Errors {
			msgs = append(msgs, fmt.Sprintf("%s (code %d)", m.Message, m.Code))
		}
		msg = strings.Join(msgs, "; ")
	}
	err = fmt.Errorf("HTTP %d: %s", resp.StatusCode, msg)
	if resp.StatusCode/100 == 4 {
		return permanentError{err}
	}
	return err
}

// store writes the enrollment as fabric-ca-client does, each file written
// whole before it is renamed into place.
func (c *caClient) store(e enrollSpec, key *ecdsa.PrivateKey, r enrollResult) error {
	certPEM, err := base64.StdEncoding.DecodeString(r.Cert)
	if err != nil {
		return fmt.Errorf("certificate: %w", err)
	}
	chain, err := base64.StdEncoding.DecodeString(r.ServerInfo.CAChain)
	if err != nil {
		return fmt.Errorf("CA chain: %w", err)
	}
	roots, inters, err := splitChain(chain)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	pub, err := key.PublicKey.ECDH()
	if err != nil {
		return err
	}
	ski := sha256.Sum256(pub.Bytes()) // Fabric's SKI: SHA-256 of the uncompressed point
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})

	fname := c.fname + "-" + e.caName + ".pem"
	rootDir, interDir := "cacerts", "intermediatecerts"
	if e.profile == "tls" {
		fname, rootDir, interDir = "tls-"+fname, "tlscacerts", "tlsintermediatecerts"
	}
	files := []outFile{
		{filepath.Join(e.msp, "signcerts", "cert.pem"), certPEM, 0o644},
		{filepath.Join(e.msp, "keystore", hex.EncodeToString(ski[:])+"_sk"), keyPEM, 0o600},
		{filepath.Join(e.msp, rootDir, fname), roots, 0o644},
	}
	if len(inters) > 0 {
		files = append(files, outFile{filepath.Join(e.msp, interDir, fname), inters, 0o644})
	}
	for _, x := range []struct{ name, b64 string }{
		{"IssuerPublicKey", r.ServerInfo.IssuerPublicKey},
		{"IssuerRevocationPublicKey", r.ServerInfo.IssuerRevocationPublicKey},
	} {
		if x.b64 == "" {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(x.b64)
		if err != nil {
			return fmt.Errorf("%s: %w", x.name, err)
		}
		files = append(files, outFile{filepath.Join(e.msp, x.name), b, 0o644})
	}
	if e.as != "" {
		files = append(files,
			outFile{filepath.Join(e.msp, e.as+".crt"), certPEM, 0o644},
			outFile{filepath.Join(e.msp, e.as+".key"), keyPEM, 0o600},
			outFile{filepath.Join(e.msp, "ca.crt"), roots, 0o644})
	}
	for _, f := range files {
		if err := writeFileAtomic(f.path, f.data, f.mode); err != nil {
			return err
		}
	}
	return nil
}

// splitChain sorts a PEM CA chain into roots (self-signed: no authority key
// ID, or one equal to the subject key ID) and intermediates.
func splitChain(chain []byte) (roots, inters []byte, err error) {
	for rest := chain; len(rest) > 0; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, nil, fmt.Errorf("CA chain: %w", err)
		}
		if !cert.IsCA {
			return nil, nil, errors.New("CA chain: a certificate in it is not a CA certificate")
		}
		if len(cert.AuthorityKeyId) == 0 || bytes.Equal(cert.AuthorityKeyId, cert.SubjectKeyId) {
			roots = append(roots, pem.EncodeToMemory(b)...)
		} else {
			inters = append(inters, pem.EncodeToMemory(b)...)
		}
	}
	if len(roots) == 0 {
		return nil, nil, errors.New("CA chain: no root certificate in the CA's answer")
	}
	return roots, inters, nil
}

type outFile struct {
	path string
	data []byte
	mode os.FileMode
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Package serve tests `prov serve` (issue 19) against a real local Fabric
// network (PROV_HOME=<repo>/.prov-serve, port base 13600 +
// PROV_TEST_PORT_OFFSET): every verdict in JSON and HTML, the linkset and
// redirects, the bulk endpoint, anonymous against partner views (mutual TLS
// and bearer token), bad input (unknown AI, bad check digit, a 10 MB body,
// 10,000 identifiers, a client sending one byte a second), graceful
// shutdown, the page in headless Chromium, and a benchmark of single
// verifications at 50 concurrent callers.
//
// It runs only with PROV_INTEGRATION=1.
package serve

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/provledger/provenance/client/serve/servetest"
	"github.com/provledger/provenance/test/harness"
)

const portBase = 13600

var pn = &harness.PackageNetwork{Home: ".prov-serve", PortBase: portBase, Shared: true}

// runner stops the package's prov serve processes before the network goes.
type runner struct{ m *testing.M }

func (r runner) Run() int {
	code := r.m.Run()
	stopServers()
	return code
}

func TestMain(m *testing.M) { os.Exit(pn.Main(runner{m})) }

var (
	runTag = time.Now().UTC().Format("150405")
	// prefix is this run's company prefix (GS1 Prefix 84x: not reserved).
	prefix string
	// fixture items, by verdict
	items = map[string]string{}
	lot   = "L" + runTag
	// bench items: genuine, for the benchmark's callers
	benchIDs []string
)

const (
	expiry      = "291231"
	description = "Serve test vial 10 ml"
	token       = "serve-test-partner-token-" + "0123456789"
)

var (
	mfr  = harness.Manufacturer
	dist = harness.Distributor
	cus  = harness.Customs
)

func gtin(ref string) string { return harness.GTIN("0", prefix, ref) }

func cli(t testing.TB) harness.CLI {
	return harness.CLI{Bin: harness.BuildProv(t), Home: pn.Net.Home, PortBase: pn.Net.PortBase}
}

// integration skips t without PROV_INTEGRATION=1 and sets the fixture up once.
func integration(t testing.TB) {
	t.Helper()
	pn.Require(t, func() error { return setup(t) })
}

// setup claims this run's prefix, registers the fixture items through the
// real CLI and brings them into every state the service reports.
func setup(t testing.TB) error {
	prefix = "84" + runTag[1:]
	c := cli(t)
	run := func(org harness.PeerOrg, user string, args ...string) error {
		r := c.Run(t, org, user, args...)
		if r.Code != 0 {
			return fmt.Errorf("%s", r)
		}
		return nil
	}
	if err := harness.ActivatePrefix(pn.Net.Home, prefix, mfr, dist, 60*time.Second); err != nil {
		return err
	}
	g := gtin("00019")
	var csv strings.Builder
	csv.WriteString("id,lot,expiry,description\n")
	for _, v := range []string{"genuine", "recalled", "stolen", "decommissioned", "held"} {
		items[v] = harness.Key(g, fmt.Sprintf("%s-%s", strings.ToUpper(v[:3]), runTag))
		fmt.Fprintf(&csv, "%s,%s,%s,%s\n", items[v], lot, expiry, description)
	}
	for i := range 20 {
		id := harness.Key(g, fmt.Sprintf("B%02d-%s", i, runTag))
		benchIDs = append(benchIDs, id)
		fmt.Fprintf(&csv, "%s,%s,%s,%s\n", id, lot, expiry, description)
	}
	items["unknown"] = harness.Key(g, "NEVER-"+runTag)
	file := filepath.Join(os.TempDir(), "prov-serve-items-"+runTag+".csv")
	if err := os.WriteFile(file, []byte(csv.String()), 0o600); err != nil {
		return err
	}
	defer os.Remove(file)
	for _, step := range []struct {
		org  harness.PeerOrg
		user string
		args []string
	}{
		{mfr, "", []string{"item", "register", "--file", file}},
		{mfr, "admin", []string{"item", "recall", items["recalled"], "--reason", "seal defect"}},
		{mfr, "", []string{"item", "report-stolen", items["stolen"]}},
		{mfr, "", []string{"item", "decommission", items["decommissioned"], "--reason", "dispensed"}},
		{cus, "", []string{"customs", "hold", items["held"], "--reason", "documents missing"}},
	} {
		if err := run(step.org, step.user, step.args...); err != nil {
			return err
		}
	}
	if err := waitPeers(); err != nil {
		return err
	}
	return startServers(t)
}

// waitPeers waits until every peer has the manufacturer peer's height.
func waitPeers() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	nodes := pn.Net.Nodes("peer")
	h, err := pn.Net.Height(ctx, nodes[0])
	if err != nil {
		return err
	}
	return pn.Net.WaitHeight(ctx, h, nodes...)
}

// ------------------------------------------------------------ servers

// server is one running prov serve.
type server struct {
	cmd    *exec.Cmd
	url    string // https://127.0.0.1:port or http://...
	stderr *strings.Builder
	mu     *sync.Mutex
	done   chan error
}

var (
	main_, limited *server // the TLS server (partners) and a plain, tightly rate-limited one
	servers        []*server
	tlsDir         string
	partnerCert    tls.Certificate
	strangerCert   tls.Certificate
	serverCAPool   *x509.CertPool
)

// startServers writes the TLS material and starts two servers as the
// manufacturer's user1: main_ (TLS, partner CA and tokens, generous rate
// limits) and limited (plain HTTP, 1 request/s, burst 2).
func startServers(t testing.TB) error {
	var err error
	tlsDir, err = os.MkdirTemp("", "prov-serve-tls-")
	if err != nil {
		return err
	}
	serverCA := servetest.Cert("Serve Test Server CA", nil, true)
	srvCert := servetest.Cert("localhost", &serverCA, false, net.ParseIP("127.0.0.1"))
	partnerCA := servetest.Cert("Serve Test Partners CA", nil, true)
	otherCA := servetest.Cert("Some Other CA", nil, true)
	partnerCert = servetest.Cert("wholesaler-7", &partnerCA, false)
	strangerCert = servetest.Cert("stranger", &otherCA, false)
	serverCAPool = x509.NewCertPool()
	serverCAPool.AddCert(serverCA.Leaf)
	files := map[string][]byte{
		"server.crt":   servetest.CertPEM(srvCert),
		"server.key":   servetest.KeyPEM(srvCert),
		"partners.pem": servetest.CertPEM(partnerCA),
		"tokens.txt":   []byte("# partners\nacme-pharmacy " + token + "\n"),
	}
	for n, b := range files {
		if err := os.WriteFile(filepath.Join(tlsDir, n), b, 0o600); err != nil {
			return err
		}
	}
	main_, err = startServer(t, "--server-cert", filepath.Join(tlsDir, "server.crt"), "--server-key", filepath.Join(tlsDir, "server.key"),
		"--partner-ca", filepath.Join(tlsDir, "partners.pem"), "--partner-tokens", filepath.Join(tlsDir, "tokens.txt"),
		"--gln", harness.GLN("950600000001"), "--rate", "100000", "--burst", "100000", "--partner-rate", "100000", "--partner-burst", "100000",
		"--link", "gs1:epil=https://brand.example/leaflet/{gtin}")
	if err != nil {
		return err
	}
	limited, err = startServer(t, "--rate", "1", "--burst", "2", "--link", "gs1:pip=https://brand.example/p/{gtin}", "--default-link-type", "gs1:pip")
	return err
}

func startServer(t testing.TB, args ...string) (*server, error) {
	bin := harness.BuildProv(t)
	full := append([]string{"serve", "--profile", mfr.Profile, "--listen", "127.0.0.1:0"}, args...)
	cmd := exec.Command(bin, full...)
	cmd.Env = append(os.Environ(), "PROV_HOME="+pn.Net.Home, fmt.Sprintf("PROV_PORT_BASE=%d", pn.Net.PortBase))
	pipe, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, stderr: &strings.Builder{}, mu: &sync.Mutex{}, done: make(chan error, 1)}
	servers = append(servers, s)
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.stderr.WriteString(line + "\n")
			s.mu.Unlock()
			if u, ok := strings.CutPrefix(line, "prov serve: listening on "); ok {
				addr <- u
			}
		}
		s.done <- cmd.Wait()
	}()
	select {
	case s.url = <-addr:
		return s, nil
	case err := <-s.done:
		return nil, fmt.Errorf("prov serve exited: %v\n%s", err, s.log())
	case <-time.After(30 * time.Second):
		return nil, fmt.Errorf("prov serve did not listen within 30 s\n%s", s.log())
	}
}

func (s *server) log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

// stop sends SIGTERM (graceful shutdown) and waits; by PID of our own child.
func (s *server) stop() error {
	if s.cmd.ProcessState != nil {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		return err
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		return fmt.Errorf("prov serve %d did not stop within 15 s of SIGTERM", s.cmd.Process.Pid)
	}
}

func stopServers() {
	for _, s := range servers {
		if err := s.stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	if tlsDir != "" {
		_ = os.RemoveAll(tlsDir)
	}
}

// client returns an HTTP client trusting the test server CA, presenting
// cert when given, and not following redirects.
func client(cert *tls.Certificate) *http.Client {
	cfg := &tls.Config{RootCAs: serverCAPool}
	if cert != nil {
		servetest.SendAnyCert(cfg, cert)
	}
	return &http.Client{
		Transport:     &http.Transport{TLSClientConfig: cfg, MaxIdleConnsPerHost: 100},
		Timeout:       60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

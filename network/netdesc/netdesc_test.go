package netdesc

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// layout is a two-org network in home: manufacturer (peer and orderer, org
// index 0) and orderer (orderer only) at index 2, as after a removed org 1.
func layout(t *testing.T, home, hosts string) Layout {
	t.Helper()
	return Layout{Home: home, Repo: "/repo", BinDir: "/repo/bin", Consensus: "bft", Channel: "supplychain",
		Chaincode: "provenance", PortBase: 15000, Hosts: hosts, Orgs: []OrgSpec{
			{Index: 0, Dir: "manufacturer", Name: "ManufacturerOrg", MSP: "ManufacturerMSP", Role: "manufacturer", Peer: true, Orderer: true},
			{Index: 2, Dir: "orderer", Name: "OrdererOrg", MSP: "OrdererMSP", Orderer: true},
		}}
}

// certPEM is a fresh self-signed certificate, with its key.
func certPEM(t *testing.T, cn string) ([]byte, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// home lays out the files Describe and NewProfile read: the TLS CAs and
// the manufacturer's admin (with TLS) and user1.
func home(t *testing.T) string {
	t.Helper()
	h := t.TempDir()
	for _, d := range []string{"manufacturer", "orderer"} {
		c, _ := certPEM(t, "tlsca."+d)
		write(t, filepath.Join(h, "orgs", d, "tlsca.pem"), c)
		c, _ = certPEM(t, "ca."+d)
		write(t, filepath.Join(h, "orgs", d, "ca", "ca-cert.pem"), c)
	}
	for _, u := range []string{"admin/msp", "admin/tls", "user1/msp"} {
		if err := os.MkdirAll(filepath.Join(h, "orgs", "manufacturer", "users", u), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

func TestDescribeLayout(t *testing.T) {
	h := home(t)
	n, err := Describe(layout(t, h, ""))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := n.Org("ManufacturerMSP")
	if m.Peer.Address != "127.0.0.1:15005" || m.Peer.Ports["operations"] != 15007 || m.ChaincodeServer.Address != "127.0.0.1:15008" {
		t.Errorf("manufacturer peer/cc: %+v %+v", m.Peer, m.ChaincodeServer)
	}
	if m.CA.URL != "https://127.0.0.1:15000" || m.CA.TLSCACert != filepath.Join(h, "orgs/manufacturer/ca/ca-cert.pem") {
		t.Errorf("manufacturer CA: %+v", m.CA)
	}
	if got := fmt.Sprint(m.Users); got != fmt.Sprintf("map[admin:{%[1]s/admin/msp %[1]s/admin/tls} user1:{%[1]s/user1/msp }]", filepath.Join(h, "orgs/manufacturer/users")) {
		t.Errorf("users as on disk: %s", got)
	}
	o, _ := n.Org("orderer")
	// Index 2 keeps its ports although index 1 is not listed (removed).
	if o.Orderer.Address != "127.0.0.1:15042" || o.Orderer.ConsenterID != 3 || o.Peer != nil || o.ConnectionProfile != "" {
		t.Errorf("orderer org: %+v", o)
	}
	if nd, _ := n.Node("peer0.manufacturer.prov"); nd.PIDFile != filepath.Join(h, "run/peer0.manufacturer.prov.pid") || nd.LedgerDir != filepath.Join(h, "data/peer0.manufacturer.prov") {
		t.Errorf("peer files: %+v", nd)
	}
	// One host per organization: the nodes are reached by name.
	nn, err := Describe(layout(t, h, HostsNetns))
	if err != nil {
		t.Fatal(err)
	}
	m, _ = nn.Org("manufacturer")
	if m.Peer.Address != "peer0.manufacturer.prov:15005" || m.CA.URL != "https://ca.manufacturer.prov:15000" {
		t.Errorf("netns addresses: %s %s", m.Peer.Address, m.CA.URL)
	}
	if addr, _ := m.Peer.OperationsAddr(); addr != "peer0.manufacturer.prov:15007" {
		t.Errorf("netns operations: %s", addr)
	}
	if addr, _ := m.CA.OperationsAddr(); addr != "ca.manufacturer.prov:15001" {
		t.Errorf("netns CA operations: %s", addr)
	}
}

func TestNetworkRoundTrip(t *testing.T) {
	h := home(t)
	n, err := Describe(layout(t, h, ""))
	if err != nil {
		t.Fatal(err)
	}
	if err := n.WriteFiles(); err != nil {
		t.Fatal(err)
	}
	back, err := Load(h)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(n, back) {
		t.Errorf("round trip:\n%+v\n%+v", n, back)
	}
	b, _ := os.ReadFile(filepath.Join(h, FileName))
	// scripts/network.sh reads the port base of an existing network with sed.
	if !strings.Contains(string(b), "\n  \"portBase\": 15000,\n") {
		t.Errorf("portBase is not on a line of its own:\n%.200s", b)
	}
	if _, err := os.Stat(filepath.Join(h, "orgs", "orderer", "connection.json")); !os.IsNotExist(err) {
		t.Errorf("an org without peer got a profile: %v", err)
	}
}

func TestBadDescriptions(t *testing.T) {
	for name, in := range map[string]string{
		"not JSON":       `{"consensus": "bft",`,
		"no orgs":        `{"channel": "c", "home": "/h", "orgs": []}`,
		"org without ca": `{"channel": "c", "home": "/h", "orgs": [{"dir": "a", "msp": "AMSP"}]}`,
		"wrong type":     `{"channel": "c", "home": "/h", "portBase": "7000", "orgs": []}`,
	} {
		if _, err := Parse([]byte(in), "x/network.json"); err == nil || !strings.Contains(err.Error(), "x/network.json") {
			t.Errorf("%s: %v (want an error naming the file)", name, err)
		}
	}
	if _, err := Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "network description") {
		t.Errorf("missing file: %v", err)
	}
	h := home(t)
	l := layout(t, h, "")
	l.Orgs[1].Dir = "manufacturer"
	if _, err := Describe(l); err == nil || !strings.Contains(err.Error(), "repeats") {
		t.Errorf("repeated dir: %v", err)
	}
	l = layout(t, h, "vlan")
	if _, err := Describe(l); err == nil || !strings.Contains(err.Error(), `hosts "vlan"`) {
		t.Errorf("bad hosts: %v", err)
	}
	l = layout(t, h, "")
	l.PortBase = 0
	if _, err := Describe(l); err == nil {
		t.Error("no port base: want error")
	}
}

func TestProfileRoundTripAndPEMEscaping(t *testing.T) {
	h := home(t)
	n, err := Describe(layout(t, h, ""))
	if err != nil {
		t.Fatal(err)
	}
	p, err := n.NewProfile("manufacturer")
	if err != nil {
		t.Fatal(err)
	}
	// A PEM with what YAML and JSON must escape: quotes, backslashes, a
	// colon-space, a leading '#', indentation and a trailing blank line.
	tricky := "-----BEGIN CERTIFICATE-----\n  indented: \"quoted\" \\ back\n# not a comment\n-----END CERTIFICATE-----\n\n"
	pp := p.Peers["peer0.manufacturer.prov"]
	pp.TLSCACerts.PEM = tricky
	p.Peers["peer0.manufacturer.prov"] = pp
	y, err := p.YAML()
	if err != nil {
		t.Fatal(err)
	}
	j, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"yaml": y, "json": j} {
		back, err := ParseProfile(b, "connection."+name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		back.path = p.path
		if !reflect.DeepEqual(p, back) {
			t.Errorf("%s round trip:\n%+v\n%+v", name, p, back)
		}
		ca, err := back.TLSCA("peer0.manufacturer.prov")
		if err != nil || string(ca) != tricky {
			t.Errorf("%s: PEM %q, %v", name, ca, err)
		}
	}
	// The CA certificates are a list in either spelling; the real one reads
	// back as a certificate.
	back, _ := ParseProfile(y, "connection.yaml")
	if pems := back.CertificateAuthorities["ca.manufacturer.prov"].TLSCACerts.PEM; len(pems) != 1 {
		t.Errorf("CA PEMs: %q", pems)
	} else if b, _ := pem.Decode([]byte(pems[0])); b == nil || b.Type != "CERTIFICATE" {
		t.Errorf("CA PEM does not decode: %q", pems[0])
	}
	ep, err := back.Endpoint("peer0.manufacturer.prov")
	if err != nil || ep.Address != "127.0.0.1:15005" || !ep.TLS || ep.ServerName != "peer0.manufacturer.prov" {
		t.Errorf("Endpoint = %+v, %v", ep, err)
	}
	if _, err := n.NewProfile("orderer"); err == nil || !strings.Contains(err.Error(), "no peer") {
		t.Errorf("profile of an org without peer: %v", err)
	}
	// A single CA certificate given as a string reads as a list of one.
	one := regexp.MustCompile(`pem:\n\s+- \|`).ReplaceAllString(string(y), "pem: |")
	if one == string(y) {
		t.Fatalf("CA pem list not found in:\n%s", y)
	}
	if back, err := ParseProfile([]byte(one), "one.yaml"); err != nil || len(back.CertificateAuthorities["ca.manufacturer.prov"].TLSCACerts.PEM) != 1 {
		t.Errorf("CA pem as a string: %v", err)
	}
	for name, in := range map[string]string{
		"no peers":   "name: x\norganizations: {}\n",
		"not yaml":   "name: [x\n",
		"peers list": "peers: [a, b]\n",
	} {
		if _, err := ParseProfile([]byte(in), "bad.yaml"); err == nil || !strings.Contains(err.Error(), "bad.yaml") {
			t.Errorf("%s: %v (want an error naming the file)", name, err)
		}
	}
}

func TestLoadMSP(t *testing.T) {
	dir := t.TempDir()
	c, k := certPEM(t, "user1")
	write(t, filepath.Join(dir, "signcerts", "cert.pem"), c)
	write(t, filepath.Join(dir, "keystore", "README"), []byte("not a key"))
	write(t, filepath.Join(dir, "keystore", "abc_sk"), k)
	id, err := LoadMSP(dir, "XMSP")
	if err != nil {
		t.Fatal(err)
	}
	if id.Cert.Subject.CommonName != "user1" || id.MSPID != "XMSP" || id.Key == nil {
		t.Errorf("identity: %+v", id)
	}
	xid, sign, err := id.Gateway()
	if err != nil || xid.MspID() != "XMSP" || sign == nil {
		t.Fatalf("Gateway: %v %v", xid, err)
	}
	if sig, err := sign(make([]byte, 32)); err != nil || len(sig) == 0 {
		t.Errorf("sign: %v", err)
	}
	if _, sign, _ := (&Identity{MSPID: "XMSP", Cert: id.Cert}).Gateway(); sign != nil {
		t.Error("an identity without key got a signer")
	}
	if _, err := LoadMSP(t.TempDir(), "X"); err == nil || !strings.Contains(err.Error(), "signcerts") {
		t.Errorf("empty dir: %v", err)
	}
	write(t, filepath.Join(dir, "keystore", "abc_sk"), []byte("garbage"))
	if _, err := LoadMSP(dir, "X"); err == nil || !strings.Contains(err.Error(), "private key") {
		t.Errorf("bad key: %v", err)
	}
}

const metricsText = `# HELP ledger_blockchain_height Height of the chain in blocks.
# TYPE ledger_blockchain_height gauge
ledger_blockchain_height{channel="other"} 3
ledger_blockchain_height{channel="supplychain"} 12
consensus_BFT_is_leader{channel="supplychain"} 1 1700000000000
odd{path="a\\b",q="say \"hi\"",nl="x\ny", other="{,}"} 2.5e+00
no_labels 7
`

func TestParseMetrics(t *testing.T) {
	s, err := ParseMetrics(strings.NewReader(metricsText))
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 5 {
		t.Fatalf("samples: %+v", s)
	}
	if v, ok := Find(s, "ledger_blockchain_height", map[string]string{"channel": "supplychain"}); !ok || v != 12 {
		t.Errorf("height = %v %v", v, ok)
	}
	if v, ok := Find(s, "consensus_BFT_is_leader", nil); !ok || v != 1 {
		t.Errorf("leader with timestamp = %v %v", v, ok)
	}
	want := map[string]string{"path": `a\b`, "q": `say "hi"`, "nl": "x\ny", "other": "{,}"}
	if !reflect.DeepEqual(s[3].Labels, want) || s[3].Value != 2.5 {
		t.Errorf("escaped labels: %+v", s[3])
	}
	if _, ok := Find(s, "ledger_blockchain_height", map[string]string{"channel": "nope"}); ok {
		t.Error("label filter ignored")
	}
	for _, bad := range []string{"x{a=\"1\" 2", "x{a=1} 2", "x 1 2 3", "x{a=\"\\q\"} 1", "x notanumber", "lonely"} {
		if _, err := ParseMetrics(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestScrapeHeightsAndLeader(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, metricsText)
	}))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	n := &Network{Channel: "supplychain", Consensus: "bft", Home: "/h", Orgs: []Org{{Dir: "a", MSP: "AMSP",
		CA:      &Node{Name: "ca.a.prov", Kind: "ca", Ports: map[string]int{"operations": 1}},
		Orderer: &Node{Name: "orderer0.a.prov", Kind: "orderer", Ports: map[string]int{"operations": port}},
		Peer:    &Node{Name: "peer0.a.prov", Kind: "peer", Address: "127.0.0.1:1", Ports: map[string]int{"operations": port}},
	}}}
	ctx := context.Background()
	if h, err := n.Height(ctx, n.Orgs[0].Peer); err != nil || h != 12 {
		t.Errorf("Height = %d %v", h, err)
	}
	if nd, err := n.Leader(ctx); err != nil || nd.Name != "orderer0.a.prov" {
		t.Errorf("Leader = %v %v", nd, err)
	}
	if h, err := n.WaitSameHeight(ctx, n.Nodes("orderer")[0], n.Orgs[0].Peer); err != nil || h != 12 {
		t.Errorf("WaitSameHeight = %d %v", h, err)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := n.WaitSameHeight(short, n.Orgs[0].Peer, n.Orgs[0].CA); err == nil || !strings.Contains(err.Error(), "ca.a.prov ?") {
		t.Errorf("unreachable node: %v", err)
	}
	if _, err := n.ChannelMetric(ctx, n.Orgs[0].Peer, "absent_metric"); err == nil || !strings.Contains(err.Error(), "no absent_metric") {
		t.Errorf("absent metric: %v", err)
	}
	if _, err := (&Node{Name: "cc"}).OperationsAddr(); err == nil {
		t.Error("node without operations port: want error")
	}
}

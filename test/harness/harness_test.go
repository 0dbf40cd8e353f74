package harness

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

const fixture = `{
  "consensus": "bft", "channel": "supplychain", "chaincode": "provenance", "portBase": 7000,
  "home": "%[1]s", "repo": "/repo", "binDir": "/repo/bin",
  "orgs": [
    {"dir": "manufacturer", "name": "ManufacturerOrg", "msp": "ManufacturerMSP", "role": "manufacturer",
     "users": {"admin": {"mspDir": "/m/admin/msp", "tlsDir": "/m/admin/tls"}, "user1": {"mspDir": "/m/user1/msp"}},
     "ca": {"name": "ca.manufacturer.prov", "kind": "ca", "org": "manufacturer", "ports": {"listen": 7000, "operations": 7001}},
     "orderer": {"name": "orderer0.manufacturer.prov", "kind": "orderer", "org": "manufacturer", "ports": {"listen": 7002, "admin": 7003, "operations": %[2]d}, "pidFile": "%[1]s/run/orderer0.manufacturer.prov.pid", "consenterId": 1},
     "peer": {"name": "peer0.manufacturer.prov", "kind": "peer", "org": "manufacturer", "ports": {"listen": 7005, "chaincode": 7006, "operations": %[2]d}},
     "chaincodeServer": {"name": "cc.manufacturer.prov", "kind": "chaincode", "org": "manufacturer", "ports": {"listen": 7008}}},
    {"dir": "orderer", "name": "OrdererOrg", "msp": "OrdererMSP", "role": "",
     "users": {"admin": {"mspDir": "/o/admin/msp"}},
     "ca": {"name": "ca.orderer.prov", "kind": "ca", "org": "orderer", "ports": {"listen": 7060, "operations": 7061}},
     "orderer": {"name": "orderer0.orderer.prov", "kind": "orderer", "org": "orderer", "ports": {"listen": 7062, "admin": 7063, "operations": 1}, "consenterId": 4}}
  ]
}`

// writeFixture writes a network.json whose manufacturer nodes use opsPort
// as their operations port.
func writeFixture(t *testing.T, opsPort int) *Network {
	t.Helper()
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "network.json"), []byte(fmt.Sprintf(fixture, home, opsPort)), 0o644); err != nil {
		t.Fatal(err)
	}
	n, err := Load(home)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLoadAndLookups(t *testing.T) {
	n := writeFixture(t, 7004)
	if n.Consensus != "bft" || n.Channel != "supplychain" || n.PortBase != 7000 {
		t.Fatalf("header: %+v", n)
	}
	o, err := n.Org("ManufacturerMSP")
	if err != nil || o.Dir != "manufacturer" || o.Users["user1"].MSPDir != "/m/user1/msp" {
		t.Fatalf("Org by MSP: %+v %v", o, err)
	}
	if _, err := n.Org("nobody"); err == nil {
		t.Fatal("unknown org: want error")
	}
	if got := len(n.Nodes("orderer")); got != 2 {
		t.Fatalf("orderers: %d", got)
	}
	if got := len(n.Nodes("")); got != 6 {
		t.Fatalf("all nodes: %d", got)
	}
	nd, err := n.Node("orderer0.orderer.prov")
	if err != nil || nd.ConsenterID != 4 || nd.Ports["admin"] != 7063 {
		t.Fatalf("Node: %+v %v", nd, err)
	}
	if _, err := n.Connect("orderer", "admin"); err == nil {
		t.Fatal("Connect to an org without peer: want error")
	}
	if _, err := n.Connect("manufacturer", "ghost"); err == nil {
		t.Fatal("Connect as unknown user: want error")
	}
}

func TestMetricsHeightAndLeader(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, `# HELP ledger_blockchain_height Height of the chain in blocks.`)
		fmt.Fprintln(w, `ledger_blockchain_height{channel="other"} 3`)
		fmt.Fprintln(w, `ledger_blockchain_height{channel="supplychain"} 42`)
		fmt.Fprintln(w, `consensus_BFT_is_leader{channel="supplychain"} 1`)
	}))
	defer srv.Close()
	_, portStr, _ := net.SplitHostPort(srv.Listener.Addr().String())
	port, _ := strconv.Atoi(portStr)
	n := writeFixture(t, port)
	ctx := context.Background()
	peer, _ := n.Node("peer0.manufacturer.prov")
	h, err := n.Height(ctx, peer)
	if err != nil || h != 42 {
		t.Fatalf("Height = %d, %v; want 42", h, err)
	}
	if err := n.WaitHeight(ctx, 42, peer); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := n.WaitHeight(short, 43, peer); err == nil {
		t.Fatal("WaitHeight beyond the height: want timeout error")
	}
	l, err := n.Leader(ctx)
	if err != nil || l.Name != "orderer0.manufacturer.prov" {
		t.Fatalf("Leader = %v, %v", l, err)
	}
	cc, _ := n.Node("cc.manufacturer.prov")
	if _, err := n.Height(ctx, cc); err == nil {
		t.Fatal("Height of a node without operations port: want error")
	}
}

func TestKillByPIDFile(t *testing.T) {
	n := writeFixture(t, 7004)
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Reap the child as soon as it dies, as an adoptive init would.
	go func() { _ = cmd.Wait() }()
	nd, _ := n.Node("orderer0.manufacturer.prov")
	if err := os.MkdirAll(filepath.Dir(nd.PIDFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(nd.PIDFile, []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if !nd.Running() {
		t.Fatal("Running before kill: want true")
	}
	if err := n.Kill(nd.Name); err != nil {
		t.Fatal(err)
	}
	if nd.Running() {
		t.Fatal("Running after kill: want false")
	}
	if err := n.Kill("peer0.nowhere.prov"); err == nil {
		t.Fatal("Kill of an unknown node: want error")
	}
}

// Package hosts runs the network with one host per organization
// (network/topology-hosts.yaml, `hosts: netns`): every organization's
// processes in a Linux network namespace of their own, with their own
// address on a bridge, reached by the host names in their TLS certificates.
// It plays the whole story (scripts/demo.sh) on it and checks that no node
// listens anywhere but on its organization's address.
package hosts

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/provledger/provenance/test/harness"
)

const portBase = 12900

func TestOneHostPerOrganization(t *testing.T) {
	if os.Getenv("PROV_INTEGRATION") != "1" {
		t.Skip("integration test: set PROV_INTEGRATION=1 to run it against a real Fabric network")
	}
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root (CI and the development machines run as root)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Fatalf("iproute2's ip is needed for network namespaces: %v", err)
	}
	repo, err := harness.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cfg := harness.Config{Home: filepath.Join(repo, ".prov-hosts-test"), PortBase: portBase, Topology: "network/topology-hosts.yaml"}
	_ = cfg.Clean(context.Background())
	// Registered before harness.Start's clean, so it runs after it.
	t.Cleanup(func() {
		if b, err := os.ReadFile("/etc/hosts"); err == nil && strings.Contains(string(b), "prov network "+cfg.Home) {
			t.Errorf("/etc/hosts still maps this network's host names after clean")
		}
		if out, err := exec.Command("ip", "netns", "list").Output(); err == nil && strings.Contains(string(out), fmt.Sprintf("prov%d-", portBase)) {
			t.Errorf("network namespaces left after clean:\n%s", out)
		}
	})
	n := harness.Start(t, cfg)

	for _, o := range n.Orgs {
		for _, nd := range []*harness.Node{o.CA, o.Orderer, o.Peer, o.ChaincodeServer} {
			if nd == nil {
				continue
			}
			if nd.Address != "" && strings.HasPrefix(nd.Address, "127.0.0.1:") {
				t.Errorf("%s is addressed as %s, not by host name", nd.Name, nd.Address)
			}
			for purpose, p := range nd.Ports {
				if reachable("127.0.0.1", p) {
					t.Errorf("%s's %s port %d answers on 127.0.0.1 of the host: it should listen only in %s's namespace", nd.Name, purpose, p, o.Dir)
				}
			}
		}
		if o.Peer != nil {
			host := strings.Split(o.Peer.Address, ":")[0]
			addrs, err := net.LookupHost(host)
			if err != nil || len(addrs) != 1 {
				t.Fatalf("%s resolves to %v (%v)", host, addrs, err)
			}
			if !reachable(addrs[0], o.Peer.Ports["listen"]) {
				t.Errorf("%s does not answer at %s:%d", o.Peer.Name, addrs[0], o.Peer.Ports["listen"])
			}
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(repo, "scripts", "demo.sh"), "--quiet")
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "PROV_HOME="+n.Home, "PROV_PORT_BASE="+strconv.Itoa(n.PortBase))
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the story on one host per organization: %v\n%s", err, out)
	}
	for _, want := range []string{"verified", "refused, as it should be", "Try next:"} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("demo output lacks %q:\n%s", want, out)
		}
	}
	t.Logf("whole story on one host per organization: %v", time.Since(start).Round(time.Millisecond))
}

func reachable(host string, port int) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort(host, fmt.Sprint(port)), 500*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

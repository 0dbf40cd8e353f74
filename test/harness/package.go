package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// PackageNetwork is the one network a test package's TestMain brings up and
// its tests share: Main brings it up (or reuses it when already up), runs the
// tests, closes the cached connections and stops it (state kept) unless
// PROV_KEEP_NETWORK=1. With Shared set and the suite's shared network of the
// package's consensus named in the environment (SharedEnv), Main attaches to
// that one instead and never stops it.
//
//	var pn = &harness.PackageNetwork{Home: ".prov-cc", PortBase: 8000, Shared: true}
//	func TestMain(m *testing.M) { os.Exit(pn.Main(m)) }
type PackageNetwork struct {
	// Home is PROV_HOME relative to the repository root, e.g. ".prov-cc".
	Home     string
	PortBase int
	// Consensus applies when the network is created; empty means the
	// script's default (bft).
	Consensus string
	// Topology is the topology file (relative to the repository root) the
	// network is created with; empty means network/topology.yaml.
	Topology string
	// Shared declares that the package may run on the suite's shared network:
	// it leaves the network as it found it (a node it stops it restarts, no
	// configuration or role change on the provenance chaincode), makes its
	// prefixes, GTINs and serials unique per run and never assumes an empty
	// ledger. Packages on one shared network run one at a time (go test -p 1).
	Shared bool
	// Fresh creates the network from scratch (removing leftovers of an
	// earlier run) and removes it after the tests, for packages that break
	// their network on purpose or need an empty ledger.
	Fresh bool

	// Net is the running network, set by Main before the tests run.
	Net *Network

	mu        sync.Mutex
	conns     map[string]*Conn
	setupOnce sync.Once
	setupErr  error
}

// SharedEnv is the environment variable naming the PROV_HOME of the running
// shared network of a consensus type: PROV_SHARED_BFT or PROV_SHARED_RAFT
// (scripts/test.sh sets PROV_SHARED_BFT).
func SharedEnv(consensus string) string {
	if consensus == "" {
		consensus = "bft"
	}
	return "PROV_SHARED_" + strings.ToUpper(consensus)
}

// sharedHome is the shared network Main attaches to, or "".
func (p *PackageNetwork) sharedHome() string {
	if !p.Shared || p.Topology != "" {
		return ""
	}
	return os.Getenv(SharedEnv(p.Consensus))
}

// OnShared tells whether the tests run on the suite's shared network, which
// they must leave running.
func (p *PackageNetwork) OnShared() bool {
	return os.Getenv("PROV_INTEGRATION") == "1" && p.sharedHome() != ""
}

// Main runs the package's tests (m.Run) on the network and returns the exit
// code. Without PROV_INTEGRATION=1 it only runs them (they skip). It takes an
// interface rather than *testing.M so that tools importing harness do not
// link the testing package.
func (p *PackageNetwork) Main(m interface{ Run() int }) int {
	if os.Getenv("PROV_INTEGRATION") != "1" {
		return m.Run() // every test skips
	}
	if home := p.sharedHome(); home != "" {
		return p.attach(m, home)
	}
	repo, err := RepoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cfg := Config{Home: filepath.Join(repo, p.Home), PortBase: p.PortBase, Consensus: p.Consensus, Topology: p.Topology}
	start := time.Now()
	if p.Fresh {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		_ = cfg.Clean(ctx)
		cancel()
	}
	if p.Net, err = upOrRetry(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "network up:", err)
		return 1
	}
	fmt.Printf("network up (%s, port base %d) in %v\n", p.Net.Consensus, p.Net.PortBase, time.Since(start).Round(time.Millisecond))
	code := p.run(m)
	if code != 0 {
		KeepLogs(cfg.Home)
	}
	if os.Getenv("PROV_KEEP_NETWORK") != "1" {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		stop := cfg.Down
		if p.Fresh {
			stop = cfg.Clean
		}
		if err := stop(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "network down:", err)
		}
		cancel()
	}
	return code
}

// attach runs the tests on the shared network at home. network.sh up is a
// no-op on a healthy network and restarts any node an earlier package left
// stopped.
func (p *PackageNetwork) attach(m interface{ Run() int }, home string) int {
	n, err := Load(home)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		p.Net, err = n.Config().Up(ctx)
		cancel()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "shared network %s (%s): %v\n", home, SharedEnv(p.Consensus), err)
		return 1
	}
	fmt.Printf("on the shared network (%s, port base %d, %s)\n", p.Net.Consensus, p.Net.PortBase, home)
	return p.run(m)
}

func (p *PackageNetwork) run(m interface{ Run() int }) int {
	code := m.Run()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	return code
}

// upOrRetry brings cfg's network up; when that fails it keeps the logs,
// cleans and tries once more from scratch (the failure is printed).
func upOrRetry(cfg Config) (*Network, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	n, err := cfg.Up(ctx)
	if err == nil {
		return n, nil
	}
	KeepLogs(cfg.Home)
	fmt.Fprintf(os.Stderr, "network up failed (attempt 1 of 2; logs in %s-logs): %v\n", cfg.Home, err)
	_ = cfg.Clean(ctx)
	return cfg.Up(ctx)
}

// KeepLogs moves home/logs to <home>-logs for a post-mortem (clean would
// remove them).
func KeepLogs(home string) {
	logs := home + "-logs"
	_ = os.RemoveAll(logs)
	_ = os.Rename(filepath.Join(home, "logs"), logs)
}

// Require skips tb unless PROV_INTEGRATION=1, and runs the package's setup
// once; its error fails every test that requires it.
func (p *PackageNetwork) Require(tb TB, setup func() error) {
	tb.Helper()
	if os.Getenv("PROV_INTEGRATION") != "1" {
		tb.Skip("integration test: set PROV_INTEGRATION=1 to run it against a real Fabric network")
	}
	p.setupOnce.Do(func() {
		if setup != nil {
			p.setupErr = setup()
		}
	})
	if p.setupErr != nil {
		tb.Fatalf("setup: %v", p.setupErr)
	}
}

// Conn returns the package's connection for org's user, opening it on first
// use; Main closes it. Safe for concurrent use.
func (p *PackageNetwork) Conn(org, user string) (*Conn, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := org + "/" + user
	if c, ok := p.conns[k]; ok {
		return c, nil
	}
	c, err := p.Net.Connect(org, user)
	if err != nil {
		return nil, err
	}
	if p.conns == nil {
		p.conns = map[string]*Conn{}
	}
	p.conns[k] = c
	return c, nil
}

// Integration skips t unless PROV_INTEGRATION=1.
func Integration(t TB) {
	t.Helper()
	if os.Getenv("PROV_INTEGRATION") != "1" {
		t.Skip("integration test: set PROV_INTEGRATION=1 (scripts/test.sh does)")
	}
}

package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// PackageNetwork is the one network a test package's TestMain brings up and
// its tests share: Main brings it up (or reuses it when already up), runs the
// tests, closes the cached connections and stops it (state kept) unless
// PROV_KEEP_NETWORK=1.
//
//	var pn = &harness.PackageNetwork{Home: ".prov-cc", PortBase: 8000}
//	func TestMain(m *testing.M) { os.Exit(pn.Main(m)) }
type PackageNetwork struct {
	// Home is PROV_HOME relative to the repository root, e.g. ".prov-cc".
	Home     string
	PortBase int
	// Consensus applies when the network is created; empty means the
	// script's default.
	Consensus string
	// Topology is the topology file (relative to the repository root) the
	// network is created with; empty means network/topology.yaml.
	Topology string

	// Net is the running network, set by Main before the tests run.
	Net *Network

	mu        sync.Mutex
	conns     map[string]*Conn
	setupOnce sync.Once
	setupErr  error
}

// Main runs the package's tests (m.Run) on the network and returns the exit
// code. Without PROV_INTEGRATION=1 it only runs them (they skip). It takes an
// interface rather than *testing.M so that tools importing harness do not
// link the testing package.
func (p *PackageNetwork) Main(m interface{ Run() int }) int {
	if os.Getenv("PROV_INTEGRATION") != "1" {
		return m.Run() // every test skips
	}
	repo, err := RepoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cfg := Config{Home: filepath.Join(repo, p.Home), PortBase: p.PortBase, Consensus: p.Consensus, Topology: p.Topology}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	start := time.Now()
	p.Net, err = cfg.Up(ctx)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "network up:", err)
		return 1
	}
	fmt.Printf("network up (%s, port base %d) in %v\n", p.Net.Consensus, p.Net.PortBase, time.Since(start).Round(time.Millisecond))
	code := m.Run()
	p.mu.Lock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	if os.Getenv("PROV_KEEP_NETWORK") != "1" {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		if err := cfg.Down(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "network down:", err)
		}
		cancel()
	}
	return code
}

// Require skips tb unless PROV_INTEGRATION=1, and runs the package's setup
// once; its error fails every test that requires it.
func (p *PackageNetwork) Require(tb TB, setup func() error) {
	tb.Helper()
	if os.Getenv("PROV_INTEGRATION") != "1" {
		tb.Skip("integration test: set PROV_INTEGRATION=1 to run it against a real Fabric network")
	}
	p.setupOnce.Do(func() { p.setupErr = setup() })
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

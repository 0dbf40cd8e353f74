package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/provledger/provenance/network/netdesc"
)

// Config names one network: its PROV_HOME, port base and consensus ("bft"
// or "raft"; empty means the script's default or the existing state's).
type Config struct {
	Home      string
	PortBase  int
	Consensus string
	// Repo is the repository root; empty means found from this source file.
	Repo string
	// Topology is the topology file relative to Repo (PROV_TOPOLOGY), used
	// when the network is created; empty means network/topology.yaml.
	Topology string
	// absolute: PortBase already includes PROV_TEST_PORT_OFFSET (a running
	// network's own base, from network.json).
	absolute bool
}

// RepoRoot returns the repository root (the directory holding go.mod).
func RepoRoot() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("cannot locate the harness source file")
	}
	dir := filepath.Dir(file)
	for {
		if _, err := os.Stat(filepath.Join(dir, "scripts", "network.sh")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repository root with scripts/network.sh not found")
		}
		dir = parent
	}
}

// PortOffset is PROV_TEST_PORT_OFFSET (default 0), added to every test
// network's port base so that two checkouts can run the same integration
// package at once without their ports colliding.
func PortOffset() int {
	n, err := strconv.Atoi(os.Getenv("PROV_TEST_PORT_OFFSET"))
	if err != nil {
		return 0
	}
	return n
}

// Script runs scripts/network.sh with the given arguments on this network and
// returns its combined output.
func (c Config) Script(ctx context.Context, args ...string) ([]byte, error) {
	repo := c.Repo
	if repo == "" {
		r, err := RepoRoot()
		if err != nil {
			return nil, err
		}
		repo = r
	}
	if c.Consensus != "" && len(args) > 0 && args[0] == "up" {
		args = append(args, "--consensus", c.Consensus)
	}
	cmd := exec.CommandContext(ctx, filepath.Join(repo, "scripts", "network.sh"), args...)
	cmd.Env = append(os.Environ(), "PROV_HOME="+c.Home)
	if c.Topology != "" {
		cmd.Env = append(cmd.Env, "PROV_TOPOLOGY="+filepath.Join(repo, c.Topology))
	}
	if c.PortBase != 0 {
		base := c.PortBase
		if !c.absolute {
			base += PortOffset()
		}
		cmd.Env = append(cmd.Env, "PROV_PORT_BASE="+strconv.Itoa(base))
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		return out.Bytes(), fmt.Errorf("network.sh %s: %w\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.Bytes(), nil
}

// Up brings the network up (creating it on first use) and loads network.json.
func (c Config) Up(ctx context.Context) (*Network, error) {
	if _, err := c.Script(ctx, "up"); err != nil {
		return nil, err
	}
	return Load(c.Home)
}

// Down stops the network's processes and keeps its state.
func (c Config) Down(ctx context.Context) error {
	_, err := c.Script(ctx, "down")
	return err
}

// Clean stops the network and removes its PROV_HOME.
func (c Config) Clean(ctx context.Context) error {
	_, err := c.Script(ctx, "clean")
	return err
}

// TB is the subset of testing.TB the harness uses; an interface of its own
// keeps the testing package out of tools that import harness (provnet).
type TB interface {
	Helper()
	Skip(args ...any)
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
	Failed() bool
	Cleanup(func())
}

// Start brings up a network for a test. It skips the test unless
// PROV_INTEGRATION=1, and always removes the network when the test ends; when
// the test failed, the logs are kept in <Home>-logs first.
func Start(t TB, c Config) *Network {
	t.Helper()
	if os.Getenv("PROV_INTEGRATION") != "1" {
		t.Skip("integration test: set PROV_INTEGRATION=1 to run it against a real Fabric network")
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if t.Failed() {
			logs := c.Home + "-logs"
			_ = os.RemoveAll(logs)
			if err := os.Rename(filepath.Join(c.Home, "logs"), logs); err == nil {
				t.Logf("network logs kept in %s", logs)
			}
		}
		if err := c.Clean(ctx); err != nil {
			t.Logf("clean network: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	out, err := c.Script(ctx, "up")
	if err != nil {
		t.Fatalf("network up: %v", err)
	}
	n, err := Load(c.Home)
	if err != nil {
		t.Fatalf("network up: %v", err)
	}
	t.Logf("network up (%s, port base %d) in %v:\n%s", n.Consensus, n.PortBase, time.Since(start).Round(time.Millisecond), out)
	return n
}

// Shared returns the network named by the environment (PROV_HOME, default
// <repo>/.prov; PROV_PORT_BASE, default 7000; PROV_CONSENSUS, default the
// script's), bringing it up if needed (a no-op when it runs) and leaving it
// running. It skips the test unless PROV_INTEGRATION=1. Use it for tests
// that do not break the network; fault tests use Start with their own home
// and port base.
func Shared(t TB) *Network {
	t.Helper()
	if os.Getenv("PROV_INTEGRATION") != "1" {
		t.Skip("integration test: set PROV_INTEGRATION=1 to run it against a real Fabric network")
	}
	repo, err := RepoRoot()
	if err != nil {
		t.Fatalf("%v", err)
	}
	c := Config{Home: os.Getenv("PROV_HOME"), Consensus: os.Getenv("PROV_CONSENSUS"), Repo: repo}
	if c.Home == "" {
		c.Home = filepath.Join(repo, ".prov")
	}
	if p := os.Getenv("PROV_PORT_BASE"); p != "" {
		if c.PortBase, err = strconv.Atoi(p); err != nil {
			t.Fatalf("PROV_PORT_BASE=%q: %v", p, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	n, err := c.Up(ctx)
	if err != nil {
		t.Fatalf("network up: %v", err)
	}
	return n
}

// config returns the Config that manages this network. network.json's port
// base is the one the network runs on, offset included: it is not offset
// again (StartNode on a network started with PROV_TEST_PORT_OFFSET once
// restarted a peer on base+2*offset).
func (n *Network) config() Config {
	return Config{Home: n.Home, PortBase: n.PortBase, Repo: n.Repo, absolute: true}
}

// Config returns the Config that manages this running network (stop-node,
// start-node, down) on its own ports.
func (n *Network) Config() Config { return n.config() }

// Kill sends SIGKILL to the named node (by its PID file) and waits until the
// process is gone.
func (n *Network) Kill(name string) error {
	nd, err := n.Node(name)
	if err != nil {
		return err
	}
	pid, err := nd.PID()
	if err != nil {
		return err
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill %s (pid %d): %w", name, pid, err)
	}
	for i := 0; i < 250; i++ {
		if !netdesc.ProcessRunning(pid) {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("%s (pid %d) still alive after SIGKILL", name, pid)
}

// StartNode (re)starts one stopped or killed node and waits for its health.
func (n *Network) StartNode(ctx context.Context, name string) error {
	_, err := n.config().Script(ctx, "start-node", name)
	return err
}

package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
)

var (
	buildOnce sync.Once
	provBin   string
	buildErr  error
)

// BuildProv builds client/cmd/prov once per test binary and returns its path.
func BuildProv(t TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "prov-bin-")
		if err != nil {
			buildErr = err
			return
		}
		provBin = filepath.Join(dir, "prov")
		repo, err := RepoRoot()
		if err != nil {
			buildErr = err
			return
		}
		cmd := exec.Command("go", "build", "-o", provBin, "./client/cmd/prov")
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build prov: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return provBin
}

// CLI runs the prov binary against one network.
type CLI struct {
	Bin      string
	Home     string // PROV_HOME
	PortBase int    // PROV_PORT_BASE
	// Timeout bounds one run (default 2 minutes); benchmarks of big
	// audits need more.
	Timeout time.Duration
}

// Result is one prov run.
type Result struct {
	Args     []string
	Stdout   string
	Stderr   string
	Code     int // exit code
	Duration time.Duration
}

func (r Result) String() string {
	return fmt.Sprintf("prov %s\nexit %d\nstdout: %s\nstderr: %s", strings.Join(r.Args, " "), r.Code, r.Stdout, r.Stderr)
}

// Code returns the refusal code in the run's output, or "".
func (r Result) RefusalCode() domain.Code {
	if c := domain.CodeOf(errors.New(r.Stderr)); c != "" {
		return c
	}
	return domain.CodeOf(errors.New(r.Stdout))
}

// Run runs prov as user of org with args (global flags first). It never
// fails the test itself; callers assert on the Result.
func (c CLI) Run(t TB, org PeerOrg, user string, args ...string) Result {
	t.Helper()
	full := append([]string{"--profile", org.Profile}, args...)
	if user != "" {
		full = append([]string{"--user", user}, full...)
	}
	return c.RunRaw(t, full...)
}

// RunRaw runs prov with exactly args.
func (c CLI) RunRaw(t TB, args ...string) Result {
	t.Helper()
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Bin, args...)
	cmd.Env = append(os.Environ(), "PROV_HOME="+c.Home, fmt.Sprintf("PROV_PORT_BASE=%d", c.PortBase), "NO_COLOR=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := Result{Args: args, Stdout: out.String(), Stderr: errb.String(), Duration: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.Code = ee.ExitCode()
	default:
		r.Code = -1
		r.Stderr += "\n" + err.Error()
	}
	c.settle()
	return r
}

// settle waits (at most 10 s, silently) for the network's peers to settle
// (Network.Settle). prov waits for the commit on its own gateway peer only;
// the next command, by another org, is endorsed or read on that org's peer,
// which on a busy machine may still be a block behind and would answer from
// stale state. Run after every prov run: a bulk command that exits 1 may
// still have committed.
func (c CLI) settle() {
	n, err := Load(c.Home)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = n.Settle(ctx)
}

// Settle waits until every running peer has the blocks the highest one has.
func (n *Network) Settle(ctx context.Context) error {
	var live []*Node
	var top uint64
	for _, p := range n.Nodes("peer") {
		if !p.Running() {
			continue
		}
		if h, err := n.Height(ctx, p); err == nil {
			live = append(live, p)
			top = max(top, h)
		}
	}
	return n.WaitHeight(ctx, top, live...)
}

// OK runs prov and fails the test unless it exits 0.
func (c CLI) OK(t TB, org PeerOrg, user string, args ...string) Result {
	t.Helper()
	r := c.Run(t, org, user, args...)
	if r.Code != 0 {
		t.Fatalf("want exit 0:\n%s", r)
	}
	return r
}

// JSON runs prov with -o json, requires exit 0 and decodes stdout into v.
func (c CLI) JSON(t TB, v any, org PeerOrg, user string, args ...string) {
	t.Helper()
	r := c.OK(t, org, user, append(args, "-o", "json")...)
	if err := json.Unmarshal([]byte(r.Stdout), v); err != nil {
		t.Fatalf("decode JSON of %s: %v", r, err)
	}
}

// CLI returns a prov runner for this network.
func (n *Network) CLI(bin string) CLI { return CLI{Bin: bin, Home: n.Home, PortBase: n.PortBase} }

// Package clitest runs the built prov binary against a live local Fabric
// network: every command, and the main refusals (wrong org, bad GTIN,
// unknown item, not the owner, unapproved prefix, a peer down).
//
//	PROV_INTEGRATION=1 go test ./test/cli/ -v
//
// The network is the suite's shared one under scripts/test.sh, else its own
// under <repo>/.prov-cli on port base 9000 (harness.PackageNetwork), ordered
// by PROV_CLI_CONSENSUS (bft, the default, or raft) when it is created. The
// tests use fresh serial numbers and prefixes on every run and restart any
// peer they stop.
package clitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/test/harness"
)

var pn = &harness.PackageNetwork{Home: ".prov-cli", PortBase: 9000, Consensus: os.Getenv("PROV_CLI_CONSENSUS"), Shared: true}

func TestMain(m *testing.M) { os.Exit(pn.Main(m)) }

var (
	prov  string           // the built binary
	net   *harness.Network // the running network
	env   []string         // PROV_HOME etc. for every prov run
	runID = strconv.FormatInt(time.Now().Unix()%100000, 10)
)

// integration skips a test without PROV_INTEGRATION=1; the first one builds
// prov and sets up the environment of its runs.
func integration(t testing.TB) {
	t.Helper()
	pn.Require(t, setup)
	prov = harness.BuildProv(t)
}

func setup() error {
	net = pn.Net
	// A clean environment: nothing from the developer's shell leaks in.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PROV_") {
			env = append(env, kv)
		}
	}
	env = append(env, "PROV_HOME="+net.Home)
	return nil
}

// result is one prov run.
type result struct {
	args   []string
	out    string
	err    string
	code   int
	elapse time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("prov %s -> exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(r.args, " "), r.code, r.out, r.err)
}

// run runs prov with args.
func run(t testing.TB, args ...string) result {
	t.Helper()
	return runEnv(t, nil, args...)
}

func runEnv(t testing.TB, extra []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, prov, args...)
	cmd.Env = append(append([]string(nil), env...), extra...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := result{args: args, out: out.String(), err: errb.String(), elapse: time.Since(start)}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run prov %v: %v", args, err)
	}
	if r.code == 0 && isChange(args) {
		settle(t)
	}
	return r
}

// isChange tells the commands that submit transactions.
func isChange(args []string) bool {
	if len(args) < 2 {
		return false
	}
	switch args[0] + " " + args[1] {
	case "item register", "item recall", "item report-stolen", "item decommission", "item inspect",
		"transfer offer", "transfer accept", "transfer reject", "transfer cancel",
		"customs hold", "customs release",
		"prefix claim", "prefix approve", "prefix reject", "prefix revoke", "prefix reopen":
		return true
	}
	return false
}

// settle waits until every running peer has the blocks the highest one
// has. prov waits for its commit on its own gateway peer only; the next
// command, by another org, is endorsed on that org's peer, which may be a
// block behind for a few milliseconds and would then refuse on stale state.
func settle(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := net.Settle(ctx); err != nil {
		t.Logf("peers did not settle: %v", err)
	}
}

// ok runs prov and requires exit 0.
func ok(t testing.TB, args ...string) result {
	t.Helper()
	r := run(t, args...)
	if r.code != 0 {
		t.Fatalf("want success: %s", r)
	}
	return r
}

// okJSON runs prov -o json, requires exit 0 and decodes stdout into v.
func okJSON(t testing.TB, v any, args ...string) result {
	t.Helper()
	r := ok(t, append(args, "-o", "json")...)
	if err := json.Unmarshal([]byte(r.out), v); err != nil {
		t.Fatalf("decode JSON of %s: %v", r, err)
	}
	return r
}

// refused runs prov, requires exit 1 and a message starting with code
// that names a transaction when tx is true.
func refused(t testing.TB, code domain.Code, tx bool, args ...string) result {
	t.Helper()
	r := run(t, args...)
	if r.code != 1 || !strings.HasPrefix(r.err, string(code)+": ") {
		t.Fatalf("want exit 1 and %s: %s", code, r)
	}
	if tx != strings.Contains(r.err, "(transaction ") {
		t.Errorf("transaction ID named = %v, want %v: %s", !tx, tx, r)
	}
	return r
}

// listAll runs an item list command page by page (500 a page) and returns
// every item: a shared ledger holds other packages' items too.
func listAll(t testing.TB, args ...string) []domain.Item {
	t.Helper()
	var all []domain.Item
	bookmark := ""
	for {
		var page domain.ItemPage
		a := append(append([]string(nil), args...), "--limit", "500")
		if bookmark != "" {
			a = append(a, "--bookmark", bookmark)
		}
		okJSON(t, &page, a...)
		all = append(all, page.Items...)
		if page.Bookmark == "" || len(page.Items) < 500 {
			return all
		}
		bookmark = page.Bookmark
	}
}

// usage runs prov and requires exit 2.
func usage(t testing.TB, args ...string) result {
	t.Helper()
	r := run(t, args...)
	if r.code != 2 || !strings.Contains(r.err, "--help' for usage") {
		t.Fatalf("want usage error (exit 2): %s", r)
	}
	return r
}

// gtin builds a valid GTIN-14 under a 7-digit company prefix: indicator 0,
// prefix, a 5-digit item reference, check digit.
func gtin(t testing.TB, prefix string, ref int) string {
	t.Helper()
	body := fmt.Sprintf("0%s%05d", prefix, ref)
	body = body[:13]
	cd, err := domain.CheckDigit(body)
	if err != nil {
		t.Fatal(err)
	}
	return body + strconv.Itoa(cd)
}

// item returns a fresh canonical item key of the run.
func item(t testing.TB, g, name string) string {
	t.Helper()
	return "01/" + g + "/21/" + name + "-" + runID
}

// ensurePrefix makes prefix ACTIVE for the manufacturer (idempotent).
func ensurePrefix(t testing.TB, prefix string) {
	t.Helper()
	r := run(t, "prefix", "show", prefix, "-p", "customs", "-o", "json")
	var p domain.Prefix
	if r.code == 0 {
		_ = json.Unmarshal([]byte(r.out), &p)
	}
	if p.Status == domain.PrefixActive {
		return
	}
	if p.Status == "" {
		ok(t, "prefix", "claim", prefix, "--licence", "GS1-TEST-"+prefix, "-p", "manufacturer", "-u", "admin")
	}
	ok(t, "prefix", "approve", prefix, "-p", "distributor", "-u", "admin")
}

// peerNode returns the org's peer node from network.json.
func peerNode(t testing.TB, org string) *harness.Node {
	t.Helper()
	o, err := net.Org(org)
	if err != nil || o.Peer == nil {
		t.Fatalf("org %s: %v", org, err)
	}
	return o.Peer
}

// prefixFor returns a 7-digit company prefix unique to this run and name.
func prefixFor(n int) string {
	id, _ := strconv.Atoi(runID)
	return fmt.Sprintf("93%d%04d", n, id%10000) // GS1 Prefix 93x: not a reserved range
}

// Package bulk runs prov's bulk custody commands (issue 16) through the
// built prov binary on a real local Fabric network (PROV_HOME=<repo>/.prov-bulk,
// port base 13300 + PROV_TEST_PORT_OFFSET): a 2,000-item shipment from a
// file with a recalled and a foreign item, its re-run, a run that fails in
// the middle, --dry-run, decommission with a note and show of 1,000 IDs.
// Every run makes its own company prefix and serials; the ledger may hold
// anything else. It runs only with PROV_INTEGRATION=1.
package bulk

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/test/harness"
)

var pn = &harness.PackageNetwork{Home: ".prov-bulk", PortBase: 13300, Shared: true}

func TestMain(m *testing.M) { os.Exit(pn.Main(m)) }

var (
	runTag = time.Now().UTC().Format("150405")
	prefix string // this run's company prefix, ACTIVE for the manufacturer
)

var (
	mfr  = harness.Manufacturer
	dist = harness.Distributor
	cus  = harness.Customs
)

func integration(t *testing.T) {
	t.Helper()
	pn.Require(t, func() error { return setup(t) })
}

// setup claims and approves this run's prefix (in the first
// test that needs it) and waits until every peer has the approval.
func setup(t *testing.T) error {
	prefix = "88" + runTag[1:] // 7 digits, GS1 prefix 88x: not reserved
	return harness.ActivatePrefix(pn.Net.Home, prefix, mfr, dist, 60*time.Second)
}

func cli(t *testing.T) harness.CLI {
	return harness.CLI{Bin: harness.BuildProv(t), Home: pn.Net.Home, PortBase: pn.Net.PortBase}
}

func conn(t *testing.T, org harness.PeerOrg) *harness.Conn {
	return harness.Connect(t, pn.Net.Home, org, "user1")
}

// items returns n fresh canonical keys under gtin(ref) for this run.
func items(ref, tag string, n int) []string {
	g := harness.GTIN("0", prefix, ref)
	ids := make([]string, n)
	for i := range ids {
		ids[i] = harness.Key(g, fmt.Sprintf("%s%s-%d", tag, runTag, i))
	}
	return ids
}

// file writes lines into a file in the test's temp dir.
func file(t *testing.T, name string, lines []string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// register registers ids through prov item register --file; a run that
// times out on a loaded machine is simply run again (re-runs skip what
// committed).
func register(t *testing.T, ids []string) {
	t.Helper()
	f := file(t, "register.txt", ids)
	for try := 1; ; try++ {
		r := cli(t).Run(t, mfr, "", "item", "register", "--file", f, "--batch-size", "500", "--commit-timeout", "3m", "-o", "json")
		if r.Code == 0 {
			return
		}
		if try == 3 {
			t.Fatalf("register:\n%.2000s", r)
		}
		t.Logf("register try %d: exit %d: %.300s", try, r.Code, r.Stderr)
	}
}

// summary is prov's bulk -o json output.
type summary struct {
	Action       string   `json:"action"`
	Items        []string `json:"items"`
	Planned      []string `json:"planned"`
	Transactions []struct {
		TxID  string   `json:"txId"`
		Block uint64   `json:"block"`
		Items []string `json:"items"`
	} `json:"transactions"`
	Skipped []struct {
		Line   int    `json:"line"`
		ID     string `json:"id"`
		Reason string `json:"reason"`
	} `json:"skipped"`
	Failed []struct {
		Line  int         `json:"line"`
		ID    string      `json:"id"`
		Code  domain.Code `json:"code"`
		Error string      `json:"error"`
	} `json:"failed"`
}

func decode(t *testing.T, r harness.Result) summary {
	t.Helper()
	var s summary
	if err := json.Unmarshal([]byte(r.Stdout), &s); err != nil {
		t.Fatalf("prov output is not the JSON summary (%v):\n%s", err, r)
	}
	return s
}

// statuses reads the items through the manufacturer's peer.
func statuses(t *testing.T, ids []string) map[domain.Status]int {
	t.Helper()
	out := map[domain.Status]int{}
	c := conn(t, mfr)
	for _, chunk := range chunk(ids, 1000) {
		b, err := json.Marshal(chunk)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := c.Evaluate("GetItems", string(b))
		if err != nil {
			t.Fatal(err)
		}
		var its []*domain.Item
		if err := json.Unmarshal(raw, &its); err != nil {
			t.Fatal(err)
		}
		for _, it := range its {
			if it == nil {
				out["MISSING"]++
			} else {
				out[it.Status]++
			}
		}
	}
	return out
}

func chunk(ids []string, n int) [][]string {
	var out [][]string
	for len(ids) > n {
		out, ids = append(out, ids[:n]), ids[n:]
	}
	return append(out, ids)
}

// waitFor polls cond until it holds or d passes.
func waitFor(ctx context.Context, d time.Duration, cond func() bool) bool {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(200 * time.Millisecond):
		}
	}
	return true
}

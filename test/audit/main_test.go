// Package audit tests customs audit at scale (issue 15) on a live local
// network (PROV_HOME=<repo>/.prov-audit, port base 13000 +
// PROV_TEST_PORT_OFFSET): a declaration with every verdict prov audit gives,
// sightings of counterfeit serials recorded with prov item inspect, prov
// verify of many IDs, and a benchmark of audits of 10,000 items.
//
// It runs only with PROV_INTEGRATION=1. Every run claims a fresh company
// prefix and fresh serials, and nothing assumes an empty ledger.
package audit

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/provledger/provenance/test/harness"
)

var pn = &harness.PackageNetwork{Home: ".prov-audit", PortBase: 13000, Shared: true}

func TestMain(m *testing.M) { os.Exit(pn.Main(m)) }

var (
	runTag = time.Now().UTC().Format("150405")
	// prefix is this run's company prefix, ACTIVE for the manufacturer.
	prefix string
)

var (
	mfr  = harness.Manufacturer
	dist = harness.Distributor
	cus  = harness.Customs
)

func integration(t testing.TB) {
	t.Helper()
	pn.Require(t, func() error { return setup(t) })
}

// setup claims this run's prefix through prov (the manufacturer's admin
// claims, the distributor's approves: a majority of three) and waits until
// every peer has it ACTIVE.
func setup(t testing.TB) error {
	prefix = "89" + runTag[1:] // 7 digits, GS1 Prefix 89x: not reserved
	return harness.ActivatePrefix(pn.Net.Home, prefix, mfr, dist, 60*time.Second)
}

func cli(t testing.TB) harness.CLI {
	return harness.CLI{Bin: harness.BuildProv(t), Home: pn.Net.Home, PortBase: pn.Net.PortBase}
}

// prov runs prov as org's user1 (admin with user "admin") and fails the
// test unless it exits 0.
func prov(t testing.TB, org harness.PeerOrg, user string, args ...string) harness.Result {
	t.Helper()
	return cli(t).OK(t, org, user, args...)
}

// gtin builds a GTIN-14 under this run's prefix.
func gtin(ref string) string { return harness.GTIN("0", prefix, ref) }

// writeFile writes a temporary file and returns its path.
func writeFile(t testing.TB, name, body string) string {
	t.Helper()
	p := t.TempDir() + "/" + name
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitPeers waits until every peer has every block, so the next command's
// endorsers agree.
func waitPeers(t testing.TB) {
	t.Helper()
	var conns []*harness.Conn
	for _, o := range harness.Orgs {
		conns = append(conns, harness.Connect(t, pn.Net.Home, o, "user1"))
	}
	harness.WaitSameHeight(t, 60*time.Second, conns...)
}

// auditResult is `prov audit -o json` (client/audit.Report).
type auditResult struct {
	Suspect bool `json:"suspect"`
	Counts  []struct {
		Verdict string `json:"verdict"`
		Lines   int    `json:"lines"`
	} `json:"counts"`
	Results []struct {
		Line     int    `json:"line"`
		Input    string `json:"input"`
		Item     string `json:"item"`
		Verdict  string `json:"verdict"`
		Status   string `json:"status"`
		Verified bool   `json:"verified"`
		Findings []struct {
			Verdict    string `json:"verdict"`
			Reason     string `json:"reason"`
			TxID       string `json:"txId"`
			Block      uint64 `json:"block"`
			BlockKnown bool   `json:"blockKnown"`
		} `json:"findings"`
	} `json:"results"`
	Warnings []string `json:"warnings"`
}

func decodeAudit(t testing.TB, r harness.Result) auditResult {
	t.Helper()
	var a auditResult
	if err := json.Unmarshal([]byte(r.Stdout), &a); err != nil {
		t.Fatalf("prov audit output is not JSON (%v):\n%s", err, r)
	}
	return a
}

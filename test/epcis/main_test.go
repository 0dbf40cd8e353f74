// Package epcis tests `prov export epcis` and `prov import epcis` (issue 15)
// on live networks: a story played with the prov binary on the package's
// network (PROV_HOME=<repo>/.prov-epcis, port base 13200 +
// PROV_TEST_PORT_OFFSET) is exported, validated against GS1's EPCIS 2.0 JSON
// schema (fetched from the npm registry, see client/epcis/epcistest), and
// imported into a fresh ledger: a second network (<repo>/.prov-epcis-fresh,
// port base 13280 + offset) that the test brings up and removes (keeps with
// PROV_KEEP_NETWORK=1: a later run's items are under a new prefix, which
// that ledger has never seen). Both
// networks must then hold the same items, owners, statuses and records.
//
// It runs only with PROV_INTEGRATION=1.
package epcis

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/provledger/provenance/test/harness"
)

const (
	portBase      = 13200
	freshPortBase = 13280 // ports base..base+68: no overlap with portBase's
)

var pn = &harness.PackageNetwork{Home: ".prov-epcis", PortBase: portBase, Shared: true}

func TestMain(m *testing.M) { os.Exit(pn.Main(m)) }

var (
	mfr  = harness.Manufacturer
	dist = harness.Distributor
	cus  = harness.Customs
)

// activatePrefix claims prefix for the manufacturer and approves it (2 of 3
// admins), then waits until every peer of the network sees it ACTIVE.
func activatePrefix(t *testing.T, cli harness.CLI, prefix string) {
	t.Helper()
	if err := harness.ActivatePrefix(cli.Home, prefix, mfr, dist, 60*time.Second); err != nil {
		t.Fatal(err)
	}
}

// freshNetwork brings up the second network (10 minutes allowed: CA
// enrollment alone took 214 s on the shared machine) and removes it when the
// test ends unless PROV_KEEP_NETWORK=1.
func freshNetwork(t *testing.T) *harness.Network {
	t.Helper()
	repo := pn.Net.Repo
	cfg := harness.Config{Home: filepath.Join(repo, ".prov-epcis-fresh"), PortBase: freshPortBase, Repo: repo}
	if os.Getenv("PROV_KEEP_NETWORK") != "1" {
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			if err := cfg.Clean(ctx); err != nil {
				t.Logf("clean %s: %v", cfg.Home, err)
			}
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	start := time.Now()
	n, err := cfg.Up(ctx)
	if err != nil {
		t.Fatalf("fresh network up: %v", err)
	}
	t.Logf("fresh network up (port base %d) in %v", n.PortBase, time.Since(start).Round(time.Second))
	return n
}

// Package epcis tests `prov export epcis` and `prov import epcis` (issue 15)
// on live networks: a story played with the prov binary on the package's
// network (PROV_HOME=<repo>/.prov-epcis, port base 13200 +
// PROV_TEST_PORT_OFFSET) is exported, validated against GS1's EPCIS 2.0 JSON
// schema (fetched from the npm registry, see client/epcis/epcistest), and
// imported into a fresh ledger: a second network (<repo>/.prov-epcis-fresh,
// port base 13280 + offset) that the test brings up and removes. Both
// networks must then hold the same items, owners, statuses and records.
//
// It runs only with PROV_INTEGRATION=1.
package epcis

import (
	"os"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/test/e2e/provtest"
	"github.com/provledger/provenance/test/harness"
)

const (
	portBase      = 13200
	freshPortBase = 13280 // ports base..base+68: no overlap with portBase's
)

var pn = &harness.PackageNetwork{Home: ".prov-epcis", PortBase: portBase}

func TestMain(m *testing.M) { os.Exit(pn.Main(m)) }

var (
	mfr  = provtest.Manufacturer
	dist = provtest.Distributor
	cus  = provtest.Customs
)

// activatePrefix claims prefix for the manufacturer and approves it (2 of 3
// admins), then waits until every peer of the network sees it ACTIVE.
func activatePrefix(t *testing.T, cli provtest.CLI, prefix string) {
	t.Helper()
	cli.OK(t, mfr, "admin", "prefix", "claim", prefix, "--licence", "GS1-LIC-"+prefix)
	cli.OK(t, dist, "admin", "prefix", "approve", prefix)
	for _, o := range provtest.Orgs {
		deadline := time.Now().Add(30 * time.Second)
		for {
			var p domain.Prefix
			r := cli.Run(t, o, "user1", "prefix", "show", prefix, "-o", "json")
			if r.Code == 0 && jsonInto(r.Stdout, &p) == nil && p.Status == domain.PrefixActive {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("prefix %s not ACTIVE on %s's peer: %s", prefix, o.Dir, r)
			}
			time.Sleep(300 * time.Millisecond)
		}
	}
}

// Package roleviews checks, through the built prov binary on a real local
// Fabric network (PROV_HOME=<repo>/.prov-roleviews, port base 13500 +
// PROV_TEST_PORT_OFFSET), what each role needs to see (issue 16): items
// offered to the distributor, held by customs, recalled; recall counts and
// the unknown-lot refusal; prov recall list; the event stream's lines; and
// the two bugs (a lot recall's scope in events watch, item show's last event
// time). Every run uses its own company prefix and serials and never
// assumes an empty ledger.
//
// It runs only with PROV_INTEGRATION=1.
package roleviews

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/test/harness"
)

var pn = &harness.PackageNetwork{Home: ".prov-roleviews", PortBase: 13500, Shared: true}

func TestMain(m *testing.M) { os.Exit(pn.Main(m)) }

var (
	runTag = time.Now().UTC().Format("150405")
	// prefix is this run's company prefix (GS1 Prefix 88x: not reserved),
	// ACTIVE for the manufacturer once setup ran.
	prefix = "88" + runTag[1:]

	mfr  = harness.Manufacturer
	dist = harness.Distributor
	cus  = harness.Customs
)

func cli(t testing.TB) harness.CLI {
	return harness.CLI{Bin: harness.BuildProv(t), Home: pn.Net.Home, PortBase: pn.Net.PortBase}
}

// integration skips t without PROV_INTEGRATION=1 and, once, gets this run's
// prefix claimed and approved through prov itself.
func integration(t *testing.T) {
	t.Helper()
	pn.Require(t, func() error { return setup(t) })
}

func setup(t *testing.T) error {
	return harness.ActivatePrefix(pn.Net.Home, prefix, mfr, dist, 60*time.Second)
}

// gtin builds a GTIN-14 under this run's prefix.
func gtin(ref string) string { return harness.GTIN("0", prefix, ref) }

// registerLot registers n fresh items of gtin g in lot through prov item
// register --file and returns their keys.
func registerLot(t *testing.T, g, lot string, n int) []string {
	t.Helper()
	var b strings.Builder
	b.WriteString("gtin,serial,lot\n")
	ids := make([]string, n)
	for i := range ids {
		s := fmt.Sprintf("%s-%s-%d", lot, runTag, i)
		ids[i] = harness.Key(g, s)
		fmt.Fprintf(&b, "%s,%s,%s\n", g, s, lot)
	}
	f := t.TempDir() + "/items.csv"
	if err := os.WriteFile(f, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cli(t).OK(t, mfr, "", "item", "register", "--file", f)
	return ids
}

// listIDs runs prov item list with args (-o json, --all) and returns the
// listed IDs.
func listIDs(t *testing.T, org harness.PeerOrg, args ...string) []string {
	t.Helper()
	var page domain.ItemPage
	cli(t).JSON(t, &page, org, "", append([]string{"item", "list", "--all"}, args...)...)
	if page.Bookmark != "" {
		t.Fatalf("item list %v --all left a bookmark", args)
	}
	ids := make([]string, len(page.Items))
	for i, it := range page.Items {
		ids[i] = it.ID
	}
	return ids
}

// ours keeps the IDs of gtin g (the ledger may hold other runs' items).
func ours(ids []string, g string) []string {
	var out []string
	for _, id := range ids {
		if strings.HasPrefix(id, "01/"+g+"/") {
			out = append(out, id)
		}
	}
	return out
}

func count(t *testing.T, org harness.PeerOrg, args ...string) int {
	t.Helper()
	var c struct{ Count int }
	cli(t).JSON(t, &c, org, "", append([]string{"item", "list", "--count"}, args...)...)
	return c.Count
}

func itoa(n uint64) string { return fmt.Sprint(n) }

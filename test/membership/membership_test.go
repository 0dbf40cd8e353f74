// Package membership changes the consortium of a running network:
// scripts/network.sh add-org and remove-org, on SmartBFT and on Raft, with the
// roles governed on the ledger. Each test brings up a network of its own (it
// changes its membership) and removes it at the end.
package membership

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/test/harness"
)

var wholesaler = harness.PeerOrg{Dir: "wholesaler", Profile: "Wholesaler", MSP: "WholesalerMSP", Role: domain.RoleDistributor}

func TestAddRemoveOrgBFT(t *testing.T)  { addRemoveStory(t, "bft", 12700) }
func TestAddRemoveOrgRaft(t *testing.T) { addRemoveStory(t, "raft", 12800) }

// addRemoveStory: a third distributor joins a running network; until a
// majority approves its role it can read but not act; then items travel to it
// and back; then it is removed (its role first, by a majority vote, its items
// frozen where they are), after which it can do nothing and nobody else can
// move what it held; the items' histories, which span both membership changes
// and their config blocks, still verify.
func addRemoveStory(t *testing.T, consensus string, portBase int) {
	if os.Getenv("PROV_INTEGRATION") != "1" {
		t.Skip("integration test: set PROV_INTEGRATION=1 to run it against a real Fabric network")
	}
	cfg := harness.Config{Home: harness.NetHome("membership-" + consensus), PortBase: portBase, Consensus: consensus}
	_ = cfg.Clean(context.Background())
	n := harness.Start(t, cfg)
	c := harness.CLI{Bin: harness.BuildProv(t), Home: n.Home, PortBase: n.PortBase}
	mfr, dist, cust := harness.Manufacturer, harness.Distributor, harness.Customs

	tag := harness.Unique()
	p := "93" + fmt.Sprintf("%05d", time.Now().UnixNano()/1e3%100000)
	c.OK(t, mfr, "admin", "prefix", "claim", p, "--licence", "GS1-LIC-"+p)
	c.OK(t, dist, "admin", "prefix", "approve", p)
	gtin := harness.GTIN("0", p, "00003")
	a, b := harness.Key(gtin, "A"+tag), harness.Key(gtin, "B"+tag)
	c.OK(t, mfr, "", "item", "register", a)
	c.OK(t, mfr, "", "item", "register", b)

	start := time.Now()
	out := script(t, cfg, "add-org", "wholesaler", "--role", "distributor", "--no-vote")
	t.Logf("add-org (%s, channel part, no vote): %v", consensus, time.Since(start).Round(100*time.Millisecond))
	if !strings.Contains(out, "added WholesalerOrg (WholesalerMSP, distributor)") {
		t.Fatalf("add-org output:\n%s", out)
	}

	// On the channel, no role yet: it reads, it cannot act, nobody can ship to it.
	var it domain.Item
	c.JSON(t, &it, wholesaler, "", "item", "show", a)
	if it.Owner != mfr.MSP {
		t.Fatalf("the new org reads %s as %+v", a, it)
	}
	refused(t, c, domain.CodeUnknownOrg, wholesaler, "", "item", "report-stolen", a)
	refused(t, c, domain.CodeUnknownOrg, mfr, "", "transfer", "offer", a, "--to", wholesaler.MSP)

	start = time.Now()
	vote(t, n, "-kind", "add", "-msp", wholesaler.MSP, "-role", "distributor")
	t.Logf("role vote (%s): %v", consensus, time.Since(start).Round(100*time.Millisecond))

	ship := func(id string, from, to harness.PeerOrg) {
		t.Helper()
		c.OK(t, from, "", "transfer", "offer", id, "--to", to.MSP)
		c.OK(t, to, "", "transfer", "accept", id)
	}
	ship(a, mfr, dist)
	ship(a, dist, wholesaler)
	ship(a, wholesaler, dist)
	ship(b, mfr, dist)
	ship(b, dist, wholesaler)

	start = time.Now()
	out = script(t, cfg, "remove-org", "wholesaler")
	t.Logf("remove-org (%s, vote and channel part): %v", consensus, time.Since(start).Round(100*time.Millisecond))
	if !strings.Contains(out, "removed WholesalerMSP from channel") {
		t.Fatalf("remove-org output:\n%s", out)
	}
	// Its items stay where they are, frozen: nobody else can move them.
	for _, o := range []harness.PeerOrg{mfr, dist, cust} {
		c.JSON(t, &it, o, "", "item", "show", b)
		if it.Owner != wholesaler.MSP {
			t.Errorf("%s sees %s as %+v after the removal; want it frozen with %s", o.MSP, b, it, wholesaler.MSP)
		}
	}
	refused(t, c, domain.CodeNotOwner, dist, "", "transfer", "offer", b, "--to", cust.MSP)
	// The removed org's own peer is stopped and its MSP is off the channel:
	// its identities cannot reach the ledger through another org's peer either.
	r := c.RunRaw(t, "--profile", dist.Profile, "--msp-id", wholesaler.MSP,
		"--msp-dir", filepath.Join(n.Home, "orgs", "wholesaler", "users", "user1", "msp"), "item", "report-stolen", b)
	if r.Code == 0 {
		t.Errorf("the removed org still acts through the distributor's peer:\n%s", r)
	}

	for _, id := range []string{a, b} {
		r := c.Run(t, cust, "", "verify", id)
		if r.Code != 0 {
			t.Errorf("verify %s across the membership changes:\n%s", id, r)
		}
	}
}

func refused(t *testing.T, c harness.CLI, code domain.Code, org harness.PeerOrg, user string, args ...string) {
	t.Helper()
	r := c.Run(t, org, user, args...)
	if r.Code != 1 || r.RefusalCode() != code {
		t.Fatalf("want exit 1 with %s:\n%s", code, r)
	}
}

func script(t *testing.T, cfg harness.Config, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := cfg.Script(ctx, args...)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return string(out)
}

// vote runs the local network's vote helper (the same the scripts use).
func vote(t *testing.T, n *harness.Network, args ...string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(n.Home, "bin", "provnet"), append([]string{"vote-role", "-home", n.Home}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("vote-role %v: %v\n%s", args, err, out)
	}
}

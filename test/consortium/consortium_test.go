// Package consortium runs the test topology (network/topology-consortium.yaml):
// the default network plus a rival manufacturer and a second distributor
// (a wholesaler), each with a peer of its own. Through the built prov binary
// it checks what one role held by two organizations must guarantee: a rival
// brand cannot claim, register under or recall the brand's prefix, and items
// move between two organizations of the same role. prov itself knows nothing
// of the topology: every org is reached through its own profile.
package consortium

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/test/harness"
)

const portBase = 12500

var pn = &harness.PackageNetwork{Home: ".prov-consortium", PortBase: portBase, Topology: "network/topology-consortium.yaml"}

func TestMain(m *testing.M) { os.Exit(pn.Main(m)) }

// The organizations of the consortium topology, as prov's --profile names them.
var (
	brand      = harness.Manufacturer
	dist       = harness.Distributor
	customs    = harness.Customs
	rival      = harness.PeerOrg{Dir: "rival", Profile: "Rival", MSP: "RivalMSP", Role: domain.RoleManufacturer}
	wholesaler = harness.PeerOrg{Dir: "wholesaler", Profile: "Wholesaler", MSP: "WholesalerMSP", Role: domain.RoleDistributor}
	allOrgs    = []harness.PeerOrg{brand, dist, customs, rival, wholesaler}
)

func cli(t *testing.T) harness.CLI {
	pn.Require(t, func() error { return nil })
	return harness.CLI{Bin: harness.BuildProv(t), Home: pn.Net.Home, PortBase: pn.Net.PortBase}
}

// activate claims prefix p for org and collects approvals from the other
// named orgs until it is ACTIVE (a majority of the five role orgs: three).
func activate(t *testing.T, c harness.CLI, org harness.PeerOrg, p string, approvers ...harness.PeerOrg) {
	t.Helper()
	c.OK(t, org, "admin", "prefix", "claim", p, "--licence", "GS1-LIC-"+p)
	for _, a := range approvers {
		c.OK(t, a, "admin", "prefix", "approve", p)
	}
	var got domain.Prefix
	c.JSON(t, &got, org, "", "prefix", "show", p)
	if got.Status != domain.PrefixActive || got.Owner != org.MSP {
		t.Fatalf("prefix %s: %+v, want ACTIVE for %s", p, got, org.MSP)
	}
}

// refused runs prov and requires a refusal with the given code, exit 1.
func refused(t *testing.T, c harness.CLI, code domain.Code, org harness.PeerOrg, user string, args ...string) {
	t.Helper()
	r := c.Run(t, org, user, args...)
	if r.Code != 1 || r.RefusalCode() != code {
		t.Fatalf("want exit 1 with %s:\n%s", code, r)
	}
}

// TestCrossBrand: the brand owns a prefix; an infiltrated rival manufacturer
// (a role it legitimately holds) tries to take it over or mint serials under
// it. Every attempt is refused with its code and the brand's records are
// unchanged, seen from every organization's peer.
func TestCrossBrand(t *testing.T) {
	c := cli(t)
	tag := harness.Unique()
	p := "95" + fmt.Sprintf("%05d", time.Now().UnixNano()/1e3%100000) // 7 digits
	activate(t, c, brand, p, dist, customs)
	gtin := harness.GTIN("0", p, "00001")
	item := harness.Key(gtin, "B"+tag)
	c.OK(t, brand, "", "item", "register", item, "--lot", "L1")

	refused(t, c, domain.CodePrefixTaken, rival, "admin", "prefix", "claim", p, "--licence", "FAKE-1")
	refused(t, c, domain.CodePrefixTaken, rival, "admin", "prefix", "claim", p+"1", "--licence", "FAKE-2")
	refused(t, c, domain.CodePrefixTaken, rival, "admin", "prefix", "claim", p[:6], "--licence", "FAKE-3")
	refused(t, c, domain.CodePrefixNotActive, rival, "", "item", "register", harness.Key(gtin, "R"+tag))
	refused(t, c, domain.CodeNotOwner, rival, "", "item", "recall", item, "--reason", "sabotage")
	refused(t, c, domain.CodeNotOwner, rival, "admin", "item", "recall", "--gtin", gtin, "--reason", "sabotage")
	refused(t, c, domain.CodeNotOwner, rival, "", "transfer", "offer", item, "--to", wholesaler.MSP)

	for _, o := range allOrgs {
		var it domain.Item
		c.JSON(t, &it, o, "", "item", "show", item)
		if it.Owner != brand.MSP || it.Manufacturer != brand.MSP || it.Status != domain.StatusActive || it.Recall != nil {
			t.Errorf("%s sees %s as %+v after the rival's attempts", o.MSP, item, it)
		}
		var pr domain.Prefix
		c.JSON(t, &pr, o, "", "prefix", "show", p)
		if pr.Owner != brand.MSP || pr.Status != domain.PrefixActive {
			t.Errorf("%s sees prefix %s as %+v", o.MSP, p, pr)
		}
	}
	// The rival's own prefix works for its own products only.
	rp := "91" + p[2:]
	activate(t, c, rival, rp, wholesaler, customs)
	c.OK(t, rival, "", "item", "register", harness.Key(harness.GTIN("0", rp, "00001"), "R"+tag))
	refused(t, c, domain.CodePrefixNotActive, brand, "", "item", "register", harness.Key(harness.GTIN("0", rp, "00002"), "B"+tag))
}

// TestSameRoleTransfer: items move from the brand to one distributor, on to a
// second distributor with a peer of its own, and back; every org's peer
// agrees on owner and status after each step, and the history verifies
// through the wholesaler's peer.
func TestSameRoleTransfer(t *testing.T) {
	c := cli(t)
	tag := harness.Unique()
	p := "94" + fmt.Sprintf("%05d", time.Now().UnixNano()/1e3%100000)
	activate(t, c, brand, p, dist, wholesaler)
	gtin := harness.GTIN("0", p, "00007")
	var ids []string
	for i := 0; i < 3; i++ {
		ids = append(ids, harness.Key(gtin, fmt.Sprintf("S%s-%d", tag, i)))
	}
	for _, id := range ids {
		c.OK(t, brand, "", "item", "register", id)
	}

	move := func(from, to harness.PeerOrg) {
		t.Helper()
		c.OK(t, from, "", append(append([]string{"transfer", "offer"}, ids...), "--to", to.MSP)...)
		c.OK(t, to, "", append([]string{"transfer", "accept"}, ids...)...)
		expectOwner(t, c, ids, to.MSP)
	}
	move(brand, dist)
	move(dist, wholesaler)
	// The first distributor no longer holds them.
	refused(t, c, domain.CodeNotOwner, dist, "", "transfer", "offer", ids[0], "--to", wholesaler.MSP)
	move(wholesaler, dist)
	move(dist, wholesaler)

	// A recalled item goes back to its brand (or to customs), never on to
	// another trader.
	c.OK(t, brand, "admin", "item", "recall", ids[1], "--reason", "seal defect")
	refused(t, c, domain.CodeRecalled, wholesaler, "", "transfer", "offer", ids[1], "--to", dist.MSP)
	c.OK(t, wholesaler, "", "transfer", "offer", ids[1], "--to", brand.MSP)

	r := c.Run(t, wholesaler, "", "verify", ids[0])
	if r.Code != 0 || !strings.Contains(r.Stdout, "verified") {
		t.Fatalf("verify through the wholesaler's peer:\n%s", r)
	}
}

// expectOwner waits until every org's peer shows each item ACTIVE with owner.
func expectOwner(t *testing.T, c harness.CLI, ids []string, owner string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var problems []string
		for _, o := range allOrgs {
			for _, id := range ids {
				r := c.Run(t, o, "", "item", "show", id, "-o", "json")
				var it domain.Item
				if r.Code != 0 || json.Unmarshal([]byte(r.Stdout), &it) != nil {
					problems = append(problems, r.String())
					continue
				}
				if it.Owner != owner || it.Status != domain.StatusActive {
					problems = append(problems, fmt.Sprintf("%s sees %s owned by %s, %s", o.MSP, it.ID, it.Owner, it.Status))
				}
			}
		}
		if len(problems) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("owner %s not seen everywhere:\n%s", owner, strings.Join(problems, "\n"))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

package units

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/epcis"
	"github.com/provledger/provenance/client/verify"
	"github.com/provledger/provenance/test/harness"
)

const (
	cases   = 10
	perCase = 1000
)

// TestPalletLifecycle: 10 cases of 1,000 items on a pallet, packed,
// offered, accepted, held and released by customs, partly unpacked, single
// items shipped; every item's owner, status and containers from every org's
// peer; an item inside cannot move alone; non-owners are refused.
func TestPalletLifecycle(t *testing.T) {
	integration(t)
	m, d, c := conn(t, mfr), conn(t, dist), conn(t, cus)
	caseIDs := make([]string, cases)
	var all [][]string
	var regTimes []time.Duration
	for k := 0; k < cases; k++ {
		start := time.Now()
		all = append(all, register(t, m, "7"+fmt.Sprintf("%04d", k), "u"+runTag, perCase))
		regTimes = append(regTimes, time.Since(start))
		caseIDs[k] = sscc(1000 + k)
	}
	// The reference for the packing figure, measured in the same run: a
	// registration writes new keys only, 1,000 per transaction too.
	t.Logf("FIGURE register 1,000 items, submit to commit (same run, reference): %v", regTimes)
	pallet := sscc(999)
	var packTimes []time.Duration
	for k := 0; k < cases; k++ {
		packTimes = append(packTimes, timed(t, m, "PackUnit", caseIDs[k], js(all[k])))
	}
	t.Logf("FIGURE pack 1,000 items into a new case, submit to commit (loaded machine, order of magnitude): %v", packTimes)
	// The pallet's packing is endorsed by the other orgs' peers too: they
	// must have the cases (NOT_FOUND on a peer a block behind, seen in the
	// test command).
	waitPeers(t)
	t.Logf("FIGURE pack 10 cases into a pallet: %v", timed(t, m, "PackUnit", pallet, js(caseIDs)))

	inside := all[3][17]
	refused(t, m, domain.CodePacked, "OfferTransfer", inside, dist.MSP)
	refused(t, m, domain.CodePacked, "OfferTransfer", caseIDs[3], dist.MSP)

	t.Logf("FIGURE offer of the 10,000-item pallet: %v", timed(t, m, "OfferTransfer", pallet, dist.MSP))
	// Each act below is endorsed by its submitter's peer first, which may be
	// a block behind the previous submitter's (timed waits for that one only).
	waitPeers(t)
	refused(t, c, domain.CodeNotRecipient, "AcceptTransfer", pallet)
	t.Logf("FIGURE accept of the 10,000-item pallet: %v", timed(t, d, "AcceptTransfer", pallet))
	waitPeers(t)

	// Customs holds the pallet: the owner can neither ship nor unpack it.
	t.Logf("hold: %v", timed(t, c, "HoldItems", pallet, "x-ray "+runTag))
	waitPeers(t)
	refused(t, d, domain.CodeOnHold, "OfferTransfer", pallet, cus.MSP)
	refused(t, d, domain.CodeOnHold, "UnpackUnit", pallet, js([]string{caseIDs[0]}))
	waitPeers(t)
	if it := m.MustItem(t, inside); it.Hold == nil || it.Hold.By != cus.MSP || it.Owner != dist.MSP {
		t.Fatalf("item in held pallet = %+v", it)
	}
	t.Logf("release: %v", timed(t, c, "ReleaseItems", pallet))
	waitPeers(t)

	// Non-owners (genuine chaincode): the former owner and customs.
	refused(t, m, domain.CodeNotOwner, "UnpackUnit", pallet, js([]string{caseIDs[0]}))
	refused(t, m, domain.CodeNotOwner, "OfferTransfer", pallet, cus.MSP)
	refused(t, c, domain.CodeNotOwner, "PackUnit", pallet, js([]string{all[0][0]}))
	refused(t, d, domain.CodePacked, "OfferTransfer", inside, cus.MSP)

	// Partly unpacked: one case off the pallet, five items out of it (both
	// need the manufacturer's peers as well: the keys were packed under
	// its policy; the gateway finds them), one item shipped to customs.
	t.Logf("FIGURE unpack 1 case from the pallet: %v", timed(t, d, "UnpackUnit", pallet, js([]string{caseIDs[0]})))
	// The next unpack is endorsed by the manufacturer's peer too: it must
	// have the block that took the case off the pallet (timed waits for the
	// submitter's peer only).
	waitPeers(t)
	loose := all[0][:5]
	t.Logf("FIGURE unpack 5 items from the case: %v", timed(t, d, "UnpackUnit", caseIDs[0], js(loose)))
	waitPeers(t)
	shipped := loose[0]
	timed(t, d, "OfferTransfer", shipped, cus.MSP)
	timed(t, c, "AcceptTransfer", shipped)
	waitPeers(t)

	want := func(k, i int) (owner string, containers int) {
		switch {
		case k == 0 && i == 0:
			return cus.MSP, 0
		case k == 0 && i < 5:
			return dist.MSP, 0
		case k == 0:
			return dist.MSP, 1
		}
		return dist.MSP, 2
	}
	for _, o := range []*harness.Conn{m, d, c} {
		bad := 0
		for k := 0; k < cases; k++ {
			for i, it := range items(t, o, all[k]) {
				owner, nc := want(k, i)
				if it == nil || it.Owner != owner || it.Status != domain.StatusActive || len(it.Containers) != nc || it.Hold != nil {
					if bad++; bad < 5 {
						t.Errorf("%s: item %s = %+v, want owner %s ACTIVE in %d units", o.Org.Dir, all[k][i], it, owner, nc)
					}
				}
			}
		}
		if bad > 0 {
			t.Fatalf("%s's peer: %d of %d items wrong", o.Org.Dir, bad, cases*perCase)
		}
		t.Logf("%s's peer: all %d items right", o.Org.Dir, cases*perCase)
	}
	// The item's history names the units it travelled in.
	h, err := d.History(loose[1])
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 3 || h[1].Type != domain.EventPacked || h[1].Unit != caseIDs[0] || h[2].Type != domain.EventUnpacked || h[2].To != dist.MSP {
		t.Fatalf("history of an unpacked item = %+v", h)
	}
	ph, err := d.History(pallet)
	if err != nil {
		t.Fatal(err)
	}
	var types []domain.EventType
	for _, e := range ph {
		types = append(types, e.Type)
	}
	t.Logf("pallet history: %v", types)
	cli := harness.CLI{Bin: harness.BuildProv(t), Home: pn.Net.Home, PortBase: pn.Net.PortBase}
	r := cli.Run(t, dist, "user1", "unit", "history", loose[1])
	if r.Code != 0 || !strings.Contains(r.Stdout, caseIDs[0]) {
		t.Errorf("prov unit history %s: exit %d, want 0 naming %s\n%s%s", loose[1], r.Code, caseIDs[0], r.Stdout, r.Stderr)
	}
	// The item travelled in the case and the pallet: its record verifies,
	// and so do the case's and the pallet's chains, as part of its custody.
	v := verifyJSON(t, cli, loose[1])
	for _, want := range []string{
		"container seq 2 PACKED", "container seq 3 UNPACKED",
		"container unit " + caseIDs[0] + ": seq 3 PACKED", "container unit " + caseIDs[0] + ": seq 4 UNPACKED",
		"transition unit " + caseIDs[0] + ": unit " + pallet + ": seq 4 ACCEPTED",
		"unit-contents unit " + caseIDs[0] + ": seq 2 PACKED",
	} {
		if !v[want] {
			t.Errorf("prov verify %s: no passed step %q", loose[1], want)
		}
	}
	// EPCIS: the case travelled as one EPC; its packing and unpacking are
	// AggregationEvents naming the SSCC (schema validation: client/epcis).
	exp := cli.Run(t, dist, "user1", "export", "epcis", pallet, caseIDs[0], loose[1])
	var doc epcis.Document
	if exp.Code != 0 || json.Unmarshal([]byte(exp.Stdout), &doc) != nil {
		t.Fatalf("prov export epcis %s %s %s: exit %d\n%s%s", pallet, caseIDs[0], loose[1], exp.Code, exp.Stdout, exp.Stderr)
	}
	dl := func(id string) string { return "https://id.gs1.org/" + id }
	got := map[string]int{}
	for _, ev := range doc.EPCISBody.EventList {
		switch {
		case ev.Type == "AggregationEvent":
			got[ev.Action+" "+ev.ParentID+" "+strings.Join(ev.ChildEPCs, ",")]++
		case ev.BizStep == "shipping" || ev.BizStep == "receiving":
			got[ev.BizStep+" "+strings.Join(ev.EPCList, ",")]++
		}
	}
	// Packed: the item into the case, the case onto the pallet (one event
	// each, children among the exported IDs); unpacked the same way; the
	// pallet shipped and received by its SSCC.
	wantAgg := map[string]int{
		"ADD " + dl(caseIDs[0]) + " " + dl(loose[1]): 1, "ADD " + dl(pallet) + " " + dl(caseIDs[0]): 1,
		"DELETE " + dl(caseIDs[0]) + " " + dl(loose[1]): 1, "DELETE " + dl(pallet) + " " + dl(caseIDs[0]): 1,
		"shipping " + dl(pallet): 1, "receiving " + dl(pallet): 1,
	}
	if js(got) != js(wantAgg) {
		t.Errorf("prov export epcis: aggregations and shipments %s, want %s", js(got), js(wantAgg))
	}
	// The pallet's own chain and its contents' packing events.
	v = verifyJSON(t, cli, pallet)
	for _, want := range []string{"unit-contents seq 2 PACKED", "unit-contents seq 7 UNPACKED", "transition seq 4 ACCEPTED"} {
		if !v[want] {
			t.Errorf("prov verify %s: no passed step %q", pallet, want)
		}
	}
}

// verifyJSON runs prov verify -o json as the distributor, asserts exit 0 and
// returns the passed steps as "check subject".
func verifyJSON(t *testing.T, cli harness.CLI, id string) map[string]bool {
	t.Helper()
	r := cli.Run(t, dist, "user1", "verify", id, "-o", "json")
	if r.Code != 0 {
		t.Errorf("prov verify %s: exit %d\n%s%s", id, r.Code, r.Stdout, r.Stderr)
	}
	var out struct {
		Reports []struct {
			Steps []verify.Step `json:"steps"`
		} `json:"reports"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &out); err != nil || len(out.Reports) != 1 {
		t.Fatalf("prov verify %s -o json: %v\n%s", id, err, r.Stdout)
	}
	passed := map[string]bool{}
	for _, s := range out.Reports[0].Steps {
		if s.OK {
			passed[s.Check+" "+s.Subject] = true
		}
	}
	t.Logf("prov verify %s: %d checks passed in %s", id, len(passed), r.Duration.Round(time.Millisecond))
	return passed
}

// TestLooseOfferCurve: commit time of loose offers against items per
// transaction (a figure: each item key carries its own key-level policy).
func TestLooseOfferCurve(t *testing.T) {
	if os.Getenv("PROV_BENCH") != "1" {
		t.Skip("a figure, not a test: PROV_BENCH=1 prints the loose-offer commit curve")
	}
	integration(t)
	m := conn(t, mfr)
	for _, n := range []int{100, 200, 500, 1000} {
		ids := register(t, m, "6"+fmt.Sprintf("%04d", n), "c"+runTag, n)
		t.Logf("FIGURE loose offer of %d items in one transaction: %v", n, timed(t, m, "OfferTransfer", js(ids), dist.MSP))
	}
}

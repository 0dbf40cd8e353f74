// Package e2e plays the three roles' story (the one scripts/demo.sh shows) on
// a real local network through the built prov binary, and after every step
// asserts what the ledger says from each organization's own peer.
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/verify"
	"github.com/provledger/provenance/test/harness"
)

const portBase = 12000

var pn = &harness.PackageNetwork{Home: ".prov-e2e", PortBase: portBase, Shared: true}

func TestMain(m *testing.M) { os.Exit(pn.Main(m)) }

// world is the story's cast: a prov runner and one gateway connection per org.
type world struct {
	t     *testing.T
	cli   harness.CLI
	views map[string]*harness.Conn // MSP -> that org's user1 through its own peer
}

func newWorld(t *testing.T) *world {
	w := &world{t: t, cli: pn.Net.CLI(harness.BuildProv(t)), views: map[string]*harness.Conn{}}
	for _, o := range harness.Orgs {
		w.views[o.MSP] = harness.Connect(t, pn.Net.Home, o, "user1")
	}
	return w
}

// want is what one item must look like after a step.
type want struct {
	Owner     string
	Status    domain.Status
	OfferedTo string
	Held      bool
	Recalled  bool
	Reason    string
}

// expectItems waits (peers commit a block at slightly different moments)
// until every org's peer returns the same JSON for each item and that JSON
// matches w, then checks the CLI's JSON view as viewer agrees.
func (w *world) expectItems(step string, viewer harness.PeerOrg, items map[string]want) {
	w.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var problems []string
	for {
		problems = problems[:0]
		for id, exp := range items {
			var first string
			for _, o := range harness.Orgs {
				b, err := w.views[o.MSP].Evaluate("GetItem", id)
				if err != nil {
					problems = append(problems, fmt.Sprintf("%s sees %s: %v", o.MSP, id, err))
					continue
				}
				if first == "" {
					first = string(b)
				} else if string(b) != first {
					problems = append(problems, fmt.Sprintf("%s's peer disagrees on %s:\n  %s\n  %s", o.MSP, id, first, b))
				}
				var it domain.Item
				if err := json.Unmarshal(b, &it); err != nil {
					problems = append(problems, fmt.Sprintf("%s: item JSON: %v", o.MSP, err))
					continue
				}
				if p := check(it, exp); p != "" {
					problems = append(problems, fmt.Sprintf("%s sees %s: %s", o.MSP, id, p))
				}
			}
		}
		if len(problems) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(problems) > 0 {
		w.t.Fatalf("after %q:\n%s", step, strings.Join(problems, "\n"))
	}
	// The CLI, as viewer, says the same.
	for id, exp := range items {
		var it domain.Item
		w.cli.JSON(w.t, &it, viewer, "user1", "item", "show", id)
		if p := check(it, exp); p != "" {
			w.t.Fatalf("after %q: prov item show %s as %s: %s", step, id, viewer.MSP, p)
		}
	}
}

func check(it domain.Item, w want) string {
	var p []string
	if it.Owner != w.Owner {
		p = append(p, fmt.Sprintf("owner %q, want %q", it.Owner, w.Owner))
	}
	if it.Status != w.Status {
		p = append(p, fmt.Sprintf("status %q, want %q", it.Status, w.Status))
	}
	if it.OfferedTo != w.OfferedTo {
		p = append(p, fmt.Sprintf("offeredTo %q, want %q", it.OfferedTo, w.OfferedTo))
	}
	if (it.Hold != nil) != w.Held {
		p = append(p, fmt.Sprintf("hold %+v, want held=%v", it.Hold, w.Held))
	}
	if (it.Recall != nil) != w.Recalled {
		p = append(p, fmt.Sprintf("recall %+v, want recalled=%v", it.Recall, w.Recalled))
	}
	if w.Reason != "" && it.Reason != w.Reason {
		p = append(p, fmt.Sprintf("reason %q, want %q", it.Reason, w.Reason))
	}
	return strings.Join(p, ", ")
}

// refused runs a prov command that the ledger must refuse with code, and
// checks that the affected items did not change on any peer.
func (w *world) refused(code domain.Code, org harness.PeerOrg, user string, ids []string, args ...string) {
	w.t.Helper()
	before := w.views[org.MSP].Snap(w.t, ids...)
	r := w.cli.Run(w.t, org, user, args...)
	if r.Code != 1 || r.RefusalCode() != code {
		w.t.Fatalf("want exit 1 with %s:\n%s", code, r)
	}
	after := w.views[org.MSP].Snap(w.t, ids...)
	if d := before.Diff(after); d != "" {
		w.t.Fatalf("refused %v changed the ledger: %s", args, d)
	}
}

func TestThreeRolesStory(t *testing.T) {
	harness.Integration(t)
	w := newWorld(t)
	start := time.Now()
	mfr, dst, cus := harness.Manufacturer, harness.Distributor, harness.Customs

	prefix := harness.RunPrefix("43") // unclaimed: the story claims it
	gtin := harness.GTIN("0", prefix, "00001")
	run := harness.Unique()
	lot := "LOT" + run
	ids := make([]string, 6)
	for i := range ids {
		ids[i] = harness.Key(gtin, fmt.Sprintf("S%s%02d", run, i+1))
	}

	// 1. Prefix governance: claim by the manufacturer's admin, approval by
	// customs' admin: 2 of 3 orgs (the claimant counts) make it ACTIVE.
	w.cli.OK(t, mfr, "admin", "prefix", "claim", prefix, "--licence", "GS1-DE-"+prefix)
	for _, o := range harness.Orgs {
		p := w.prefix(o, prefix, domain.PrefixPending)
		if p.Status != domain.PrefixPending || p.Owner != mfr.MSP || !slices.Equal(p.Approvals, []string{mfr.MSP}) {
			t.Fatalf("after claim, %s sees prefix %+v; want PENDING owned by %s with its approval", o.MSP, p, mfr.MSP)
		}
	}
	// Registering under a pending prefix is refused.
	w.refused(domain.CodePrefixNotActive, mfr, "user1", []string{ids[0]}, "item", "register", ids[0], "--lot", lot)

	w.cli.OK(t, cus, "admin", "prefix", "approve", prefix)
	for _, o := range harness.Orgs {
		p := w.prefix(o, prefix, domain.PrefixActive)
		if p.Status != domain.PrefixActive || !slices.Equal(p.Approvals, []string{cus.MSP, mfr.MSP}) {
			t.Fatalf("after approval, %s sees prefix %+v; want ACTIVE approved by Customs and Manufacturer", o.MSP, p)
		}
	}
	var pv domain.Prefix
	w.cli.JSON(t, &pv, dst, "user1", "prefix", "show", prefix)
	if pv.Status != domain.PrefixActive {
		t.Fatalf("prov prefix show as distributor: %+v", pv)
	}

	// 2. The manufacturer registers a lot of six items in one transaction.
	file := filepath.Join(t.TempDir(), "items.txt")
	var lines []string
	for i := range ids {
		lines = append(lines, fmt.Sprintf("https://id.gs1.org/01/%s/10/%s/21/S%s%02d", gtin, lot, run, i+1))
	}
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h0, _ := w.views[mfr.MSP].Height()
	w.cli.OK(t, mfr, "user1", "item", "register", "--file", file)
	all := func(wt want) map[string]want {
		m := map[string]want{}
		for _, id := range ids {
			m[id] = wt
		}
		return m
	}
	w.expectItems("register", dst, all(want{Owner: mfr.MSP, Status: domain.StatusActive}))
	if h1, _ := w.views[mfr.MSP].Height(); h1 != h0+1 {
		t.Errorf("a batch of 6 took %d blocks, want one transaction in one block", h1-h0)
	}
	for _, id := range ids {
		it := w.views[cus.MSP].MustItem(t, id)
		if it.Lot != lot || it.GTIN != gtin || it.Manufacturer != mfr.MSP {
			t.Fatalf("registered item %+v: want lot %s gtin %s manufacturer %s", it, lot, gtin, mfr.MSP)
		}
	}
	// Re-running the same file is safe: skipped, nothing changes.
	before := w.views[mfr.MSP].Snap(t, ids...)
	if r := w.cli.Run(t, mfr, "user1", "item", "register", "--file", file); r.Code != 0 {
		t.Fatalf("re-running a registration file must report skips, not fail:\n%s", r)
	}
	if d := before.Diff(w.views[mfr.MSP].Snap(t, ids...)); strings.Contains(d, "01/") {
		t.Fatalf("re-run changed items: %s", d)
	}

	// 3. Ship all six to the distributor.
	w.cli.OK(t, mfr, "user1", append(append([]string{"transfer", "offer"}, ids...), "--to", dst.MSP)...)
	w.expectItems("offer", mfr, all(want{Owner: mfr.MSP, Status: domain.StatusInTransit, OfferedTo: dst.MSP}))
	// In transit: cannot be offered again, nor accepted by anyone else.
	w.refused(domain.CodeInvalidTransition, mfr, "user1", ids[:1], "transfer", "offer", ids[0], "--to", cus.MSP)
	w.refused(domain.CodeNotRecipient, cus, "user1", ids[:1], "transfer", "accept", ids[0])

	// 4. The distributor accepts four and rejects two (they go back).
	w.cli.OK(t, dst, "user1", "transfer", "accept", ids[0], ids[1], ids[2], ids[3])
	w.cli.OK(t, dst, "user1", "transfer", "reject", ids[4], ids[5])
	exp := map[string]want{}
	for i, id := range ids {
		if i < 4 {
			exp[id] = want{Owner: dst.MSP, Status: domain.StatusActive}
		} else {
			exp[id] = want{Owner: mfr.MSP, Status: domain.StatusActive}
		}
	}
	w.expectItems("accept 4, reject 2", cus, exp)
	// The manufacturer no longer holds the accepted ones.
	w.refused(domain.CodeNotOwner, mfr, "user1", ids[:1], "transfer", "offer", ids[0], "--to", cus.MSP)

	// 5. Customs holds one, inspects it, releases it.
	held := ids[1]
	w.cli.OK(t, cus, "user1", "customs", "hold", held, "--reason", "random border check")
	exp[held] = want{Owner: dst.MSP, Status: domain.StatusActive, Held: true}
	w.expectItems("hold", dst, exp)
	if it := w.views[mfr.MSP].MustItem(t, held); it.Hold.By != cus.MSP || it.Hold.Reason != "random border check" {
		t.Fatalf("hold as seen by the manufacturer: %+v", it.Hold)
	}
	w.refused(domain.CodeOnHold, dst, "user1", []string{held}, "transfer", "offer", held, "--to", mfr.MSP)
	w.refused(domain.CodeWrongRole, dst, "user1", []string{held}, "customs", "release", held)
	gln := harness.GLN("401234500010")
	w.cli.OK(t, cus, "user1", "item", "inspect", held, "--location", gln, "--result", "match")
	w.cli.OK(t, cus, "user1", "customs", "release", held)
	exp[held] = want{Owner: dst.MSP, Status: domain.StatusActive}
	w.expectItems("inspect, release", mfr, exp)

	// 6. The distributor sells one: decommissioned, terminal.
	sold := ids[2]
	w.cli.OK(t, dst, "user1", "item", "decommission", sold, "--reason", "retail_sold")
	exp[sold] = want{Owner: dst.MSP, Status: domain.StatusDecommissioned, Reason: "retail_sold"}
	w.expectItems("decommission", cus, exp)
	w.refused(domain.CodeInvalidTransition, dst, "user1", []string{sold}, "transfer", "offer", sold, "--to", mfr.MSP)

	// 7. The manufacturer recalls the lot; every read shows it, whoever holds the item.
	w.cli.OK(t, mfr, "admin", "item", "recall", "--gtin", gtin, "--lot", lot, "--reason", "contamination") // an admin's act (issue 13)
	for id, e := range exp {
		e.Recalled = true
		exp[id] = e
	}
	w.expectItems("recall lot", dst, exp)
	for _, o := range harness.Orgs {
		if r := w.views[o.MSP].MustItem(t, ids[0]).Recall; r.By != mfr.MSP || r.Scope != "lot" {
			t.Fatalf("%s sees recall %+v, want scope lot by %s", o.MSP, r, mfr.MSP)
		}
	}
	// A recalled item can still go back to its brand owner or to customs for
	// destruction (issue 13); offers to anyone else are refused RECALLED
	// (asserted in test/consortium, whose wholesaler is such an org).
	w.cli.OK(t, dst, "user1", "transfer", "offer", ids[0], "--to", cus.MSP)
	exp[ids[0]] = want{Owner: dst.MSP, Status: domain.StatusInTransit, OfferedTo: cus.MSP, Recalled: true}
	w.expectItems("recalled item offered to customs", cus, exp)

	// 8. The custody record of the held item, identical on every peer.
	// The inspection is a sighting on a key of its own, not a custody event.
	wantTypes := []domain.EventType{domain.EventRegistered, domain.EventOffered, domain.EventAccepted,
		domain.EventHeld, domain.EventReleased}
	var hist0 []domain.CustodyEvent
	for _, o := range harness.Orgs {
		h, err := w.views[o.MSP].History(held)
		if err != nil {
			t.Fatalf("history as %s: %v", o.MSP, err)
		}
		if hist0 == nil {
			hist0 = h
		} else if !reflect.DeepEqual(h, hist0) {
			t.Fatalf("%s's peer returns another history:\n%+v\n%+v", o.MSP, h, hist0)
		}
	}
	var types []domain.EventType
	for i, e := range hist0 {
		types = append(types, e.Type)
		if e.TxID == "" || e.SubmitterMSP == "" || e.Timestamp == "" || e.Item != held {
			t.Errorf("event %d incomplete: %+v", i, e)
		}
		if i > 0 && e.Seq <= hist0[i-1].Seq {
			t.Errorf("event %d: seq %d after %d", i, e.Seq, hist0[i-1].Seq)
		}
		if i > 0 && e.Timestamp < hist0[i-1].Timestamp {
			t.Errorf("event %d: timestamp %s before %s", i, e.Timestamp, hist0[i-1].Timestamp)
		}
	}
	if len(types) < len(wantTypes) || !slices.Equal(types[:len(wantTypes)], wantTypes) {
		t.Fatalf("custody record of %s: %v, want it to start %v", held, types, wantTypes)
	}
	submitters := map[domain.EventType]string{domain.EventRegistered: mfr.MSP, domain.EventOffered: mfr.MSP,
		domain.EventAccepted: dst.MSP, domain.EventHeld: cus.MSP, domain.EventInspected: cus.MSP, domain.EventReleased: cus.MSP}
	for _, e := range hist0[:len(wantTypes)] {
		if e.SubmitterMSP != submitters[e.Type] {
			t.Errorf("%s event submitted by %s, want %s", e.Type, e.SubmitterMSP, submitters[e.Type])
		}
	}
	if it := w.views[cus.MSP].MustItem(t, held); it.Seq != hist0[len(hist0)-1].Seq {
		t.Errorf("item seq %d, last event seq %d", it.Seq, hist0[len(hist0)-1].Seq)
	}
	var cliHist json.RawMessage
	w.cli.JSON(t, &cliHist, cus, "user1", "item", "history", held)
	for _, e := range hist0 {
		if !strings.Contains(string(cliHist), e.TxID) {
			t.Errorf("prov item history lacks tx %s", e.TxID)
		}
	}

	// 9. Customs verifies the whole chain, with the CLI and with the package.
	r := w.cli.Run(t, cus, "user1", "verify", held, "--chain")
	if r.Code != 0 {
		t.Fatalf("prov verify --chain:\n%s", r)
	}
	for _, o := range harness.Orgs {
		rep, err := verify.Item(context.Background(), verify.NewGatewayLedger(w.views[o.MSP].Network, harness.Chaincode), held, verify.Options{Chain: true})
		if err != nil || !rep.OK {
			t.Fatalf("verify through %s's peer: err %v, report %+v", o.MSP, err, rep)
		}
		if len(rep.Steps) == 0 {
			t.Fatalf("verify through %s's peer checked nothing", o.MSP)
		}
	}
	t.Logf("story played and asserted in %s", time.Since(start).Round(time.Millisecond))
}

// prefix reads prefix p through o's peer, waiting up to 10 s for status
// (that peer may commit the block a moment later than the gateway's).
func (w *world) prefix(o harness.PeerOrg, p string, status domain.PrefixStatus) domain.Prefix {
	w.t.Helper()
	var got *domain.Prefix
	deadline := time.Now().Add(10 * time.Second)
	for {
		var err error
		got, err = w.views[o.MSP].Prefix(p)
		if err != nil {
			w.t.Fatalf("GetPrefix %s as %s: %v", p, o.MSP, err)
		}
		if (got != nil && got.Status == status) || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got == nil {
		w.t.Fatalf("%s does not see prefix %s", o.MSP, p)
	}
	return *got
}

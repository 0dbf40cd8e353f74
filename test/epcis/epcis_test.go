package epcis

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/epcis"
	"github.com/provledger/provenance/client/epcis/epcistest"
	"github.com/provledger/provenance/test/harness"
)

func jsonInto(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// TestExportValidatesAndImportReproducesTheStory plays register, ship,
// receive, hold, inspect, release, recall and decommission (plus a reject, a lot recall,
// a theft and a counterfeit sighting), exports the items, validates the
// document against GS1's schema, imports it into a fresh network one
// organization at a time and compares the two ledgers.
func TestExportValidatesAndImportReproducesTheStory(t *testing.T) {
	pn.Require(t, func() error { return nil })
	sch, err := epcistest.Validator()
	if err != nil {
		t.Fatalf("GS1's EPCIS 2.0 schema: %v", err)
	}
	bin := harness.BuildProv(t)
	a := harness.CLI{Bin: bin, Home: pn.Net.Home, PortBase: pn.Net.PortBase}

	tag := time.Now().UTC().Format("150405")
	prefix := "87" + tag[1:] // 7 digits, GS1 Prefix 87x: not reserved
	activatePrefix(t, a, prefix)
	gtin := harness.GTIN("0", prefix, "12345")
	lot := "L" + tag
	s := func(n string) string { return harness.Key(gtin, n+"-"+tag) }
	s1, s2, s3, s4, fake := s("S1"), s("S2"), s("S3"), s("S4"), s("FAKE")
	gln := harness.GLN("950600000001")

	dir := t.TempDir()
	csv := filepath.Join(dir, "items.csv")
	body := "id,lot,expiry\n"
	for _, k := range []string{s1, s2, s3, s4} {
		body += k + "," + lot + ",281130\n"
	}
	if err := os.WriteFile(csv, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	a.OK(t, mfr, "user1", "item", "register", "--file", csv)
	a.OK(t, mfr, "user1", "transfer", "offer", s1, s2, s3, "--to", "distributor")
	a.OK(t, dist, "user1", "transfer", "accept", s1, s2)
	a.OK(t, dist, "user1", "transfer", "reject", s3)
	a.OK(t, cus, "user1", "customs", "hold", s1, "--reason", "documents missing")
	a.OK(t, cus, "user1", "item", "inspect", s1, "--location", gln, "--result", "match", "--note", "photo "+tag)
	a.OK(t, cus, "user1", "customs", "release", s1)
	a.OK(t, mfr, "admin", "item", "recall", s1, "--reason", "seal defect")
	a.OK(t, dist, "user1", "item", "decommission", s1, "--reason", "destroyed")
	a.OK(t, dist, "user1", "item", "report-stolen", s2)
	// A lot recall is one recall key, no item event: exported as a
	// class-level event, imported with RecallLot.
	a.OK(t, mfr, "admin", "item", "recall", "--gtin", gtin, "--lot", lot, "--reason", "lot contamination "+tag)
	a.OK(t, cus, "user1", "item", "inspect", fake, "--location", gln, "--result", "suspect")

	// Export: by IDs to a file (-o), and by GTIN and lot to stdout.
	file := filepath.Join(dir, "story.jsonld")
	start := time.Now()
	a.OK(t, cus, "user1", "export", "epcis", s1, s2, s3, s4, fake, "-o", file)
	t.Logf("export of 5 items: %v (shared machine: order of magnitude only)", time.Since(start).Round(time.Millisecond))
	doc, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := epcistest.Validate(sch, doc); err != nil {
		t.Fatalf("export does not validate against GS1's EPCIS 2.0 schema: %v\n%s", err, doc)
	}
	var d epcis.Document
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	steps := map[string][]string{}
	var classes []string
	for _, e := range d.EPCISBody.EventList {
		if h, err := epcis.HashOf(&e); err != nil || h != e.EventID {
			t.Errorf("eventID %s is not the event hash %s (%v)", e.EventID, h, err)
		}
		if len(e.EPCList) == 0 && len(e.QuantityList) > 0 {
			for _, q := range e.QuantityList {
				classes = append(classes, fmt.Sprintf("%s %s %s/%s %s by %s: %s", q.EPCClass, e.Action, e.BizStep, e.Disposition, e.CustodyEvent, e.Submitter, e.Details))
			}
			continue
		}
		id, err := domain.ParseIdentifier(e.EPCList[0])
		if err != nil {
			t.Fatal(err)
		}
		steps[id.Key()] = append(steps[id.Key()], e.BizStep+"/"+e.Disposition)
	}
	wantClass := epcis.ClassDL(gtin, lot) + " OBSERVE holding/recalled RECALLED by " + mfr.MSP + ": lot contamination " + tag
	if len(classes) != 1 || classes[0] != wantClass {
		t.Fatalf("class-level events %q, want the lot recall %q", classes, wantClass)
	}
	want := map[string][]string{
		s1:   {"commissioning/active", "shipping/in_transit", "receiving/active", "holding/sellable_not_accessible", "inspecting/", "holding/active", "holding/recalled", "destroying/destroyed"},
		s2:   {"commissioning/active", "shipping/in_transit", "receiving/active", "other/stolen"},
		s3:   {"commissioning/active", "shipping/in_transit", "void_shipping/active"},
		s4:   {"commissioning/active"},
		fake: {"inspecting/"},
	}
	if !reflect.DeepEqual(steps, want) {
		t.Fatalf("exported steps\n got %v\nwant %v", steps, want)
	}
	var byLot epcis.Document
	if r := a.OK(t, mfr, "user1", "export", "epcis", "--gtin", gtin, "--lot", lot); jsonInto(r.Stdout, &byLot) != nil || len(byLot.EPCISBody.EventList) != len(d.EPCISBody.EventList)-1 {
		t.Fatalf("export --gtin --lot: %d events, want %d (all but the counterfeit's)\n%s", len(byLot.EPCISBody.EventList), len(d.EPCISBody.EventList)-1, r)
	}

	// The fresh ledger.
	fresh := freshNetwork(t)
	b := harness.CLI{Bin: bin, Home: fresh.Home, PortBase: fresh.PortBase}
	activatePrefix(t, b, prefix)

	runs := []struct {
		org  harness.PeerOrg
		user string
	}{{mfr, "admin"}, {dist, "user1"}, {cus, "user1"}}
	rounds := 0
	for ; rounds < 5; rounds++ {
		applied := 0
		for _, r := range runs {
			var res epcis.Import
			out := b.Run(t, r.org, r.user, "import", "epcis", file, "-o", "json")
			if out.Code != 0 || jsonInto(out.Stdout, &res) != nil {
				t.Fatalf("import as %s: %s", r.org.MSP, out)
			}
			applied += len(res.Applied)
			t.Logf("round %d, %s: applied %d in %d transactions, already %d, left %d (%v)", rounds+1, r.org.MSP, len(res.Applied), len(res.Transactions), len(res.Already), len(res.Left), out.Duration.Round(time.Millisecond))
		}
		if applied == 0 {
			break
		}
	}
	if rounds < 1 || rounds >= 5 {
		t.Fatalf("imports did not settle: %d rounds", rounds)
	}

	// Same items, owners, statuses, holds, recalls and custody records;
	// every item of the lot recalled by lot on the fresh ledger too (the
	// broadest recall shows: the lot's, over s1's own).
	for _, k := range []string{s1, s2, s3, s4} {
		var ia, ib domain.Item
		a.JSON(t, &ia, cus, "user1", "item", "show", k)
		b.JSON(t, &ib, cus, "user1", "item", "show", k)
		if rc := ib.Recall; rc == nil || rc.Scope != domain.RecallScopeLot || rc.By != mfr.MSP || rc.Reason != "lot contamination "+tag {
			t.Errorf("%s on the fresh ledger: recall %+v, want the lot recall by %s", k, rc, mfr.MSP)
		}
		if got, want := itemFacts(ib), itemFacts(ia); got != want {
			t.Errorf("%s on the fresh ledger:\n got %s\nwant %s", k, got, want)
		}
		var ha, hb struct{ Events []domain.CustodyEvent }
		a.JSON(t, &ha, cus, "user1", "item", "history", k)
		b.JSON(t, &hb, cus, "user1", "item", "history", k)
		if got, want := eventFacts(hb.Events), eventFacts(ha.Events); got != want {
			t.Errorf("%s history on the fresh ledger:\n got %s\nwant %s", k, got, want)
		}
	}
	var again epcis.Document
	if r := b.OK(t, cus, "user1", "export", "epcis", s1, s2, s3, s4, fake); jsonInto(r.Stdout, &again) != nil || len(again.EPCISBody.EventList) != len(d.EPCISBody.EventList) {
		t.Fatalf("export of the fresh ledger: %d events, want %d\n%s", len(again.EPCISBody.EventList), len(d.EPCISBody.EventList), r)
	}

	// Idempotent: every organization's re-run applies nothing.
	for _, r := range runs {
		var res epcis.Import
		out := b.Run(t, r.org, r.user, "import", "epcis", file, "-o", "json")
		if out.Code != 0 || jsonInto(out.Stdout, &res) != nil || len(res.Applied) != 0 || len(res.Left) != 0 || len(res.Refused) != 0 {
			t.Errorf("re-run as %s: %s", r.org.MSP, out)
		}
	}

	// An altered event (disposition changed, eventID kept) is refused by
	// index and eventID; a bad EPC too; nothing of them is written.
	var raw map[string]any
	_ = json.Unmarshal(doc, &raw)
	list := raw["epcisBody"].(map[string]any)["eventList"].([]any)
	s5 := s("S5")
	ev0 := list[0].(map[string]any)
	extra := map[string]any{}
	for k, v := range ev0 {
		extra[k] = v
	}
	extra["epcList"] = []any{"https://id.gs1.org/01/" + gtin + "/21/" + strings.TrimPrefix(s5, "01/"+gtin+"/21/")}
	delete(extra, "eventID")
	extra["prov:seq"] = 1
	badEPC := map[string]any{}
	for k, v := range extra {
		badEPC[k] = v
	}
	cd := int(gtin[13]-'0'+1) % 10
	badEPC["epcList"] = []any{fmt.Sprintf("https://id.gs1.org/01/%s%d/21/X", gtin[:13], cd)}
	altered := map[string]any{}
	for k, v := range list[1].(map[string]any) {
		altered[k] = v
	}
	altered["prov:details"] = "tampered"
	raw["epcisBody"].(map[string]any)["eventList"] = []any{altered, badEPC, extra}
	tampered, _ := json.Marshal(raw)
	tfile := filepath.Join(dir, "tampered.jsonld")
	_ = os.WriteFile(tfile, tampered, 0o644)
	var res epcis.Import
	out := b.Run(t, mfr, "admin", "import", "epcis", tfile, "-o", "json")
	if out.Code != 1 || jsonInto(out.Stdout, &res) != nil {
		t.Fatalf("tampered import: want exit 1 with JSON: %s", out)
	}
	if len(res.Refused) != 2 || res.Refused[0].Index != 1 || res.Refused[0].EventID != altered["eventID"] || !strings.Contains(res.Refused[0].Reason, "not the event's hash") ||
		res.Refused[1].Index != 2 || !strings.Contains(res.Refused[1].Reason, "check digit") {
		t.Errorf("refusals %+v", res.Refused)
	}
	if len(res.Applied) != 1 || res.Applied[0].Item != s5 {
		t.Errorf("the valid new event was not applied: %+v", res.Applied)
	}
}

// itemFacts is what an import must reproduce of an item (not its
// transaction IDs or times).
func itemFacts(it domain.Item) string {
	s := fmt.Sprintf("%s manufacturer=%s owner=%s status=%s lot=%s expiry=%s reason=%s seq=%d offeredTo=%s",
		it.ID, it.Manufacturer, it.Owner, it.Status, it.Lot, it.Expiry, it.Reason, it.Seq, it.OfferedTo)
	if it.Hold != nil {
		s += fmt.Sprintf(" hold=%s:%s", it.Hold.By, it.Hold.Reason)
	}
	if it.Recall != nil {
		s += fmt.Sprintf(" recall=%s:%s:%s", it.Recall.Scope, it.Recall.By, it.Recall.Reason)
	}
	return s
}

func eventFacts(evs []domain.CustodyEvent) string {
	var out []string
	for _, e := range evs {
		d := e.Details
		if e.Type == domain.EventOffered {
			d = "" // expires=<offer time + 7 days>
		}
		out = append(out, fmt.Sprintf("%d %s %s->%s by %s %q", e.Seq, e.Type, e.From, e.To, e.SubmitterMSP, d))
	}
	return strings.Join(out, "; ")
}

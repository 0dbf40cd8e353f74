package audit

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/epcis"
	"github.com/provledger/provenance/client/epcis/epcistest"
	"github.com/provledger/provenance/test/harness"
)

// GLNs of two inspection points (GS1 example company prefix).
var (
	glnA = harness.GLN("061414100001")
	glnB = harness.GLN("061414100002")
)

// TestAuditDeclaration builds a history with every verdict prov audit can
// reach on an honest network, audits a declaration of it with --verify,
// and asserts each line's verdict, reason and evidence; then the HTML and
// CSV reports, prov verify of many IDs and the sightings of counterfeits.
// (VERIFY_FAILED needs a forged history: test/trust's
// TestColludingMajority/ForgedHistory audits one; BRAND_MISMATCH is
// TestAuditBrandMismatch's.)
func TestAuditDeclaration(t *testing.T) {
	integration(t)
	g, g2 := gtin("00001"), gtin("00002")
	s := func(name string) string { return harness.Key(g, name+"-"+runTag) }
	n1, n2 := harness.Key(g2, "N1-"+runTag), harness.Key(g2, "N2-"+runTag)
	names := []string{"G1", "G2", "ST", "DC", "RC", "HD", "TR", "WP", "CL", "OO"}
	var regs []string
	for _, n := range names {
		regs = append(regs, s(n))
	}
	regs = append(regs, n1, n2)
	prov(t, mfr, "", "item", "register", "--file", writeFile(t, "items.txt", strings.Join(regs, "\n")+"\n"))
	// OO: offered with a client clock 100 s slow right after its
	// registration (within the chaincode's 120 s tolerance): valid,
	// verifiable, but its event is earlier than the registration.
	waitPeers(t)
	c := harness.Connect(t, pn.Net.Home, mfr, "user1")
	prop := c.SkewedProposal(t, -100*time.Second, "OfferTransfer", s("OO"), dist.MSP)
	tx, err := prop.Endorse()
	if err != nil {
		t.Fatalf("skewed offer: %v", harness.Detailed(err))
	}
	commit, err := tx.Submit()
	if err != nil {
		t.Fatalf("skewed offer: %v", harness.Detailed(err))
	}
	if st, err := commit.Status(); err != nil || !st.Successful {
		t.Fatalf("skewed offer: %+v %v", st, err)
	}
	shipped := []string{s("G1"), s("G2"), s("ST"), s("DC"), s("RC"), s("HD"), s("CL"), n1, n2}
	waitPeers(t)
	prov(t, mfr, "", append([]string{"transfer", "offer", "--to", "distributor"}, append(shipped, s("TR"))...)...)
	waitPeers(t)
	prov(t, dist, "", append([]string{"transfer", "accept"}, shipped...)...)
	waitPeers(t)
	prov(t, dist, "", "item", "report-stolen", s("ST"))
	prov(t, dist, "", "item", "decommission", s("DC"), "--reason", "dispensed")
	prov(t, mfr, "admin", "item", "recall", s("RC"), "--reason", "contamination")
	prov(t, cus, "", "customs", "hold", s("HD"), "--reason", "papers missing")
	prov(t, cus, "", "item", "inspect", s("CL"), "--location", glnA, "--result", "suspect")
	prov(t, dist, "", "item", "inspect", s("CL"), "--location", glnB, "--result", "match", "--note", "shelf scan")
	// Counterfeit serials (never registered) become ledger facts.
	fake, fake2 := s("FAKE"), s("FAKE2")
	prov(t, cus, "", "item", "inspect", "--file", writeFile(t, "seized.txt", "# seized\n"+fake+"\n"+fake2+"\n"),
		"--location", glnA, "--result", "mismatch", "--note", "case "+runTag)
	var page domain.SightingPage
	b, err := c.Evaluate("ListSightings", g, "", "")
	if err != nil || json.Unmarshal(b, &page) != nil {
		t.Fatalf("ListSightings: %v", err)
	}
	seen := map[string]string{}
	for _, sg := range page.Sightings {
		seen[sg.Item] += sg.ReporterMSP + "@" + sg.GLN + " "
	}
	if !strings.Contains(seen[fake], cus.MSP+"@"+glnA) || !strings.Contains(seen[fake2], cus.MSP) || strings.Count(seen[s("CL")], "@") != 2 {
		t.Fatalf("sightings of GTIN %s: %v", g, seen)
	}
	waitPeers(t)

	badCD := harness.Key(g[:13]+fmt.Sprint((int(g[13]-'0')+1)%10), "X")
	decl := strings.Join([]string{
		"# declaration " + runTag,
		"id,presenter,qty",
		s("G1") + ",distributor,1",                            // 3
		s("G2") + ",distributor,1",                            // 4
		s("ST") + ",distributor,1",                            // 5
		s("DC") + ",distributor,1",                            // 6
		s("RC") + ",distributor,1",                            // 7
		s("HD") + ",distributor,1",                            // 8
		s("TR") + ",distributor,1",                            // 9
		s("WP") + ",distributor,1",                            // 10
		s("CL") + ",distributor,1",                            // 11
		s("OO") + ",distributor,1",                            // 12
		fake + ",distributor,1",                               // 13
		badCD + ",distributor,1",                              // 14
		"(01)" + g + "(21)G1-" + runTag + ",DistributorMSP,1", // 15
		n1 + ",distributor,1",                                 // 16
	}, "\n") + "\n"
	declFile := writeFile(t, "declaration.csv", decl)
	html := t.TempDir() + "/report.html"
	r := cli(t).Run(t, cus, "", "audit", "--file", declFile, "--gtin", g2, "--transit-max", "1s", "--verify", "-o", "json", "--html", html)
	if r.Code != 4 {
		t.Fatalf("prov audit: want exit 4 (suspect):\n%s", r)
	}
	t.Logf("prov audit --verify of %d lines: %s", 15, r.Duration.Round(time.Millisecond))
	a := decodeAudit(t, r)
	type want struct {
		verdict, reason string
		tx              bool // the finding names a transaction with its block
	}
	wants := map[int]want{
		3:  {"LIKELY_CLONE", "declared more than once: also on line 15", false},
		4:  {"GENUINE", "", false},
		5:  {"STOLEN", "reported stolen by DistributorMSP since", true},
		6:  {"DECOMMISSIONED", "decommissioned (dispensed)", true},
		7:  {"RECALLED", "item recall by ManufacturerMSP since", true},
		8:  {"ON_HOLD", "held by CustomsMSP since", true},
		9:  {"TRANSIT_OVERDUE", "in transit from ManufacturerMSP to DistributorMSP since", true},
		10: {"WRONG_PRESENTER", "presented by DistributorMSP, held by ManufacturerMSP", true},
		11: {"LIKELY_CLONE", "sighted at GLN " + glnA + " by CustomsMSP", true},
		12: {"OUT_OF_ORDER", "event 2 OFFERED at", true},
		13: {"UNKNOWN_SERIAL", "not registered (GTIN's company prefix is ManufacturerMSP's)", false},
		14: {"INVALID_ID", "check digit", false},
		15: {"LIKELY_CLONE", "also on line 3", false},
		16: {"GENUINE", "", false},
		0:  {"NOT_PRESENTED", "not in the declaration", true},
	}
	got := map[int]bool{}
	for _, res := range a.Results {
		w, ok := wants[res.Line]
		if !ok {
			t.Errorf("unexpected line %d: %+v", res.Line, res)
			continue
		}
		got[res.Line] = true
		if res.Verdict != w.verdict {
			t.Errorf("line %d (%s): verdict %s, want %s; findings %+v", res.Line, res.Input, res.Verdict, w.verdict, res.Findings)
			continue
		}
		if w.verdict == "GENUINE" {
			if !res.Verified || len(res.Findings) != 0 {
				t.Errorf("line %d: genuine but verified=%v findings %+v", res.Line, res.Verified, res.Findings)
			}
			continue
		}
		f := res.Findings[0]
		if !strings.Contains(f.Reason, w.reason) {
			t.Errorf("line %d: reason %q, want %q", res.Line, f.Reason, w.reason)
		}
		if w.tx && (f.TxID == "" || !f.BlockKnown || f.Block == 0) {
			t.Errorf("line %d: finding %+v lacks its transaction and block", res.Line, f)
		}
		if res.Line == 0 && res.Item != n2 {
			t.Errorf("not presented: %s, want %s", res.Item, n2)
		}
	}
	for l := range wants {
		if !got[l] {
			t.Errorf("line %d missing from the audit", l)
		}
	}
	if !a.Suspect {
		t.Error("audit not suspect")
	}
	page2, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range a.Results {
		for _, f := range res.Findings {
			if f.TxID != "" && !strings.Contains(string(page2), f.TxID) {
				t.Errorf("HTML report lacks transaction %s of line %d", f.TxID, res.Line)
			}
		}
	}
	if strings.Contains(string(page2), "http") || strings.Contains(string(page2), "<script") {
		t.Error("HTML report refers to external assets")
	}
	exportFindings(t, r.Stdout, s, fake, badCD)

	// A clean selection exits 0; CSV has one row per line.
	clean := cli(t).Run(t, cus, "", "audit", s("G2"), n1, "--presenter", "distributor", "-o", "csv")
	if clean.Code != 0 || strings.Count(clean.Stdout, "\n") != 3 || !strings.Contains(clean.Stdout, ",GENUINE,") {
		t.Errorf("clean audit:\n%s", clean)
	}

	// prov verify of many IDs reports each, never stopping at a bad one.
	v := cli(t).Run(t, cus, "", "verify", s("ST"), badCD, fake, s("G2"))
	if v.Code != 1 {
		t.Errorf("prov verify of a mix: want exit 1:\n%s", v)
	}
	for _, w := range []string{
		s("ST") + ": verified (",
		"), but STOLEN since ",
		badCD + ": NOT VERIFIED: INVALID_ID",
		fake + ": NOT VERIFIED: ",
		s("G2") + ": verified (",
	} {
		if !strings.Contains(v.Stdout, w) {
			t.Errorf("prov verify output lacks %q:\n%s", w, v)
		}
	}
}

// exportFindings hands the audit's findings over as EPCIS 2.0 (prov export
// epcis --audit): the stolen item's and the clone's whole life with
// --verdict STOLEN,LIKELY_CLONE, valid against GS1's schema; by default
// every suspect line's item, the counterfeit's sighting too, and the line
// without an item named on stderr.
func exportFindings(t *testing.T, report string, s func(string) string, fake, badCD string) {
	t.Helper()
	file := writeFile(t, "audit.json", report)
	out := t.TempDir() + "/findings.jsonld"
	prov(t, cus, "", "export", "epcis", "--audit", file, "--verdict", "STOLEN,LIKELY_CLONE", "-o", out)
	doc, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("PROV_OFFLINE") != "1" {
		sch, err := epcistest.Validator()
		if err != nil {
			t.Fatalf("GS1's EPCIS 2.0 schema: %v (PROV_OFFLINE=1 skips the validation)", err)
		}
		if err := epcistest.Validate(sch, doc); err != nil {
			t.Fatalf("export of the findings does not validate against GS1's EPCIS 2.0 schema: %v\n%s", err, doc)
		}
	}
	steps := func(doc []byte) map[string][]string {
		var d epcis.Document
		if err := json.Unmarshal(doc, &d); err != nil {
			t.Fatalf("export: %v\n%s", err, doc)
		}
		out := map[string][]string{}
		for _, e := range d.EPCISBody.EventList {
			id, err := domain.ParseIdentifier(e.EPCList[0])
			if err != nil {
				t.Fatal(err)
			}
			out[id.Key()] = append(out[id.Key()], e.BizStep+"/"+e.Disposition)
		}
		return out
	}
	got := steps(doc)
	want := map[string][]string{
		s("ST"): {"commissioning/active", "shipping/in_transit", "receiving/active", "other/stolen"},
		// G1 was declared twice (lines 3 and 15); CL was sighted twice.
		s("G1"): {"commissioning/active", "shipping/in_transit", "receiving/active"},
		s("CL"): {"commissioning/active", "shipping/in_transit", "receiving/active", "inspecting/", "inspecting/"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("export --audit --verdict STOLEN,LIKELY_CLONE:\n got %v\nwant %v", got, want)
	}
	all := cli(t).Run(t, cus, "", "export", "epcis", "--audit", file)
	if all.Code != 0 {
		t.Fatalf("export --audit: %s", all)
	}
	got = steps([]byte(all.Stdout))
	for _, k := range []string{s("ST"), s("DC"), s("RC"), s("HD"), s("TR"), s("WP"), s("CL"), s("OO"), s("G1")} {
		if len(got[k]) == 0 {
			t.Errorf("export --audit lacks suspect item %s: %v", k, got)
		}
	}
	if len(got[s("G2")]) != 0 || !reflect.DeepEqual(got[fake], []string{"inspecting/"}) {
		t.Errorf("export --audit: genuine G2 %v, counterfeit %v (want none, one sighting)", got[s("G2")], got[fake])
	}
	if !strings.Contains(all.Stderr, "line 14 "+badCD+": INVALID_ID") {
		t.Errorf("export --audit does not name the line without an item:\n%s", all.Stderr)
	}
}

// TestAuditBrandMismatch: an item whose GTIN's company prefix was revoked
// from its registrant after registration (a majority of admins: the
// distributor's and customs') is BRAND_MISMATCH, naming the registrant and
// that no organization holds the prefix now; an item of the run's active
// prefix in the same declaration stays GENUINE.
func TestAuditBrandMismatch(t *testing.T) {
	integration(t)
	lost := "88" + runTag[1:] // 7 digits, GS1 Prefix 88x: not reserved
	if err := harness.ActivatePrefix(pn.Net.Home, lost, mfr, dist, 60*time.Second); err != nil {
		t.Fatal(err)
	}
	bad := harness.Key(harness.GTIN("0", lost, "00001"), "BM-"+runTag)
	good := harness.Key(gtin("00003"), "BM-"+runTag)
	prov(t, mfr, "", "item", "register", "--file", writeFile(t, "brand.txt", bad+"\n"+good+"\n"))
	waitPeers(t)
	prov(t, dist, "admin", "prefix", "revoke", lost)
	waitPeers(t)
	prov(t, cus, "admin", "prefix", "revoke", lost)
	if err := harness.WaitPrefixStatus(pn.Net.Home, lost, domain.PrefixRevoked, 60*time.Second); err != nil {
		t.Fatal(err)
	}
	r := cli(t).Run(t, cus, "", "audit", bad, good, "--presenter", "manufacturer", "-o", "json")
	if r.Code != 4 {
		t.Fatalf("prov audit: want exit 4 (suspect):\n%s", r)
	}
	a := decodeAudit(t, r)
	if len(a.Results) != 2 {
		t.Fatalf("%d results, want 2:\n%s", len(a.Results), r)
	}
	if res := a.Results[0]; res.Line != 1 || res.Item != bad || res.Verdict != "BRAND_MISMATCH" ||
		!strings.Contains(res.Findings[0].Reason, "registered by ManufacturerMSP, but no organization holds the GTIN's company prefix now") {
		t.Errorf("line 1: %+v", res)
	}
	if res := a.Results[1]; res.Line != 2 || res.Verdict != "GENUINE" {
		t.Errorf("line 2: %+v", res)
	}
}

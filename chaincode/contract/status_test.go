package contract_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
)

func TestReportStolen(t *testing.T) {
	f := ready(t)
	g := gtin(t, prefix, "00001")
	a, b := itemID(g, "A"), itemID(g, "B")
	f.register(a, b)
	f.refused(domain.CodeNotOwner, "held by "+mfr, f.user(dist), "ReportStolen", a)
	f.refused(domain.CodeNotFound, "", f.user(mfr), "ReportStolen", itemID(g, "Z"))
	f.refused(domain.CodeInvalidID, "", f.user(mfr), "ReportStolen", "nope")

	var it domain.Item
	r := f.ok(f.h.Submit(f.user(mfr), "ReportStolen", a))
	f.decode(r, &it)
	if it.Status != domain.StatusStolen || it.Seq != 2 || it.UpdatedTx != r.TxID {
		t.Fatalf("stolen = %+v", it)
	}
	if ev := f.lastEvent(); ev.Type != domain.EventStolen || !equalJSON(t, ev.Items, []string{a}) {
		t.Fatalf("event = %+v", ev)
	}
	f.refused(domain.CodeInvalidTransition, "STOLEN; OFFERED needs ACTIVE", f.user(mfr), "OfferTransfer", a, dist)
	f.refused(domain.CodeInvalidTransition, "STOLEN; STOLEN needs ACTIVE or IN_TRANSIT", f.user(mfr), "ReportStolen", a)

	// Stolen in transit: the offer ends, the key goes back to the owner alone.
	f.ok(f.h.Submit(f.user(mfr), "OfferTransfer", b, dist))
	f.decode(f.ok(f.h.Submit(f.user(mfr), "ReportStolen", b)), &it)
	if it.Status != domain.StatusStolen || it.OfferedTo != "" {
		t.Fatalf("stolen in transit = %+v", it)
	}
	if ev := f.history(b)[2]; ev.From != mfr || ev.To != dist {
		t.Fatalf("stolen-in-transit event = %+v", ev)
	}
	if got := f.sbeOrgs(compositeKey(t, "item", g, "B")); !equalJSON(t, got, []string{mfr}) {
		t.Fatalf("SBE = %v", got)
	}
	if f.h.Stub.State(compositeKey(t, "status~item", "STOLEN", g, "B")) == nil {
		t.Fatal("status index")
	}
}

func TestDecommission(t *testing.T) {
	f := ready(t)
	g := gtin(t, prefix, "00001")
	a, b, c := itemID(g, "A"), itemID(g, "B"), itemID(g, "C")
	f.register(a, b, c)
	f.refused(domain.CodeInvalidArgument, "dispensed, destroyed, exported, retail_sold", f.user(mfr), "Decommission", a, "lost")
	f.refused(domain.CodeNotOwner, "", f.user(dist), "Decommission", a, "destroyed")
	f.ok(f.h.Submit(f.user(cust), "HoldItems", b, "seized"))
	f.refused(domain.CodeOnHold, "", f.user(mfr), "Decommission", b, "exported")
	f.ok(f.h.Submit(f.user(mfr), "OfferTransfer", c, dist))
	f.refused(domain.CodeInvalidTransition, "IN_TRANSIT", f.user(mfr), "Decommission", c, "destroyed")

	var it domain.Item
	f.decode(f.ok(f.h.Submit(f.user(mfr), "Decommission", a, "retail_sold")), &it)
	if it.Status != domain.StatusDecommissioned || it.Reason != "retail_sold" {
		t.Fatalf("decommissioned = %+v", it)
	}
	// The key-level policy is unchanged, so not rewritten, and kept.
	if got := f.sbeOrgs(compositeKey(t, "item", g, "A")); !equalJSON(t, got, []string{mfr}) {
		t.Fatalf("SBE after decommission = %v", got)
	}
	if ev := f.history(a)[1]; ev.Type != domain.EventDecommissioned || ev.Details != "retail_sold" || ev.From != mfr {
		t.Fatalf("event = %+v", ev)
	}
	// Terminal.
	for _, op := range [][]string{{"Decommission", a, "destroyed"}, {"ReportStolen", a}, {"OfferTransfer", a, dist}} {
		f.refused(domain.CodeInvalidTransition, "DECOMMISSIONED", f.user(mfr), op[0], op[1:]...)
	}
	// A stolen item may still be decommissioned (e.g. destroyed once found).
	f.ok(f.h.Submit(f.user(cust), "ReleaseItems", b))
	f.ok(f.h.Submit(f.user(mfr), "ReportStolen", b))
	f.ok(f.h.Submit(f.user(mfr), "Decommission", b, "destroyed"))
}

func TestHoldAndRelease(t *testing.T) {
	f := ready(t)
	g := gtin(t, prefix, "00001")
	a, b := itemID(g, "A"), itemID(g, "B")
	f.register(a, b)
	ids := mustJSON(t, []string{a, b})
	f.refused(domain.CodeWrongRole, "customs", f.user(dist), "HoldItems", ids, "x")
	f.refused(domain.CodeWrongRole, "customs", f.user(mfr), "ReleaseItems", ids)
	f.refused(domain.CodeInvalidArgument, "reason", f.user(cust), "HoldItems", ids, "")
	f.refused(domain.CodeInvalidArgument, "reason", f.user(cust), "HoldItems", ids, strings.Repeat("r", domain.MaxReasonLen+1))
	f.refused(domain.CodeNotFound, "", f.user(cust), "HoldItems", mustJSON(t, []string{a, itemID(g, "Z")}), "x")
	f.refused(domain.CodeInvalidTransition, "not on hold", f.user(cust), "ReleaseItems", a)

	itemKeyA := compositeKey(t, "item", g, "A")
	before := f.h.Stub.State(itemKeyA)
	var keys []string
	r := f.ok(f.h.Submit(f.user(cust), "HoldItems", ids, "suspected counterfeit"))
	f.decode(r, &keys)
	if !equalJSON(t, keys, []string{a, b}) {
		t.Fatalf("keys = %v", keys)
	}
	if string(f.h.Stub.State(itemKeyA)) != string(before) {
		t.Fatal("a hold must not write the item key (it would need the owner's endorsement)")
	}
	hk := compositeKey(t, "hold", g, "A")
	// By design (issue 13): the holding customs org, or a majority vote.
	if got := f.keyPolicy(hk); !equalJSON(t, got, domain.HoldPolicy(cust, standardRoles)) ||
		got.String() != "AND(CustomsMSP.peer) OR 2 of (CustomsMSP, DistributorMSP, ManufacturerMSP)" {
		t.Fatalf("hold policy = %s", got)
	}
	it := f.item(a)
	if it.Hold == nil || it.Hold.By != cust || it.Hold.Reason != "suspected counterfeit" || it.Hold.TxID != r.TxID || it.Seq != 2 {
		t.Fatalf("held item = %+v (hold %+v)", it, it.Hold)
	}
	if ev := f.history(a)[1]; ev.Type != domain.EventHeld || ev.To != cust || ev.Details != "suspected counterfeit" {
		t.Fatalf("event = %+v", ev)
	}
	f.refused(domain.CodeOnHold, "already on hold", f.user(cust), "HoldItems", a, "again")

	// Only the customs org that placed a hold may lift it.
	f.h.Stub.SetCommitted(compositeKey(t, "hold", g, "B"), []byte(`{"by":"OtherCustomsMSP","reason":"r","txId":"t","at":"a"}`))
	f.refused(domain.CodeNotOwner, "placed by OtherCustomsMSP", f.user(cust), "ReleaseItems", ids)

	f.ok(f.h.Submit(f.user(cust), "ReleaseItems", a))
	if f.h.Stub.State(hk) != nil {
		t.Fatal("hold key not deleted")
	}
	it = f.item(a)
	if it.Hold != nil || it.Seq != 3 {
		t.Fatalf("released item = %+v", it)
	}
	if ev := f.history(a)[2]; ev.Type != domain.EventReleased || ev.From != cust {
		t.Fatalf("event = %+v", ev)
	}
	f.ok(f.h.Submit(f.user(mfr), "OfferTransfer", a, dist))
}

func TestRecallItem(t *testing.T) {
	f := newFixture(t)
	f.initRoles(fourRoles)
	f.activatePrefix(mfr, prefix, dist, cust)
	g := gtin(t, prefix, "00001")
	a, b := itemID(g, "A"), itemID(g, "B")
	f.register(a, b)
	// The prefix owner recalls even when another org holds the item.
	f.ok(f.h.Submit(f.user(mfr), "OfferTransfer", a, dist))
	f.ok(f.h.Submit(f.user(dist), "AcceptTransfer", a))

	f.refused(domain.CodeNotOwner, "prefix "+prefix+" is owned by "+mfr, f.admin(dist), "RecallItem", a, "r")
	f.refused(domain.CodeNotOwner, "only it may recall", f.admin(mfr2), "RecallItem", a, "r")
	f.refused(domain.CodeInvalidArgument, "reason", f.admin(mfr), "RecallItem", a, "")
	f.refused(domain.CodeInvalidID, "", f.admin(mfr), "RecallItem", "x", "r")
	f.refused(domain.CodeNotFound, "", f.admin(mfr), "RecallItem", itemID(g, "Z"), "r")
	f.refused(domain.CodePrefixNotActive, "no active company prefix", f.admin(mfr), "RecallItem", itemID(gtin(t, "9530000", "00001"), "A"), "r")
	// By design (issue 13): a recall is a governed act, an admin's.
	f.refused(domain.CodeNotAdmin, a+" needs an admin of "+mfr+"; user1 of "+mfr+" is not one", f.user(mfr), "RecallItem", a, "r")

	var rc domain.Recall
	r := f.ok(f.h.Submit(f.admin(mfr), "RecallItem", a, "contaminated"))
	f.decode(r, &rc)
	if rc.Scope != "item" || rc.By != mfr || rc.Reason != "contaminated" || rc.TxID != r.TxID || rc.At == "" {
		t.Fatalf("recall = %+v", rc)
	}
	rk := compositeKey(t, "recall", g, "21", "A")
	if got := f.keyPolicy(rk); got.String() != "AND(ManufacturerMSP.peer) OR 3 of (CustomsMSP, DistributorMSP, ManufacturerMSP, RivalMSP)" {
		t.Fatalf("recall policy = %s", got)
	}
	it := f.item(a)
	if it.Recall == nil || it.Recall.Scope != "item" || it.Owner != dist || it.Seq != 4 {
		t.Fatalf("recalled item = %+v", it)
	}
	if ev := f.history(a)[3]; ev.Type != domain.EventRecalled || ev.Details != "contaminated" || ev.SubmitterMSP != mfr {
		t.Fatalf("event = %+v", ev)
	}
	if got := f.sbeOrgs(compositeKey(t, "item", g, "A")); !equalJSON(t, got, []string{dist}) {
		t.Fatalf("a recall must leave the item key alone; SBE = %v", got)
	}
	f.refused(domain.CodeAlreadyExists, "already recalled", f.admin(mfr), "RecallItem", a, "again")
	f.refused(domain.CodeRecalled, "brand owner "+mfr, f.user(dist), "OfferTransfer", a, mfr2)
	if it := f.item(b); it.Recall != nil {
		t.Fatalf("B is not recalled: %+v", it.Recall)
	}
}

func TestRecallLotAndGTIN(t *testing.T) {
	f := ready(t)
	g1, g2 := gtin(t, prefix, "00001"), gtin(t, prefix, "00002")
	f.ok(f.h.Submit(f.user(mfr), "RegisterItems", mustJSON(t, []domain.ItemInput{
		{ID: itemID(g1, "A"), Lot: "L1"}, {ID: itemID(g1, "B"), Lot: "L2"}, {ID: itemID(g2, "C")},
	})))
	f.refused(domain.CodeNotOwner, "", f.admin(dist), "RecallLot", g1, "L1", "r")
	f.refused(domain.CodeInvalidID, "", f.admin(mfr), "RecallLot", "123", "L1", "r")
	f.refused(domain.CodeInvalidID, "lot", f.admin(mfr), "RecallLot", g1, "bad lot", "r")
	f.refused(domain.CodeInvalidArgument, "reason", f.admin(mfr), "RecallLot", g1, "L1", "")
	f.refused(domain.CodePrefixNotActive, "no active company prefix", f.admin(mfr), "RecallLot", gtin(t, "9530000", "00001"), "L1", "r")
	// By design (issue 13): a plain user cannot freeze a lot or a product line.
	f.refused(domain.CodeNotAdmin, "01/"+g1+"/10/L1 needs an admin of "+mfr, f.user(mfr), "RecallLot", g1, "L1", "r")
	f.refused(domain.CodeNotAdmin, "01/"+g1+" needs an admin of "+mfr, f.user(mfr), "RecallLot", g1, "", "r")

	var rc domain.Recall
	r := f.ok(f.h.Submit(f.admin(mfr), "RecallLot", g1[1:], "L1", "mislabelled")) // GTIN-13 spelling
	f.decode(r, &rc)
	if rc.Scope != "lot" || rc.By != mfr {
		t.Fatalf("recall = %+v", rc)
	}
	if ev := f.lastEvent(); ev.Type != domain.EventRecalled || ev.Scope != "01/"+g1+"/10/L1" || len(ev.Items) != 0 || ev.TxID != r.TxID {
		t.Fatalf("event = %+v", ev)
	}
	if got := f.keyPolicy(compositeKey(t, "recall", g1, "10", "L1")); got.String() != "AND(ManufacturerMSP.peer) OR 2 of (CustomsMSP, DistributorMSP, ManufacturerMSP)" {
		t.Fatalf("recall policy = %s", got)
	}
	if it := f.item(itemID(g1, "A")); it.Recall == nil || it.Recall.Scope != "lot" || it.Recall.Reason != "mislabelled" {
		t.Fatalf("lot L1 item: %+v", it.Recall)
	}
	if it := f.item(itemID(g1, "B")); it.Recall != nil {
		t.Fatalf("lot L2 item recalled: %+v", it.Recall)
	}
	f.refused(domain.CodeAlreadyExists, "01/"+g1+"/10/L1 is already recalled", f.admin(mfr), "RecallLot", g1, "L1", "again")
	f.refused(domain.CodeRecalled, "lot scope", f.user(mfr), "OfferTransfer", itemID(g1, "A"), dist)

	// Whole GTIN: every item of it, and the broadest scope shows.
	f.ok(f.h.Submit(f.admin(mfr), "RecallLot", g1, "", "withdrawn from market"))
	if ev := f.lastEvent(); ev.Scope != "01/"+g1 {
		t.Fatalf("event = %+v", ev)
	}
	var items []*domain.Item
	f.decode(f.h.Evaluate(nil, "GetItems", mustJSON(t, []string{itemID(g1, "A"), itemID(g1, "B"), itemID(g2, "C")})), &items)
	if items[0].Recall == nil || items[0].Recall.Scope != "gtin" || items[1].Recall == nil || items[1].Recall.Scope != "gtin" || items[2].Recall != nil {
		t.Fatalf("recalls = %+v %+v %+v", items[0].Recall, items[1].Recall, items[2].Recall)
	}
	f.refused(domain.CodeAlreadyExists, "01/"+g1+" is already recalled", f.admin(mfr), "RecallLot", g1, "", "again")
	f.refused(domain.CodeRecalled, "gtin scope", f.user(mfr), "OfferTransfer", itemID(g1, "B"), dist)
	// Recalled items can still be held, inspected and decommissioned.
	f.ok(f.h.Submit(f.user(mfr), "Decommission", itemID(g1, "B"), "destroyed"))
}

func TestRecordInspection(t *testing.T) {
	f := ready(t)
	g := gtin(t, prefix, "00001")
	a := itemID(g, "A")
	f.register(a)
	const gln = "0614141000005" // GS1 example GLN
	f.refused(domain.CodeInvalidID, "GLN", f.user(dist), "RecordInspection", a, "0614141000006", "match")
	f.refused(domain.CodeInvalidArgument, "match, mismatch, suspect", f.user(dist), "RecordInspection", a, gln, "fine")
	f.refused(domain.CodeUnknownOrg, "", f.orgs[other].user, "RecordInspection", a, gln, "match")
	f.refused(domain.CodeInvalidArgument, "note is 513 bytes", f.user(dist), "RecordSighting", a, gln, "match", strings.Repeat("n", domain.MaxNoteLen+1))
	f.refused(domain.CodeInvalidArgument, "note contains a control character", f.user(dist), "RecordSighting", a, gln, "match", "a\nb")
	f.refused(domain.CodeInvalidID, "", f.user(dist), "RecordSighting", "01/09506000134353/21/X", gln, "match", "")

	// By design (issue 13): a sighting reads and writes no custody key (item,
	// counter, event): it never conflicts with a shipment and is not history.
	before := f.snapshot()
	var sg domain.Sighting
	r := f.ok(f.h.Submit(f.user(cust), "RecordSighting", a, gln, "mismatch", "photo ref IMG-1"))
	f.decode(r, &sg)
	if sg.Item != a || sg.ReporterMSP != cust || sg.SubmitterID != f.user(cust).ID() || sg.GLN != gln || sg.Result != "mismatch" ||
		sg.Note != "photo ref IMG-1" || sg.TxID != r.TxID || sg.At == "" {
		t.Fatalf("sighting = %+v", sg)
	}
	for _, k := range f.h.Stub.Keys() {
		if !strings.Contains(before, fmt.Sprintf("%q=", k)) && !strings.HasPrefix(k, "\x00sighting\x00") {
			t.Fatalf("an inspection wrote %q", k)
		}
	}
	if rw := f.h.Stub.Reads(); len(rw) != 1 || rw[0] != "orgroles" {
		t.Fatalf("an inspection read %q; want only the org roles", rw)
	}
	if it := f.item(a); it.Seq != 1 || len(f.history(a)) != 1 {
		t.Fatalf("item seq after inspection = %d", it.Seq)
	}
	if ce := f.lastEvent(); ce.Type != domain.EventInspected || !equalJSON(t, ce.Items, []string{a}) || ce.TxID != r.TxID {
		t.Fatalf("chaincode event = %+v", ce)
	}
	at, _ := domain.ParseTimestamp(sg.At)
	sk, _ := domain.SightingKey(domain.ItemID{GTIN: g, Serial: "A"}, at, r.TxID)
	if got := f.sbeOrgs(sk); !equalJSON(t, got, []string{cust}) {
		t.Fatalf("sighting policy = %v", got)
	}
	// Any member, any status, the owner included; an unregistered ID too.
	f.ok(f.h.Submit(f.user(mfr), "Decommission", a, "dispensed"))
	f.ok(f.h.Submit(f.user(dist), "RecordInspection", a, gln, "suspect"))
	f.ok(f.h.Submit(f.user(mfr), "RecordInspection", a, gln, "match"))
	z := itemID(g, "Z")
	f.ok(f.h.Submit(f.user(cust), "RecordInspection", z, gln, "mismatch"))
	var page domain.SightingPage
	f.decode(f.h.Evaluate(nil, "GetSightings", a, "", ""), &page)
	if len(page.Sightings) != 3 || page.Sightings[0].Result != "mismatch" || page.Sightings[1].ReporterMSP != dist || page.Sightings[2].ReporterMSP != mfr || page.Bookmark != "" {
		t.Fatalf("sightings of %s = %+v", a, page)
	}
	f.decode(f.h.Evaluate(nil, "GetSightings", z, "2", ""), &page)
	if len(page.Sightings) != 1 || page.Sightings[0].Item != z {
		t.Fatalf("sightings of unregistered %s = %+v", z, page)
	}
	if h := f.history(a); len(h) != 2 {
		t.Fatalf("history: %d events, sightings must not appear", len(h))
	}
	f.decode(f.h.Evaluate(nil, "GetSightings", a, "2", ""), &page)
	if len(page.Sightings) != 2 || page.Bookmark == "" {
		t.Fatalf("page 1 = %+v", page)
	}
	bm := page.Bookmark
	f.decode(f.h.Evaluate(nil, "GetSightings", a, "2", bm), &page)
	if len(page.Sightings) != 1 || page.Sightings[0].ReporterMSP != mfr {
		t.Fatalf("page 2 = %+v", page)
	}
	if err := f.h.Evaluate(nil, "GetSightings", z, "2", bm).Err(); domain.CodeOf(err) != domain.CodeInvalidArgument {
		t.Fatalf("foreign bookmark: %v", err)
	}
}

// TestRefusedWithoutRoles: every submit needs the org roles first.
func TestRefusedWithoutRoles(t *testing.T) {
	f := newFixture(t)
	g := gtin(t, prefix, "00001")
	a := itemID(g, "A")
	for _, op := range [][]string{
		{"ClaimPrefix", prefix, "l"}, {"ApprovePrefix", prefix}, {"RegisterItems", `[{"id":"` + a + `"}]`},
		{"OfferTransfer", a, dist}, {"AcceptTransfer", a}, {"RejectTransfer", a}, {"CancelTransfer", a},
		{"RecallItem", a, "r"}, {"RecallLot", g, "", "r"}, {"ReportStolen", a}, {"HoldItems", a, "r"},
		{"ReleaseItems", a}, {"Decommission", a, "destroyed"}, {"RecordInspection", a, "0614141000005", "match"},
	} {
		f.refused(domain.CodeNotInitialized, "InitOrgRoles", f.admin(mfr), op[0], op[1:]...)
	}
}

// TestRecordSightings: one transaction records a batch of sightings,
// unregistered serials included, each on its own key with the reporter's
// policy; a bad entry refuses the batch and writes nothing; the GTIN list
// shows every serial's sightings.
func TestRecordSightings(t *testing.T) {
	f := ready(t)
	g := gtin(t, prefix, "00001")
	g2 := gtin(t, prefix, "00002")
	a, fake1, fake2, b2 := itemID(g, "A"), itemID(g, "FAKE1"), itemID(g, "FAKE2"), itemID(g2, "B")
	f.register(a)
	const gln = "0614141000005"
	before := f.snapshot()
	f.refused(domain.CodeInvalidID, "", f.user(cust), "RecordSightings", mustJSON(t, []string{a, "01/09506000134353/21/X"}), gln, "suspect", "")
	f.refused(domain.CodeInvalidArgument, "listed twice", f.user(cust), "RecordSightings", mustJSON(t, []string{a, a}), gln, "suspect", "")
	f.refused(domain.CodeInvalidArgument, "no item IDs", f.user(cust), "RecordSightings", "[]", gln, "suspect", "")
	f.refused(domain.CodeInvalidArgument, "not one of", f.user(cust), "RecordSightings", mustJSON(t, []string{a}), gln, "bad", "")
	f.refused(domain.CodeUnknownOrg, "", f.orgs[other].user, "RecordSightings", mustJSON(t, []string{a}), gln, "match", "")
	many := make([]string, domain.MaxBatch+1)
	for i := range many {
		many[i] = itemID(g, fmt.Sprintf("S%d", i))
	}
	f.refused(domain.CodeBatchTooLarge, "", f.user(cust), "RecordSightings", mustJSON(t, many), gln, "match", "")
	if after := f.snapshot(); after != before {
		t.Fatal("a refused batch of sightings wrote state")
	}
	var got []domain.Sighting
	r := f.ok(f.h.Submit(f.user(cust), "RecordSightings", mustJSON(t, []string{fake2, a, fake1}), gln, "mismatch", "case 7"))
	f.decode(r, &got)
	if len(got) != 3 || got[0].Item != fake2 || got[1].Item != a || got[2].Item != fake1 || got[2].ReporterMSP != cust || got[0].Note != "case 7" || got[1].TxID != r.TxID {
		t.Fatalf("sightings = %+v", got)
	}
	if ce := f.lastEvent(); ce.Type != domain.EventInspected || !equalJSON(t, ce.Items, []string{fake2, a, fake1}) {
		t.Fatalf("event = %+v", ce)
	}
	at, _ := domain.ParseTimestamp(got[0].At)
	sk, _ := domain.SightingKey(domain.ItemID{GTIN: g, Serial: "FAKE2"}, at, r.TxID)
	if pol := f.sbeOrgs(sk); !equalJSON(t, pol, []string{cust}) {
		t.Fatalf("sighting policy = %v", pol)
	}
	f.ok(f.h.Submit(f.user(dist), "RecordSighting", b2, gln, "match", ""))
	f.ok(f.h.Submit(f.user(dist), "RecordSighting", fake1, "0614141000012", "suspect", ""))
	var page domain.SightingPage
	f.decode(f.h.Evaluate(nil, "ListSightings", g, "", ""), &page)
	var items []string
	for _, s := range page.Sightings {
		items = append(items, s.Item+"@"+s.ReporterMSP)
	}
	// serial order (A < FAKE1 < FAKE2), then time; the other GTIN not at all
	if want := []string{a + "@" + cust, fake1 + "@" + cust, fake1 + "@" + dist, fake2 + "@" + cust}; !equalJSON(t, items, want) {
		t.Fatalf("ListSightings(%s) = %v, want %v", g, items, want)
	}
	f.decode(f.h.Evaluate(nil, "ListSightings", g, "3", ""), &page)
	if len(page.Sightings) != 3 || page.Bookmark == "" {
		t.Fatalf("page 1 = %+v", page)
	}
	bm := page.Bookmark
	f.decode(f.h.Evaluate(nil, "ListSightings", g, "3", bm), &page)
	if len(page.Sightings) != 1 || page.Sightings[0].Item != fake2 || page.Bookmark != "" {
		t.Fatalf("page 2 = %+v", page)
	}
	if err := f.h.Evaluate(nil, "ListSightings", g2, "3", bm).Err(); domain.CodeOf(err) != domain.CodeInvalidArgument {
		t.Fatalf("foreign bookmark: %v", err)
	}
	if err := f.h.Evaluate(nil, "ListSightings", "12345", "", "").Err(); domain.CodeOf(err) != domain.CodeInvalidID {
		t.Fatalf("bad GTIN: %v", err)
	}
}

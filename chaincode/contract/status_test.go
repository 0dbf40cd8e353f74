package contract_test

import (
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
	if got := f.sbeOrgs(hk); !equalJSON(t, got, []string{cust}) {
		t.Fatalf("hold SBE = %v", got)
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

	f.refused(domain.CodeNotOwner, "prefix "+prefix+" is owned by "+mfr, f.user(dist), "RecallItem", a, "r")
	f.refused(domain.CodeNotOwner, "only it may recall", f.user(mfr2), "RecallItem", a, "r")
	f.refused(domain.CodeInvalidArgument, "reason", f.user(mfr), "RecallItem", a, "")
	f.refused(domain.CodeInvalidID, "", f.user(mfr), "RecallItem", "x", "r")
	f.refused(domain.CodeNotFound, "", f.user(mfr), "RecallItem", itemID(g, "Z"), "r")
	f.refused(domain.CodePrefixNotActive, "no active company prefix", f.user(mfr), "RecallItem", itemID(gtin(t, "9530000", "00001"), "A"), "r")

	var rc domain.Recall
	r := f.ok(f.h.Submit(f.user(mfr), "RecallItem", a, "contaminated"))
	f.decode(r, &rc)
	if rc.Scope != "item" || rc.By != mfr || rc.Reason != "contaminated" || rc.TxID != r.TxID || rc.At == "" {
		t.Fatalf("recall = %+v", rc)
	}
	rk := compositeKey(t, "recall", g, "21", "A")
	if got := f.sbeOrgs(rk); !equalJSON(t, got, []string{mfr}) {
		t.Fatalf("recall SBE = %v", got)
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
	f.refused(domain.CodeAlreadyExists, "already recalled", f.user(mfr), "RecallItem", a, "again")
	f.refused(domain.CodeRecalled, "", f.user(dist), "OfferTransfer", a, mfr)
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
	f.refused(domain.CodeNotOwner, "", f.user(dist), "RecallLot", g1, "L1", "r")
	f.refused(domain.CodeInvalidID, "", f.user(mfr), "RecallLot", "123", "L1", "r")
	f.refused(domain.CodeInvalidID, "lot", f.user(mfr), "RecallLot", g1, "bad lot", "r")
	f.refused(domain.CodeInvalidArgument, "reason", f.user(mfr), "RecallLot", g1, "L1", "")
	f.refused(domain.CodePrefixNotActive, "no active company prefix", f.user(mfr), "RecallLot", gtin(t, "9530000", "00001"), "L1", "r")

	var rc domain.Recall
	r := f.ok(f.h.Submit(f.user(mfr), "RecallLot", g1[1:], "L1", "mislabelled")) // GTIN-13 spelling
	f.decode(r, &rc)
	if rc.Scope != "lot" || rc.By != mfr {
		t.Fatalf("recall = %+v", rc)
	}
	if ev := f.lastEvent(); ev.Type != domain.EventRecalled || ev.Scope != "01/"+g1+"/10/L1" || len(ev.Items) != 0 || ev.TxID != r.TxID {
		t.Fatalf("event = %+v", ev)
	}
	if got := f.sbeOrgs(compositeKey(t, "recall", g1, "10", "L1")); !equalJSON(t, got, []string{mfr}) {
		t.Fatalf("SBE = %v", got)
	}
	if it := f.item(itemID(g1, "A")); it.Recall == nil || it.Recall.Scope != "lot" || it.Recall.Reason != "mislabelled" {
		t.Fatalf("lot L1 item: %+v", it.Recall)
	}
	if it := f.item(itemID(g1, "B")); it.Recall != nil {
		t.Fatalf("lot L2 item recalled: %+v", it.Recall)
	}
	f.refused(domain.CodeAlreadyExists, "01/"+g1+"/10/L1 is already recalled", f.user(mfr), "RecallLot", g1, "L1", "again")
	f.refused(domain.CodeRecalled, "lot scope", f.user(mfr), "OfferTransfer", itemID(g1, "A"), dist)

	// Whole GTIN: every item of it, and the broadest scope shows.
	f.ok(f.h.Submit(f.user(mfr), "RecallLot", g1, "", "withdrawn from market"))
	if ev := f.lastEvent(); ev.Scope != "01/"+g1 {
		t.Fatalf("event = %+v", ev)
	}
	var items []*domain.Item
	f.decode(f.h.Evaluate(nil, "GetItems", mustJSON(t, []string{itemID(g1, "A"), itemID(g1, "B"), itemID(g2, "C")})), &items)
	if items[0].Recall == nil || items[0].Recall.Scope != "gtin" || items[1].Recall == nil || items[1].Recall.Scope != "gtin" || items[2].Recall != nil {
		t.Fatalf("recalls = %+v %+v %+v", items[0].Recall, items[1].Recall, items[2].Recall)
	}
	f.refused(domain.CodeAlreadyExists, "01/"+g1+" is already recalled", f.user(mfr), "RecallLot", g1, "", "again")
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
	f.refused(domain.CodeNotFound, "", f.user(dist), "RecordInspection", itemID(g, "Z"), gln, "match")
	f.refused(domain.CodeUnknownOrg, "", f.orgs[other].user, "RecordInspection", a, gln, "match")

	ik := compositeKey(t, "item", g, "A")
	before := string(f.h.Stub.State(ik))
	var ev domain.CustodyEvent
	r := f.ok(f.h.Submit(f.user(cust), "RecordInspection", a, gln, "mismatch"))
	f.decode(r, &ev)
	if ev.Type != domain.EventInspected || ev.Seq != 2 || ev.Details != "gln="+gln+" result=mismatch" || ev.SubmitterMSP != cust || ev.TxID != r.TxID {
		t.Fatalf("inspection = %+v", ev)
	}
	if string(f.h.Stub.State(ik)) != before {
		t.Fatal("an inspection must not write the item key (the owner would have to endorse it)")
	}
	if it := f.item(a); it.Seq != 2 {
		t.Fatalf("item seq after inspection = %d", it.Seq)
	}
	if ce := f.lastEvent(); ce.Type != domain.EventInspected || !equalJSON(t, ce.Items, []string{a}) {
		t.Fatalf("chaincode event = %+v", ce)
	}
	// Any member, any status, the owner included.
	f.ok(f.h.Submit(f.user(mfr), "Decommission", a, "dispensed"))
	f.ok(f.h.Submit(f.user(dist), "RecordInspection", a, gln, "suspect"))
	f.ok(f.h.Submit(f.user(mfr), "RecordInspection", a, gln, "match"))
	if h := f.history(a); len(h) != 5 {
		t.Fatalf("history: %d events", len(h))
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

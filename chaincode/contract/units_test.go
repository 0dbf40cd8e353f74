package contract_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
)

// sscc builds an SSCC: extension digit 0, the 7-digit company prefix, a
// 9-digit serial reference and the check digit.
func sscc(t *testing.T, companyPrefix string, ref int) string {
	t.Helper()
	body := fmt.Sprintf("0%s%09d", companyPrefix, ref)
	d, err := domain.CheckDigit(body)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s%d", body, d)
}

func TestUnitPackMoveUnpack(t *testing.T) {
	f := ready(t)
	g := gtin(t, prefix, "00001")
	a, b, c := itemID(g, "A"), itemID(g, "B"), itemID(g, "C")
	f.register(a, b, c)
	caseID, palletID := "00/"+sscc(t, prefix, 1), "00/"+sscc(t, prefix, 2)

	// Only the SSCC's prefix owner creates units; a unit cannot be packed by another org.
	f.refused(domain.CodePrefixNotActive, "owned by "+mfr, f.user(dist), "PackUnit", caseID, a)
	f.refused(domain.CodeNotFound, "not registered", f.user(mfr), "PackUnit", caseID, itemID(g, "nope"))
	f.refused(domain.CodeInvalidArgument, "cannot contain itself", f.user(mfr), "PackUnit", caseID, caseID)

	// Element string spelling of the SSCC; contents in any spelling.
	f.ok(f.h.Submit(f.user(mfr), "PackUnit", "(00)"+caseID[3:], mustJSON(t, []string{a, "(01)" + g + "(21)B"})))
	if ev := f.lastEvent(); ev.Type != domain.EventPacked || !equalJSON(t, ev.Items, []string{caseID, a, b}) {
		t.Fatalf("pack event = %+v", ev)
	}
	u := f.item(caseID)
	if u.Owner != mfr || u.Manufacturer != mfr || u.Contents != 2 || u.Depth != 1 || !equalJSON(t, u.Lots, []string{"01/" + g}) || u.Seq != 2 {
		t.Fatalf("case = %+v", u)
	}
	// The item key is untouched by packing; its packing key carries AND(owner) AND a majority.
	ik := compositeKey(t, "item", g, "A")
	if got := f.sbeOrgs(ik); !equalJSON(t, got, []string{mfr}) {
		t.Fatalf("item SBE = %v", got)
	}
	if p := f.keyPolicy(compositeKey(t, "packed", g, "A")); !equalJSON(t, p.AllOf, []string{mfr}) || !p.AndMajority {
		t.Fatalf("packing key policy = %+v", p)
	}
	if it := f.item(a); !equalJSON(t, it.Containers, []string{caseID}) || it.Owner != mfr || it.Status != domain.StatusActive {
		t.Fatalf("packed item = %+v", it)
	}
	// A packed item cannot move alone, nor be packed twice, nor held alone.
	f.refused(domain.CodePacked, "packed in unit "+caseID, f.user(mfr), "OfferTransfer", a, dist)
	f.refused(domain.CodePacked, "packed in unit "+caseID, f.user(mfr), "PackUnit", palletID, a)
	f.refused(domain.CodePacked, "packed in unit", f.user(cust), "HoldItems", a, "check")
	f.refused(domain.CodePacked, "packed in unit", f.user(mfr), "Decommission", a, "destroyed")

	f.ok(f.h.Submit(f.user(mfr), "PackUnit", palletID, caseID))
	if it := f.item(a); !equalJSON(t, it.Containers, []string{caseID, palletID}) {
		t.Fatalf("item in pallet = %+v", it)
	}
	if p := f.item(palletID); p.Depth != 2 || p.Contents != 1 || !equalJSON(t, p.Lots, []string{"01/" + g}) {
		t.Fatalf("pallet = %+v", p)
	}
	f.refused(domain.CodePacked, "packed in unit "+palletID, f.user(mfr), "OfferTransfer", caseID, dist)

	// Moving the pallet writes the pallet's keys only, whatever it holds.
	before := f.snapshot()
	f.ok(f.h.Submit(f.user(mfr), "OfferTransfer", palletID, dist))
	for _, k := range changedKeys(before, f.snapshot()) {
		if strings.Contains(k, g) || strings.Contains(k, caseID[3:]) {
			t.Fatalf("offer of the pallet wrote %s", k)
		}
	}
	if it := f.item(b); it.Status != domain.StatusInTransit || it.OfferedTo != dist || it.Owner != mfr {
		t.Fatalf("item in offered pallet = %+v", it)
	}
	if got := f.listAll("status", string(domain.StatusInTransit), "10"); !equalJSON(t, got, []string{palletID}) {
		t.Fatalf("ListItems status IN_TRANSIT = %v, want the pallet", got)
	}
	if got := f.listAll("offered-to", dist, "10"); !equalJSON(t, got, []string{palletID}) {
		t.Fatalf("ListItems offered-to %s = %v, want the pallet", dist, got)
	}
	f.refused(domain.CodeNotRecipient, "not "+cust, f.user(cust), "AcceptTransfer", palletID)
	f.ok(f.h.Submit(f.user(dist), "AcceptTransfer", palletID))
	if it := f.item(b); it.Owner != dist || it.Status != domain.StatusActive {
		t.Fatalf("item in accepted pallet = %+v", it)
	}
	// Lists by owner and status name the unit (its own index entries, moved
	// with it); packed contents keep their packer's entries, which their
	// effective owner (the outermost unit's) contradicts: they are listed
	// through their unit, never under a stale owner.
	if got := f.listAll("owner", dist, "10"); !equalJSON(t, got, []string{palletID}) {
		t.Fatalf("ListItems owner %s = %v, want the pallet only", dist, got)
	}
	if got := f.listAll("owner", mfr, "10"); !equalJSON(t, got, []string{c}) {
		t.Fatalf("ListItems owner %s = %v, want the loose item only", mfr, got)
	}
	// Customs holds the pallet: visible on the items, blocks the owner.
	f.ok(f.h.Submit(f.user(cust), "HoldItems", palletID, "x-ray"))
	if it := f.item(a); it.Hold == nil || it.Hold.By != cust {
		t.Fatalf("hold through containers = %+v", it)
	}
	f.refused(domain.CodeOnHold, "x-ray", f.user(dist), "OfferTransfer", palletID, cust)
	f.refused(domain.CodeOnHold, "x-ray", f.user(dist), "UnpackUnit", palletID, caseID)
	f.ok(f.h.Submit(f.user(cust), "ReleaseItems", palletID))

	// Non-owners: the former owner and a third org cannot touch the pallet or its contents.
	f.refused(domain.CodeNotOwner, "held by "+dist, f.user(mfr), "UnpackUnit", palletID, caseID)
	f.refused(domain.CodeNotOwner, "held by "+dist, f.user(cust), "OfferTransfer", palletID, mfr)
	f.refused(domain.CodeNotOwner, "held by "+dist, f.user(mfr), "PackUnit", palletID, c)
	f.refused(domain.CodeInvalidTransition, "not packed in unit "+palletID, f.user(dist), "UnpackUnit", palletID, a)

	// The new owner unpacks the case, then one item: each becomes its own.
	f.ok(f.h.Submit(f.user(dist), "UnpackUnit", palletID, caseID))
	if cs := f.item(caseID); cs.Owner != dist || len(cs.Containers) != 0 {
		t.Fatalf("unpacked case = %+v", cs)
	}
	if got := f.sbeOrgs(compositeKey(t, "item", "00", caseID[3:])); !equalJSON(t, got, []string{dist}) {
		t.Fatalf("case SBE after unpack = %v", got)
	}
	if p := f.item(palletID); p.Contents != 0 || p.Depth != 0 || len(p.Lots) != 0 {
		t.Fatalf("emptied pallet = %+v", p)
	}
	f.ok(f.h.Submit(f.user(dist), "UnpackUnit", caseID, a))
	if it := f.item(a); it.Owner != dist || len(it.Containers) != 0 {
		t.Fatalf("unpacked item = %+v", it)
	}
	if f.h.Stub.State(compositeKey(t, "packed", g, "A")) != nil {
		t.Fatal("packing key left behind")
	}
	if got := f.sbeOrgs(ik); !equalJSON(t, got, []string{dist}) {
		t.Fatalf("item SBE after unpack = %v", got)
	}
	f.ok(f.h.Submit(f.user(dist), "OfferTransfer", a, cust))
	// b is still in the case, the distributor's through it.
	if it := f.item(b); it.Owner != dist || !equalJSON(t, it.Containers, []string{caseID}) {
		t.Fatalf("item left in case = %+v", it)
	}
	var page domain.UnitContentsPage
	f.decode(f.h.Evaluate(nil, "GetUnitContents", caseID, "", ""), &page)
	if !equalJSON(t, page.Contents, []string{b}) {
		t.Fatalf("case contents = %+v", page)
	}
	// The item's history names the units it travelled in.
	h := f.history(a)
	if len(h) != 4 || h[1].Type != domain.EventPacked || h[1].Unit != caseID || h[1].UnitSeq != 2 ||
		h[2].Type != domain.EventUnpacked || h[2].Unit != caseID || h[2].From != mfr || h[2].To != dist || h[3].Type != domain.EventOffered {
		t.Fatalf("history = %+v", h)
	}
	// Whole unpack (empty list): the rest.
	f.ok(f.h.Submit(f.user(dist), "UnpackUnit", caseID, ""))
	if it := f.item(b); it.Owner != dist || len(it.Containers) != 0 {
		t.Fatalf("item after whole unpack = %+v", it)
	}
	f.refused(domain.CodeInvalidArgument, "is empty", f.user(dist), "UnpackUnit", caseID, "")
}

func TestUnitLotRecallAndDepth(t *testing.T) {
	f := ready(t)
	g := gtin(t, prefix, "00002")
	in := []domain.ItemInput{{ID: itemID(g, "1"), Lot: "L7"}, {ID: itemID(g, "2"), Lot: "L8"}}
	f.ok(f.h.Submit(f.user(mfr), "RegisterItems", mustJSON(t, in)))
	units := make([]string, domain.MaxUnitDepth+2)
	for i := range units {
		units[i] = "00/" + sscc(t, prefix, 100+i)
	}
	f.ok(f.h.Submit(f.user(mfr), "PackUnit", units[0], mustJSON(t, []string{itemID(g, "1"), itemID(g, "2")})))
	for i := 1; i < domain.MaxUnitDepth; i++ {
		f.ok(f.h.Submit(f.user(mfr), "PackUnit", units[i], units[i-1]))
	}
	f.refused(domain.CodeInvalidArgument, "levels deep", f.user(mfr), "PackUnit", units[domain.MaxUnitDepth], units[domain.MaxUnitDepth-1])
	top := units[domain.MaxUnitDepth-1]
	if u := f.item(top); !equalJSON(t, u.Lots, []string{"01/" + g + "/10/L7", "01/" + g + "/10/L8"}) || u.Recall != nil {
		t.Fatalf("top unit = %+v", u)
	}
	f.ok(f.h.Submit(f.admin(mfr), "RecallLot", g, "L8", "contamination"))
	if u := f.item(top); u.Recall == nil || u.Recall.Scope != domain.RecallScopeLot {
		t.Fatalf("lot recall not visible on the unit: %+v", u)
	}
	f.refused(domain.CodeRecalled, "recalled", f.user(mfr), "OfferTransfer", top, dist)
	f.ok(f.h.Submit(f.user(mfr), "OfferTransfer", top, cust)) // recalled goods may go to customs
	if it := f.item(itemID(g, "1")); len(it.Containers) != domain.MaxUnitDepth || it.OfferedTo != cust {
		t.Fatalf("deep item = %+v", it)
	}
}

package contract_test

import (
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
)

func TestTransferOfferAccept(t *testing.T) {
	f := ready(t)
	g := gtin(t, prefix, "00001")
	a, b := itemID(g, "A"), itemID(g, "B")
	f.register(a, b)
	ids := mustJSON(t, []string{a, b})

	var keys []string
	r := f.ok(f.h.Submit(f.user(mfr), "OfferTransfer", ids, dist))
	f.decode(r, &keys)
	if !equalJSON(t, keys, []string{a, b}) {
		t.Fatalf("offer keys = %v", keys)
	}
	if ev := f.lastEvent(); ev.Type != domain.EventOffered || !equalJSON(t, ev.Items, []string{a, b}) || ev.TxID != r.TxID {
		t.Fatalf("event = %+v", ev)
	}
	it := f.item(a)
	if it.Status != domain.StatusInTransit || it.Owner != mfr || it.OfferedTo != dist || it.Seq != 2 {
		t.Fatalf("offered item = %+v", it)
	}
	ik := compositeKey(t, "item", g, "A")
	// By design (issue 13): the offer leaves the item key the owner's; the
	// recipient's consent lives on a new offer key with its policy.
	if got := f.sbeOrgs(ik); !equalJSON(t, got, []string{mfr}) {
		t.Fatalf("SBE in transit = %v", got)
	}
	ok := compositeKey(t, "offer", g, "A", "0000000002")
	if got := f.sbeOrgs(ok); !equalJSON(t, got, []string{dist}) {
		t.Fatalf("offer key policy = %v", got)
	}
	if it.Offer == nil || it.Offer.To != dist || it.Offer.Seq != 2 || it.OfferSeq != 2 || it.Offer.ExpiresAt == "" {
		t.Fatalf("open offer = %+v", it.Offer)
	}
	// Cannot be offered again, accepted by a third org, or cancelled by the recipient.
	f.refused(domain.CodeInvalidTransition, "IN_TRANSIT; OFFERED needs ACTIVE", f.user(mfr), "OfferTransfer", a, cust)
	f.refused(domain.CodeNotRecipient, "offered to "+dist+", not "+cust, f.user(cust), "AcceptTransfer", ids)
	f.refused(domain.CodeNotOwner, "held by "+mfr, f.user(dist), "CancelTransfer", a)

	r = f.ok(f.h.Submit(f.user(dist), "AcceptTransfer", ids))
	it = f.item(a)
	if it.Status != domain.StatusActive || it.Owner != dist || it.OfferedTo != "" || it.Manufacturer != mfr || it.Seq != 3 || it.UpdatedTx != r.TxID {
		t.Fatalf("accepted item = %+v", it)
	}
	if got := f.sbeOrgs(ik); !equalJSON(t, got, []string{dist}) {
		t.Fatalf("SBE after accept = %v", got)
	}
	h := f.history(a)
	if len(h) != 3 || h[1].Type != domain.EventOffered || h[1].From != mfr || h[1].To != dist ||
		h[2].Type != domain.EventAccepted || h[2].From != mfr || h[2].To != dist || h[2].SubmitterMSP != dist {
		t.Fatalf("history = %+v", h)
	}
	// Indexes moved with the owner.
	if f.h.Stub.State(compositeKey(t, "owner~item", mfr, g, "A")) != nil || f.h.Stub.State(compositeKey(t, "owner~item", dist, g, "A")) == nil {
		t.Fatal("owner index not moved")
	}
	if f.h.Stub.State(compositeKey(t, "status~item", "IN_TRANSIT", g, "A")) != nil || f.h.Stub.State(compositeKey(t, "status~item", "ACTIVE", g, "A")) == nil {
		t.Fatal("status index not moved")
	}
	// The resubmitted business operation (new tx ID) does not transfer twice.
	f.refused(domain.CodeInvalidTransition, "is ACTIVE", f.user(dist), "AcceptTransfer", ids)
	// The former owner no longer holds it.
	f.refused(domain.CodeNotOwner, "held by "+dist, f.user(mfr), "OfferTransfer", a, cust)
	// The new owner passes it on to customs (any org with a role).
	f.ok(f.h.Submit(f.user(dist), "OfferTransfer", a, cust))
	f.ok(f.h.Submit(f.user(cust), "AcceptTransfer", a))
	if it := f.item(a); it.Owner != cust {
		t.Fatalf("owner = %s", it.Owner)
	}
}

func TestTransferRejectAndCancel(t *testing.T) {
	f := ready(t)
	g := gtin(t, prefix, "00001")
	a := itemID(g, "A")
	f.register(a)
	f.ok(f.h.Submit(f.user(mfr), "OfferTransfer", a, dist))
	f.refused(domain.CodeNotRecipient, "not "+mfr, f.user(mfr), "RejectTransfer", a)
	f.ok(f.h.Submit(f.user(dist), "RejectTransfer", a))
	it := f.item(a)
	if it.Status != domain.StatusActive || it.Owner != mfr || it.OfferedTo != "" {
		t.Fatalf("rejected item = %+v", it)
	}
	if got := f.sbeOrgs(compositeKey(t, "item", g, "A")); !equalJSON(t, got, []string{mfr}) {
		t.Fatalf("SBE after reject = %v", got)
	}
	if ev := f.history(a)[2]; ev.Type != domain.EventRejected || ev.From != mfr || ev.To != dist || ev.SubmitterMSP != dist {
		t.Fatalf("reject event = %+v", ev)
	}
	f.refused(domain.CodeInvalidTransition, "REJECTED needs IN_TRANSIT", f.user(dist), "RejectTransfer", a)
	f.refused(domain.CodeInvalidTransition, "CANCELLED needs IN_TRANSIT", f.user(mfr), "CancelTransfer", a)

	f.ok(f.h.Submit(f.user(mfr), "OfferTransfer", a, cust))
	f.ok(f.h.Submit(f.user(mfr), "CancelTransfer", a))
	it = f.item(a)
	if it.Status != domain.StatusActive || it.OfferedTo != "" || it.Seq != 5 {
		t.Fatalf("cancelled item = %+v", it)
	}
	if ev := f.lastEvent(); ev.Type != domain.EventCancelled {
		t.Fatalf("event = %+v", ev)
	}
	if ev := f.history(a)[4]; ev.Type != domain.EventCancelled || ev.From != mfr || ev.To != cust {
		t.Fatalf("cancel event = %+v", ev)
	}
	if got := f.sbeOrgs(compositeKey(t, "item", g, "A")); !equalJSON(t, got, []string{mfr}) {
		t.Fatalf("SBE after cancel = %v", got)
	}
	f.refused(domain.CodeInvalidTransition, "ACCEPTED needs IN_TRANSIT", f.user(cust), "AcceptTransfer", a)
}

func TestOfferRefusals(t *testing.T) {
	f := ready(t)
	g := gtin(t, prefix, "00001")
	a, b, c := itemID(g, "A"), itemID(g, "B"), itemID(g, "C")
	f.register(a, b, c)
	f.refused(domain.CodeSelfTransfer, mfr, f.user(mfr), "OfferTransfer", a, mfr)
	f.refused(domain.CodeUnknownOrg, other, f.user(mfr), "OfferTransfer", a, other)
	f.refused(domain.CodeUnknownOrg, `""`, f.user(mfr), "OfferTransfer", a, "")
	f.refused(domain.CodeNotFound, itemID(g, "Z"), f.user(mfr), "OfferTransfer", mustJSON(t, []string{a, itemID(g, "Z")}), dist)
	f.refused(domain.CodeInvalidArgument, "listed twice", f.user(mfr), "OfferTransfer", mustJSON(t, []string{a, "(01)" + g + "(21)A"}), dist)
	f.refused(domain.CodeInvalidArgument, "no item IDs", f.user(mfr), "OfferTransfer", "[]", dist)
	f.refused(domain.CodeInvalidArgument, "no item IDs", f.user(mfr), "OfferTransfer", " ", dist)
	f.refused(domain.CodeInvalidArgument, "JSON array", f.user(mfr), "OfferTransfer", "[1]", dist)
	f.refused(domain.CodeInvalidID, "bogus", f.user(mfr), "OfferTransfer", mustJSON(t, []string{a, "bogus"}), dist)
	many := make([]string, domain.MaxBatch+1)
	for i := range many {
		many[i] = a
	}
	f.refused(domain.CodeBatchTooLarge, "1001", f.user(mfr), "OfferTransfer", mustJSON(t, many), dist)

	// One bad item refuses the whole shipment: hold on B, recall on C.
	f.ok(f.h.Submit(f.user(cust), "HoldItems", b, "inspection"))
	f.refused(domain.CodeOnHold, b+" is on hold by "+cust, f.user(mfr), "OfferTransfer", mustJSON(t, []string{a, b}), dist)
	f.ok(f.h.Submit(f.admin(mfr), "RecallItem", c, "contamination"))
	f.refused(domain.CodeRecalled, c+" is recalled (item scope, by "+mfr+": contamination)", f.user(mfr), "OfferTransfer", mustJSON(t, []string{a, c}), dist)
	if it := f.item(a); it.Status != domain.StatusActive {
		t.Fatalf("refused batch moved A: %+v", it)
	}
	// Accepting a held item is refused, rejecting it is not.
	f.ok(f.h.Submit(f.user(mfr), "OfferTransfer", a, dist))
	f.ok(f.h.Submit(f.user(cust), "HoldItems", a, "x-ray"))
	f.refused(domain.CodeOnHold, a, f.user(dist), "AcceptTransfer", a)
	f.ok(f.h.Submit(f.user(dist), "RejectTransfer", a))
	// Unknown items and roles.
	f.refused(domain.CodeNotFound, "", f.user(dist), "AcceptTransfer", itemID(g, "Z"))
	f.refused(domain.CodeRoleMismatch, "", f.orgs[dist].norole, "AcceptTransfer", a)
	f.refused(domain.CodeRoleMismatch, "", f.orgs[dist].norole, "CancelTransfer", a)
	f.refused(domain.CodeRoleMismatch, "", f.orgs[dist].norole, "RejectTransfer", a)
	f.refused(domain.CodeInvalidArgument, "", f.user(dist), "RejectTransfer", "[")
}

// TestOwnerOnlyChangesEndorsableByEveryPeer: the endorsing-peer check never
// refuses on another org's peer, because every transition also needs the
// chaincode-level MAJORITY (see chaincode/README.md).
func TestOwnerOnlyChangesEndorsableByEveryPeer(t *testing.T) {
	f := ready(t)
	g := gtin(t, prefix, "00001")
	a := itemID(g, "A")
	f.register(a)
	for _, peer := range []string{dist, cust, ""} {
		f.peer = peer // "" = CORE_PEER_LOCALMSPID not set: not needed either
		f.ok(f.h.Submit(f.user(mfr), "OfferTransfer", a, dist))
		f.ok(f.h.Submit(f.user(mfr), "CancelTransfer", a))
	}
}

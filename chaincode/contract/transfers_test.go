package contract_test

import (
	"encoding/json"
	"strings"
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

// A single-item offer reads once and an accept twice (the open offer's key
// is named by the item record): the org roles and every key the ID names
// come in the first GetMultipleStates, and the counter carries the last
// event's time, so the event key is not read. Counters of older chaincode
// (the sequence alone) still work: the event key is read for the time.
func TestSingleItemRoundTrips(t *testing.T) {
	f := ready(t)
	g := gtin(t, prefix, "00001")
	a, b, c := itemID(g, "A"), itemID(g, "B"), itemID(g, "C")
	f.register(a, b, c)
	ck := func(serial string) string { return compositeKey(t, "seq", g, serial) }

	f.ok(f.h.Submit(f.user(mfr), "OfferTransfer", mustJSON(t, []string{a}), dist))
	if n := f.h.Stub.ReadCalls(); n != 1 {
		t.Fatalf("offer made %d read calls (%q), want 1", n, f.h.Stub.Reads())
	}
	h := f.history(a)
	if got, want := string(f.h.Stub.State(ck("A"))), "2 "+h[1].Timestamp; got != want {
		t.Fatalf("counter after offer = %q, want %q", got, want)
	}
	f.ok(f.h.Submit(f.user(dist), "AcceptTransfer", mustJSON(t, []string{a})))
	if n := f.h.Stub.ReadCalls(); n != 2 {
		t.Fatalf("accept made %d read calls (%q), want 2", n, f.h.Stub.Reads())
	}

	// An older counter: the event key gives the time (a second read).
	f.h.Stub.SetCommitted(ck("B"), []byte("1"))
	f.ok(f.h.Submit(f.user(mfr), "OfferTransfer", mustJSON(t, []string{b}), dist))
	if n := f.h.Stub.ReadCalls(); n != 2 {
		t.Fatalf("offer with an older counter made %d read calls, want 2", n)
	}
	if got := string(f.h.Stub.State(ck("B"))); !strings.HasPrefix(got, "2 ") {
		t.Fatalf("counter rewritten as %q", got)
	}

	// The time the backdating check uses comes from the counter when it
	// has one, else from the event key.
	const future = "2099-01-01T00:00:00Z"
	f.h.Stub.SetCommitted(ck("C"), []byte("1 "+future))
	f.refused(domain.CodeBackdated, "before its last custody event", f.user(mfr), "OfferTransfer", mustJSON(t, []string{c}), dist)
	ek := compositeKey(t, "event", g, "C", "0000000001")
	var ev domain.CustodyEvent
	if err := json.Unmarshal(f.h.Stub.State(ek), &ev); err != nil {
		t.Fatal(err)
	}
	ev.Timestamp = future
	f.h.Stub.SetCommitted(ek, []byte(mustJSON(t, ev)))
	f.h.Stub.SetCommitted(ck("C"), []byte("1"))
	f.refused(domain.CodeBackdated, "before its last custody event", f.user(mfr), "OfferTransfer", mustJSON(t, []string{c}), dist)
}

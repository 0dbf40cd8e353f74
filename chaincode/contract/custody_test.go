package contract_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
)

// written returns the keys whose value or policy differ between two snapshots.
func changedKeys(before, after string) []string {
	b := map[string]bool{}
	for _, l := range strings.Split(before, "\n") {
		b[l] = true
	}
	var out []string
	for _, l := range strings.Split(after, "\n") {
		if l != "" && !b[l] {
			out = append(out, l[:strings.Index(l, "=")])
		}
	}
	return out
}

func hasKeyOf(keys []string, obj string) bool {
	for _, k := range keys {
		if strings.HasPrefix(k, `"\x00`+obj+`\x00`) {
			return true
		}
	}
	return false
}

func TestBackdatedEventRefused(t *testing.T) {
	f := ready(t)
	g := gtin(t, prefix, "00001")
	a := itemID(g, "A")
	f.register(a)
	last := f.h.Now
	// An honest clock a little behind (within the tolerance) is fine.
	held := last.Add(-(domain.EventTimeTolerance - 5) * time.Second)
	f.h.Now = held
	f.ok(f.h.Submit(f.user(cust), "HoldItems", a, "x-ray"))
	// Beyond it: refused, naming the item and the last event's time.
	f.h.Now = held.Add(-(domain.EventTimeTolerance + 60) * time.Second)
	f.refused(domain.CodeBackdated, a+": transaction time", f.user(cust), "ReleaseItems", a)
	f.refused(domain.CodeBackdated, "by more than 120 s", f.user(mfr), "Decommission", a, "destroyed")
	// A sighting is not a custody event: a backdated one is recorded (its
	// own key, its own time) and cannot poison the item's history.
	f.ok(f.h.Submit(f.user(dist), "RecordInspection", a, "0614141000005", "suspect"))
	f.h.Now = last.Add(time.Minute)
	f.ok(f.h.Submit(f.user(cust), "ReleaseItems", a))
}

func TestOfferExpiryAndCancel(t *testing.T) {
	f := ready(t)
	g := gtin(t, prefix, "00001")
	a, b := itemID(g, "A"), itemID(g, "B")
	f.register(a, b)
	f.refused(domain.CodeInvalidArgument, "offer expiry", f.user(mfr), "OfferTransferExpiring", a, dist, "0")
	f.refused(domain.CodeInvalidArgument, "offer expiry", f.user(mfr), "OfferTransferExpiring", a, dist, "91d")
	f.refused(domain.CodeInvalidArgument, "offer expiry", f.user(mfr), "OfferTransferExpiring", a, dist, "soon")
	f.ok(f.h.Submit(f.user(mfr), "OfferTransferExpiring", mustJSON(t, []string{a, b}), dist, "60s"))
	it := f.item(a)
	if it.Offer == nil || it.Offer.ExpiresAt != domain.FormatTimestamp(mustTS(t, it.UpdatedAt)+60e9) {
		t.Fatalf("offer = %+v (item updated %s)", it.Offer, it.UpdatedAt)
	}
	if h := f.history(a); h[1].Details != "expires="+it.Offer.ExpiresAt {
		t.Fatalf("OFFERED details %q", h[1].Details)
	}
	offerKey := compositeKey(t, "offer", g, "A", "0000000002")

	// Before expiry the owner's cancel writes the offer key: the recipient's
	// peers must endorse it (their key-level policy).
	before := f.snapshot()
	f.ok(f.h.Submit(f.user(mfr), "CancelTransfer", b))
	if ch := changedKeys(before, f.snapshot()); !hasKeyOf(ch, "offer") || !hasKeyOf(ch, "item") {
		t.Fatalf("cancel before expiry wrote %v", ch)
	}

	// After expiry: the recipient can no longer accept (it may reject)...
	f.h.Now = f.h.Now.Add(2 * time.Minute)
	f.refused(domain.CodeInvalidTransition, a+": the offer to "+dist+" expired at "+it.Offer.ExpiresAt, f.user(dist), "AcceptTransfer", a)
	// ...and the owner cancels without it: the offer key is not written.
	before = f.snapshot()
	offerBefore := string(f.h.Stub.State(offerKey))
	f.ok(f.h.Submit(f.user(mfr), "CancelTransfer", a))
	ch := changedKeys(before, f.snapshot())
	if hasKeyOf(ch, "offer") || string(f.h.Stub.State(offerKey)) != offerBefore || !hasKeyOf(ch, "item") {
		t.Fatalf("cancel after expiry wrote %v", ch)
	}
	h := f.history(a)
	if ev := h[len(h)-1]; ev.Type != domain.EventCancelled || ev.Details != "offer expired at "+it.Offer.ExpiresAt || ev.To != dist {
		t.Fatalf("cancel event = %+v", ev)
	}
	if p := domain.ExpectedEndorsers(h[len(h)-1], standardRoles); !equalJSON(t, p.AllOf, []string{mfr}) {
		t.Fatalf("expired cancel policy %s", p)
	}
	if it := f.item(a); it.Status != domain.StatusActive || it.OfferedTo != "" || it.OfferSeq != 0 || it.Offer != nil {
		t.Fatalf("after cancel: %+v", it)
	}
	// A new offer gets a new key.
	f.ok(f.h.Submit(f.user(mfr), "OfferTransfer", a, cust))
	if f.item(a).OfferSeq != 4 || f.h.Stub.State(compositeKey(t, "offer", g, "A", "0000000004")) == nil {
		t.Fatalf("second offer: %+v", f.item(a))
	}
	f.ok(f.h.Submit(f.user(cust), "AcceptTransfer", a))
	var o domain.Offer
	if err := jsonUnmarshal(f.h.Stub.State(compositeKey(t, "offer", g, "A", "0000000004")), &o); err != nil || o.Outcome != domain.EventAccepted {
		t.Fatalf("closed offer = %+v %v", o, err)
	}
}

func TestStolenRefusedOnHoldAndWithoutRecipient(t *testing.T) {
	f := ready(t)
	g := gtin(t, prefix, "00001")
	a, b := itemID(g, "A"), itemID(g, "B")
	f.register(a, b)
	f.ok(f.h.Submit(f.user(cust), "HoldItems", a, "inspection"))
	f.refused(domain.CodeOnHold, a+" is on hold by "+cust, f.user(mfr), "ReportStolen", a)
	// In transit: the stolen report does not write the recipient's offer key.
	f.ok(f.h.Submit(f.user(mfr), "OfferTransfer", b, dist))
	before := f.snapshot()
	f.ok(f.h.Submit(f.user(mfr), "ReportStolen", b))
	if ch := changedKeys(before, f.snapshot()); hasKeyOf(ch, "offer") {
		t.Fatalf("stolen report wrote the offer key: %v", ch)
	}
}

func TestRecalledItemReturnsToBrandOrCustoms(t *testing.T) {
	f := newFixture(t)
	f.initRoles(fourRoles)
	f.activatePrefix(mfr, prefix, dist, cust)
	g := gtin(t, prefix, "00001")
	a, b := itemID(g, "A"), itemID(g, "B")
	f.register(a, b)
	f.ok(f.h.Submit(f.user(mfr), "OfferTransfer", mustJSON(t, []string{a, b}), dist))
	f.ok(f.h.Submit(f.user(dist), "AcceptTransfer", mustJSON(t, []string{a, b})))
	f.ok(f.h.Submit(f.admin(mfr), "RecallLot", g, "", "contaminated"))
	f.refused(domain.CodeRecalled, a+" is recalled (gtin scope, by "+mfr+": contaminated); it may only be offered to its brand owner "+mfr, f.user(dist), "OfferTransfer", a, mfr2)
	f.ok(f.h.Submit(f.user(dist), "OfferTransfer", a, mfr))
	f.ok(f.h.Submit(f.user(mfr), "AcceptTransfer", a))
	f.ok(f.h.Submit(f.user(dist), "OfferTransfer", b, cust))
	f.ok(f.h.Submit(f.user(cust), "AcceptTransfer", b))
	f.ok(f.h.Submit(f.user(cust), "Decommission", b, "destroyed"))
	if it := f.item(a); it.Owner != mfr || it.Recall == nil {
		t.Fatalf("returned item = %+v", it)
	}
}

func TestWithdrawRecall(t *testing.T) {
	f := ready(t)
	g := gtin(t, prefix, "00001")
	a := itemID(g, "A")
	f.ok(f.h.Submit(f.user(mfr), "RegisterItems", mustJSON(t, []domain.ItemInput{{ID: a, Lot: "L1"}})))
	f.refused(domain.CodeNotFound, "has no item recall", f.admin(mfr), "WithdrawRecall", a)
	f.refused(domain.CodeNotFound, "01/"+g+" is not recalled", f.admin(mfr), "WithdrawRecall", "01/"+g)
	f.refused(domain.CodeInvalidID, "recall scope", f.admin(mfr), "WithdrawRecall", "lot L1")
	f.ok(f.h.Submit(f.admin(mfr), "RecallItem", a, "r"))
	f.ok(f.h.Submit(f.admin(mfr), "RecallLot", g, "L1", "r"))
	f.ok(f.h.Submit(f.admin(mfr), "RecallLot", g, "", "r"))
	f.refused(domain.CodeNotAdmin, "needs an admin of "+mfr, f.user(mfr), "WithdrawRecall", a)
	f.refused(domain.CodeNotOwner, "issued by "+mfr, f.admin(dist), "WithdrawRecall", "01/"+g+"/10/L1")
	scope, err := f.ok(f.h.Submit(f.admin(mfr), "WithdrawRecall", "01/"+g)).Text()
	if err != nil {
		t.Fatal(err)
	}
	if ev := f.lastEvent(); scope != "01/"+g || ev.Type != domain.EventRecallWithdrawn || ev.Scope != scope {
		t.Fatalf("withdraw GTIN: %q %+v", scope, ev)
	}
	f.refused(domain.CodeRecalled, "lot scope", f.user(mfr), "OfferTransfer", a, dist)
	f.ok(f.h.Submit(f.admin(mfr), "WithdrawRecall", "01/"+g+"/10/L1"))
	f.refused(domain.CodeRecalled, "item scope", f.user(mfr), "OfferTransfer", a, dist)
	f.ok(f.h.Submit(f.admin(mfr), "WithdrawRecall", "(01)"+g+"(21)A"))
	h := f.history(a)
	if ev := h[len(h)-1]; ev.Type != domain.EventRecallWithdrawn || ev.From != mfr || ev.SubmitterMSP != mfr {
		t.Fatalf("withdraw event = %+v", ev)
	}
	if f.h.Stub.State(compositeKey(t, "recall", g, "21", "A")) != nil {
		t.Fatal("item recall key not deleted")
	}
	f.ok(f.h.Submit(f.user(mfr), "OfferTransfer", a, dist))
}

// TestMajorityOverrides: release-hold, cancel-offer and withdraw-recall
// proposals take effect at a majority, without the org they override.
func TestMajorityOverrides(t *testing.T) {
	f := ready(t)
	g := gtin(t, prefix, "00001")
	a, b, c := itemID(g, "A"), itemID(g, "B"), itemID(g, "C")
	f.register(a, b, c)
	f.refused(domain.CodeInvalidTransition, a+" is not on hold", f.admin(dist), "Propose", string(domain.KindReleaseHold), a, "")
	f.refused(domain.CodeInvalidTransition, "no open offer", f.admin(dist), "Propose", string(domain.KindCancelOffer), a, "")
	f.refused(domain.CodeNotFound, "no item recall", f.admin(dist), "Propose", string(domain.KindWithdrawRecall), a, "")
	f.refused(domain.CodeNotFound, "not registered", f.admin(dist), "Propose", string(domain.KindReleaseHold), itemID(g, "Z"), "")
	f.refused(domain.CodeInvalidArgument, "no payload", f.admin(dist), "Propose", string(domain.KindReleaseHold), a, "{}")

	// Hold placed by customs; the others lift it.
	f.ok(f.h.Submit(f.user(cust), "HoldItems", a, "x-ray"))
	p := f.propose(dist, domain.KindReleaseHold, "(01)"+g+"(21)A", "")
	if p.Subject != a || p.Status != domain.ProposalPending {
		t.Fatalf("proposal = %+v", p)
	}
	if it := f.item(a); it.Hold == nil {
		t.Fatal("released before the majority")
	}
	p = f.vote(mfr, "ApproveProposal", p.ID)
	if p.Status != domain.ProposalApproved || f.item(a).Hold != nil {
		t.Fatalf("after majority: %+v, item %+v", p, f.item(a))
	}
	h := f.history(a)
	if ev := h[len(h)-1]; ev.Type != domain.EventReleased || ev.From != cust || ev.Details != "majority vote "+p.ID || ev.SubmitterMSP != mfr {
		t.Fatalf("release event = %+v", ev)
	}

	// An offer the recipient ignores, cancelled before its expiry.
	f.ok(f.h.Submit(f.user(mfr), "OfferTransfer", b, dist))
	offerKey := compositeKey(t, "offer", g, "B", "0000000002")
	offerBefore := string(f.h.Stub.State(offerKey))
	p = f.propose(mfr, domain.KindCancelOffer, b, "")
	p = f.vote(cust, "ApproveProposal", p.ID)
	if it := f.item(b); p.Status != domain.ProposalApproved || it.Status != domain.StatusActive || string(f.h.Stub.State(offerKey)) != offerBefore {
		t.Fatalf("cancel by majority: %+v item %+v", p, it)
	}
	h = f.history(b)
	if ev := h[len(h)-1]; ev.Type != domain.EventCancelled || ev.Details != "majority vote "+p.ID {
		t.Fatalf("cancel event = %+v", ev)
	}

	// A recall withdrawn without its issuer; a second vote on an already
	// withdrawn one expires.
	f.ok(f.h.Submit(f.admin(mfr), "RecallItem", c, "r"))
	p = f.propose(dist, domain.KindWithdrawRecall, c, "")
	f.refused(domain.CodeAlreadyExists, p.ID, f.admin(cust), "Propose", string(domain.KindWithdrawRecall), "01/"+g+"/21/C", "")
	if it := f.item(c); it.Recall == nil {
		t.Fatal("withdrawn before the majority")
	}
	f.vote(cust, "ApproveProposal", p.ID)
	if it := f.item(c); it.Recall != nil {
		t.Fatalf("recall not withdrawn: %+v", it.Recall)
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func mustTS(t *testing.T, s string) int64 {
	t.Helper()
	ns, err := domain.ParseTimestamp(s)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// TestInputBoundsBeforeDecoding: a huge list is refused by its byte length,
// naming the limit, before it is decoded.
func TestInputBoundsBeforeDecoding(t *testing.T) {
	f := ready(t)
	huge := "[" + strings.Repeat(`"x",`, 50<<20/4) + `"x"]`
	f.refused(domain.CodeBatchTooLarge, "at most 524288 allowed", f.user(mfr), "OfferTransfer", huge, dist)
	f.refused(domain.CodeBatchTooLarge, "at most 524288 allowed", f.user(dist), "AcceptTransfer", huge)
	f.refused(domain.CodeBatchTooLarge, "at most 2097152 allowed", f.user(mfr), "RegisterItems", huge)
	f.refused(domain.CodeBatchTooLarge, "at most 524288 allowed", f.user(cust), "HoldItems", huge, "r")
}

package contract_test

import (
	"strings"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
)

// decide files a proposal as the first voter and approves it by the others
// in order; it returns the proposal after the last vote.
func (f *fixture) decide(kind domain.ProposalKind, subject, payload string, voters ...string) domain.Proposal {
	f.t.Helper()
	p := f.propose(voters[0], kind, subject, payload)
	for _, v := range voters[1:] {
		p = f.vote(v, "ApproveProposal", p.ID)
	}
	return p
}

func TestAddChangeRemoveOrg(t *testing.T) {
	f := ready(t) // mfr, dist, cust; prefix ACTIVE for mfr
	// add-org: 2 of 3.
	p := f.decide(domain.KindAddOrg, mfr2, `{"role":"manufacturer"}`, dist, cust)
	if p.Status != domain.ProposalApproved || len(f.roles()) != 4 {
		t.Fatalf("add-org: %+v", p)
	}
	// The new manufacturer can act now (claim a non-overlapping prefix; 3 of 4).
	f.activatePrefix(mfr2, rival, dist, cust)
	// change-role: 3 of 4 now.
	f.refused(domain.CodeInvalidArgument, "already has the role", f.admin(mfr), "Propose", "change-role", mfr2, `{"role":"manufacturer"}`)
	f.refused(domain.CodeUnknownOrg, "no role to change", f.admin(mfr), "Propose", "change-role", other, `{"role":"customs"}`)
	p = f.decide(domain.KindChangeRole, dist, `{"role":"customs"}`, mfr, mfr2)
	if p.Status != domain.ProposalPending {
		t.Fatalf("change-role after 2 of 4: %+v", p)
	}
	p = f.vote(cust, "RejectProposal", p.ID)
	p = f.vote(dist, "RejectProposal", p.ID)
	if p.Status != domain.ProposalRejected {
		t.Fatalf("change-role rejected by 2 of 4: %+v", p)
	}

	// remove-org: refusals first.
	f.refused(domain.CodeUnknownOrg, "no role to remove", f.admin(mfr), "Propose", "remove-org", other, `{"items":"freeze"}`)
	f.refused(domain.CodeInvalidArgument, "freeze or handover", f.admin(mfr), "Propose", "remove-org", mfr2, `{"items":"burn"}`)
	f.refused(domain.CodeInvalidArgument, "names no successor", f.admin(mfr), "Propose", "remove-org", mfr2, `{"items":"freeze","to":"`+dist+`"}`)
	f.refused(domain.CodeUnknownOrg, "successor", f.admin(mfr), "Propose", "remove-org", mfr2, `{"items":"handover","to":"`+other+`"}`)
	f.refused(domain.CodeInvalidArgument, "succeed itself", f.admin(mfr), "Propose", "remove-org", mfr2, `{"items":"handover","to":"`+mfr2+`"}`)
	// The rival's pending claim and active prefix end with it.
	f.ok(f.h.Submit(f.admin(mfr2), "ClaimPrefix", "951999", "lic"))
	p = f.decide(domain.KindRemoveOrg, mfr2, `{"items":"freeze"}`, mfr, dist, cust)
	if p.Status != domain.ProposalApproved || !strings.Contains(p.Outcome, "951999 REJECTED") || !strings.Contains(p.Outcome, rival+" REVOKED") {
		t.Fatalf("remove-org: %+v", p)
	}
	var pr domain.Prefix
	f.decode(f.h.Evaluate(nil, "GetPrefix", rival), &pr)
	if pr.Status != domain.PrefixRevoked {
		t.Fatalf("removed org's prefix: %+v", pr)
	}
	var exit domain.OrgExit
	f.decode(f.h.Evaluate(nil, "GetOrgExit", mfr2), &exit)
	if exit.Role != domain.RoleManufacturer || exit.Items != domain.RemovalFreeze || exit.Proposal != p.ID || len(exit.Prefixes) != 2 {
		t.Fatalf("exit: %+v", exit)
	}
	f.refused(domain.CodeNotFound, "never been removed", nil, "GetOrgExit", dist)
	// It can read but not act, nor vote.
	f.refused(domain.CodeUnknownOrg, mfr2, f.admin(mfr2), "ClaimPrefix", "952000", "lic")
	f.refused(domain.CodeUnknownOrg, mfr2, f.admin(mfr2), "Propose", "add-org", mfr2, `{"role":"manufacturer"}`)
	if len(f.roles()) != 3 {
		t.Fatalf("roles: %v", f.roles())
	}
	// No removal leaves a single organization governing alone.
	p = f.decide(domain.KindRemoveOrg, cust, `{"items":"freeze"}`, mfr, dist)
	if p.Status != domain.ProposalApproved {
		t.Fatalf("removal of customs: %+v", p)
	}
	f.refused(domain.CodeInvalidArgument, "fewer than 2", f.admin(mfr), "Propose", "remove-org", dist, `{"items":"freeze"}`)
}

// A removed organization's items: frozen until the named successor takes
// them over, each take-over a HANDED_OVER event with a new key-level policy.
func TestRemovedOrgItems(t *testing.T) {
	f := ready(t)
	g := gtin(t, prefix, "00001")
	a, b, c := itemID(g, "A"), itemID(g, "B"), itemID(g, "C")
	f.register(a, b, c)
	f.ok(f.h.Submit(f.user(mfr), "OfferTransfer", mustJSON(t, []string{a, b, c}), dist))
	f.ok(f.h.Submit(f.user(dist), "AcceptTransfer", mustJSON(t, []string{a, b})))
	// The distributor is expelled; its items freeze.
	p := f.decide(domain.KindRemoveOrg, dist, `{"items":"freeze"}`, mfr, cust)
	if p.Status != domain.ProposalApproved {
		t.Fatalf("removal: %+v", p)
	}
	// Nobody may act on them: the removed org has no role, the others are
	// not the owner; the successor is not named yet.
	f.refused(domain.CodeUnknownOrg, dist, f.user(dist), "OfferTransfer", mustJSON(t, []string{a}), mfr)
	f.refused(domain.CodeNotOwner, dist, f.user(mfr), "OfferTransfer", mustJSON(t, []string{a}), cust)
	f.refused(domain.CodeNotOwner, "nobody yet", f.admin(mfr), "TakeOverItems", dist, mustJSON(t, []string{a}))
	f.refused(domain.CodeNotFound, "has not been removed", f.admin(mfr), "TakeOverItems", cust, mustJSON(t, []string{a}))
	// A majority names the manufacturer as successor (2 of the 2 left).
	f.refused(domain.CodeNotFound, "has not been removed", f.admin(mfr), "Propose", "assign-successor", cust, `{"to":"`+mfr+`"}`)
	f.refused(domain.CodeUnknownOrg, "successor", f.admin(mfr), "Propose", "assign-successor", dist, `{"to":"`+dist+`"}`)
	p = f.decide(domain.KindAssignSuccessor, dist, `{"to":"`+mfr+`"}`, cust, mfr)
	if p.Status != domain.ProposalApproved {
		t.Fatalf("assign-successor: %+v", p)
	}
	f.refused(domain.CodeNotOwner, "hands its items to "+mfr, f.admin(cust), "TakeOverItems", dist, mustJSON(t, []string{a}))
	f.refused(domain.CodeNotAdmin, "admin", f.user(mfr), "TakeOverItems", dist, mustJSON(t, []string{a}))
	// c is still offered by the manufacturer (owner mfr): not the removed org's.
	f.refused(domain.CodeNotOwner, "not by the removed", f.admin(mfr), "TakeOverItems", dist, mustJSON(t, []string{a, c}))
	var keys []string
	f.decode(f.ok(f.h.Submit(f.admin(mfr), "TakeOverItems", dist, mustJSON(t, []string{a, b}))), &keys)
	if len(keys) != 2 {
		t.Fatalf("taken over: %v", keys)
	}
	it := f.item(a)
	if it.Owner != mfr || it.Status != domain.StatusActive {
		t.Fatalf("item after take-over: %+v", it)
	}
	ka := compositeKey(t, "item", g, "A")
	if got := f.sbeOrgs(ka); !equalJSON(t, got, []string{mfr}) {
		t.Fatalf("item key policy after take-over: %v", got)
	}
	h := f.history(a)
	last := h[len(h)-1]
	if last.Type != domain.EventHandedOver || last.From != dist || last.To != mfr || !strings.Contains(last.Details, p.ID) && !strings.Contains(last.Details, "removal of "+dist) {
		t.Fatalf("last event: %+v", last)
	}
	if ev := f.lastEvent(); ev.Type != domain.EventHandedOver || len(ev.Items) != 2 {
		t.Fatalf("chaincode event: %+v", ev)
	}
	// verify's policy for the event: the removed owner's peers AND MAJORITY.
	pol := domain.ExpectedEndorsers(last, f.roles())
	if !equalJSON(t, pol.AllOf, []string{dist}) || !pol.Majority {
		t.Fatalf("expected endorsers: %+v", pol)
	}
	// Twice: no longer the removed org's.
	f.refused(domain.CodeNotOwner, "held by "+mfr, f.admin(mfr), "TakeOverItems", dist, mustJSON(t, []string{a}))
}

package contract_test

import (
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
)

func (f *fixture) proposal(id string) domain.Proposal {
	f.t.Helper()
	var p domain.Proposal
	f.decode(f.h.Evaluate(nil, "GetProposal", id), &p)
	return p
}

func (f *fixture) propose(id string, kind domain.ProposalKind, subject, payload string) domain.Proposal {
	f.t.Helper()
	var p domain.Proposal
	f.decode(f.ok(f.h.Submit(f.admin(id), "Propose", string(kind), subject, payload)), &p)
	return p
}

func (f *fixture) vote(msp, fn, id string) domain.Proposal {
	f.t.Helper()
	var p domain.Proposal
	f.decode(f.ok(f.h.Submit(f.admin(msp), fn, id)), &p)
	return p
}

func (f *fixture) roles() []domain.OrgRole {
	f.t.Helper()
	var roles []domain.OrgRole
	f.decode(f.h.Evaluate(nil, "GetOrgRoles"), &roles)
	return roles
}

func (f *fixture) listProposals(status, kind string) []domain.Proposal {
	f.t.Helper()
	var page domain.ProposalPage
	f.decode(f.h.Evaluate(nil, "ListProposals", status, kind, "", ""), &page)
	return page.Proposals
}

// A front-running admin files its own role set first (it takes the
// manufacturer role); the honest set, filed after it, still reaches its
// majority, and the front-runner's set is closed and never takes effect.
func TestRoleSetFrontRunner(t *testing.T) {
	f := newFixture(t)
	honest := mustJSON(t, standardRoles)
	// The distributor's admin is infiltrated: it names itself manufacturer.
	// Its certificate says distributor, so it must use a set in which its
	// own role matches its certificate... or get ROLE_MISMATCH.
	forged := mustJSON(t, []domain.OrgRole{{MSP: dist, Role: domain.RoleManufacturer}, {MSP: mfr, Role: domain.RoleDistributor}, {MSP: cust, Role: domain.RoleCustoms}})
	f.refused(domain.CodeRoleMismatch, "prov.role=distributor", f.admin(dist), "Propose", "role-set", "roles", forged)
	// ...so it names itself with its real role and leaves the manufacturer
	// out of the set (two fictitious orgs complete it), or gives a role to
	// an org that never approves. Neither reaches a majority alone.
	ghost := mustJSON(t, []domain.OrgRole{{MSP: dist, Role: domain.RoleDistributor}, {MSP: "Ghost1MSP", Role: domain.RoleManufacturer}, {MSP: "Ghost2MSP", Role: domain.RoleCustoms}})
	pg := f.propose(dist, domain.KindRoleSet, "roles", ghost)
	if pg.Status != domain.ProposalPending || pg.Threshold != 2 || !equalJSON(t, pg.Approvals, []string{dist}) || pg.ID == "" {
		t.Fatalf("front-runner's proposal = %+v", pg)
	}
	// Too small a set: a single admin would be its majority.
	small := mustJSON(t, []domain.OrgRole{{MSP: dist, Role: domain.RoleDistributor}, {MSP: "Ghost1MSP", Role: domain.RoleManufacturer}})
	f.refused(domain.CodeInvalidArgument, "at least 3", f.admin(dist), "Propose", "role-set", "roles", small)
	// Outsiders of the set cannot vote on it; the real manufacturer is one.
	f.refused(domain.CodeUnknownOrg, mfr, f.admin(mfr), "ApproveProposal", pg.ID)
	if len(f.roles()) != 0 {
		t.Fatal("roles in effect after one admin's proposal")
	}
	// The honest set: manufacturer files, the distributor's admin may even
	// reject it, customs approves: effective.
	ph := f.propose(mfr, domain.KindRoleSet, "roles", honest)
	f.refused(domain.CodeAlreadyExists, ph.ID, f.admin(cust), "Propose", "role-set", "roles", mustJSON(t, []domain.OrgRole{standardRoles[2], standardRoles[1], standardRoles[0]}))
	f.vote(dist, "RejectProposal", ph.ID)
	got := f.vote(cust, "ApproveProposal", ph.ID)
	if got.Status != domain.ProposalApproved || got.DecidedTx == "" || !equalJSON(t, got.Approvals, []string{cust, mfr}) {
		t.Fatalf("honest proposal = %+v", got)
	}
	if !equalJSON(t, f.roles(), []domain.OrgRole{{MSP: cust, Role: "customs"}, {MSP: dist, Role: "distributor"}, {MSP: mfr, Role: "manufacturer"}}) {
		t.Fatalf("roles = %v", f.roles())
	}
	// The front-runner's proposal is closed by the winner.
	if p := f.proposal(pg.ID); p.Status != domain.ProposalExpired || p.DecidedTx != got.DecidedTx {
		t.Fatalf("front-runner's proposal after the honest set won: %+v", p)
	}
	if n := len(f.listProposals("PENDING", "")); n != 0 {
		t.Fatalf("%d proposals still pending", n)
	}
	if n := len(f.listProposals("EXPIRED", "role-set")); n != 1 {
		t.Fatalf("%d expired role-set proposals", n)
	}
	// No further role set can be filed.
	f.refused(domain.CodeAlreadyInitialized, "add-org", f.admin(dist), "Propose", "role-set", "roles", ghost)
	f.refused(domain.CodeInvalidTransition, "APPROVED", f.admin(dist), "ApproveProposal", ph.ID)
}

func TestProposalVoting(t *testing.T) {
	f := newFixture(t)
	f.initRoles(fourRoles) // majority 3 of 4
	add := `{"role":"distributor"}`
	f.refused(domain.CodeNotAdmin, "admin", f.user(mfr), "Propose", "add-org", other, add)
	f.refused(domain.CodeUnknownOrg, other, f.admin(other), "Propose", "add-org", other, add)
	f.refused(domain.CodeInvalidArgument, "proposal kind", f.admin(mfr), "Propose", "make-me-king", other, add)
	f.refused(domain.CodeInvalidArgument, "role", f.admin(mfr), "Propose", "add-org", other, `{"role":"king"}`)
	f.refused(domain.CodeInvalidArgument, "unknown field", f.admin(mfr), "Propose", "add-org", other, `{"role":"customs","x":1}`)
	f.refused(domain.CodeInvalidArgument, "MSP ID", f.admin(mfr), "Propose", "add-org", "Bad MSP", add)
	f.refused(domain.CodeInvalidArgument, "subject", f.admin(mfr), "Propose", "add-org", "", add)
	f.refused(domain.CodeAlreadyExists, "already has the role", f.admin(mfr), "Propose", "add-org", dist, add)
	f.refused(domain.CodeInvalidArgument, "payload is", f.admin(mfr), "Propose", "add-org", other, string(make([]byte, domain.MaxPayloadLen+1)))

	// Payload spelled differently is the same proposal.
	p := f.propose(mfr, domain.KindAddOrg, other, add)
	if p.Status != domain.ProposalPending || p.Threshold != 3 || !equalJSON(t, p.Electorate, []string{cust, dist, mfr, mfr2}) || p.Payload != add {
		t.Fatalf("proposal = %+v", p)
	}
	f.refused(domain.CodeAlreadyExists, p.ID, f.admin(dist), "Propose", "add-org", other, ` { "role" : "distributor" } `)
	f.refused(domain.CodeAlreadyVoted, mfr, f.admin(mfr), "ApproveProposal", p.ID)
	f.refused(domain.CodeAlreadyVoted, mfr, f.admin(mfr), "RejectProposal", p.ID)
	f.refused(domain.CodeNotAdmin, "admin", f.user(dist), "ApproveProposal", p.ID)
	f.refused(domain.CodeNotFound, "does not exist", f.admin(dist), "ApproveProposal", "abcd")
	f.refused(domain.CodeInvalidArgument, "hex", f.admin(dist), "ApproveProposal", "XYZ")
	f.refused(domain.CodeUnknownOrg, other, f.admin(other), "ApproveProposal", p.ID)
	f.refused(domain.CodeNotFound, "", f.admin(mfr), "GetProposal", "00")

	got := f.vote(dist, "ApproveProposal", p.ID)
	if got.Status != domain.ProposalPending || !equalJSON(t, got.Approvals, []string{dist, mfr}) {
		t.Fatalf("after 2 of 4: %+v", got)
	}
	f.refused(domain.CodeUnknownOrg, "no role", f.user(other), "RegisterItems", `[{"id":"x"}]`)
	got = f.vote(cust, "ApproveProposal", p.ID)
	if got.Status != domain.ProposalApproved || got.Outcome != other+" added as distributor" {
		t.Fatalf("after 3 of 4: %+v", got)
	}
	if r := f.roles(); len(r) != 5 || r[4].MSP != other || r[4].Role != domain.RoleDistributor {
		t.Fatalf("roles = %v", r)
	}
	// The new org can now file proposals; its prov.role says distributor.
	f.propose(other, domain.KindChangeRole, other, `{"role":"customs"}`)
}

func TestProposalRejectedAndExpired(t *testing.T) {
	f := newFixture(t)
	f.initRoles(fourRoles)
	// 2 rejections of 4: approval (3) is out of reach: REJECTED at once.
	p := f.propose(mfr, domain.KindChangeRole, dist, `{"role":"customs"}`)
	f.vote(mfr2, "RejectProposal", p.ID)
	got := f.vote(cust, "RejectProposal", p.ID)
	if got.Status != domain.ProposalRejected || !equalJSON(t, got.Rejections, []string{cust, mfr2}) {
		t.Fatalf("after 2 rejections of 4: %+v", got)
	}
	f.refused(domain.CodeInvalidTransition, "REJECTED", f.admin(dist), "ApproveProposal", p.ID)
	if f.roles()[1].Role != domain.RoleDistributor {
		t.Fatal("rejected change applied")
	}

	// A vote after the deadline closes the proposal without counting.
	p = f.propose(mfr, domain.KindChangeRole, dist, `{"role":"customs"}`)
	f.h.Now = f.h.Now.Add(domain.ProposalTTLSeconds*time.Second + time.Minute)
	got = f.vote(dist, "ApproveProposal", p.ID)
	if got.Status != domain.ProposalExpired || contains(got.Approvals, dist) {
		t.Fatalf("late vote: %+v", got)
	}
	if len(f.listProposals("PENDING", "")) != 0 || len(f.listProposals("EXPIRED", "change-role")) != 1 {
		t.Fatal("status index not moved")
	}

	// A membership change closes the other pending proposals at their next
	// vote: votes counted against another electorate would not be a majority
	// of the current one.
	stale := f.propose(mfr, domain.KindChangeRole, dist, `{"role":"customs"}`)
	add := f.propose(mfr, domain.KindAddOrg, other, `{"role":"distributor"}`)
	f.vote(dist, "ApproveProposal", add.ID)
	f.vote(cust, "ApproveProposal", add.ID)
	got = f.vote(cust, "ApproveProposal", stale.ID)
	if got.Status != domain.ProposalExpired || got.Outcome == "" {
		t.Fatalf("vote on a proposal of an older electorate: %+v", got)
	}
	// The new org was not in that electorate.
	p = f.propose(mfr, domain.KindChangeRole, dist, `{"role":"customs"}`)
	if len(p.Electorate) != 5 || p.Threshold != 3 {
		t.Fatalf("electorate after add: %+v", p)
	}

	f.refused(domain.CodeInvalidArgument, "proposal status", nil, "ListProposals", "DONE", "", "", "")
	f.refused(domain.CodeInvalidArgument, "proposal kind", nil, "ListProposals", "", "nope", "", "")
	f.refused(domain.CodeInvalidArgument, "bookmark", nil, "ListProposals", "", "", "", "\x00foo\x00")
}

func TestProposalsBeforeRoles(t *testing.T) {
	f := newFixture(t)
	f.refused(domain.CodeNotInitialized, "role-set", f.admin(mfr), "Propose", "add-org", other, `{"role":"customs"}`)
	f.refused(domain.CodeInvalidArgument, `"roles"`, f.admin(mfr), "Propose", "role-set", "everything", mustJSON(t, standardRoles))
	f.refused(domain.CodeNotAdmin, "admin", f.user(mfr), "Propose", "role-set", "roles", mustJSON(t, standardRoles))
}

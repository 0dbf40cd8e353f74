package chaincodetest

// Governed membership on the live network. The package's chaincode already
// has its org roles (the deployment's vote), so these tests run on a second
// chaincode definition of the same packages, committed by the test
// (scripts/network.sh define NAME): the same chaincode servers, an empty
// state whose roles are not set.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"

	"github.com/provledger/provenance/chaincode/domain"
)

var (
	freshOnce sync.Once
	freshName string
	freshErr  error
)

// freshChaincode commits (once per run) a new chaincode definition whose
// state is empty and waits until every org's gateway can endorse it with
// all three orgs' peers.
func freshChaincode(t *testing.T) string {
	t.Helper()
	integration(t)
	freshOnce.Do(func() {
		name := "provroles" + runTag
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		start := time.Now()
		cfg := pn.Net.Config()
		if out, err := cfg.Script(ctx, "define", name); err != nil {
			freshErr = fmt.Errorf("define %s: %w\n%s", name, err, out)
			return
		}
		for _, org := range []string{mfr, dist, cust} {
			for {
				c, err := ccOf(name, org, "admin")
				if err != nil {
					freshErr = err
					return
				}
				p, err := c.NewProposal("GetOrgRoles", client.WithEndorsingOrganizations(mfrMSP, distMSP, custMSP))
				if err == nil {
					_, err = p.EndorseWithContext(ctx)
				}
				if err == nil {
					break
				}
				if ctx.Err() != nil {
					freshErr = fmt.Errorf("%s cannot endorse %s: %w", org, name, err)
					return
				}
				time.Sleep(300 * time.Millisecond)
			}
		}
		fmt.Printf("chaincode %s defined and endorsable in %v\n", name, time.Since(start).Round(time.Millisecond))
		freshName = name
	})
	if freshErr != nil {
		t.Fatal(freshErr)
	}
	return freshName
}

func ccOf(name, org, user string) (*client.Contract, error) {
	c, err := pn.Conn(org, user)
	if err != nil {
		return nil, err
	}
	return c.Gateway.GetNetwork(pn.Net.Channel).GetContract(name), nil
}

// ccSubmit submits fn on chaincode name as org's user, waits for the commit
// (VALID required) and for every peer to have the block, and decodes the
// result into v (if not nil).
func ccSubmit(name, org, user string, v any, fn string, args ...string) error {
	c, err := ccOf(name, org, user)
	if err != nil {
		return err
	}
	out, commit, err := c.SubmitAsync(fn, client.WithArguments(args...))
	if err != nil {
		return fmt.Errorf("%s as %s/%s: %w", fn, org, user, err)
	}
	st, err := commit.Status()
	if err != nil {
		return fmt.Errorf("%s commit status: %w", fn, err)
	}
	if !st.Successful {
		return fmt.Errorf("%s: transaction %s invalid: %s", fn, st.TransactionID, st.Code)
	}
	if err := waitPeers(st.BlockNumber + 1); err != nil {
		return err
	}
	if v != nil {
		return json.Unmarshal(out, v)
	}
	return nil
}

func ccEvaluate(name, org string, v any, fn string, args ...string) error {
	c, err := ccOf(name, org, "user1")
	if err != nil {
		return err
	}
	out, err := c.Evaluate(fn, client.WithArguments(args...))
	if err != nil {
		return fmt.Errorf("%s: %w", fn, err)
	}
	return json.Unmarshal(out, v)
}

// ccRefused expects the chaincode to refuse fn at endorsement with want.
func ccRefused(t *testing.T, want domain.Code, name, org, user, fn string, args ...string) {
	t.Helper()
	err := ccSubmit(name, org, user, nil, fn, args...)
	if err == nil {
		t.Fatalf("%s as %s/%s succeeded, want %s", fn, org, user, want)
	}
	var ee *client.EndorseError
	if !errors.As(err, &ee) {
		t.Fatalf("%s: %v is not an endorsement refusal", fn, err)
	}
	if got := domain.CodeOf(err); got != want {
		t.Fatalf("%s: code %q, want %s: %v", fn, got, want, err)
	}
	t.Logf("%s as %s/%s refused: %s", fn, org, user, want)
}

func ccProposal(t *testing.T, name, id string) domain.Proposal {
	t.Helper()
	var p domain.Proposal
	if err := ccEvaluate(name, mfr, &p, "GetProposal", id); err != nil {
		t.Fatal(err)
	}
	return p
}

func ccRoles(t *testing.T, name string) []domain.OrgRole {
	t.Helper()
	var roles []domain.OrgRole
	if err := ccEvaluate(name, dist, &roles, "GetOrgRoles"); err != nil {
		t.Fatal(err)
	}
	return roles
}

var honestRoles = []domain.OrgRole{
	{MSP: custMSP, Role: domain.RoleCustoms},
	{MSP: distMSP, Role: domain.RoleDistributor},
	{MSP: mfrMSP, Role: domain.RoleManufacturer},
}

// TestRolesFrontRunner: on a fresh ledger an infiltrated distributor admin
// files its role sets first; none takes effect, while the deployment's set,
// approved by the manufacturer's and customs' admins in their own
// transactions through their own gateways, does, and closes the
// front-runner's proposal.
func TestRolesFrontRunner(t *testing.T) {
	name := freshChaincode(t)
	start := time.Now()
	// It cannot name itself manufacturer: its own CA's certificate says
	// distributor, and every voter's certificate must match the set.
	forged := js([]domain.OrgRole{{MSP: distMSP, Role: domain.RoleManufacturer}, {MSP: mfrMSP, Role: domain.RoleDistributor}, {MSP: custMSP, Role: domain.RoleCustoms}})
	ccRefused(t, domain.CodeRoleMismatch, name, dist, "admin", "Propose", "role-set", "roles", forged)
	// A set it completes with organizations that do not exist on the
	// channel: pending, never a majority.
	ghost := js([]domain.OrgRole{{MSP: distMSP, Role: domain.RoleDistributor}, {MSP: "Ghost1MSP", Role: domain.RoleManufacturer}, {MSP: "Ghost2MSP", Role: domain.RoleCustoms}})
	var front domain.Proposal
	if err := ccSubmit(name, dist, "admin", &front, "Propose", "role-set", "roles", ghost); err != nil {
		t.Fatal(err)
	}
	if front.Status != domain.ProposalPending {
		t.Fatalf("front-runner's proposal: %+v", front)
	}
	// The real manufacturer is not in that set, so it cannot even vote.
	ccRefused(t, domain.CodeUnknownOrg, name, mfr, "admin", "ApproveProposal", front.ID)
	if r := ccRoles(t, name); len(r) != 0 {
		t.Fatalf("roles in effect after the front-runner's proposal: %v", r)
	}
	ccRefused(t, domain.CodeNotInitialized, name, dist, "admin", "ClaimPrefix", "9700001", "lic")

	// The honest set: the manufacturer's admin files it (one approval:
	// nothing in effect yet), the distributor's admin rejects it, customs'
	// admin approves it: 2 of 3, in effect.
	set := js(honestRoles)
	var roles []domain.OrgRole
	if err := ccSubmit(name, mfr, "admin", &roles, "InitOrgRoles", set); err != nil {
		t.Fatal(err)
	}
	if len(roles) != 0 || len(ccRoles(t, name)) != 0 {
		t.Fatalf("one admin's InitOrgRoles put roles in effect: %v", roles)
	}
	var page domain.ProposalPage
	if err := ccEvaluate(name, cust, &page, "ListProposals", "PENDING", "role-set", "", ""); err != nil {
		t.Fatal(err)
	}
	if len(page.Proposals) != 2 {
		t.Fatalf("pending role-set proposals: %+v", page.Proposals)
	}
	var honest domain.Proposal
	for _, p := range page.Proposals {
		if p.Proposer == mfrMSP {
			honest = p
		}
	}
	if err := ccSubmit(name, dist, "admin", nil, "RejectProposal", honest.ID); err != nil {
		t.Fatal(err)
	}
	if err := ccSubmit(name, cust, "admin", &roles, "InitOrgRoles", set); err != nil {
		t.Fatal(err)
	}
	if js(roles) != set || js(ccRoles(t, name)) != set {
		t.Fatalf("roles after the honest majority: %v", ccRoles(t, name))
	}
	if p := ccProposal(t, name, honest.ID); p.Status != domain.ProposalApproved || js(p.Approvals) != js([]string{custMSP, mfrMSP}) {
		t.Fatalf("honest proposal: %+v", p)
	}
	if p := ccProposal(t, name, front.ID); p.Status != domain.ProposalExpired {
		t.Fatalf("front-runner's proposal after the honest set won: %+v", p)
	}
	// No second first set; the same set again is a no-op.
	ccRefused(t, domain.CodeAlreadyInitialized, name, dist, "admin", "Propose", "role-set", "roles", ghost)
	ccRefused(t, domain.CodeAlreadyInitialized, name, dist, "admin", "InitOrgRoles", ghost)
	if err := ccSubmit(name, dist, "admin", &roles, "InitOrgRoles", set); err != nil || js(roles) != set {
		t.Fatalf("same set again: %v %v", roles, err)
	}
	t.Logf("front-runner scenario: %v (7 submits, shared 2-core machine: order of magnitude only)", time.Since(start).Round(time.Millisecond))
}

// TestRolesMembership: after the role set, an add-org / remove-org round
// trip by majority, then the removal of a real organization, which can
// still read but no longer act.
func TestRolesMembership(t *testing.T) {
	name := freshChaincode(t)
	if len(ccRoles(t, name)) == 0 {
		TestRolesFrontRunner(t)
	}
	const wholesaler = "WholesalerMSP"
	var p domain.Proposal
	if err := ccSubmit(name, mfr, "admin", &p, "Propose", "add-org", wholesaler, `{"role":"distributor"}`); err != nil {
		t.Fatal(err)
	}
	ccRefused(t, domain.CodeNotAdmin, name, dist, "user1", "ApproveProposal", p.ID)
	ccRefused(t, domain.CodeAlreadyVoted, name, mfr, "admin", "ApproveProposal", p.ID)
	if err := ccSubmit(name, dist, "admin", &p, "ApproveProposal", p.ID); err != nil {
		t.Fatal(err)
	}
	if p.Status != domain.ProposalApproved || len(ccRoles(t, name)) != 4 {
		t.Fatalf("add-org: %+v, roles %v", p, ccRoles(t, name))
	}
	// Removal now needs 3 of 4.
	if err := ccSubmit(name, cust, "admin", &p, "Propose", "remove-org", wholesaler, `{"items":"freeze"}`); err != nil {
		t.Fatal(err)
	}
	if err := ccSubmit(name, mfr, "admin", &p, "ApproveProposal", p.ID); err != nil {
		t.Fatal(err)
	}
	if p.Status != domain.ProposalPending || p.Threshold != 3 {
		t.Fatalf("remove-org after 2 of 4: %+v", p)
	}
	if err := ccSubmit(name, dist, "admin", &p, "ApproveProposal", p.ID); err != nil {
		t.Fatal(err)
	}
	if p.Status != domain.ProposalApproved || js(ccRoles(t, name)) != js(honestRoles) {
		t.Fatalf("remove-org: %+v, roles %v", p, ccRoles(t, name))
	}

	// Customs gets an item: this chaincode's own prefix (claim + the
	// distributor's approval), registration, offer, acceptance.
	pfx := "88" + runTag[1:]
	if err := ccSubmit(name, mfr, "admin", nil, "ClaimPrefix", pfx, "GS1-LIC-"+pfx); err != nil {
		t.Fatal(err)
	}
	if err := ccSubmit(name, dist, "admin", nil, "ApprovePrefix", pfx); err != nil {
		t.Fatal(err)
	}
	body := "0" + pfx + "00001"
	d, err := domain.CheckDigit(body)
	if err != nil {
		t.Fatal(err)
	}
	itemKey := fmt.Sprintf("01/%s%d/21/R1", body, d)
	if err := ccSubmit(name, mfr, "user1", nil, "RegisterItems", js([]domain.ItemInput{{ID: itemKey}})); err != nil {
		t.Fatal(err)
	}
	if err := ccSubmit(name, mfr, "user1", nil, "OfferTransfer", js([]string{itemKey}), custMSP); err != nil {
		t.Fatal(err)
	}
	if err := ccSubmit(name, cust, "user1", nil, "AcceptTransfer", js([]string{itemKey})); err != nil {
		t.Fatal(err)
	}

	// The removal of a member: customs is expelled by the two others; it
	// can still read, but not act (UNKNOWN_ORG), nor vote. Its item goes to
	// the distributor, which takes it over once customs' admin consented
	// (customs' peer's endorsement is needed by the item key's policy anyway).
	if err := ccSubmit(name, mfr, "admin", &p, "Propose", "remove-org", custMSP, `{"items":"handover","to":"`+distMSP+`"}`); err != nil {
		t.Fatal(err)
	}
	if err := ccSubmit(name, dist, "admin", &p, "ApproveProposal", p.ID); err != nil {
		t.Fatal(err)
	}
	if p.Status != domain.ProposalApproved {
		t.Fatalf("removal of customs: %+v", p)
	}
	t.Logf("removal outcome: %s", p.Outcome)
	var exitRoles []domain.OrgRole
	if err := ccEvaluate(name, cust, &exitRoles, "GetOrgRoles"); err != nil {
		t.Fatalf("the removed org cannot read: %v", err)
	}
	if len(exitRoles) != 2 {
		t.Fatalf("roles after the removal: %v", exitRoles)
	}
	ccRefused(t, domain.CodeUnknownOrg, name, cust, "user1", "HoldItems", `["01/09506000134352/21/X"]`, "check")
	ccRefused(t, domain.CodeUnknownOrg, name, cust, "admin", "Propose", "add-org", custMSP, `{"role":"customs"}`)
	ccRefused(t, domain.CodeUnknownOrg, name, cust, "user1", "OfferTransfer", js([]string{itemKey}), mfrMSP)
	ccRefused(t, domain.CodeNotOwner, name, mfr, "admin", "TakeOverItems", custMSP, js([]string{itemKey}))
	// Not before the removed org's own admin consents.
	ccRefused(t, domain.CodeInvalidTransition, name, dist, "admin", "TakeOverItems", custMSP, js([]string{itemKey}))
	var exit domain.OrgExit
	if err := ccSubmit(name, cust, "admin", &exit, "ConsentToHandOver"); err != nil || exit.ConsentTo != distMSP {
		t.Fatalf("consent: %+v %v", exit, err)
	}
	var taken []string
	if err := ccSubmit(name, dist, "admin", &taken, "TakeOverItems", custMSP, js([]string{itemKey})); err != nil {
		t.Fatal(err)
	}
	var it domain.Item
	if err := ccEvaluate(name, mfr, &it, "GetItem", itemKey); err != nil || it.Owner != distMSP {
		t.Fatalf("item after take-over: %+v %v", it, err)
	}
	var hist domain.HistoryPage
	if err := ccEvaluate(name, mfr, &hist, "GetHistory", itemKey, "", ""); err != nil {
		t.Fatal(err)
	}
	last := hist.Events[len(hist.Events)-1]
	if last.Type != domain.EventHandedOver || last.From != custMSP || last.To != distMSP {
		t.Fatalf("last event: %+v", last)
	}
	t.Logf("history: %d events, last %s %s->%s (%s)", len(hist.Events), last.Type, last.From, last.To, last.Details)
}

package contract_test

import (
	"encoding/json"
	"reflect"
	"sort"
	"testing"

	"github.com/hyperledger/fabric-chaincode-go/v2/pkg/statebased"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/chaincode/shimtest"
)

func decodeSBE(t *testing.T, b []byte) []string {
	t.Helper()
	if len(b) == 0 {
		return nil
	}
	ep, err := statebased.NewStateEP(b)
	if err != nil {
		t.Fatal(err)
	}
	orgs := ep.ListOrgs()
	sort.Strings(orgs)
	return orgs
}

func compositeKey(t *testing.T, obj string, attrs ...string) string {
	t.Helper()
	k, err := shimtest.CreateCompositeKey(obj, attrs)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestPing(t *testing.T) {
	f := newFixture(t)
	if s, err := f.h.Evaluate(nil, "Ping").Text(); err != nil || s != "pong" {
		t.Fatalf("Ping = %q, %v", s, err)
	}
}

func TestInitOrgRoles(t *testing.T) {
	f := newFixture(t)
	var roles []domain.OrgRole
	f.decode(f.h.Evaluate(nil, "GetOrgRoles"), &roles)
	if len(roles) != 0 {
		t.Fatalf("roles before init: %v", roles)
	}
	// Nothing works before the roles are written.
	f.refused(domain.CodeNotInitialized, "InitOrgRoles", f.admin(mfr), "ClaimPrefix", prefix, "lic")

	set := mustJSON(t, standardRoles)
	f.refused(domain.CodeNotAdmin, "admin", f.user(mfr), "InitOrgRoles", set)
	f.refused(domain.CodeUnknownOrg, other, f.orgs[other].admin, "InitOrgRoles", set)
	f.refused(domain.CodeNotAdmin, "badrole", f.orgs[mfr].badrole, "InitOrgRoles", set) // the admin check comes first
	for _, bad := range []string{`nope`, `[]`, `[{"msp":"","role":"customs"}]`, `[{"msp":"A","role":"king"}]`,
		`[{"msp":"A","role":"customs"},{"msp":"A","role":"customs"}]`, `[{"msp":"A","role":"customs","x":1}]`} {
		f.refused(domain.CodeInvalidArgument, "", f.admin(mfr), "InitOrgRoles", bad)
	}

	// Admin whose certificate lacks the attribute, or names another role.
	ca, err := shimtest.NewCA("manufacturer-noattr")
	if err != nil {
		t.Fatal(err)
	}
	noattr, err := ca.Issue(mfr, shimtest.WithOU(shimtest.OUAdmin), shimtest.WithCommonName("admin"))
	if err != nil {
		t.Fatal(err)
	}
	msg := f.refused(domain.CodeRoleMismatch, "carries no prov.role attribute", noattr, "InitOrgRoles", set)
	t.Log(msg)
	wrongattr, err := ca.Issue(mfr, shimtest.WithOU(shimtest.OUAdmin), shimtest.WithAttr(domain.RoleAttribute, "customs"))
	if err != nil {
		t.Fatal(err)
	}
	f.refused(domain.CodeRoleMismatch, "prov.role=customs", wrongattr, "InitOrgRoles", set)

	// Filed by one admin (input order does not matter): pending, nothing in
	// effect; a second org's approval of the same set makes it effective,
	// in MSP order.
	r := f.ok(f.h.Submit(f.admin(cust), "InitOrgRoles", mustJSON(t, []domain.OrgRole{standardRoles[2], standardRoles[0], standardRoles[1]})))
	f.decode(r, &roles)
	if len(roles) != 0 {
		t.Fatalf("one admin's InitOrgRoles put roles in effect: %v", roles)
	}
	f.refused(domain.CodeNotInitialized, "", f.admin(mfr), "ClaimPrefix", prefix, "lic")
	// The same admin again: a no-op.
	before := f.snapshot()
	f.decode(f.ok(f.h.Submit(f.admin(cust), "InitOrgRoles", set)), &roles)
	if len(roles) != 0 || f.snapshot() != before {
		t.Fatalf("a second InitOrgRoles by the same org changed something: %v", roles)
	}
	r = f.ok(f.h.Submit(f.admin(dist), "InitOrgRoles", set))
	f.decode(r, &roles)
	want := []domain.OrgRole{{MSP: cust, Role: "customs"}, {MSP: dist, Role: "distributor"}, {MSP: mfr, Role: "manufacturer"}}
	if !equalJSON(t, roles, want) {
		t.Fatalf("InitOrgRoles = %v", roles)
	}
	f.decode(f.h.Evaluate(nil, "GetOrgRoles"), &roles)
	if !equalJSON(t, roles, want) {
		t.Fatalf("GetOrgRoles = %v", roles)
	}
	if f.h.Stub.ValidationParameter("orgroles") != nil {
		t.Fatal("the roles key must not carry a key-level policy (governance is MAJORITY)")
	}

	// The same set again writes nothing and returns it; another set is refused.
	before = f.snapshot()
	r = f.ok(f.h.Submit(f.admin(mfr), "InitOrgRoles", set))
	f.decode(r, &roles)
	if !equalJSON(t, roles, want) || f.snapshot() != before {
		t.Fatalf("re-init changed something: %v", roles)
	}
	f.refused(domain.CodeAlreadyInitialized, "CustomsMSP=customs", f.admin(mfr), "InitOrgRoles", mustJSON(t, fourRoles))
}

func TestIdentityChecks(t *testing.T) {
	f := ready(t)
	g := gtin(t, prefix, "00001")
	items := mustJSON(t, []domain.ItemInput{{ID: itemID(g, "A")}})
	f.refused(domain.CodeUnknownOrg, other, f.orgs[other].user, "RegisterItems", items)
	f.refused(domain.CodeRoleMismatch, "prov.role=customs", f.orgs[mfr].badrole, "RegisterItems", items)
	f.refused(domain.CodeRoleMismatch, "carries no prov.role", f.orgs[mfr].norole, "RegisterItems", items)
	f.refused(domain.CodeWrongRole, "manufacturer", f.user(dist), "RegisterItems", items)
	f.ok(f.h.Submit(f.user(mfr), "RegisterItems", items))
}

// TestMetadata checks that org.hyperledger.fabric:GetMetadata lists every
// transaction with a schema for each parameter and its return.
func TestMetadata(t *testing.T) {
	f := newFixture(t)
	raw, err := f.h.Evaluate(nil, "org.hyperledger.fabric:GetMetadata").Text()
	if err != nil {
		t.Fatal(err)
	}
	var md struct {
		Contracts map[string]struct {
			Name         string
			Transactions []struct {
				Name       string
				Tag        []string
				Parameters []struct {
					Name   string
					Schema map[string]any
				}
				Returns map[string]any
			}
		}
		Components struct{ Schemas map[string]any }
	}
	if err := json.Unmarshal([]byte(raw), &md); err != nil {
		t.Fatal(err)
	}
	c, ok := md.Contracts["provenance"]
	if !ok {
		t.Fatalf("no provenance contract in metadata: %s", raw)
	}
	want := map[string]int{ // transaction -> number of parameters
		"Ping": 0, "InitOrgRoles": 1, "GetOrgRoles": 0,
		"ClaimPrefix": 2, "ApprovePrefix": 1, "RejectPrefix": 1, "RevokePrefix": 1, "ReopenPrefix": 2, "GetPrefix": 1, "ListPrefixes": 3,
		"RegisterItems": 1, "GetItem": 1, "GetItems": 1, "GetHistory": 3, "GetHistories": 2, "ListItems": 4, "CountItems": 3, "ListRecalls": 2,
		"OfferTransfer": 2, "AcceptTransfer": 1, "RejectTransfer": 1, "CancelTransfer": 1,
		"RecallItem": 2, "RecallLot": 3, "ReportStolen": 1, "HoldItems": 2, "ReleaseItems": 1,
		"Decommission": 2, "RecordInspection": 3,
		"OfferTransferExpiring": 3, "WithdrawRecall": 1, "RecordSighting": 4, "GetSightings": 3, "RecordSightings": 4, "ListSightings": 3,
		"Propose": 3, "ApproveProposal": 1, "RejectProposal": 1, "GetProposal": 1, "ListProposals": 4,
		"GetOrgExit": 1, "TakeOverItems": 2, "ConsentToHandOver": 0, "GetOrgRolesHistory": 0,
		"RejectTransferWithNote": 2, "CancelTransferWithNote": 2, "ReportStolenItems": 2, "DecommissionItems": 3, "RecallItems": 2,
		"PackUnit": 2, "UnpackUnit": 2, "GetUnitContents": 3, "RepairCounter": 1,
	}
	evaluate := map[string]bool{"Ping": true, "GetOrgRoles": true, "GetPrefix": true, "ListPrefixes": true,
		"GetItem": true, "GetItems": true, "GetHistory": true, "GetHistories": true, "ListItems": true, "CountItems": true, "ListRecalls": true, "GetSightings": true, "ListSightings": true,
		"GetProposal": true, "ListProposals": true, "GetOrgExit": true, "GetOrgRolesHistory": true, "GetUnitContents": true}
	seen := map[string]bool{}
	for _, tx := range c.Transactions {
		n, ok := want[tx.Name]
		if !ok {
			t.Errorf("unexpected transaction %s in metadata", tx.Name)
			continue
		}
		seen[tx.Name] = true
		if len(tx.Parameters) != n {
			t.Errorf("%s: %d parameters, want %d", tx.Name, len(tx.Parameters), n)
		}
		for _, p := range tx.Parameters {
			if p.Schema["type"] != "string" {
				t.Errorf("%s: parameter %s schema %v", tx.Name, p.Name, p.Schema)
			}
		}
		if len(tx.Returns) == 0 {
			t.Errorf("%s: no return schema", tx.Name)
		}
		tag := "SUBMIT"
		if evaluate[tx.Name] {
			tag = "EVALUATE"
		}
		if !contains(tx.Tag, tag) {
			t.Errorf("%s: tag %v, want %s", tx.Name, tx.Tag, tag)
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("transaction %s missing from metadata", name)
		}
	}
	for _, s := range []string{"Item", "Prefix", "CustodyEvent", "HistoryPage", "ItemPage", "PrefixPage", "OrgRole", "Recall", "Hold", "Proposal", "ProposalPage"} {
		if _, ok := md.Components.Schemas[s]; !ok {
			t.Errorf("component schema %s missing", s)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestOrgRolesHistory: every committed write of the role set, newest first,
// with its transaction; what prov verify replays old events under.
func TestOrgRolesHistory(t *testing.T) {
	f := newFixture(t)
	var h []domain.RoleSetChange
	f.decode(f.h.Evaluate(nil, "GetOrgRolesHistory"), &h)
	if len(h) != 0 {
		t.Fatalf("history before any role set: %+v", h)
	}
	f.initRoles(standardRoles)
	f.decode(f.h.Evaluate(nil, "GetOrgRolesHistory"), &h)
	want := append([]domain.OrgRole(nil), standardRoles...)
	sort.Slice(want, func(i, j int) bool { return want[i].MSP < want[j].MSP })
	if len(h) != 1 || h[0].TxID == "" || h[0].Timestamp == "" || !reflect.DeepEqual(h[0].Roles, want) {
		t.Fatalf("history after the role set: %+v", h)
	}
}

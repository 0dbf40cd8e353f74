package verify

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"github.com/provledger/provenance/chaincode/domain"
)

// TestRolesFor: an event is judged under the last verified role set written
// before it in ledger order (block, then position in the block); before the
// first change, or without a history, under the current set.
func TestRolesFor(t *testing.T) {
	set := func(msps ...string) []domain.OrgRole {
		var out []domain.OrgRole
		for _, m := range msps {
			out = append(out, domain.OrgRole{MSP: m, Role: domain.RoleDistributor})
		}
		return out
	}
	three, four := set("A", "B", "C"), set("A", "B", "C", "W")
	current := set("A", "B", "C")
	tx := func(block uint64, index int) *txEntry {
		return &txEntry{block: &common.Block{Header: &common.BlockHeader{Number: block}}, index: index}
	}
	r := &run{roles: current, txs: map[string]*txEntry{
		"before": tx(4, 0), "sameBlockBefore": tx(10, 1), "sameBlockAfter": tx(10, 3),
		"between": tx(15, 0), "after": tx(30, 2), "missing": {index: -1},
	}}
	if got := r.rolesFor("between"); !reflect.DeepEqual(got, current) {
		t.Fatalf("without a history: %v, want the current set", got)
	}
	r.roleSets = []roleSet{{block: 5, index: 0, roles: three}, {block: 10, index: 2, roles: four}, {block: 20, index: 0, roles: three}}
	for id, want := range map[string][]domain.OrgRole{
		"before":          current, // before the first change: the current set
		"sameBlockBefore": three,
		"sameBlockAfter":  four,
		"between":         four,
		"after":           three,
		"missing":         current,
		"unknown":         current,
	} {
		if got := r.rolesFor(id); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v, want %v", id, got, want)
		}
	}
}

// TestRoleHistoryChecked: a role-set change is used only when its
// transaction passes the same checks as a custody event's; a lying peer's
// history (an INVALID transaction, an unsigned block, a minority's
// endorsement, a forged signature, a set other than the one written) is
// reported under org-roles and fails the verification.
func TestRoleHistoryChecked(t *testing.T) {
	cases := map[string]struct {
		o      func(f *fixture) txOpts
		lie    func(ch *domain.RoleSetChange)
		detail string
	}{
		"genuine":          {o: func(*fixture) txOpts { return txOpts{} }},
		"invalid":          {o: func(*fixture) txOpts { return txOpts{code: peer.TxValidationCode_MVCC_READ_CONFLICT} }, detail: "MVCC_READ_CONFLICT"},
		"unsigned block":   {o: func(*fixture) txOpts { return txOpts{blockOpts: blockOpts{signers: -1}} }, detail: "block 1 of"},
		"one org endorses": {o: func(f *fixture) txOpts { return txOpts{endorsers: []*signer{f.peers[mspMan]}} }, detail: "policy"},
		"forged creator":   {o: func(*fixture) txOpts { return txOpts{flipCreatorSig: true} }, detail: "creator"},
		"forged endorser":  {o: func(*fixture) txOpts { return txOpts{flipEndorsement: true} }, detail: "endorser"},
		"other namespace":  {o: func(*fixture) txOpts { return txOpts{namespace: "othercc"} }, detail: "does not write the role set"},
		"history says more": {o: func(*fixture) txOpts { return txOpts{} }, lie: func(ch *domain.RoleSetChange) {
			ch.Roles = append(ch.Roles, domain.OrgRole{MSP: "GhostMSP", Role: domain.RoleCustoms})
		}, detail: "the ledger's history says"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, consensusBFT)
			f.addRoleChange(f.roles, c.o(f))
			if c.lie != nil {
				c.lie(&f.roleHistory[0])
			}
			f.tenEvents(nil)
			rep, err := Item(context.Background(), f, testItem, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var roleSteps []Step
			for _, s := range rep.Steps {
				if s.Check == CheckOrgRoles {
					roleSteps = append(roleSteps, s)
				}
			}
			if c.detail == "" {
				if !rep.OK || len(roleSteps) != 1 || !roleSteps[0].OK {
					t.Fatalf("genuine role change: OK %v, steps %+v, failed %+v", rep.OK, roleSteps, rep.Failed())
				}
				if len(f.calls) > 0 && f.calls["BlockByTxID"] != 11 {
					t.Errorf("BlockByTxID called %d times, want 11 (10 events and the role change)", f.calls["BlockByTxID"])
				}
				return
			}
			if rep.OK {
				t.Fatalf("verified with a lying role history (%s)", name)
			}
			found := false
			for _, s := range rep.Failed() {
				if s.Check == CheckOrgRoles && strings.Contains(s.Detail, c.detail) {
					found = true
				} else if s.Check != CheckOrgRoles {
					t.Errorf("unexpected failure %s %s: %s", s.Check, s.Subject, s.Detail)
				}
			}
			if !found {
				t.Errorf("no org-roles failure naming %q in %+v", c.detail, rep.Failed())
			}
		})
	}
}

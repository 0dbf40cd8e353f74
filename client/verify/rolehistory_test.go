package verify

import (
	"reflect"
	"testing"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"

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

package verify

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"github.com/provledger/provenance/chaincode/domain"
)

// RoleHistorian is a Ledger that can list every committed write of the
// org-role set (chaincode GetOrgRolesHistory). Membership changes (an
// organization added, its role changed, removed) change the role set; each
// custody event is judged under the set in force at its place in the
// ledger, not under today's. A Ledger without it is judged under the
// current set only.
type RoleHistorian interface {
	OrgRolesHistory(ctx context.Context) ([]domain.RoleSetChange, error)
}

// CheckOrgRoles names the check of the role-set history: every change the
// ledger lists was written, VALID, by the transaction it names.
const CheckOrgRoles = "org-roles"

// roleSet is one verified role set and where it took effect.
type roleSet struct {
	block uint64
	index int
	roles []domain.OrgRole
}

// fetchRoleHistory gets the role-set changes and, for each, its transaction
// and block, and checks that the transaction wrote exactly that set, VALID.
// A change that fails is reported and not used.
func (r *run) fetchRoleHistory() error {
	h, ok := r.l.(RoleHistorian)
	if !ok {
		return nil
	}
	changes, err := h.OrgRolesHistory(r.ctx)
	if err != nil {
		// A chaincode from before the query: the current set only.
		if strings.Contains(err.Error(), "GetOrgRolesHistory") && strings.Contains(err.Error(), "no such function") {
			return nil
		}
		return fmt.Errorf("org role history: %w", err)
	}
	for _, ch := range changes {
		rs, err := r.checkRoleChange(ch)
		if err != nil {
			r.add(Step{Check: CheckOrgRoles, Subject: "role set of " + ch.TxID, TxID: ch.TxID, Detail: err.Error()})
			continue
		}
		r.roleSets = append(r.roleSets, rs)
	}
	sort.Slice(r.roleSets, func(i, j int) bool {
		a, b := r.roleSets[i], r.roleSets[j]
		return a.block < b.block || a.block == b.block && a.index < b.index
	})
	if len(changes) > 0 {
		r.add(Step{Check: CheckOrgRoles, Subject: fmt.Sprintf("%d role sets", len(changes)), OK: len(r.roleSets) == len(changes),
			Detail: fmt.Sprintf("%d of %d role-set changes written VALID by the transactions named", len(r.roleSets), len(changes))})
	}
	return nil
}

func (r *run) checkRoleChange(ch domain.RoleSetChange) (roleSet, error) {
	pt, err := r.l.TransactionByID(r.ctx, ch.TxID)
	if err != nil {
		return roleSet{}, fmt.Errorf("transaction %s: %w", ch.TxID, err)
	}
	if pt.GetValidationCode() != int32(peer.TxValidationCode_VALID) {
		return roleSet{}, fmt.Errorf("transaction %s is %s", ch.TxID, peer.TxValidationCode(pt.GetValidationCode()))
	}
	b, err := r.l.BlockByTxID(r.ctx, ch.TxID)
	if err != nil {
		return roleSet{}, fmt.Errorf("block of %s: %w", ch.TxID, err)
	}
	if err := checkDataHash(b); err != nil {
		return roleSet{}, fmt.Errorf("block of %s: %w", ch.TxID, err)
	}
	idx, err := txIndex(b, pt)
	if err != nil {
		return roleSet{}, err
	}
	t, err := parseEndorserTx(pt.GetTransactionEnvelope())
	if err != nil {
		return roleSet{}, fmt.Errorf("transaction %s: %w", ch.TxID, err)
	}
	if t.chdr.GetTxId() != ch.TxID {
		return roleSet{}, fmt.Errorf("transaction %s carries ID %s", ch.TxID, t.chdr.GetTxId())
	}
	w := t.write(r.l.ChaincodeName(), domain.RolesKey)
	if w == nil || w.GetIsDelete() {
		return roleSet{}, fmt.Errorf("transaction %s does not write the role set", ch.TxID)
	}
	var written []domain.OrgRole
	if err := strictJSON(w.GetValue(), &written); err != nil {
		return roleSet{}, fmt.Errorf("transaction %s: role set: %w", ch.TxID, err)
	}
	if !reflect.DeepEqual(sortedRoles(written), sortedRoles(ch.Roles)) {
		return roleSet{}, fmt.Errorf("transaction %s wrote %v, the ledger's history says %v", ch.TxID, written, ch.Roles)
	}
	return roleSet{block: b.GetHeader().GetNumber(), index: idx, roles: sortedRoles(written)}, nil
}

// rolesFor is the role set in force for the transaction txID: the last
// verified change before it in ledger order, else the current set.
func (r *run) rolesFor(txID string) []domain.OrgRole {
	e := r.txs[txID]
	if e == nil || e.block == nil || e.index < 0 || len(r.roleSets) == 0 {
		return r.roles
	}
	n := e.block.GetHeader().GetNumber()
	var in []domain.OrgRole
	for _, rs := range r.roleSets {
		if rs.block < n || rs.block == n && rs.index < e.index {
			in = rs.roles
		}
	}
	if in == nil {
		return r.roles
	}
	return in
}

func sortedRoles(in []domain.OrgRole) []domain.OrgRole {
	out := append([]domain.OrgRole{}, in...)
	sort.Slice(out, func(i, j int) bool { return out[i].MSP < out[j].MSP })
	return out
}

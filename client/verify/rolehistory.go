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

// roleHistory lists the role-set changes the ledger names (nil for a
// Ledger without the query or a chaincode from before it). Their
// transactions and blocks are fetched with the events' and checked like
// them (checkRoleChanges).
func (r *run) roleHistory() ([]domain.RoleSetChange, error) {
	h, ok := r.l.(RoleHistorian)
	if !ok {
		return nil, nil
	}
	changes, err := h.OrgRolesHistory(r.ctx)
	if err != nil {
		// A chaincode from before the query: the current set only.
		if strings.Contains(err.Error(), "GetOrgRolesHistory") && strings.Contains(err.Error(), "no such function") {
			return nil, nil
		}
		return nil, fmt.Errorf("org role history: %w", err)
	}
	r.roleChanges = changes
	return changes, nil
}

// checkRoleChanges checks every role-set change as strictly as a custody
// event: the transaction committed VALID in a block its orderers signed,
// its creator's signature, endorsements that satisfy the chaincode's
// MAJORITY of the channel's organizations in force at that block, and a
// write of exactly that set. A change that fails is reported and not used:
// a lying peer cannot make an event be judged under a role set it invented.
func (r *run) checkRoleChanges() {
	changes := r.roleChanges
	for _, ch := range changes {
		rs, err := r.checkRoleChange(ch)
		if err != nil {
			s := Step{Check: CheckOrgRoles, Subject: "role set of " + ch.TxID, TxID: ch.TxID, Detail: err.Error()}
			if e := r.txs[ch.TxID]; e != nil && e.block != nil {
				s.Block = e.block.GetHeader().GetNumber()
			}
			r.add(s)
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
			Detail: fmt.Sprintf("%d of %d role-set changes written VALID, signed, endorsed by a majority and ordered by the transactions named", len(r.roleSets), len(changes))})
	}
}

func (r *run) checkRoleChange(ch domain.RoleSetChange) (roleSet, error) {
	e := r.txs[ch.TxID]
	switch {
	case e == nil:
		return roleSet{}, fmt.Errorf("transaction %s was not fetched", ch.TxID)
	case e.missing != nil:
		return roleSet{}, fmt.Errorf("transaction %s: %w", ch.TxID, e.missing)
	case e.pt.GetValidationCode() != int32(peer.TxValidationCode_VALID):
		return roleSet{}, fmt.Errorf("transaction %s is %s", ch.TxID, peer.TxValidationCode(e.pt.GetValidationCode()))
	case e.parseErr != nil:
		return roleSet{}, fmt.Errorf("transaction %s: %w", ch.TxID, e.parseErr)
	case e.indexErr != nil:
		return roleSet{}, fmt.Errorf("transaction %s: %w", ch.TxID, e.indexErr)
	}
	t := e.parsed
	if err := t.checkTxID(ch.TxID, r.l.Channel()); err != nil {
		return roleSet{}, err
	}
	cfg, err := r.configFor(e.block)
	if err != nil {
		return roleSet{}, err
	}
	// memoized per transaction and config: every item's verification
	// checks the same role-set changes
	if _, err := r.creator(t, cfg); err != nil {
		return roleSet{}, fmt.Errorf("transaction %s: %w", ch.TxID, err)
	}
	orgs, _, err := r.endorsements(t, cfg)
	if err != nil {
		return roleSet{}, fmt.Errorf("transaction %s: %w", ch.TxID, err)
	}
	// The role set is written under the chaincode-level MAJORITY of the
	// channel's organizations (config block in force), never a key policy.
	all := sortedKeys(cfg.appOrgs)
	maj := domain.Policy{Majority: true, Orgs: all, Threshold: domain.PrefixVoteThreshold(len(all))}
	if err := maj.SatisfiedBy(orgs); err != nil {
		return roleSet{}, fmt.Errorf("transaction %s: %w", ch.TxID, err)
	}
	bc := r.checkBlock(e.block, cfg)
	n := e.block.GetHeader().GetNumber()
	if bc.dataErr != nil {
		return roleSet{}, fmt.Errorf("block %d of %s: %w", n, ch.TxID, bc.dataErr)
	}
	if bc.sigErr != nil {
		return roleSet{}, fmt.Errorf("block %d of %s: %w", n, ch.TxID, bc.sigErr)
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
	return roleSet{block: n, index: e.index, roles: sortedRoles(written)}, nil
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

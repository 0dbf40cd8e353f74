package contract

// Majority proposals: a generic mechanism for decisions that no single
// organization may take. An admin of an organization in the proposal's
// electorate files it (its own approval counts); admins of the other
// electorate organizations approve or reject it, one vote per organization,
// each in its own transaction. At MajorityOf(len(electorate)) approvals the
// deciding transaction runs the kind's effect; at a majority of rejections,
// or when approval can no longer be reached, it is REJECTED. A vote after
// the deadline, after the electorate changed, or when the effect no longer
// applies closes it as EXPIRED instead.
//
// Each kind is a proposalKind (see proposalKinds); adding a kind means
// writing its handler in its own file and listing it in proposalKinds.

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/provledger/provenance/chaincode/domain"
)

// Ledger keys of proposals.
const (
	objProposal    = "proposal"         // [id] -> Proposal (no key-level policy: governed by majority)
	idxProposalSts = "proposal~status"  // [status, kind, subject, id] -> 0x00
	maxOpenChecked = domain.MaxPageSize // pending proposals of one kind+subject read by the duplicate check
)

// proposalKind is the handler of one kind of proposal. prepare and apply are
// required; the others have defaults.
type proposalKind struct {
	kind domain.ProposalKind
	// bootstrap kinds are filed before the org roles exist (role-set): their
	// electorate comes from the payload, and they are refused once roles are
	// set.
	bootstrap bool
	// prepare validates subject and payload when the proposal is filed and
	// returns them in canonical form (same meaning, same bytes). It may read
	// the ledger but must not write.
	prepare func(ctx contractapi.TransactionContextInterface, roles []domain.OrgRole, subject, payload string) (string, string, error)
	// electorate returns the organizations (with their roles) whose admins
	// vote on p; default: the ledger's org roles.
	electorate func(p *domain.Proposal, roles []domain.OrgRole) ([]domain.OrgRole, error)
	// authorize may restrict who files a proposal of this kind (default:
	// any admin of the electorate).
	authorize func(ctx contractapi.TransactionContextInterface, s *submitter, subject, payload string) error
	// check re-validates the proposal in the deciding transaction, before
	// apply; a *domain.Error closes the proposal as EXPIRED with the reason
	// (the world changed since it was filed). Optional; must not write.
	check func(ctx contractapi.TransactionContextInterface, p *domain.Proposal, roles []domain.OrgRole) error
	// apply performs the effect in the deciding transaction and returns a
	// one-line outcome. It must read and validate before it writes: any
	// error refuses the whole vote.
	apply func(ctx contractapi.TransactionContextInterface, c *Contract, p *domain.Proposal, roles []domain.OrgRole) (string, error)
}

// proposalKinds is the registry of proposal kinds (a function: no
// package-level mutable state). Add a kind's handler here.
func (c *Contract) proposalKinds() []proposalKind {
	kinds := roleKinds()
	kinds = append(kinds, exitKinds()...)
	kinds = append(kinds, custodyKinds()...)
	return kinds
}

func (c *Contract) kindOf(kind string) (*proposalKind, error) {
	kinds := c.proposalKinds()
	names := make([]string, len(kinds))
	for i := range kinds {
		if string(kinds[i].kind) == kind {
			return &kinds[i], nil
		}
		names[i] = string(kinds[i].kind)
	}
	sort.Strings(names)
	return nil, domain.Errorf(domain.CodeInvalidArgument, "proposal kind %q is not one of %s", kind, joinComma(names))
}

func proposalKey(stub shim.ChaincodeStubInterface, id string) (string, error) {
	return key(stub, objProposal, id)
}

func proposalIndexKey(stub shim.ChaincodeStubInterface, p *domain.Proposal) (string, error) {
	return key(stub, idxProposalSts, string(p.Status), string(p.Kind), p.Subject, p.ID)
}

func readProposal(stub shim.ChaincodeStubInterface, id string) (string, *domain.Proposal, error) {
	if err := checkProposalID(id); err != nil {
		return "", nil, err
	}
	k, err := proposalKey(stub, id)
	if err != nil {
		return "", nil, err
	}
	b, err := stub.GetState(k)
	if err != nil {
		return "", nil, fmt.Errorf("read proposal %s: %w", id, err)
	}
	if len(b) == 0 {
		return "", nil, domain.Errorf(domain.CodeNotFound, "proposal %s does not exist", id)
	}
	p, err := decodeProposal(b, id)
	return k, p, err
}

func decodeProposal(b []byte, name string) (*domain.Proposal, error) {
	var p domain.Proposal
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("decode proposal %s: %w", name, err)
	}
	return &p, nil
}

// checkProposalID refuses an ID that cannot be a transaction ID.
func checkProposalID(id string) error {
	if id == "" || len(id) > 128 {
		return domain.Errorf(domain.CodeInvalidArgument, "proposal ID must be 1 to 128 characters")
	}
	for _, r := range id {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return domain.Errorf(domain.CodeInvalidArgument, "proposal ID %q must be lower-case hex (a transaction ID)", id)
		}
	}
	return nil
}

// pendingProposals returns the PENDING proposals of a kind (and subject,
// if not empty), in key order, reading at most limit of them.
func pendingProposals(stub shim.ChaincodeStubInterface, kind domain.ProposalKind, subject string, limit int) ([]*domain.Proposal, error) {
	attrs := []string{string(domain.ProposalPending), string(kind)}
	if subject != "" {
		attrs = append(attrs, subject)
	}
	it, err := stub.GetStateByPartialCompositeKey(idxProposalSts, attrs)
	if err != nil {
		return nil, fmt.Errorf("list pending proposals: %w", err)
	}
	defer it.Close()
	var keys []string
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("list pending proposals: %w", err)
		}
		_, parts, err := stub.SplitCompositeKey(kv.Key)
		if err != nil || len(parts) != 4 {
			return nil, fmt.Errorf("bad proposal index key %q", kv.Key)
		}
		if subject != "" && parts[2] != subject {
			continue
		}
		if len(keys) >= limit {
			return nil, domain.Errorf(domain.CodeBatchTooLarge, "more than %d pending %s proposals on %q; vote on or let some expire first", limit, kind, subject)
		}
		k, err := proposalKey(stub, parts[3])
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, nil
	}
	vals, err := getMultiple(stub, keys)
	if err != nil {
		return nil, err
	}
	out := make([]*domain.Proposal, 0, len(keys))
	for i, b := range vals {
		if len(b) == 0 {
			return nil, fmt.Errorf("proposal index names missing %s", keys[i])
		}
		p, err := decodeProposal(b, keys[i])
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// voter identifies the submitter as a voter on a proposal whose electorate
// has the given roles: an admin identity of an organization in it whose
// certificate names that organization's role there.
func voter(ctx contractapi.TransactionContextInterface, electorate []domain.OrgRole, action string) (*submitter, error) {
	s, attr, found, err := clientIdentity(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.requireAdmin(action); err != nil {
		return nil, err
	}
	s.Role = roleOf(electorate, s.MSP)
	if s.Role == "" {
		return nil, domain.Errorf(domain.CodeUnknownOrg, "%s: %s is not among the voting organizations (%s)", action, s.MSP, domain.RolesString(electorate))
	}
	if err := checkAttr(s, attr, found); err != nil {
		return nil, err
	}
	s.roles = electorate
	return s, nil
}

// ledgerRoles reads the org roles and applies the kind's bootstrap rule:
// a bootstrap kind needs no roles yet and is refused once they exist; any
// other kind needs them.
func ledgerRoles(stub shim.ChaincodeStubInterface, h *proposalKind) ([]domain.OrgRole, error) {
	roles, err := readRoles(stub)
	if err != nil {
		return nil, err
	}
	if h.bootstrap && len(roles) > 0 {
		return nil, domain.Errorf(domain.CodeAlreadyInitialized, "org roles are already set to %s; propose %s, %s or %s instead",
			domain.RolesString(roles), domain.KindAddOrg, domain.KindChangeRole, domain.KindRemoveOrg)
	}
	if !h.bootstrap && len(roles) == 0 {
		return nil, domain.Errorf(domain.CodeNotInitialized, "org roles are not initialized; a majority of the named organizations must approve a %s proposal first", domain.KindRoleSet)
	}
	return roles, nil
}

func (h *proposalKind) electorateOf(p *domain.Proposal, roles []domain.OrgRole) ([]domain.OrgRole, error) {
	if h.electorate != nil {
		return h.electorate(p, roles)
	}
	return roles, nil
}

func mspsOf(roles []domain.OrgRole) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = r.MSP
	}
	return domain.SortedUnique(out)
}

// Propose files a proposal of a kind about a subject with a kind-specific
// JSON payload. The proposer (an admin of an electorate organization)
// approves it by filing it; an identical PENDING proposal (same kind,
// subject and canonical payload) is ALREADY_EXISTS (approve that one). The
// ID is the transaction ID.
func (c *Contract) Propose(ctx contractapi.TransactionContextInterface, kind, subject, payloadJSON string) (*domain.Proposal, error) {
	p, _, err := c.propose(ctx, kind, subject, payloadJSON)
	return p, err
}

// propose files a proposal; it also returns the kind's handler. An
// identical pending proposal is returned with ALREADY_EXISTS.
func (c *Contract) propose(ctx contractapi.TransactionContextInterface, kind, subject, payloadJSON string) (*domain.Proposal, *domain.Proposal, error) {
	h, err := c.kindOf(kind)
	if err != nil {
		return nil, nil, err
	}
	if err := checkText("subject", subject, true, domain.MaxSubjectLen); err != nil {
		return nil, nil, err
	}
	if len(payloadJSON) > domain.MaxPayloadLen {
		return nil, nil, domain.Errorf(domain.CodeInvalidArgument, "payload is %d bytes, at most %d allowed", len(payloadJSON), domain.MaxPayloadLen)
	}
	stub := ctx.GetStub()
	roles, err := ledgerRoles(stub, h)
	if err != nil {
		return nil, nil, err
	}
	subject, payload, err := h.prepare(ctx, roles, subject, payloadJSON)
	if err != nil {
		return nil, nil, err
	}
	txID, at, sec, err := txClock(stub)
	if err != nil {
		return nil, nil, err
	}
	p := &domain.Proposal{
		ID: txID, Kind: h.kind, Subject: subject, Payload: payload, Status: domain.ProposalPending,
		CreatedTx: txID, CreatedAt: at, ExpiresSec: sec + domain.ProposalTTLSeconds,
		Rejections: nil,
	}
	p.ExpiresAt = formatUnix(p.ExpiresSec)
	electorate, err := h.electorateOf(p, roles)
	if err != nil {
		return nil, nil, err
	}
	s, err := voter(ctx, electorate, "Propose "+kind)
	if err != nil {
		return nil, nil, err
	}
	if h.authorize != nil {
		if err := h.authorize(ctx, s, subject, payload); err != nil {
			return nil, nil, err
		}
	}
	// Pending proposals of this kind and subject, found by key: an identical
	// one must be approved instead. (The range read also makes two identical
	// proposals in one block conflict.)
	open, err := pendingProposals(stub, h.kind, subject, maxOpenChecked)
	if err != nil {
		return nil, nil, err
	}
	for _, o := range open {
		if o.Payload == payload {
			return nil, o, domain.Errorf(domain.CodeAlreadyExists, "an identical %s proposal on %s is pending: %s (approve it instead)", kind, subject, o.ID)
		}
	}
	p.Proposer = s.MSP
	p.Electorate = mspsOf(electorate)
	p.Threshold = domain.MajorityOf(len(p.Electorate))
	p.Approvals = []string{s.MSP}
	if err := c.checkPeer(s, domain.GovernancePolicy(electorate)); err != nil {
		return nil, nil, err
	}
	if err := c.settle(ctx, h, p, roles, txID, at); err != nil {
		return nil, nil, err
	}
	return p, nil, nil
}

// ApproveProposal records the submitting admin's organization's approval.
func (c *Contract) ApproveProposal(ctx contractapi.TransactionContextInterface, id string) (*domain.Proposal, error) {
	return c.voteProposal(ctx, id, true)
}

// RejectProposal records the submitting admin's organization's rejection.
func (c *Contract) RejectProposal(ctx contractapi.TransactionContextInterface, id string) (*domain.Proposal, error) {
	return c.voteProposal(ctx, id, false)
}

func (c *Contract) voteProposal(ctx contractapi.TransactionContextInterface, id string, approve bool) (*domain.Proposal, error) {
	action := "RejectProposal"
	if approve {
		action = "ApproveProposal"
	}
	stub := ctx.GetStub()
	_, p, err := readProposal(stub, id)
	if err != nil {
		return nil, err
	}
	h, err := c.kindOf(string(p.Kind))
	if err != nil {
		return nil, err
	}
	if p.Status != domain.ProposalPending {
		return nil, domain.Errorf(domain.CodeInvalidTransition, "proposal %s is %s; %s needs PENDING", id, p.Status, action)
	}
	roles, err := readRoles(stub)
	if err != nil {
		return nil, err
	}
	txID, at, sec, err := txClock(stub)
	if err != nil {
		return nil, err
	}
	if !h.bootstrap && len(roles) == 0 {
		return nil, domain.Errorf(domain.CodeNotInitialized, "org roles are not initialized")
	}
	electorate, err := h.electorateOf(p, roles)
	if err != nil {
		return nil, err
	}
	s, err := voter(ctx, electorate, action)
	if err != nil {
		return nil, err
	}
	// A bootstrap proposal still pending once roles exist was left behind
	// by a race; a vote can only close it.
	if h.bootstrap && len(roles) > 0 {
		return p, c.close(stub, p, domain.ProposalExpired, txID, at, "org roles were set meanwhile")
	}
	if !p.InElectorate(s.MSP) {
		return nil, domain.Errorf(domain.CodeUnknownOrg, "%s: %s was not a voting organization when proposal %s was filed (%s)",
			action, s.MSP, id, joinComma(p.Electorate))
	}
	if p.HasVoted(s.MSP) {
		return nil, domain.Errorf(domain.CodeAlreadyVoted, "%s already voted on proposal %s", s.MSP, id)
	}
	if err := c.checkPeer(s, domain.GovernancePolicy(electorate)); err != nil {
		return nil, err
	}
	// Closed without counting the vote: past the deadline, or the
	// electorate changed since it was filed (counting old votes against a
	// new membership would let a removed org's vote decide).
	if sec > p.ExpiresSec {
		return p, c.close(stub, p, domain.ProposalExpired, txID, at, "deadline "+p.ExpiresAt+" passed")
	}
	if cur := mspsOf(electorate); !sameOrgs(cur, p.Electorate) {
		return p, c.close(stub, p, domain.ProposalExpired, txID, at, "the voting organizations changed since it was filed (now "+joinComma(cur)+")")
	}
	if approve {
		p.Approvals = domain.SortedUnique(append(p.Approvals, s.MSP))
	} else {
		p.Rejections = domain.SortedUnique(append(p.Rejections, s.MSP))
	}
	return p, c.settle(ctx, h, p, roles, txID, at)
}

// settle writes a proposal after a vote: still PENDING, or decided (and
// then, if approved, applied).
func (c *Contract) settle(ctx contractapi.TransactionContextInterface, h *proposalKind, p *domain.Proposal, roles []domain.OrgRole, txID, at string) error {
	stub := ctx.GetStub()
	switch domain.Tally(p.Electorate, p.Approvals, p.Rejections) {
	case domain.ProposalApproved:
		if h.check != nil {
			if err := h.check(ctx, p, roles); err != nil {
				if _, ok := err.(*domain.Error); ok {
					return c.close(stub, p, domain.ProposalExpired, txID, at, "approved but no longer applicable: "+err.Error())
				}
				return err
			}
		}
		outcome, err := h.apply(ctx, c, p, roles)
		if err != nil {
			return err
		}
		return c.close(stub, p, domain.ProposalApproved, txID, at, outcome)
	case domain.ProposalRejected:
		return c.close(stub, p, domain.ProposalRejected, txID, at, "rejected by "+joinComma(p.Rejections))
	}
	return c.writeProposal(stub, p, "")
}

// close moves a proposal to a final status.
func (c *Contract) close(stub shim.ChaincodeStubInterface, p *domain.Proposal, st domain.ProposalStatus, txID, at, outcome string) error {
	old := p.Status
	p.Status, p.DecidedTx, p.DecidedAt, p.Outcome = st, txID, at, outcome
	return c.writeProposal(stub, p, old)
}

// writeProposal stores p and moves its status index entry from the old
// status (empty for a new proposal).
func (c *Contract) writeProposal(stub shim.ChaincodeStubInterface, p *domain.Proposal, old domain.ProposalStatus) error {
	if old != "" && old != p.Status {
		oldKey, err := key(stub, idxProposalSts, string(old), string(p.Kind), p.Subject, p.ID)
		if err != nil {
			return err
		}
		if err := stub.DelState(oldKey); err != nil {
			return fmt.Errorf("delete proposal index: %w", err)
		}
	}
	if old == "" || old != p.Status {
		ik, err := proposalIndexKey(stub, p)
		if err != nil {
			return err
		}
		if err := stub.PutState(ik, indexValue()); err != nil {
			return fmt.Errorf("write proposal index: %w", err)
		}
	}
	k, err := proposalKey(stub, p.ID)
	if err != nil {
		return err
	}
	b, err := marshal(normalizeProposal(p))
	if err != nil {
		return err
	}
	if err := stub.PutState(k, b); err != nil {
		return fmt.Errorf("write proposal %s: %w", p.ID, err)
	}
	return nil
}

// closeOthers closes every other PENDING proposal of a kind (and subject)
// as EXPIRED with the reason: used when one proposal's effect makes the
// others moot (the first role set to win).
func (c *Contract) closeOthers(stub shim.ChaincodeStubInterface, kind domain.ProposalKind, subject, winner, reason string) (int, error) {
	open, err := pendingProposals(stub, kind, subject, 1<<30)
	if err != nil {
		return 0, err
	}
	txID, at, err := txInfo(stub)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, o := range open {
		if o.ID == winner {
			continue
		}
		if err := c.close(stub, o, domain.ProposalExpired, txID, at, reason); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// normalizeProposal makes the required lists non-null for the contract-api
// return schema.
func normalizeProposal(p *domain.Proposal) *domain.Proposal {
	if p.Approvals == nil {
		p.Approvals = []string{}
	}
	if p.Electorate == nil {
		p.Electorate = []string{}
	}
	return p
}

// GetProposal returns a proposal and its votes.
func (c *Contract) GetProposal(ctx contractapi.TransactionContextInterface, id string) (*domain.Proposal, error) {
	_, p, err := readProposal(ctx.GetStub(), id)
	if err != nil {
		return nil, err
	}
	return normalizeProposal(p), nil
}

// ListProposals pages through the proposals in a status (default PENDING),
// optionally of one kind, in index order (kind, subject, ID).
func (c *Contract) ListProposals(ctx contractapi.TransactionContextInterface, status, kind, pageSize, bookmark string) (*domain.ProposalPage, error) {
	if status == "" {
		status = string(domain.ProposalPending)
	}
	known := false
	names := make([]string, 0, 4)
	for _, s := range domain.ProposalStatuses() {
		names = append(names, string(s))
		known = known || string(s) == status
	}
	if !known {
		return nil, domain.Errorf(domain.CodeInvalidArgument, "proposal status %q is not %s", status, joinOr(names))
	}
	attrs := []string{status}
	if kind != "" {
		if _, err := c.kindOf(kind); err != nil {
			return nil, err
		}
		attrs = append(attrs, kind)
	}
	size, err := parsePageSize(pageSize)
	if err != nil {
		return nil, err
	}
	stub := ctx.GetStub()
	if err := checkBookmark(stub, idxProposalSts, attrs, bookmark); err != nil {
		return nil, err
	}
	it, meta, err := stub.GetStateByPartialCompositeKeyWithPagination(idxProposalSts, attrs, size, bookmark)
	if err != nil {
		return nil, fmt.Errorf("list proposals: %w", err)
	}
	defer it.Close()
	var keys []string
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("list proposals: %w", err)
		}
		_, parts, err := stub.SplitCompositeKey(kv.Key)
		if err != nil || len(parts) != 4 {
			return nil, fmt.Errorf("bad proposal index key %q", kv.Key)
		}
		k, err := proposalKey(stub, parts[3])
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	page := &domain.ProposalPage{Proposals: []domain.Proposal{}}
	if meta != nil {
		page.Bookmark = meta.Bookmark
	}
	if len(keys) == 0 {
		return page, nil
	}
	vals, err := getMultiple(stub, keys)
	if err != nil {
		return nil, err
	}
	for i, b := range vals {
		p, err := decodeProposal(b, keys[i])
		if err != nil {
			return nil, err
		}
		page.Proposals = append(page.Proposals, *normalizeProposal(p))
	}
	return page, nil
}

// canonicalJSON decodes a payload strictly into v and re-encodes it: the
// canonical payload stored and compared.
func canonicalJSON(payload string, v any, what string) (string, error) {
	if strings.TrimSpace(payload) == "" {
		return "", domain.Errorf(domain.CodeInvalidArgument, "%s payload must not be empty", what)
	}
	if err := strictUnmarshal(payload, v); err != nil {
		return "", domain.Errorf(domain.CodeInvalidArgument, "%s payload: %v", what, err)
	}
	b, err := marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

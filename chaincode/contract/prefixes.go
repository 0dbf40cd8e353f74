package contract

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/provledger/provenance/chaincode/domain"
)

// prefixResolution is what the ledger says about a GTIN's company prefix.
type prefixResolution struct {
	gtin       string
	candidates []string       // longest first
	active     *domain.Prefix // the longest ACTIVE candidate, nil if none
}

// resolvePrefixes reads the prefix keys of every candidate company prefix of
// the given GTINs in one GetMultipleStates call. It returns one resolution
// per distinct GTIN, in first-seen order.
func resolvePrefixes(stub shim.ChaincodeStubInterface, gtins []string) ([]*prefixResolution, error) {
	var res []*prefixResolution
	seenGTIN := make(map[string]bool)
	var keys, names []string
	keyIndex := make(map[string]int)
	for _, g := range gtins {
		if seenGTIN[g] {
			continue
		}
		seenGTIN[g] = true
		r := &prefixResolution{gtin: g, candidates: prefixCandidates(g)}
		res = append(res, r)
		for _, p := range r.candidates {
			if _, ok := keyIndex[p]; ok {
				continue
			}
			k, err := prefixKey(stub, p)
			if err != nil {
				return nil, err
			}
			keyIndex[p] = len(keys)
			keys = append(keys, k)
			names = append(names, p)
		}
	}
	if len(keys) == 0 {
		return res, nil
	}
	vals, err := getMultiple(stub, keys)
	if err != nil {
		return nil, err
	}
	for _, r := range res {
		for _, p := range r.candidates {
			b := vals[keyIndex[p]]
			if len(b) == 0 {
				continue
			}
			pr, err := decodePrefix(b, p)
			if err != nil {
				return nil, err
			}
			if pr.Status == domain.PrefixActive {
				r.active = pr
				break
			}
		}
	}
	return res, nil
}

// mustBeOwnedBy refuses a GTIN whose company prefix is not active for msp.
func (r *prefixResolution) mustBeOwnedBy(msp string) error {
	if r.active == nil {
		return domain.Errorf(domain.CodePrefixNotActive, "GTIN %s: no active company prefix among %s",
			r.gtin, joinComma(r.candidates))
	}
	if r.active.Owner != msp {
		return domain.Errorf(domain.CodePrefixNotActive, "GTIN %s: company prefix %s is owned by %s, not %s",
			r.gtin, r.active.Prefix, r.active.Owner, msp)
	}
	return nil
}

// mustBeRecallableBy is the recall rule: only the owner of the GTIN's active
// company prefix may recall.
func (r *prefixResolution) mustBeRecallableBy(msp string) error {
	if r.active == nil {
		return domain.Errorf(domain.CodePrefixNotActive, "GTIN %s: no active company prefix among %s; only a prefix owner may recall",
			r.gtin, joinComma(r.candidates))
	}
	if r.active.Owner != msp {
		return domain.Errorf(domain.CodeNotOwner, "GTIN %s: company prefix %s is owned by %s; only it may recall",
			r.gtin, r.active.Prefix, r.active.Owner)
	}
	return nil
}

func readPrefix(stub shim.ChaincodeStubInterface, prefix string) (string, *domain.Prefix, error) {
	k, err := prefixKey(stub, prefix)
	if err != nil {
		return "", nil, err
	}
	b, err := stub.GetState(k)
	if err != nil {
		return "", nil, fmt.Errorf("read prefix %s: %w", prefix, err)
	}
	if len(b) == 0 {
		return k, nil, nil
	}
	p, err := decodePrefix(b, prefix)
	if err != nil {
		return "", nil, err
	}
	return k, p, nil
}

// decodePrefix reads a stored prefix record; name says which in errors.
func decodePrefix(b []byte, name string) (*domain.Prefix, error) {
	var p domain.Prefix
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("decode prefix %s: %w", name, err)
	}
	return &p, nil
}

func writePrefix(stub shim.ChaincodeStubInterface, key string, p *domain.Prefix) error {
	b, err := marshal(p)
	if err != nil {
		return err
	}
	if err := stub.PutState(key, b); err != nil {
		return fmt.Errorf("write prefix %s: %w", p.Prefix, err)
	}
	return nil
}

func validatePrefix(prefix string) error {
	if err := domain.ValidateCompanyPrefix(prefix); err != nil {
		return asIDError(err, "company prefix %q", prefix)
	}
	return nil
}

// ClaimPrefix files a manufacturer's claim to a GS1 company prefix with a
// reference to its GS1 licence. The claimant's approval counts; the claim is
// ACTIVE once a majority of the role organizations approved it. A prefix, or
// one overlapping it (one a prefix of the other), that is PENDING or ACTIVE
// for another organization is PREFIX_TAKEN.
func (c *Contract) ClaimPrefix(ctx contractapi.TransactionContextInterface, prefix, licence string) (*domain.Prefix, error) {
	s, err := identify(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.requireRole("ClaimPrefix", domain.RoleManufacturer); err != nil {
		return nil, err
	}
	if err := s.requireAdmin("ClaimPrefix"); err != nil {
		return nil, err
	}
	if err := validatePrefix(prefix); err != nil {
		return nil, err
	}
	if err := checkText("licence", licence, true, domain.MaxLicenceLen); err != nil {
		return nil, err
	}
	stub := ctx.GetStub()
	// A range read over every prefix: also a phantom-read guard against a
	// concurrent overlapping claim in the same block.
	it, err := stub.GetStateByPartialCompositeKey(objPrefix, nil)
	if err != nil {
		return nil, fmt.Errorf("list prefixes: %w", err)
	}
	defer it.Close()
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("list prefixes: %w", err)
		}
		p, err := decodePrefix(kv.Value, kv.Key)
		if err != nil {
			return nil, err
		}
		if p.Status != domain.PrefixPending && p.Status != domain.PrefixActive {
			continue
		}
		if p.Prefix == prefix {
			if p.Owner == s.MSP {
				return nil, domain.Errorf(domain.CodeAlreadyExists, "prefix %s is already %s for %s", prefix, p.Status, s.MSP)
			}
			return nil, domain.Errorf(domain.CodePrefixTaken, "prefix %s is %s for %s", prefix, p.Status, p.Owner)
		}
		if p.Owner != s.MSP && (strings.HasPrefix(prefix, p.Prefix) || strings.HasPrefix(p.Prefix, prefix)) {
			return nil, domain.Errorf(domain.CodePrefixTaken, "prefix %s overlaps prefix %s, %s for %s", prefix, p.Prefix, p.Status, p.Owner)
		}
	}
	txID, at, err := txInfo(stub)
	if err != nil {
		return nil, err
	}
	p := &domain.Prefix{
		Prefix: prefix, Owner: s.MSP, Licence: licence, Status: domain.PrefixPending,
		Approvals: []string{s.MSP}, ClaimTx: txID, UpdatedAt: at,
	}
	if len(p.Approvals) >= domain.PrefixVoteThreshold(len(s.roles)) {
		p.Status = domain.PrefixActive
	}
	if err := c.checkPeer(s, domain.GovernancePolicy(s.roles)); err != nil {
		return nil, err
	}
	k, err := prefixKey(stub, prefix)
	if err != nil {
		return nil, err
	}
	return p, writePrefix(stub, k, p)
}

// ApprovePrefix records the submitting org admin's approval of a PENDING
// claim; at a majority of the role organizations it becomes ACTIVE.
func (c *Contract) ApprovePrefix(ctx contractapi.TransactionContextInterface, prefix string) (*domain.Prefix, error) {
	return c.vote(ctx, "ApprovePrefix", prefix)
}

// RejectPrefix records a rejection of a PENDING claim; at a majority it is
// REJECTED (and may be claimed again).
func (c *Contract) RejectPrefix(ctx contractapi.TransactionContextInterface, prefix string) (*domain.Prefix, error) {
	return c.vote(ctx, "RejectPrefix", prefix)
}

// RevokePrefix records a revocation vote on an ACTIVE prefix; at a majority
// it is REVOKED: no new registrations under it.
func (c *Contract) RevokePrefix(ctx contractapi.TransactionContextInterface, prefix string) (*domain.Prefix, error) {
	return c.vote(ctx, "RevokePrefix", prefix)
}

func (c *Contract) vote(ctx contractapi.TransactionContextInterface, action, prefix string) (*domain.Prefix, error) {
	s, err := identify(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.requireAdmin(action); err != nil {
		return nil, err
	}
	if err := validatePrefix(prefix); err != nil {
		return nil, err
	}
	stub := ctx.GetStub()
	k, p, err := readPrefix(stub, prefix)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, domain.Errorf(domain.CodeNotFound, "prefix %s has no claim", prefix)
	}
	need, votes, outcome := domain.PrefixPending, &p.Approvals, domain.PrefixActive
	switch action {
	case "RejectPrefix":
		votes, outcome = &p.Rejections, domain.PrefixRejected
	case "RevokePrefix":
		need, votes, outcome = domain.PrefixActive, &p.Revocations, domain.PrefixRevoked
	}
	if p.Status != need {
		return nil, domain.Errorf(domain.CodeInvalidTransition, "prefix %s is %s; %s needs %s", prefix, p.Status, action, need)
	}
	// One vote per org: on a claim, approve and reject exclude each other.
	already := contains(*votes, s.MSP)
	if need == domain.PrefixPending {
		already = contains(p.Approvals, s.MSP) || contains(p.Rejections, s.MSP)
	}
	if already {
		return nil, domain.Errorf(domain.CodeAlreadyVoted, "%s already voted on prefix %s", s.MSP, prefix)
	}
	*votes = append(*votes, s.MSP)
	sort.Strings(*votes)
	if len(*votes) >= domain.PrefixVoteThreshold(len(s.roles)) {
		p.Status = outcome
	}
	_, at, err := txInfo(stub)
	if err != nil {
		return nil, err
	}
	p.UpdatedAt = at
	if err := c.checkPeer(s, domain.GovernancePolicy(s.roles)); err != nil {
		return nil, err
	}
	return p, writePrefix(stub, k, p)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// GetPrefix returns a prefix claim and its votes.
func (c *Contract) GetPrefix(ctx contractapi.TransactionContextInterface, prefix string) (*domain.Prefix, error) {
	if err := validatePrefix(prefix); err != nil {
		return nil, err
	}
	_, p, err := readPrefix(ctx.GetStub(), prefix)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, domain.Errorf(domain.CodeNotFound, "prefix %s has no claim", prefix)
	}
	return normalizePrefix(p), nil
}

// ListPrefixes pages through the prefix claims in prefix order; with a
// status only those in it (a page may then hold fewer than pageSize).
func (c *Contract) ListPrefixes(ctx contractapi.TransactionContextInterface, status, pageSize, bookmark string) (*domain.PrefixPage, error) {
	switch domain.PrefixStatus(status) {
	case "", domain.PrefixPending, domain.PrefixActive, domain.PrefixRejected, domain.PrefixRevoked:
	default:
		return nil, domain.Errorf(domain.CodeInvalidArgument, "prefix status %q is not PENDING, ACTIVE, REJECTED or REVOKED", status)
	}
	size, err := parsePageSize(pageSize)
	if err != nil {
		return nil, err
	}
	if err := checkBookmark(ctx.GetStub(), objPrefix, nil, bookmark); err != nil {
		return nil, err
	}
	it, meta, err := ctx.GetStub().GetStateByPartialCompositeKeyWithPagination(objPrefix, nil, size, bookmark)
	if err != nil {
		return nil, fmt.Errorf("list prefixes: %w", err)
	}
	defer it.Close()
	page := &domain.PrefixPage{Prefixes: []domain.Prefix{}}
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("list prefixes: %w", err)
		}
		p, err := decodePrefix(kv.Value, kv.Key)
		if err != nil {
			return nil, err
		}
		if status == "" || p.Status == domain.PrefixStatus(status) {
			page.Prefixes = append(page.Prefixes, *normalizePrefix(p))
		}
	}
	if meta != nil {
		page.Bookmark = meta.Bookmark
	}
	return page, nil
}

// normalizePrefix makes the required approvals list non-null for the
// contract-api return schema.
func normalizePrefix(p *domain.Prefix) *domain.Prefix {
	if p.Approvals == nil {
		p.Approvals = []string{}
	}
	return p
}

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
	candidates []string         // longest first
	active     *domain.Prefix   // the longest ACTIVE candidate, nil if none
	records    []*domain.Prefix // every claimed candidate's record, longest first
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
			r.records = append(r.records, pr)
			if pr.Status == domain.PrefixActive && r.active == nil {
				r.active = pr
			}
		}
	}
	return res, nil
}

// revokedFrom returns the GTIN's candidate prefixes that were revoked from
// msp (now or in an earlier claim, domain.Prefix.RevokedFrom), longest
// first: what recall rights over msp's items registered before a revocation
// rest on.
func (r *prefixResolution) revokedFrom(msp string) []*domain.Prefix {
	var out []*domain.Prefix
	for _, p := range r.records {
		if p.RevokedFrom(msp) {
			out = append(out, p)
		}
	}
	return out
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

// prefixRec is a prefix record read for a decision, with its key; p is nil
// when the key is empty.
type prefixRec struct {
	key string
	p   *domain.Prefix
}

// longerPrefixes returns the claimed prefixes strictly longer than prefix
// that start with it, found through the digit-by-digit index (a
// partial-composite-key query over the digits of prefix). The query is a
// range read: Fabric re-runs it when it validates the transaction, so a
// longer prefix claimed by an earlier transaction of the same block makes
// this one fail with PHANTOM_READ_CONFLICT instead of both passing.
func longerPrefixes(stub shim.ChaincodeStubInterface, prefix string) ([]string, error) {
	it, err := stub.GetStateByPartialCompositeKey(idxPrefixDigits, strings.Split(prefix, ""))
	if err != nil {
		return nil, fmt.Errorf("prefixes inside %s: %w", prefix, err)
	}
	defer it.Close()
	var out []string
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("prefixes inside %s: %w", prefix, err)
		}
		_, digits, err := stub.SplitCompositeKey(kv.Key)
		if err != nil {
			return nil, fmt.Errorf("prefixes inside %s: %w", prefix, err)
		}
		if q := strings.Join(digits, ""); len(q) > len(prefix) {
			out = append(out, q)
		}
	}
	return out, nil
}

// readOverlapping reads, by key, every claim that overlaps prefix: the
// record of prefix itself (same; its p is nil when never claimed), of each
// of its shorter prefixes (at most MaxCompanyPrefixLen-MinCompanyPrefixLen
// point reads) and of each longer claimed prefix inside it (longerPrefixes).
// Point reads of absent keys are in the read set too: a concurrent claim of
// one of them earlier in the block fails this transaction (MVCC_READ_CONFLICT).
func readOverlapping(stub shim.ChaincodeStubInterface, prefix string) (same *prefixRec, others []*prefixRec, err error) {
	var names []string
	for l := domain.MinCompanyPrefixLen; l <= len(prefix); l++ {
		names = append(names, prefix[:l])
	}
	longer, err := longerPrefixes(stub, prefix)
	if err != nil {
		return nil, nil, err
	}
	names = append(names, longer...)
	recs, err := readPrefixes(stub, names)
	if err != nil {
		return nil, nil, err
	}
	for i, r := range recs {
		switch {
		case names[i] == prefix:
			same = r
		case r.p != nil:
			others = append(others, r)
		}
	}
	return same, others, nil
}

// readPrefixes reads the records of the named prefixes in one call, in order.
func readPrefixes(stub shim.ChaincodeStubInterface, names []string) ([]*prefixRec, error) {
	keys := make([]string, len(names))
	for i, n := range names {
		k, err := prefixKey(stub, n)
		if err != nil {
			return nil, err
		}
		keys[i] = k
	}
	if len(keys) == 0 {
		return nil, nil
	}
	vals, err := getMultiple(stub, keys)
	if err != nil {
		return nil, err
	}
	out := make([]*prefixRec, len(keys))
	for i, b := range vals {
		out[i] = &prefixRec{key: keys[i]}
		if len(b) == 0 {
			continue
		}
		if out[i].p, err = decodePrefix(b, names[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// pendingClaims counts msp's unexpired PENDING claims through its range of
// the pending-claims index (value: the claim's ExpiresAt) and returns the
// index keys of its expired ones, which a claim cleans up. The range read
// also makes two claims by one org in one block conflict (phantom read), so
// the bound holds exactly.
func pendingClaims(stub shim.ChaincodeStubInterface, msp, now string) (live int, expired []string, err error) {
	it, err := stub.GetStateByPartialCompositeKey(idxPendingClaim, []string{msp})
	if err != nil {
		return 0, nil, fmt.Errorf("pending claims of %s: %w", msp, err)
	}
	defer it.Close()
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return 0, nil, fmt.Errorf("pending claims of %s: %w", msp, err)
		}
		if now >= string(kv.Value) {
			expired = append(expired, kv.Key)
		} else {
			live++
		}
	}
	return live, expired, nil
}

// barredError is the PREFIX_BARRED refusal of msp's claim of claimed, which
// overlaps (or is) rec, a prefix msp is barred from.
func barredError(rec *domain.Prefix, msp, claimed string) error {
	lost := "REJECTED or REVOKED"
	if rec.Owner == msp && (rec.Status == domain.PrefixRejected || rec.Status == domain.PrefixRevoked) {
		lost = string(rec.Status)
	} else {
		for i := len(rec.History) - 1; i >= 0; i-- {
			if rec.History[i].Owner == msp {
				lost = string(rec.History[i].Status)
				break
			}
		}
	}
	if rec.Prefix == claimed {
		return domain.Errorf(domain.CodePrefixBarred, "prefix %s was %s for %s; %s may claim it again only after a majority reopens it (ReopenPrefix %s %s)",
			claimed, lost, msp, msp, claimed, msp)
	}
	return domain.Errorf(domain.CodePrefixBarred, "prefix %s overlaps prefix %s, %s for %s; %s may claim neither until a majority reopens %s for it (ReopenPrefix %s %s)",
		claimed, rec.Prefix, lost, msp, msp, rec.Prefix, rec.Prefix, msp)
}

// bar adds msp to p's barred organizations.
func bar(p *domain.Prefix, msp string) {
	if !contains(p.Barred, msp) {
		p.Barred = append(p.Barred, msp)
		sort.Strings(p.Barred)
	}
}

// archived is a decided claim as kept in a later claim's History.
func archived(p *domain.Prefix) domain.PrefixClaim {
	return domain.PrefixClaim{
		Owner: p.Owner, Licence: p.Licence, Status: p.Status, Approvals: p.Approvals,
		Rejections: p.Rejections, Revocations: p.Revocations, RevokedWith: p.RevokedWith,
		ClaimTx: p.ClaimTx, UpdatedAt: p.UpdatedAt,
	}
}

// ClaimPrefix files a manufacturer's claim to a GS1 company prefix with a
// reference to its GS1 licence. The claimant's approval counts; the claim is
// ACTIVE once a majority of the role organizations approved it, and expires
// after domain.PrefixClaimTTLSeconds without one. Refused: a prefix in a
// reserved GS1 range (INVALID_ID); a prefix, or one overlapping it (one a
// prefix of the other), that is ACTIVE or live PENDING for another
// organization (PREFIX_TAKEN); one the claimant lost (REJECTED, REVOKED) and
// no majority reopened, or one overlapping such a prefix (PREFIX_BARRED);
// more than domain.MaxPendingClaims live pending claims (TOO_MANY_PENDING).
// Overlapping claims are found by key, never by scanning every prefix.
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
	if err := domain.CheckCompanyPrefixIssuable(prefix); err != nil {
		return nil, err
	}
	if err := checkText("licence", licence, true, domain.MaxLicenceLen); err != nil {
		return nil, err
	}
	stub := ctx.GetStub()
	txID, at, secs, err := txClock(stub)
	if err != nil {
		return nil, err
	}
	now := formatUnix(secs)
	same, others, err := readOverlapping(stub, prefix)
	if err != nil {
		return nil, err
	}
	for _, r := range append([]*prefixRec{same}, others...) {
		if r.p != nil && r.p.BarredFor(s.MSP) {
			return nil, barredError(r.p, s.MSP, prefix)
		}
	}
	if old := same.p; old != nil && old.Live(now) {
		if old.Owner == s.MSP {
			return nil, domain.Errorf(domain.CodeAlreadyExists, "prefix %s is already %s for %s", prefix, old.Status, s.MSP)
		}
		return nil, domain.Errorf(domain.CodePrefixTaken, "prefix %s is %s for %s%s", prefix, old.Status, old.Owner, untilText(old))
	}
	for _, r := range others {
		if r.p.Live(now) && r.p.Owner != s.MSP {
			return nil, domain.Errorf(domain.CodePrefixTaken, "prefix %s overlaps prefix %s, %s for %s%s", prefix, r.p.Prefix, r.p.Status, r.p.Owner, untilText(r.p))
		}
	}
	live, expired, err := pendingClaims(stub, s.MSP, now)
	if err != nil {
		return nil, err
	}
	if live >= domain.MaxPendingClaims {
		return nil, domain.Errorf(domain.CodeTooManyPending, "%s already has %d pending prefix claims, at most %d; they end by majority vote or expiry",
			s.MSP, live, domain.MaxPendingClaims)
	}
	p := &domain.Prefix{
		Prefix: prefix, Owner: s.MSP, Licence: licence, Status: domain.PrefixPending,
		Approvals: []string{s.MSP}, ClaimTx: txID, UpdatedAt: at,
	}
	ownKey, err := pendingClaimKey(stub, s.MSP, prefix)
	if err != nil {
		return nil, err
	}
	var dels []string
	for _, k := range expired {
		if k != ownKey {
			dels = append(dels, k)
		}
	}
	if old := same.p; old != nil {
		// The record's place goes to the new claim; its bars and decided
		// claims stay (an expired claim decided nothing and is dropped).
		p.Barred, p.Reopens, p.History = old.Barred, old.Reopens, old.History
		if old.Status == domain.PrefixRejected || old.Status == domain.PrefixRevoked {
			p.History = append(p.History, archived(old))
		}
		if old.Status == domain.PrefixPending && old.Owner != s.MSP {
			k, err := pendingClaimKey(stub, old.Owner, prefix)
			if err != nil {
				return nil, err
			}
			dels = append(dels, k)
		}
	}
	if len(p.Approvals) >= domain.PrefixVoteThreshold(len(s.roles)) {
		p.Status = domain.PrefixActive
	} else {
		p.ExpiresAt = formatUnix(secs + domain.PrefixClaimTTLSeconds)
	}
	if err := c.checkPeer(s, domain.GovernancePolicy(s.roles)); err != nil {
		return nil, err
	}
	for _, k := range dels {
		if err := stub.DelState(k); err != nil {
			return nil, fmt.Errorf("delete %q: %w", k, err)
		}
	}
	if err := writePrefix(stub, same.key, p); err != nil {
		return nil, err
	}
	dk, err := prefixDigitsKey(stub, prefix)
	if err != nil {
		return nil, err
	}
	if err := stub.PutState(dk, indexValue()); err != nil {
		return nil, fmt.Errorf("index prefix %s: %w", prefix, err)
	}
	if p.Status == domain.PrefixPending {
		if err := stub.PutState(ownKey, []byte(p.ExpiresAt)); err != nil {
			return nil, fmt.Errorf("index pending claim %s: %w", prefix, err)
		}
	}
	return p, nil
}

// untilText names a pending claim's expiry in refusals.
func untilText(p *domain.Prefix) string {
	if p.Status == domain.PrefixPending && p.ExpiresAt != "" {
		return " until " + p.ExpiresAt
	}
	return ""
}

// ApprovePrefix records the submitting org admin's approval of a PENDING
// claim; at a majority of the role organizations it becomes ACTIVE.
func (c *Contract) ApprovePrefix(ctx contractapi.TransactionContextInterface, prefix string) (*domain.Prefix, error) {
	return c.vote(ctx, "ApprovePrefix", prefix)
}

// RejectPrefix records a rejection of a PENDING claim; at a majority it is
// REJECTED: other organizations may claim the prefix, the claimant only
// after a majority reopens it (ReopenPrefix).
func (c *Contract) RejectPrefix(ctx contractapi.TransactionContextInterface, prefix string) (*domain.Prefix, error) {
	return c.vote(ctx, "RejectPrefix", prefix)
}

// RevokePrefix records a revocation vote on an ACTIVE prefix; at a majority
// it is REVOKED, and in the same transaction so is every ACTIVE or live
// PENDING longer prefix of the same owner inside it: no new registrations
// under them, and the owner is barred from them as after a rejection.
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
	_, at, secs, err := txClock(stub)
	if err != nil {
		return nil, err
	}
	now := formatUnix(secs)
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
	if p.Expired(now) {
		return nil, domain.Errorf(domain.CodeInvalidTransition, "prefix %s: the claim by %s expired at %s and takes no more votes; it may be claimed again",
			prefix, p.Owner, p.ExpiresAt)
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
	p.UpdatedAt = at
	writes := []*prefixRec{{key: k, p: p}}
	var dels []string
	if len(*votes) >= domain.PrefixVoteThreshold(len(s.roles)) {
		p.Status = outcome
		if need == domain.PrefixPending {
			pk, err := pendingClaimKey(stub, p.Owner, prefix)
			if err != nil {
				return nil, err
			}
			dels = append(dels, pk)
			p.ExpiresAt = ""
		}
		if outcome != domain.PrefixActive {
			bar(p, p.Owner)
		}
		if outcome == domain.PrefixRevoked {
			inside, pendingKeys, err := revokeInside(stub, p, now, at)
			if err != nil {
				return nil, err
			}
			writes = append(writes, inside...)
			dels = append(dels, pendingKeys...)
		}
	}
	if err := c.checkPeer(s, domain.GovernancePolicy(s.roles)); err != nil {
		return nil, err
	}
	for _, dk := range dels {
		if err := stub.DelState(dk); err != nil {
			return nil, fmt.Errorf("delete %q: %w", dk, err)
		}
	}
	for _, w := range writes {
		if err := writePrefix(stub, w.key, w.p); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// revokeInside revokes, with the revoked prefix p, the same owner's ACTIVE
// and live PENDING longer prefixes inside it. It returns their updated
// records and the pending-claims index keys to delete.
func revokeInside(stub shim.ChaincodeStubInterface, p *domain.Prefix, now, at string) ([]*prefixRec, []string, error) {
	longer, err := longerPrefixes(stub, p.Prefix)
	if err != nil {
		return nil, nil, err
	}
	recs, err := readPrefixes(stub, longer)
	if err != nil {
		return nil, nil, err
	}
	var out []*prefixRec
	var dels []string
	for _, r := range recs {
		q := r.p
		if q == nil || q.Owner != p.Owner || !q.Live(now) {
			continue
		}
		if q.Status == domain.PrefixPending {
			pk, err := pendingClaimKey(stub, q.Owner, q.Prefix)
			if err != nil {
				return nil, nil, err
			}
			dels = append(dels, pk)
			q.ExpiresAt = ""
		}
		q.Status, q.RevokedWith, q.UpdatedAt = domain.PrefixRevoked, p.Prefix, at
		q.Revocations = append([]string(nil), p.Revocations...)
		bar(q, q.Owner)
		out = append(out, r)
	}
	return out, dels, nil
}

// ReopenPrefix records the submitting org admin's vote to lift msp's bar on
// a prefix (after its claim was REJECTED or its prefix REVOKED); at a
// majority of the role organizations the bar goes, with msp's bars on the
// longer prefixes revoked together with this one, and msp may claim the
// prefix again: a fresh PENDING claim that needs its own majority. The
// barred organization's own vote counts, as a claimant's approval does.
func (c *Contract) ReopenPrefix(ctx contractapi.TransactionContextInterface, prefix, msp string) (*domain.Prefix, error) {
	s, err := identify(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.requireAdmin("ReopenPrefix"); err != nil {
		return nil, err
	}
	if err := validatePrefix(prefix); err != nil {
		return nil, err
	}
	if err := checkText("msp", msp, true, domain.MaxReasonLen); err != nil {
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
	if !p.BarredFor(msp) {
		return nil, domain.Errorf(domain.CodeInvalidTransition, "%s is not barred from prefix %s; ReopenPrefix lifts a bar left by a rejection or revocation", msp, prefix)
	}
	i := 0
	for i < len(p.Reopens) && p.Reopens[i].MSP < msp {
		i++
	}
	if i == len(p.Reopens) || p.Reopens[i].MSP != msp {
		p.Reopens = append(p.Reopens[:i], append([]domain.PrefixReopen{{MSP: msp}}, p.Reopens[i:]...)...)
	}
	r := &p.Reopens[i]
	if contains(r.Votes, s.MSP) {
		return nil, domain.Errorf(domain.CodeAlreadyVoted, "%s already voted to reopen prefix %s for %s", s.MSP, prefix, msp)
	}
	r.Votes = append(r.Votes, s.MSP)
	sort.Strings(r.Votes)
	_, at, err := txInfo(stub)
	if err != nil {
		return nil, err
	}
	p.UpdatedAt = at
	writes := []*prefixRec{{key: k, p: p}}
	if len(r.Votes) >= domain.PrefixVoteThreshold(len(s.roles)) {
		unbar(p, msp)
		// The longer prefixes revoked with this one (revokeInside) are
		// reopened with it; others keep their own bars.
		longer, err := longerPrefixes(stub, prefix)
		if err != nil {
			return nil, err
		}
		recs, err := readPrefixes(stub, longer)
		if err != nil {
			return nil, err
		}
		for _, lr := range recs {
			if q := lr.p; q != nil && q.RevokedWith == prefix && q.Owner == msp && q.BarredFor(msp) {
				unbar(q, msp)
				q.UpdatedAt = at
				writes = append(writes, lr)
			}
		}
	}
	if err := c.checkPeer(s, domain.GovernancePolicy(s.roles)); err != nil {
		return nil, err
	}
	for _, w := range writes {
		if err := writePrefix(stub, w.key, w.p); err != nil {
			return nil, err
		}
	}
	return normalizePrefix(p), nil
}

// unbar lifts msp's bar on p and drops its reopen votes.
func unbar(p *domain.Prefix, msp string) {
	var barred []string
	for _, b := range p.Barred {
		if b != msp {
			barred = append(barred, b)
		}
	}
	p.Barred = barred
	var reopens []domain.PrefixReopen
	for _, r := range p.Reopens {
		if r.MSP != msp {
			reopens = append(reopens, r)
		}
	}
	p.Reopens = reopens
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

package domain

import (
	"sort"
	"strings"
)

// ProposalStatus is the state of a majority proposal.
type ProposalStatus string

// Proposal states. Only PENDING proposals take votes; the others are final.
const (
	ProposalPending  ProposalStatus = "PENDING"
	ProposalApproved ProposalStatus = "APPROVED" // a majority approved; its effect was applied in the deciding transaction
	ProposalRejected ProposalStatus = "REJECTED" // a majority rejected, or approval became impossible
	ProposalExpired  ProposalStatus = "EXPIRED"  // past its deadline, superseded, its electorate changed, or its effect no longer applicable
)

// ProposalStatuses lists the states in a fixed order.
func ProposalStatuses() []ProposalStatus {
	return []ProposalStatus{ProposalPending, ProposalApproved, ProposalRejected, ProposalExpired}
}

// ProposalKind names what a proposal decides; the chaincode keeps one
// handler per kind (validation, electorate, effect).
type ProposalKind string

// Proposal kinds of the membership governance. Other kinds (custody
// overrides) are added beside their handlers.
const (
	KindRoleSet    ProposalKind = "role-set"    // the first role set (subject "roles", payload []OrgRole)
	KindAddOrg     ProposalKind = "add-org"     // subject MSP, payload RolePayload
	KindChangeRole ProposalKind = "change-role" // subject MSP, payload RolePayload
	KindRemoveOrg  ProposalKind = "remove-org"  // subject MSP, payload RemovalPayload
	// KindAssignSuccessor names (or changes) the organization that takes over
	// a removed organization's items: subject the removed MSP, payload {"to": MSP}.
	KindAssignSuccessor ProposalKind = "assign-successor"
	// Custody overrides (subject: an item ID; for withdraw-recall also
	// "01/{gtin}" or "01/{gtin}/10/{lot}"; no payload), decided by Decide
	// with Authority ByMajority in the deciding vote's transaction.
	KindReleaseHold    ProposalKind = "release-hold"
	KindCancelOffer    ProposalKind = "cancel-offer"
	KindWithdrawRecall ProposalKind = "withdraw-recall"
)

// Proposal is a decision taken by a majority of organizations, one vote per
// organization, cast by its admins. Its ID is the transaction ID that
// created it. Field order is fixed (deterministic JSON).
type Proposal struct {
	ID         string         `json:"id"`
	Kind       ProposalKind   `json:"kind"`
	Subject    string         `json:"subject"`                                // what it is about: an MSP, an item key, "roles"
	Payload    string         `json:"payload,omitempty" metadata:",optional"` // canonical JSON, kind-specific
	Proposer   string         `json:"proposer"`                               // MSP
	Electorate []string       `json:"electorate"`                             // MSPs whose votes count, sorted (fixed at creation)
	Threshold  int            `json:"threshold"`                              // MajorityOf(len(Electorate))
	Approvals  []string       `json:"approvals"`                              // MSPs, sorted; the proposer's counts
	Rejections []string       `json:"rejections,omitempty" metadata:",optional"`
	Status     ProposalStatus `json:"status"`
	CreatedTx  string         `json:"createdTx"`
	CreatedAt  string         `json:"createdAt"`
	ExpiresAt  string         `json:"expiresAt"`                                // RFC 3339; votes after it expire the proposal
	ExpiresSec int64          `json:"expiresSec"`                               // the same, Unix seconds (what the chaincode compares)
	DecidedTx  string         `json:"decidedTx,omitempty" metadata:",optional"` // the transaction that closed it
	DecidedAt  string         `json:"decidedAt,omitempty" metadata:",optional"`
	Outcome    string         `json:"outcome,omitempty" metadata:",optional"` // why it closed, what its effect did
}

// ProposalPage is one page of a ListProposals query.
type ProposalPage struct {
	Proposals []Proposal `json:"proposals"`
	Bookmark  string     `json:"bookmark"`
}

// ProposalTTLSeconds is how long a proposal stays open: a vote in a
// transaction whose timestamp is later closes it as EXPIRED instead.
const ProposalTTLSeconds = 7 * 24 * 3600

// MaxPayloadLen bounds a proposal's payload (bytes), checked before decoding.
const MaxPayloadLen = 4096

// MaxSubjectLen bounds a proposal's subject.
const MaxSubjectLen = 256

// MajorityOf is the number of votes that decides among n voters:
// floor(n/2)+1 (the same rule as PrefixVoteThreshold).
func MajorityOf(n int) int { return PrefixVoteThreshold(n) }

// Tally is a proposal's state after its votes: APPROVED at a majority of
// approvals, REJECTED at a majority of rejections or as soon as the
// approvals still possible cannot reach the threshold, else PENDING.
// Votes from outside the electorate are not counted.
func Tally(electorate, approvals, rejections []string) ProposalStatus {
	n := len(electorate)
	if n == 0 {
		return ProposalRejected
	}
	need := MajorityOf(n)
	a, r := countIn(electorate, approvals), countIn(electorate, rejections)
	switch {
	case a >= need:
		return ProposalApproved
	case r >= need, n-r < need:
		return ProposalRejected
	}
	return ProposalPending
}

func countIn(set, votes []string) int {
	n := 0
	for i, v := range votes {
		if i > 0 && votes[i-1] == v {
			continue // sorted lists: count each org once
		}
		for _, s := range set {
			if s == v {
				n++
				break
			}
		}
	}
	return n
}

// HasVoted reports whether msp approved or rejected p.
func (p *Proposal) HasVoted(msp string) bool {
	return containsString(p.Approvals, msp) || containsString(p.Rejections, msp)
}

// InElectorate reports whether msp's vote counts on p.
func (p *Proposal) InElectorate(msp string) bool { return containsString(p.Electorate, msp) }

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// SortedUnique returns the strings sorted with duplicates removed.
func SortedUnique(in []string) []string { return uniqueSorted(in) }

// RolePayload is the payload of add-org and change-role proposals.
type RolePayload struct {
	Role Role `json:"role"`
}

// Removal dispositions: what happens to a removed organization's items.
const (
	RemovalFreeze   = "freeze"   // its items stay frozen until a later majority decision hands them over
	RemovalHandOver = "handover" // its items go to the named successor (To), which settles them in pages
)

// RemovalPayload is the payload of a remove-org proposal.
type RemovalPayload struct {
	Items string `json:"items"`                             // RemovalFreeze or RemovalHandOver
	To    string `json:"to,omitempty" metadata:",optional"` // successor MSP for RemovalHandOver
}

// MinRoleSetOrgs is the smallest first role set: with three or more named
// organizations a single admin can never make a majority of them alone
// (organizations that do not exist on the channel can never vote).
const MinRoleSetOrgs = 3

// ValidRole reports whether r is one of the three roles.
func ValidRole(r Role) bool {
	switch r {
	case RoleManufacturer, RoleDistributor, RoleCustoms:
		return true
	}
	return false
}

// ValidateMSPID refuses an MSP ID that is empty, too long or not made of
// letters, digits, '.', '-' and '_' (Fabric's own MSP IDs are free text,
// ours are kept to a safe set because they appear in keys and messages).
func ValidateMSPID(msp string) error {
	if msp == "" {
		return Errorf(CodeInvalidArgument, "MSP ID must not be empty")
	}
	if len(msp) > 64 {
		return Errorf(CodeInvalidArgument, "MSP ID %.64q... is longer than 64 bytes", msp)
	}
	for _, c := range msp {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_'
		if !ok {
			return Errorf(CodeInvalidArgument, "MSP ID %q has a character outside letters, digits, '.', '-', '_'", msp)
		}
	}
	return nil
}

// RolesString renders a role set as "MSP=role, ...".
func RolesString(roles []OrgRole) string {
	parts := make([]string, len(roles))
	for i, r := range roles {
		parts[i] = r.MSP + "=" + string(r.Role)
	}
	return strings.Join(parts, ", ")
}

// SortRoles sorts a role set by MSP.
func SortRoles(roles []OrgRole) {
	sort.Slice(roles, func(i, j int) bool { return roles[i].MSP < roles[j].MSP })
}

// OrgExit records an organization's removal by a remove-org proposal.
type OrgExit struct {
	MSP      string   `json:"msp"`
	Role     Role     `json:"role"` // the role it had
	Items    string   `json:"items"`
	To       string   `json:"to,omitempty" metadata:",optional"`
	Prefixes []string `json:"prefixes,omitempty" metadata:",optional"` // its prefixes ended by the removal
	Proposal string   `json:"proposal"`
	TxID     string   `json:"txId"`
	At       string   `json:"at"`
}

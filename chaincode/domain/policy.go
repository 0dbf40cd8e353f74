package domain

import (
	"fmt"
	"sort"
	"strings"
)

// Policy is the endorsement a valid transaction must carry, as the peers'
// validation computes it: the key-level (state-based) policies of the
// existing keys it writes, each "every named org's peer", plus, because every
// custody or governance transaction also writes keys that have no key-level
// policy (new events, counters, indexes, holds, recalls, prefixes), the
// chaincode-level policy: a MAJORITY of the channel's peer organizations.
//
// The `prov verify` client checks a committed transaction's endorsers against
// it; the chaincode uses it for the endorsing-peer check (PeerMayEndorse).
type Policy struct {
	AllOf     []string `json:"allOf"`               // MSP IDs whose peers must all endorse, sorted
	Majority  bool     `json:"majority"`            // a majority of Orgs must endorse too
	Orgs      []string `json:"orgs,omitempty"`      // the organizations the majority counts over, sorted
	Threshold int      `json:"threshold,omitempty"` // floor(len(Orgs)/2)+1 when Majority
}

// ExpectedEndorsers returns the policy that the transaction which appended
// custody event ev must have satisfied. roles is the ledger's org-role set;
// the chaincode-level MAJORITY is counted over those organizations (the
// network gives every peer organization of the channel a role).
//
// Per event type (see chaincode/README.md for the reasoning; Decide returns
// the same as Decision.Endorsement):
//
//	REGISTERED, HELD, RELEASED, RECALLED,
//	RECALL_WITHDRAWN, INSPECTED            MAJORITY (new keys; hold and recall keys' policies are "issuer OR majority")
//	OFFERED, STOLEN, DECOMMISSIONED        owner (ev.From) AND MAJORITY (item key)
//	ACCEPTED, REJECTED                     owner (ev.From) AND recipient (ev.To) AND MAJORITY (item and offer keys)
//	CANCELLED                              owner AND recipient AND MAJORITY; owner AND MAJORITY when the
//	                                       offer had expired or a majority vote decided it (offer key not written)
//	HANDED_OVER                            the removed owner (ev.From) AND MAJORITY
func ExpectedEndorsers(ev CustodyEvent, roles []OrgRole) Policy {
	var all []string
	switch ev.Type {
	case EventOffered, EventDecommissioned, EventStolen, EventHandedOver:
		all = []string{ev.From}
	case EventAccepted, EventRejected:
		all = []string{ev.From, ev.To}
	case EventCancelled:
		all = []string{ev.From, ev.To}
		if strings.HasPrefix(ev.Details, "offer expired") || strings.HasPrefix(ev.Details, "majority vote") {
			all = []string{ev.From}
		}
	}
	return withMajority(all, roles)
}

// GovernancePolicy is the policy of InitOrgRoles and of every prefix claim
// and vote: the chaincode-level MAJORITY only (their keys carry no key-level
// policy, so that no single organization can block governance).
func GovernancePolicy(roles []OrgRole) Policy { return withMajority(nil, roles) }

func withMajority(all []string, roles []OrgRole) Policy {
	p := Policy{AllOf: uniqueSorted(all), Majority: true}
	orgs := make([]string, 0, len(roles))
	for _, r := range roles {
		orgs = append(orgs, r.MSP)
	}
	p.Orgs = uniqueSorted(orgs)
	p.Threshold = PrefixVoteThreshold(len(p.Orgs))
	return p
}

// Merge returns the policy that satisfies both p and q: the union of their
// required organizations, and the majority if either needs it. A transaction
// touching several items must satisfy the merge of their events' policies.
func (p Policy) Merge(q Policy) Policy {
	out := Policy{
		AllOf:    uniqueSorted(append(append([]string(nil), p.AllOf...), q.AllOf...)),
		Majority: p.Majority || q.Majority,
	}
	if out.Majority {
		out.Orgs = uniqueSorted(append(append([]string(nil), p.Orgs...), q.Orgs...))
		out.Threshold = PrefixVoteThreshold(len(out.Orgs))
	}
	return out
}

// SatisfiedBy checks a set of endorsing organizations (MSP IDs of the peers
// that endorsed) against the policy; the error names what is missing.
func (p Policy) SatisfiedBy(endorsers []string) error {
	have := uniqueSorted(endorsers)
	var missing []string
	for _, org := range p.AllOf {
		if !contains(have, org) {
			missing = append(missing, org)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("policy %s: no endorsement from %s", p, strings.Join(missing, ", "))
	}
	if p.Majority {
		n := 0
		for _, org := range p.Orgs {
			if contains(have, org) {
				n++
			}
		}
		if n < p.Threshold {
			return fmt.Errorf("policy %s: %d of the organizations endorsed (%s), need %d", p, n, strings.Join(have, ", "), p.Threshold)
		}
	}
	return nil
}

// SingleOrg returns the organization when the policy names exactly one
// organization and needs no majority: a transaction that one org's peers
// endorse alone.
func (p Policy) SingleOrg() (string, bool) {
	if p.Majority || len(p.AllOf) != 1 {
		return "", false
	}
	return p.AllOf[0], true
}

// PeerMayEndorse is the endorsing-peer check of the secured-agreement
// pattern: when a transaction's whole policy names only the submitter's own
// organization, a peer of any other organization must refuse to endorse it,
// so that the submitter cannot route an own-org decision through a foreign
// peer. When the policy needs several organizations (every transaction of
// this chaincode needs the chaincode-level MAJORITY) every org's peer running
// the genuine chaincode must endorse it, or the transaction could never
// collect its endorsements; there the key-level policy, checked by every
// peer at validation, is what guarantees the owner's peer endorsed.
func PeerMayEndorse(p Policy, submitterMSP, peerMSP string) bool {
	org, single := p.SingleOrg()
	if !single || org != submitterMSP {
		return true
	}
	return peerMSP == submitterMSP
}

// String renders the policy, e.g. "AND(ManufacturerMSP.peer) + MAJORITY(2 of 3)".
func (p Policy) String() string {
	var parts []string
	if len(p.AllOf) > 0 {
		peers := make([]string, len(p.AllOf))
		for i, o := range p.AllOf {
			peers[i] = o + ".peer"
		}
		parts = append(parts, "AND("+strings.Join(peers, ", ")+")")
	}
	if p.Majority {
		parts = append(parts, fmt.Sprintf("MAJORITY(%d of %d)", p.Threshold, len(p.Orgs)))
	}
	if len(parts) == 0 {
		return "NONE"
	}
	return strings.Join(parts, " + ")
}

func uniqueSorted(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s != "" {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	n := 0
	for i, s := range out {
		if i == 0 || s != out[n-1] {
			out[n] = s
			n++
		}
	}
	return out[:n]
}

func contains(sorted []string, s string) bool {
	i := sort.SearchStrings(sorted, s)
	return i < len(sorted) && sorted[i] == s
}

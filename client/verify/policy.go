package verify

import (
	"fmt"
	"strings"

	"github.com/provledger/provenance/chaincode/domain"
)

// Policy decides whether the organizations that endorsed the transaction
// recording ev satisfy the endorsement that transition requires. endorsers
// are the MSP IDs with a valid endorsement, sorted; roles lists the
// channel's peer organizations (from the config block, each with its ledger
// role when the ledger names one). It returns a short description of what
// was required, or an error saying what is missing. Events are checked in
// parallel, so a Policy must be safe for concurrent use.
type Policy func(ev domain.CustodyEvent, roles []domain.OrgRole, endorsers []string) (string, error)

// DefaultPolicy is the chaincode's own rule, domain.ExpectedEndorsers: the
// key-level policy of the keys the transition rewrites (owner, recipient,
// holding customs org) and the chaincode-level MAJORITY of the channel's
// peer organizations.
func DefaultPolicy(ev domain.CustodyEvent, roles []domain.OrgRole, endorsers []string) (string, error) {
	p := domain.ExpectedEndorsers(ev, roles)
	if err := p.SatisfiedBy(endorsers); err != nil {
		return "", fmt.Errorf("%s: %w", ev.Type, err)
	}
	return fmt.Sprintf("%s needs %s; endorsed by %s", ev.Type, p, strings.Join(endorsers, ", ")), nil
}

// policyRoles are the organizations a MAJORITY counts over. Fabric evaluates
// the chaincode-level MAJORITY over the channel config's Application
// organizations, so they come from the verified config block, not from the
// ledger's answer; the ledger's role names are attached for custom policies.
func policyRoles(cfg *channelConfig, ledger []domain.OrgRole) []domain.OrgRole {
	byMSP := map[string]domain.Role{}
	for _, r := range ledger {
		byMSP[r.MSP] = r.Role
	}
	var out []domain.OrgRole
	for _, m := range sortedKeys(cfg.appOrgs) {
		out = append(out, domain.OrgRole{MSP: m, Role: byMSP[m]})
	}
	return out
}

package verify

import (
	"fmt"
	"strings"

	"github.com/provledger/provenance/chaincode/domain"
)

// Policy decides whether the organizations that endorsed the transaction
// recording ev satisfy the endorsement that transition requires. endorsers
// are the MSP IDs with a valid endorsement, sorted; roles are the ledger's
// MSP-to-role bindings. It returns a short description of what was required
// and nil, or an error saying what is missing.
type Policy func(ev domain.CustodyEvent, roles []domain.OrgRole, endorsers []string) (string, error)

// DefaultPolicy is the endorsement expected of a custody transition: the
// submitting organization's peer endorsed it, and every endorser is an
// organization with a role on the ledger.
func DefaultPolicy(ev domain.CustodyEvent, roles []domain.OrgRole, endorsers []string) (string, error) {
	known := map[string]bool{}
	for _, r := range roles {
		known[r.MSP] = true
	}
	var unknown []string
	has := false
	for _, e := range endorsers {
		if e == ev.SubmitterMSP {
			has = true
		}
		if !known[e] {
			unknown = append(unknown, e)
		}
	}
	want := fmt.Sprintf("%s by %s", ev.Type, ev.SubmitterMSP)
	switch {
	case !has:
		return "", fmt.Errorf("%s needs %s's endorsement; endorsed by %s", want, ev.SubmitterMSP, strings.Join(endorsers, ","))
	case len(unknown) > 0:
		return "", fmt.Errorf("endorsers without a ledger role: %s", strings.Join(unknown, ","))
	}
	return want + " endorsed by " + strings.Join(endorsers, ","), nil
}

package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// ResolveMSP turns what a user types for an organization into its MSP ID:
// an MSP ID as is ("DistributorMSP"), or a short name ("distributor",
// "Distributor", "DistributorOrg") or role matched against the ledger's
// GetOrgRoles; without a match, the conventional <Name>MSP.
func ResolveMSP(ctx context.Context, l gateway.Ledger, name string) (string, error) {
	if name == "" {
		return "", cmdutil.Usagef("empty organization name")
	}
	if strings.HasSuffix(name, "MSP") {
		return name, nil
	}
	short := strings.ToLower(strings.TrimSuffix(strings.TrimSuffix(name, "Org"), "org"))
	if b, err := l.Evaluate(ctx, "GetOrgRoles"); err == nil {
		var roles []domain.OrgRole
		if json.Unmarshal(b, &roles) == nil {
			if msp, ok := MatchOrg(roles, short); ok {
				return msp, nil
			}
		}
	}
	if short == "" {
		return "", cmdutil.Usagef("bad organization name %q", name)
	}
	return strings.ToUpper(short[:1]) + short[1:] + "MSP", nil
}

// MatchOrg finds the MSP whose lower-cased name is short+"msp", or whose
// role is short.
func MatchOrg(roles []domain.OrgRole, short string) (string, bool) {
	for _, r := range roles {
		if strings.EqualFold(r.MSP, short+"msp") || strings.EqualFold(r.MSP, short) {
			return r.MSP, true
		}
	}
	var found []string
	for _, r := range roles {
		if string(r.Role) == short {
			found = append(found, r.MSP)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return "", false
}

// Describe is a short human description of a ledger call result's tx.
func Describe(r *gateway.Result) string {
	return fmt.Sprintf("transaction %s, block %d", r.TxID, r.Block)
}

package render

import (
	"io"
	"strconv"
	"strings"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// Proposal prints one majority proposal.
func Proposal(w io.Writer, p *domain.Proposal) error {
	return cmdutil.KV(w,
		"Proposal", p.ID,
		"Kind", string(p.Kind),
		"Subject", p.Subject,
		"Payload", p.Payload,
		"Status", string(p.Status),
		"Proposer", p.Proposer,
		"Voters", strings.Join(p.Electorate, ", "),
		"Needed", itoa(p.Threshold),
		"Approvals", strings.Join(p.Approvals, ", "),
		"Rejections", strings.Join(p.Rejections, ", "),
		"Created", p.CreatedAt,
		"Expires", p.ExpiresAt,
		"Decided", p.DecidedAt,
		"Decided tx", p.DecidedTx,
		"Outcome", p.Outcome,
	)
}

// Proposals prints a table of proposals.
func Proposals(w io.Writer, ps []domain.Proposal) error {
	t := cmdutil.NewTable(w, "id", "kind", "subject", "payload", "status", "votes", "approvals", "rejections", "expires")
	for _, p := range ps {
		t.Row(p.ID, string(p.Kind), p.Subject, p.Payload, string(p.Status),
			itoa(len(p.Approvals))+"/"+itoa(p.Threshold)+" of "+itoa(len(p.Electorate)),
			strings.Join(p.Approvals, ","), strings.Join(p.Rejections, ","), p.ExpiresAt)
	}
	return t.Flush()
}

// OrgRoles prints a table of organizations and their roles.
func OrgRoles(w io.Writer, roles []domain.OrgRole) error {
	t := cmdutil.NewTable(w, "organization", "role")
	for _, r := range roles {
		t.Row(r.MSP, string(r.Role))
	}
	return t.Flush()
}

func itoa(n int) string { return strconv.Itoa(n) }

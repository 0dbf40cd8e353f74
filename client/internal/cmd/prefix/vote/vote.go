// Package vote implements `prov prefix approve|reject|revoke`.
package vote

import (
	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmd/prefix/shared"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/vote"
)

// Verb is one governance vote.
type Verb = vote.Verb

// Options of a vote.
type Options = vote.Options

// The votes.
var (
	Approve = Verb{Name: "approve", Fn: "ApprovePrefix", Past: "Approved", Short: "Vote to approve a prefix claim (org admin)",
		Long: "Vote for a PENDING prefix claim. It becomes ACTIVE once a majority of the member organizations approve."}
	Reject = Verb{Name: "reject", Fn: "RejectPrefix", Past: "Rejected", Short: "Vote to reject a prefix claim (org admin)",
		Long: "Vote against a PENDING prefix claim. It becomes REJECTED once a majority of the member organizations reject; the claimant may then claim it, or a prefix overlapping it, again only after a majority reopens it (prov prefix reopen)."}
	Revoke = Verb{Name: "revoke", Fn: "RevokePrefix", Past: "Revoked", Short: "Vote to revoke an active prefix (org admin)",
		Long: "Vote to revoke an ACTIVE prefix. It becomes REVOKED once a majority of the member organizations agree; its owner can then register no more items under it, nor under its longer prefixes inside it (revoked in the same transaction), and may claim them again only after a majority reopens them (prov prefix reopen)."}
)

// spec: a prefix's votes; the prefix is checked before anything is sent.
var spec = &vote.Spec{
	Noun: "prefix", Arg: "PREFIX", What: "a company prefix", Sample: "9506000",
	Needs: "Needs an admin identity: --user admin.",
	Check: domain.ValidateCompanyPrefix,
	Act:   func(action, past string) vote.Act { return shared.Act(action, past) },
}

// NewCmd builds the command for verb; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, verb Verb, runF func(*Options) error) *cobra.Command {
	return vote.NewCmd(f, spec, verb, runF)
}

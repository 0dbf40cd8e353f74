// Package vote implements `prov prefix approve|reject|revoke`.
package vote

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmd/prefix/shared"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// Verb is one governance vote.
type Verb struct {
	Name, Fn, Past, Short, Long string
}

// The votes.
var (
	Approve = Verb{"approve", "ApprovePrefix", "Approved", "Vote to approve a prefix claim (org admin)",
		"Vote for a PENDING prefix claim. It becomes ACTIVE once a majority of the member organizations approve."}
	Reject = Verb{"reject", "RejectPrefix", "Rejected", "Vote to reject a prefix claim (org admin)",
		"Vote against a PENDING prefix claim. It becomes REJECTED once a majority of the member organizations reject; the claimant may then claim it, or a prefix overlapping it, again only after a majority reopens it (prov prefix reopen)."}
	Revoke = Verb{"revoke", "RevokePrefix", "Revoked", "Vote to revoke an active prefix (org admin)",
		"Vote to revoke an ACTIVE prefix. It becomes REVOKED once a majority of the member organizations agree; its owner can then register no more items under it, nor under its longer prefixes inside it (revoked in the same transaction), and may claim them again only after a majority reopens them (prov prefix reopen)."}
)

// Options of a vote.
type Options struct {
	cmdutil.Env
	Verb   Verb
	Prefix string
}

// NewCmd builds the command for verb; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, verb Verb, runF func(*Options) error) *cobra.Command {
	opts := &Options{Verb: verb}
	return &cobra.Command{
		Use:     verb.Name + " PREFIX",
		Short:   verb.Short,
		Long:    verb.Long + " Needs an admin identity: --user admin.",
		Example: "  prov prefix " + verb.Name + " 9506000 --profile distributor --user admin",
		Args:    cmdutil.ExactArgs(1, "a company prefix"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Prefix, opts.Env = args[0], f.Env()
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Run executes the vote.
func Run(ctx context.Context, opts *Options) error {
	if err := domain.ValidateCompanyPrefix(opts.Prefix); err != nil {
		return err
	}
	return shared.Act(opts.Verb.Name, opts.Verb.Past).Submit(ctx, opts.Env, opts.Verb.Fn, opts.Prefix)
}

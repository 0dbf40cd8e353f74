// Package vote implements `prov org approve|reject|show ID`.
package vote

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/client/internal/cmd/org/shared"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/render"
	"github.com/provledger/provenance/client/internal/vote"
)

// Verb is one vote.
type Verb = vote.Verb

// Options of a vote (or show).
type Options = vote.Options

// The votes.
var (
	Approve = Verb{Name: "approve", Fn: "ApproveProposal", Past: "Approved", Short: "Vote to approve a proposal (org admin)",
		Long: "Vote for a PENDING proposal. At a majority of the voting organizations it is APPROVED and its effect applies in the same transaction."}
	Reject = Verb{Name: "reject", Fn: "RejectProposal", Past: "Rejected", Short: "Vote to reject a proposal (org admin)",
		Long: "Vote against a PENDING proposal. It is REJECTED at a majority of rejections, or as soon as a majority of approvals is out of reach."}
)

// spec: a proposal's votes.
var spec = &vote.Spec{
	Noun: "org", Arg: "ID", What: "a proposal ID", Sample: "3f2a...c9",
	Needs: "One vote per organization. Needs an admin identity: --user admin.",
	Act:   func(action, past string) vote.Act { return shared.Act(action, past) },
}

// NewCmd builds the command for verb; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, verb Verb, runF func(*Options) error) *cobra.Command {
	return vote.NewCmd(f, spec, verb, runF)
}

// NewShowCmd builds `prov org show ID`.
func NewShowCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Spec: spec}
	return &cobra.Command{
		Use:     "show ID",
		Short:   "Show a proposal and its votes",
		Example: "  prov org show 3f2a...c9 -o json",
		Args:    cmdutil.ExactArgs(1, "a proposal ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Subject, opts.Env = args[0], f.Env()
			if runF != nil {
				return runF(opts)
			}
			return Show(cmd.Context(), opts)
		},
	}
}

// Show executes org show.
func Show(ctx context.Context, opts *Options) error {
	return render.Query(ctx, opts.Env, render.Proposal, "GetProposal", opts.Subject)
}

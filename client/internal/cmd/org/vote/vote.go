// Package vote implements `prov org approve|reject|show ID`.
package vote

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/client/internal/cmd/org/shared"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/render"
)

// Verb is one vote.
type Verb struct {
	Name, Fn, Past, Short, Long string
}

// The votes.
var (
	Approve = Verb{"approve", "ApproveProposal", "Approved", "Vote to approve a proposal (org admin)",
		"Vote for a PENDING proposal. At a majority of the voting organizations it is APPROVED and its effect applies in the same transaction."}
	Reject = Verb{"reject", "RejectProposal", "Rejected", "Vote to reject a proposal (org admin)",
		"Vote against a PENDING proposal. It is REJECTED at a majority of rejections, or as soon as a majority of approvals is out of reach."}
)

// Options of a vote (or show).
type Options struct {
	cmdutil.Env
	Verb Verb
	ID   string
}

// NewCmd builds the command for verb; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, verb Verb, runF func(*Options) error) *cobra.Command {
	opts := &Options{Verb: verb}
	return &cobra.Command{
		Use:     verb.Name + " ID",
		Short:   verb.Short,
		Long:    verb.Long + " One vote per organization. Needs an admin identity: --user admin.",
		Example: "  prov org " + verb.Name + " 3f2a...c9 --profile distributor --user admin",
		Args:    cmdutil.ExactArgs(1, "a proposal ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID, opts.Env = args[0], f.Env()
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Run executes the vote.
func Run(ctx context.Context, opts *Options) error {
	return shared.Act(opts.Verb.Name, opts.Verb.Past).Submit(ctx, opts.Env, opts.Verb.Fn, opts.ID)
}

// NewShowCmd builds `prov org show ID`.
func NewShowCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	return &cobra.Command{
		Use:     "show ID",
		Short:   "Show a proposal and its votes",
		Example: "  prov org show 3f2a...c9 -o json",
		Args:    cmdutil.ExactArgs(1, "a proposal ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID, opts.Env = args[0], f.Env()
			if runF != nil {
				return runF(opts)
			}
			return Show(cmd.Context(), opts)
		},
	}
}

// Show executes org show.
func Show(ctx context.Context, opts *Options) error {
	return render.Query(ctx, opts.Env, render.Proposal, "GetProposal", opts.ID)
}

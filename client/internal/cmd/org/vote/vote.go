// Package vote implements `prov org approve|reject|show ID`.
package vote

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
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
	IO     *cmdutil.IOStreams
	Ledger func() (gateway.Ledger, error)
	Format string
	Verb   Verb
	ID     string
}

// NewCmd builds the command for verb; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, verb Verb, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Ledger: f.Ledger, Verb: verb}
	return &cobra.Command{
		Use:     verb.Name + " ID",
		Short:   verb.Short,
		Long:    verb.Long + " One vote per organization. Needs an admin identity: --user admin.",
		Example: "  prov org " + verb.Name + " 3f2a...c9 --profile distributor --user admin",
		Args:    cmdutil.ExactArgs(1, "a proposal ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID, opts.Format = args[0], f.Output
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Run executes the vote.
func Run(ctx context.Context, opts *Options) error {
	l, err := opts.Ledger()
	if err != nil {
		return err
	}
	res, err := l.Submit(ctx, opts.Verb.Fn, opts.ID)
	if err != nil {
		return err
	}
	return Print(opts.IO, opts.Format, opts.Verb.Name, opts.Verb.Past, res)
}

// Print shows a proposal after a submitted act.
func Print(io *cmdutil.IOStreams, format, action, past string, res *gateway.Result) error {
	return render.Record(io, format, action, res, "proposal", func(p *domain.Proposal) string {
		return fmt.Sprintf("%s proposal %s: now %s", past, p.ID, p.Status)
	}, render.Proposal)
}

// NewShowCmd builds `prov org show ID`.
func NewShowCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Ledger: f.Ledger}
	return &cobra.Command{
		Use:     "show ID",
		Short:   "Show a proposal and its votes",
		Example: "  prov org show 3f2a...c9 -o json",
		Args:    cmdutil.ExactArgs(1, "a proposal ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID, opts.Format = args[0], f.Output
			if runF != nil {
				return runF(opts)
			}
			return Show(cmd.Context(), opts)
		},
	}
}

// Show executes org show.
func Show(ctx context.Context, opts *Options) error {
	l, err := opts.Ledger()
	if err != nil {
		return err
	}
	b, err := l.Evaluate(ctx, "GetProposal", opts.ID)
	if err != nil {
		return err
	}
	var p domain.Proposal
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("GetProposal returned unreadable JSON: %w", err)
	}
	if opts.Format == cmdutil.FormatJSON {
		return cmdutil.PrintJSON(opts.IO.Out, p)
	}
	return render.Proposal(opts.IO.Out, &p)
}

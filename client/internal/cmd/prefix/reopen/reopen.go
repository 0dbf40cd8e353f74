// Package reopen implements `prov prefix reopen`.
package reopen

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmd/prefix/shared"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// Options of a reopen vote.
type Options struct {
	cmdutil.Env
	Prefix string
	MSP    string
}

// NewCmd builds `prov prefix reopen`; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	return &cobra.Command{
		Use:   "reopen PREFIX MSP",
		Short: "Vote to let an organization claim a prefix again (org admin)",
		Long: `An organization whose claim was REJECTED, or whose prefix was REVOKED, is barred
from claiming that prefix, or any prefix overlapping it, again. Once a majority
of the member organizations voted to reopen it for that organization, it may
file a fresh claim, which again needs a majority of approvals.
Needs an admin identity: --user admin.`,
		Example: "  prov prefix reopen 9506000 ManufacturerMSP --profile customs --user admin",
		Args:    cmdutil.ExactArgs(2, "a company prefix and the barred organization's MSP ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Prefix, opts.MSP, opts.Env = args[0], args[1], f.Env()
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Run submits the vote.
func Run(ctx context.Context, opts *Options) error {
	if err := domain.ValidateCompanyPrefix(opts.Prefix); err != nil {
		return err
	}
	return shared.Act("reopen", "Voted to reopen").Submit(ctx, opts.Env, "ReopenPrefix", opts.Prefix, opts.MSP)
}

// Package reopen implements `prov prefix reopen`.
package reopen

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/cmd/prefix/claim"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// Options of a reopen vote.
type Options struct {
	IO     *cmdutil.IOStreams
	Ledger func() (gateway.Ledger, error)
	Format string
	Prefix string
	MSP    string
}

// NewCmd builds `prov prefix reopen`; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Ledger: f.Ledger}
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
			opts.Prefix, opts.MSP, opts.Format = args[0], args[1], f.Output
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
	l, err := opts.Ledger()
	if err != nil {
		return err
	}
	res, err := l.Submit(ctx, "ReopenPrefix", opts.Prefix, opts.MSP)
	if err != nil {
		return err
	}
	return claim.Print(opts.IO, opts.Format, "reopen", "Voted to reopen", res)
}

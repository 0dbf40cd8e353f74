// Package release implements `prov customs release`.
package release

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger"
)

// Options of customs release.
type Options struct {
	IO        *cmdutil.IOStreams
	Ledger    func() (ledger.Ledger, error)
	Format    string
	IDs       []string
	BatchSize int
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Ledger: f.Ledger}
	cmd := &cobra.Command{
		Use:     "release ID...",
		Short:   "Release items from customs hold (customs)",
		Example: `  prov customs release 01/09506000134352/21/ABC123`,
		Args:    cmdutil.MinArgs(1, "item IDs"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.IDs, opts.Format = args, f.Output
			if err := cmdutil.CheckBatchSize(opts.BatchSize); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmdutil.BatchSizeFlag(cmd, &opts.BatchSize, cmdutil.CustodyBatch)
	return cmd
}

// Run executes customs release.
func Run(ctx context.Context, opts *Options) error {
	ids, err := cmdutil.CanonicalIDs(opts.IDs)
	if err != nil {
		return err
	}
	l, err := opts.Ledger()
	if err != nil {
		return err
	}
	done, err := cmdutil.SubmitIDs(ctx, l, "ReleaseItems", ids, opts.BatchSize)
	return cmdutil.ReportBatches(opts.IO, opts.Format, cmdutil.BatchResult{Action: "release", Transactions: done}, err, "Released", "")
}

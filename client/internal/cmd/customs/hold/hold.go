// Package hold implements `prov customs hold`.
package hold

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger"
)

// Options of customs hold.
type Options struct {
	IO        *cmdutil.IOStreams
	Ledger    func() (ledger.Ledger, error)
	Format    string
	IDs       []string
	Reason    string
	BatchSize int
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Ledger: f.Ledger}
	cmd := &cobra.Command{
		Use:   "hold ID... --reason REASON",
		Short: "Put items on customs hold (customs)",
		Long: `Put items on hold. Held items cannot be offered or accepted until customs
releases them. Only the customs organization may hold and release.`,
		Example: `  prov customs hold 01/09506000134352/21/ABC123 --reason "documents missing"`,
		Args:    cmdutil.MinArgs(1, "item IDs"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.IDs, opts.Format = args, f.Output
			if err := cmdutil.Required("reason", opts.Reason); err != nil {
				return err
			}
			if err := cmdutil.CheckBatchSize(opts.BatchSize); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "why (required)")
	cmdutil.BatchSizeFlag(cmd, &opts.BatchSize, domain.MaxBatch)
	return cmd
}

// Run executes customs hold.
func Run(ctx context.Context, opts *Options) error {
	ids, err := cmdutil.CanonicalIDs(opts.IDs)
	if err != nil {
		return err
	}
	l, err := opts.Ledger()
	if err != nil {
		return err
	}
	done, err := cmdutil.SubmitIDs(ctx, l, "HoldItems", ids, opts.BatchSize, opts.Reason)
	return cmdutil.ReportBatches(opts.IO, opts.Format, cmdutil.BatchResult{Action: "hold", Reason: opts.Reason, Transactions: done}, err, "Held", "")
}

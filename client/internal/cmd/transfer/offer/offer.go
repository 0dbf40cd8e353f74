// Package offer implements `prov transfer offer`.
package offer

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger"
)

// Options of transfer offer.
type Options struct {
	IO        *cmdutil.IOStreams
	Ledger    func() (ledger.Ledger, error)
	Format    string
	IDs       []string
	To        string
	Expires   string
	BatchSize int
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Ledger: f.Ledger}
	cmd := &cobra.Command{
		Use:   "offer ID... --to ORG",
		Short: "Offer items you hold to another organization",
		Long: `Offer items your organization holds to another organization. The items are
IN_TRANSIT until the recipient accepts or rejects them, or you cancel.
An offer expires (default 7 days, --expires): after that the recipient can
no longer accept and you cancel without it.
ORG is an MSP ID (DistributorMSP) or a short name (distributor).`,
		Example: `  prov transfer offer 01/09506000134352/21/ABC123 --to distributor
  prov transfer offer 01/09506000134352/21/A1 01/09506000134352/21/A2 --to DistributorMSP -o json`,
		Args: cmdutil.MinArgs(1, "item IDs"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.IDs, opts.Format = args, f.Output
			if err := cmdutil.Required("to", opts.To); err != nil {
				return err
			}
			if err := cmdutil.CheckBatchSize(opts.BatchSize); err != nil {
				return err
			}
			if opts.Expires != "" {
				if _, err := domain.ParseOfferTTL(opts.Expires); err != nil {
					return cmdutil.Usagef("--expires: %v", err)
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.To, "to", "", "recipient `ORG`: MSP ID or short name (required)")
	cmd.Flags().StringVar(&opts.Expires, "expires", "", "offer expiry: seconds or a `duration` with unit s, m, h, d (default 7d, at most 90d)")
	cmdutil.BatchSizeFlag(cmd, &opts.BatchSize, cmdutil.CustodyBatch)
	_ = cmd.RegisterFlagCompletionFunc("to", cmdutil.FixedCompletion("manufacturer", "distributor", "customs"))
	return cmd
}

// Run executes transfer offer.
func Run(ctx context.Context, opts *Options) error {
	ids, err := cmdutil.CanonicalIDs(opts.IDs)
	if err != nil {
		return err
	}
	l, err := opts.Ledger()
	if err != nil {
		return err
	}
	to, err := cmdutil.ResolveMSP(ctx, l, opts.To)
	if err != nil {
		return err
	}
	fn, extra := "OfferTransfer", []string{to}
	if opts.Expires != "" {
		fn, extra = "OfferTransferExpiring", []string{to, opts.Expires}
	}
	done, err := cmdutil.SubmitIDs(ctx, l, fn, ids, opts.BatchSize, extra...)
	return cmdutil.ReportBatches(opts.IO, opts.Format, cmdutil.BatchResult{Action: "offer", To: to, Transactions: done}, err, "Offered", " to "+to)
}

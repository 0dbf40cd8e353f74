// Package decommission implements `prov item decommission`.
package decommission

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger"
	"github.com/provledger/provenance/client/internal/render"
)

// Reasons the chaincode accepts.
var Reasons = []string{"dispensed", "destroyed", "exported", "retail_sold"}

// Options of item decommission.
type Options struct {
	IO     *cmdutil.IOStreams
	Ledger func() (ledger.Ledger, error)
	Format string
	ID     string
	Reason string
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Ledger: f.Ledger}
	cmd := &cobra.Command{
		Use:   "decommission ID --reason REASON",
		Short: "Take an item you hold out of circulation",
		Long: `Decommission an item your organization holds. This is final. REASON is one
of dispensed, destroyed, exported, retail_sold.`,
		Example: `  prov item decommission 01/09506000134352/21/ABC123 --reason dispensed`,
		Args:    cmdutil.ExactArgs(1, "an item ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID, opts.Format = args[0], f.Output
			if err := cmdutil.Required("reason", opts.Reason); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "dispensed, destroyed, exported or retail_sold (required)")
	_ = cmd.RegisterFlagCompletionFunc("reason", cmdutil.FixedCompletion(Reasons...))
	return cmd
}

// Run executes item decommission. The reason is checked by the chaincode,
// the one place the list is enforced.
func Run(ctx context.Context, opts *Options) error {
	id, err := cmdutil.ParseID(opts.ID)
	if err != nil {
		return err
	}
	l, err := opts.Ledger()
	if err != nil {
		return err
	}
	res, err := l.Submit(ctx, "Decommission", id.Key(), opts.Reason)
	if err != nil {
		return err
	}
	var it domain.Item
	if err := json.Unmarshal(res.Payload, &it); err != nil {
		return fmt.Errorf("Decommission returned unreadable JSON: %w", err)
	}
	if opts.Format == cmdutil.FormatJSON {
		out := render.NewTxResult("decommission", res, []string{id.Key()})
		out.Reason, out.Result = opts.Reason, it
		return cmdutil.PrintJSON(opts.IO.Out, out)
	}
	fmt.Fprintf(opts.IO.Out, "Decommissioned %s: %s (transaction %s, block %d)\n", id.Key(), opts.Reason, res.TxID, res.Block)
	return nil
}

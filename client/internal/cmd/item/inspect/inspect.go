// Package inspect implements `prov item inspect`.
package inspect

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

// Results the chaincode accepts.
var Results = []string{"match", "mismatch", "suspect"}

// Options of item inspect.
type Options struct {
	IO       *cmdutil.IOStreams
	Ledger   func() (ledger.Ledger, error)
	Format   string
	ID       string
	Location string
	Result   string
	Note     string
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Ledger: f.Ledger}
	cmd := &cobra.Command{
		Use:   "inspect ID --location GLN --result RESULT",
		Short: "Record a physical inspection of an item",
		Long: `Record that the item was inspected at a location (a 13-digit GS1 GLN) and
what was found: match, mismatch or suspect, with an optional --note
(evidence reference). Any member organization may record an inspection, of
a registered item or of an unregistered ID (a suspected counterfeit). It is
a sighting on a key of its own: it does not change custody, is not part of
the item's history and never conflicts with a shipment.`,
		Example: `  prov item inspect 01/09506000134352/21/ABC123 --location 9506000000015 --result match`,
		Args:    cmdutil.ExactArgs(1, "an item ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID, opts.Format = args[0], f.Output
			if err := cmdutil.Required("location", opts.Location); err != nil {
				return err
			}
			if err := cmdutil.Required("result", opts.Result); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Location, "location", "", "where, as a 13-digit `GLN` (required)")
	cmd.Flags().StringVar(&opts.Result, "result", "", "match, mismatch or suspect (required)")
	cmd.Flags().StringVar(&opts.Note, "note", "", "evidence reference or remark (at most 512 bytes)")
	_ = cmd.RegisterFlagCompletionFunc("result", cmdutil.FixedCompletion(Results...))
	return cmd
}

// Run executes item inspect.
func Run(ctx context.Context, opts *Options) error {
	id, err := cmdutil.ParseID(opts.ID)
	if err != nil {
		return err
	}
	gln, err := domain.ParseGLN(opts.Location)
	if err != nil {
		return err
	}
	l, err := opts.Ledger()
	if err != nil {
		return err
	}
	res, err := l.Submit(ctx, "RecordSighting", id.Key(), gln, opts.Result, opts.Note)
	if err != nil {
		return err
	}
	var sg domain.Sighting
	if err := json.Unmarshal(res.Payload, &sg); err != nil {
		return fmt.Errorf("RecordSighting returned unreadable JSON: %w", err)
	}
	if opts.Format == cmdutil.FormatJSON {
		out := render.NewTxResult("inspect", res, []string{id.Key()})
		out.Result = sg
		return cmdutil.PrintJSON(opts.IO.Out, out)
	}
	fmt.Fprintf(opts.IO.Out, "Recorded inspection of %s at %s: %s (transaction %s, block %d)\n", id.Key(), gln, opts.Result, res.TxID, res.Block)
	return nil
}

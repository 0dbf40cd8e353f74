// Package stolen implements `prov item report-stolen`.
package stolen

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

// Options of item report-stolen.
type Options struct {
	IO     *cmdutil.IOStreams
	Ledger func() (ledger.Ledger, error)
	Format string
	ID     string
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Ledger: f.Ledger}
	return &cobra.Command{
		Use:     "report-stolen ID",
		Short:   "Report an item you hold as stolen",
		Long:    "Mark an item your organization holds as STOLEN. Stolen items cannot be offered.",
		Example: `  prov item report-stolen 01/09506000134352/21/ABC123`,
		Args:    cmdutil.ExactArgs(1, "an item ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID, opts.Format = args[0], f.Output
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Run executes item report-stolen.
func Run(ctx context.Context, opts *Options) error {
	id, err := cmdutil.ParseID(opts.ID)
	if err != nil {
		return err
	}
	l, err := opts.Ledger()
	if err != nil {
		return err
	}
	res, err := l.Submit(ctx, "ReportStolen", id.Key())
	if err != nil {
		return err
	}
	var it domain.Item
	if err := json.Unmarshal(res.Payload, &it); err != nil {
		return fmt.Errorf("ReportStolen returned unreadable JSON: %w", err)
	}
	if opts.Format == cmdutil.FormatJSON {
		out := render.NewTxResult("report-stolen", res, []string{id.Key()})
		out.Result = it
		return cmdutil.PrintJSON(opts.IO.Out, out)
	}
	fmt.Fprintf(opts.IO.Out, "Reported %s stolen (transaction %s, block %d)\n", id.Key(), res.TxID, res.Block)
	return nil
}

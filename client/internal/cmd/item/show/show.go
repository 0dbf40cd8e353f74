// Package show implements `prov item show`.
package show

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

// Options of item show.
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
		Use:   "show ID",
		Short: "Show an item's current state",
		Long: `Show an item: status, owner, lot, expiry, a customs hold or a recall.

ID takes any spelling of the item: a GS1 Digital Link, an element string,
an EPC URI or the canonical key 01/{gtin}/21/{serial}.`,
		Example: `  prov item show https://id.gs1.org/01/09506000134352/21/ABC123
  prov item show '(01)09506000134352(21)ABC123' -o json`,
		Args: cmdutil.ExactArgs(1, "an item ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID, opts.Format = args[0], f.Output
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Run executes item show.
func Run(ctx context.Context, opts *Options) error {
	id, err := cmdutil.ParseID(opts.ID)
	if err != nil {
		return err
	}
	l, err := opts.Ledger()
	if err != nil {
		return err
	}
	b, err := l.Evaluate(ctx, "GetItem", id.Key())
	if err != nil {
		return err
	}
	var it domain.Item
	if err := json.Unmarshal(b, &it); err != nil {
		return fmt.Errorf("GetItem returned unreadable JSON: %w", err)
	}
	if opts.Format == cmdutil.FormatJSON {
		return cmdutil.PrintJSON(opts.IO.Out, it)
	}
	return render.Item(opts.IO.Out, &it)
}

// Package show implements `prov item show`.
package show

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/bulk"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger"
	"github.com/provledger/provenance/client/internal/render"
)

// Options of item show.
type Options struct {
	cmdutil.Env
	IDs  []string
	File string
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "show {ID... | --file FILE}",
		Short: "Show items' current state",
		Long: `Show an item: status, owner, lot, expiry, a customs hold or a recall.
Several IDs (arguments or --file, - for stdin) print one row each; IDs that
are malformed or not registered are listed after them and give exit 1.

ID takes any spelling of the item: a GS1 Digital Link, an element string,
an EPC URI or the canonical key 01/{gtin}/21/{serial}.`,
		Example: `  prov item show https://id.gs1.org/01/09506000134352/21/ABC123
  prov item show '(01)09506000134352(21)ABC123' -o json
  prov item show --file shipment.csv`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.IDs, opts.Env = args, f.Env()
			if len(args) == 0 && opts.File == "" {
				return cmdutil.Usagef("missing an item ID")
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.File, "file", "f", "", "read item IDs from `FILE` (- for stdin)")
	return cmd
}

// Run executes item show.
func Run(ctx context.Context, opts *Options) error {
	if opts.File == "" && len(opts.IDs) == 1 {
		return one(ctx, opts)
	}
	in, err := bulk.ReadInputs(opts.IDs, opts.File, opts.IO.In)
	if err != nil {
		return err
	}
	l, err := opts.Ledger()
	if err != nil {
		return err
	}
	var keys []string
	var valid []bulk.Input
	for _, x := range in {
		if x.Err == nil {
			keys = append(keys, x.Key)
			valid = append(valid, x)
		}
	}
	items, err := ledger.GetItems(ctx, l, keys)
	if err != nil {
		return err
	}
	out := Many{Items: []domain.Item{}, Failed: bulk.Unreadable(in)}
	for i, it := range items {
		if it == nil {
			out.Failed = append(out.Failed, bulk.FailedOf(valid[i], domain.Errorf(domain.CodeNotFound, "item %s is not registered", valid[i].Key)))
			continue
		}
		out.Items = append(out.Items, *it)
	}
	bulk.SortFailed(out.Failed)
	if opts.Format == cmdutil.FormatJSON {
		err = cmdutil.PrintJSON(opts.IO.Out, out)
	} else {
		err = render.Items(opts.IO.Out, out.Items)
		bulk.PrintFailed(opts.IO.Out, out.Failed)
	}
	if err == nil && len(out.Failed) > 0 {
		err = &cmdutil.SilentError{Code: cmdutil.ExitFailed}
	}
	return err
}

// Many is the JSON of a show of several items.
type Many struct {
	Items  []domain.Item `json:"items"`
	Failed []bulk.Failed `json:"failed"`
}

func one(ctx context.Context, opts *Options) error {
	id, err := cmdutil.ParseID(opts.IDs[0])
	if err != nil {
		return err
	}
	return render.Query(ctx, opts.Env, render.Item, "GetItem", id.Key())
}

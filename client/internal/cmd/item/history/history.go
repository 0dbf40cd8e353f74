// Package history implements `prov item history`.
package history

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/bulk"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger"
	"github.com/provledger/provenance/client/internal/render"
)

// Options of item history.
type Options struct {
	cmdutil.Env
	IDs     []string
	File    string
	FromSeq uint64
	Limit   int // 0: all events
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "history {ID... | --file FILE}",
		Short: "Show items' custody records",
		Long: `Show every custody event of an item, oldest first: registration, offers,
acceptances, holds, recalls, inspections. Each names its transaction, which
'prov verify' checks against the blocks. Several IDs (arguments or --file,
- for stdin) print one record after the other; IDs that are malformed or
not registered are listed at the end and give exit 1.`,
		Example: `  prov item history 01/09506000134352/21/ABC123
  prov item history 01/09506000134352/21/ABC123 --from-seq 3 --limit 10 -o json
  prov item history --file returns.txt -o json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.IDs, opts.Env = args, f.Env()
			if len(args) == 0 && opts.File == "" {
				return cmdutil.Usagef("missing an item ID")
			}
			if opts.Limit < 0 {
				return cmdutil.Usagef("--limit must not be negative")
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().Uint64Var(&opts.FromSeq, "from-seq", 0, "first event sequence number to show")
	cmd.Flags().IntVar(&opts.Limit, "limit", 0, "show at most this many events (0: all)")
	cmd.Flags().StringVarP(&opts.File, "file", "f", "", "read item IDs from `FILE` (- for stdin)")
	return cmd
}

// Record is one item's events.
type Record struct {
	Item   string                `json:"item"`
	Events []domain.CustodyEvent `json:"events"`
}

// Run executes item history.
func Run(ctx context.Context, opts *Options) error {
	in, err := bulk.ReadInputs(opts.IDs, opts.File, opts.IO.In)
	if err != nil {
		return err
	}
	single := opts.File == "" && len(in) == 1
	if single && in[0].Err != nil {
		return in[0].Err
	}
	l, err := opts.Ledger()
	if err != nil {
		return err
	}
	var recs []Record
	failed := bulk.Unreadable(in)
	for _, x := range in {
		if x.Err != nil {
			continue
		}
		events, err := ledger.History(ctx, l, x.Key, opts.FromSeq, opts.Limit)
		switch {
		case err != nil && single:
			return err
		case err != nil && gateway.CodeOf(err) == "":
			return err // the peer, not the item: stop
		case err != nil:
			failed = append(failed, bulk.FailedOf(x, err))
		default:
			recs = append(recs, Record{x.Key, events})
		}
	}
	if single {
		if opts.Format == cmdutil.FormatJSON {
			return cmdutil.PrintJSON(opts.IO.Out, recs[0])
		}
		return render.History(opts.IO.Out, recs[0].Events)
	}
	if recs == nil {
		recs = []Record{}
	}
	bulk.SortFailed(failed)
	if opts.Format == cmdutil.FormatJSON {
		err = cmdutil.PrintJSON(opts.IO.Out, struct {
			Histories []Record      `json:"histories"`
			Failed    []bulk.Failed `json:"failed"`
		}{recs, failed})
	} else {
		for _, r := range recs {
			fmt.Fprintf(opts.IO.Out, "Item %s\n", r.Item)
			if err := render.History(opts.IO.Out, r.Events); err != nil {
				return err
			}
			fmt.Fprintln(opts.IO.Out)
		}
		bulk.PrintFailed(opts.IO.Out, failed)
	}
	if err == nil && len(failed) > 0 {
		err = &cmdutil.SilentError{Code: cmdutil.ExitFailed}
	}
	return err
}

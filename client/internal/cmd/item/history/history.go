// Package history implements `prov item history`.
package history

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger"
	"github.com/provledger/provenance/client/internal/render"
)

// Options of item history.
type Options struct {
	IO      *cmdutil.IOStreams
	Ledger  func() (ledger.Ledger, error)
	Format  string
	ID      string
	FromSeq uint64
	Limit   int // 0: all events
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Ledger: f.Ledger}
	cmd := &cobra.Command{
		Use:   "history ID",
		Short: "Show an item's custody record",
		Long: `Show every custody event of an item, oldest first: registration, offers,
acceptances, holds, recalls, inspections. Each names its transaction, which
'prov verify' checks against the blocks.`,
		Example: `  prov item history 01/09506000134352/21/ABC123
  prov item history 01/09506000134352/21/ABC123 --from-seq 3 --limit 10 -o json`,
		Args: cmdutil.ExactArgs(1, "an item ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID, opts.Format = args[0], f.Output
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
	return cmd
}

// Run executes item history, following pages until the limit or the end.
func Run(ctx context.Context, opts *Options) error {
	id, err := cmdutil.ParseID(opts.ID)
	if err != nil {
		return err
	}
	l, err := opts.Ledger()
	if err != nil {
		return err
	}
	events := []domain.CustodyEvent{}
	from := opts.FromSeq
	for {
		page := domain.MaxPageSize
		if opts.Limit > 0 && opts.Limit-len(events) < page {
			page = opts.Limit - len(events)
		}
		b, err := l.Evaluate(ctx, "GetHistory", id.Key(), strconv.FormatUint(from, 10), strconv.Itoa(page))
		if err != nil {
			return err
		}
		var hp domain.HistoryPage
		if err := json.Unmarshal(b, &hp); err != nil {
			return fmt.Errorf("GetHistory returned unreadable JSON: %w", err)
		}
		events = append(events, hp.Events...)
		if hp.NextSeq == 0 || len(hp.Events) == 0 || (opts.Limit > 0 && len(events) >= opts.Limit) {
			break
		}
		from = hp.NextSeq
	}
	if opts.Format == cmdutil.FormatJSON {
		return cmdutil.PrintJSON(opts.IO.Out, struct {
			Item   string                `json:"item"`
			Events []domain.CustodyEvent `json:"events"`
		}{id.Key(), events})
	}
	return render.History(opts.IO.Out, events)
}

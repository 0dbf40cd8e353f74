// Package recall implements `prov item recall`.
package recall

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger"
	"github.com/provledger/provenance/client/internal/render"
)

// Options of item recall.
type Options struct {
	IO       *cmdutil.IOStreams
	Ledger   func() (gateway.Ledger, error)
	Format   string
	ID       string
	GTIN     string
	Lot      string
	Reason   string
	Withdraw bool
	Force    bool
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Ledger: f.Ledger}
	cmd := &cobra.Command{
		Use:   "recall {ID | --gtin GTIN [--lot LOT]} {--reason REASON | --withdraw}",
		Short: "Recall an item, a lot or a whole GTIN, or withdraw a recall (prefix owner's admin)",
		Long: `Recall one item, every item of a lot, or every item of a GTIN. Only an admin
of the organization that owns the GTIN's company prefix may recall (--user
admin). Recalled items can only be offered back to their brand owner or to a
customs organization. --withdraw lifts the recall (an admin of the org that
issued it; without it: prov org propose withdraw-recall).

A lot or GTIN recall first counts the registered items it covers (from the
ledger's GTIN/lot index) and says how many; a lot or GTIN with no
registered item is refused as a likely typo unless --force. prov recall
list shows the recalls in force.`,
		Example: `  prov item recall 01/09506000134352/21/ABC123 --reason "seal defect"
  prov item recall --gtin 09506000134352 --lot L42 --reason contamination
  prov item recall --gtin 09506000134352 --reason "product withdrawn"
  prov item recall --gtin 09506000134352 --lot L43 --reason "not yet registered" --force
  prov item recall --gtin 09506000134352 --lot L42 --withdraw --user admin`,
		Args: cmdutil.RangeArgs(0, 1, "one item ID, or --gtin"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Format = f.Output
			if len(args) == 1 {
				opts.ID = args[0]
			}
			if err := opts.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.GTIN, "gtin", "", "recall every item of this `GTIN`")
	cmd.Flags().StringVar(&opts.Lot, "lot", "", "with --gtin: recall only this `lot`")
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "why (required unless --withdraw)")
	cmd.Flags().BoolVar(&opts.Withdraw, "withdraw", false, "withdraw the recall instead")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "recall a lot or GTIN even when no registered item has it")
	return cmd
}

func (o *Options) check() error {
	switch {
	case o.ID == "" && o.GTIN == "":
		return cmdutil.Usagef("missing item ID or --gtin")
	case o.ID != "" && o.GTIN != "":
		return cmdutil.Usagef("give an item ID or --gtin, not both")
	case o.Lot != "" && o.GTIN == "":
		return cmdutil.Usagef("--lot needs --gtin")
	case o.Withdraw && o.Reason != "":
		return cmdutil.Usagef("--withdraw takes no --reason")
	case o.Withdraw:
		return nil
	}
	return cmdutil.Required("reason", o.Reason)
}

// Run executes item recall.
func Run(ctx context.Context, opts *Options) error {
	if opts.Withdraw {
		return withdraw(ctx, opts)
	}
	var fn, what, by, value string
	var args []string
	if opts.ID != "" {
		id, err := cmdutil.ParseID(opts.ID)
		if err != nil {
			return err
		}
		fn, what, args = "RecallItem", "item "+id.Key(), []string{id.Key(), opts.Reason}
	} else {
		g, err := cmdutil.ParseGTIN(opts.GTIN)
		if err != nil {
			return err
		}
		fn, what, args = "RecallLot", "GTIN "+g, []string{g, opts.Lot, opts.Reason}
		by, value = "gtin", g
		if opts.Lot != "" {
			what = fmt.Sprintf("lot %s of GTIN %s", opts.Lot, g)
			by, value = "lot", g+"/"+opts.Lot
		}
	}
	l, err := opts.Ledger()
	if err != nil {
		return err
	}
	covers := 1 // RecallItem refuses an unregistered item
	if by != "" {
		// Counted before, not inside, the transaction: a range read there
		// would make the recall conflict with every registration of the GTIN.
		if covers, err = ledger.CountItems(ctx, l, by, value); err != nil {
			return err
		}
		if covers == 0 && !opts.Force {
			return domain.Errorf(domain.CodeNotFound, "no registered item has %s; nothing recalled (a typo? --force recalls it anyway)", what)
		}
	}
	res, err := l.Submit(ctx, fn, args...)
	if err != nil {
		return err
	}
	var rc domain.Recall
	if err := json.Unmarshal(res.Payload, &rc); err != nil {
		return fmt.Errorf("%s returned unreadable JSON: %w", fn, err)
	}
	if opts.Format == cmdutil.FormatJSON {
		out := render.NewTxResult("recall", res, nil)
		out.Reason, out.Result = opts.Reason, rc
		return cmdutil.PrintJSON(opts.IO.Out, struct {
			render.TxResult
			Covers int `json:"covers"`
		}{out, covers})
	}
	fmt.Fprintf(opts.IO.Out, "Recalled %s: %s; covers %s (transaction %s, block %d)\n", what, opts.Reason,
		cmdutil.Plural(covers, "registered item"), res.TxID, res.Block)
	return nil
}

// withdraw lifts a recall: WithdrawRecall with the item's key or the
// lot/GTIN scope.
func withdraw(ctx context.Context, opts *Options) error {
	var scope string
	if opts.ID != "" {
		id, err := cmdutil.ParseID(opts.ID)
		if err != nil {
			return err
		}
		scope = id.Key()
	} else {
		g, err := cmdutil.ParseGTIN(opts.GTIN)
		if err != nil {
			return err
		}
		scope = "01/" + g
		if opts.Lot != "" {
			scope += "/10/" + opts.Lot
		}
	}
	l, err := opts.Ledger()
	if err != nil {
		return err
	}
	res, err := l.Submit(ctx, "WithdrawRecall", scope)
	if err != nil {
		return err
	}
	if opts.Format == cmdutil.FormatJSON {
		out := render.NewTxResult("recall-withdraw", res, nil)
		out.Result = string(res.Payload)
		return cmdutil.PrintJSON(opts.IO.Out, out)
	}
	fmt.Fprintf(opts.IO.Out, "Withdrew the recall of %s (transaction %s, block %d)\n", string(res.Payload), res.TxID, res.Block)
	return nil
}

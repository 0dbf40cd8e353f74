// Package recall implements `prov item recall`.
package recall

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/bulk"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger"
	"github.com/provledger/provenance/client/internal/render"
)

// Spec of item recall by IDs (arguments or --file): RecallItems with the
// custody batch semantics. A recall writes new keys only (the recall, the
// event), so batches stay large, as for holds.
var Spec = &bulk.Spec{
	Act: domain.ActRecallItem, Action: "recall", Past: "Recalled", Batch: domain.MaxBatch,
	Check: func(p *bulk.Params) error {
		return domain.ValidateText("--reason", p.Reason, true, domain.MaxReasonLen)
	},
	Call: func(p *bulk.Params) (string, []string) { return "RecallItems", []string{p.Reason} },
}

// Options of item recall.
type Options struct {
	cmdutil.Env
	// IDs are the items of a recall by IDs, with the bulk flags.
	IDs      bulk.Options
	GTIN     string
	Lot      string
	Reason   string
	Withdraw bool
	Force    bool
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IDs: bulk.Options{IO: f.IO, Ledger: f.Ledger, Spec: Spec}}
	cmd := &cobra.Command{
		Use:   "recall {ID... | --file FILE | --gtin GTIN [--lot LOT]} {--reason REASON | --withdraw}",
		Short: "Recall items, a lot or a whole GTIN, or withdraw a recall (prefix owner's admin)",
		Long: `Recall items, every item of a lot, or every item of a GTIN. Only an admin
of the organization that owns the GTIN's company prefix may recall (--user
admin). Recalled items can only be offered back to their brand owner or to a
customs organization. --withdraw lifts one recall (an item's, a lot's or a
GTIN's; an admin of the org that issued it; without it: prov org propose
withdraw-recall).

Items by ID (arguments, or --file) follow the custody batch semantics below:
items you recalled already are skipped.

A lot or GTIN recall first counts the registered items it covers (from the
ledger's GTIN/lot index) and says how many; a lot or GTIN with no
registered item is refused as a likely typo unless --force. prov recall
list shows the recalls in force.

` + bulk.Semantics,
		Example: `  prov item recall 01/09506000134352/21/ABC123 --reason "seal defect"
  prov item recall --file returns.txt --reason "seal defect"
  prov item recall --gtin 09506000134352 --lot L42 --reason contamination
  prov item recall --gtin 09506000134352 --reason "product withdrawn"
  prov item recall --gtin 09506000134352 --lot L43 --reason "not yet registered" --force
  prov item recall --gtin 09506000134352 --lot L42 --withdraw --user admin`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Env, opts.IDs.Format, opts.IDs.Args, opts.IDs.Params.Reason = f.Env(), f.Output, args, opts.Reason
			if err := opts.check(cmd); err != nil {
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
	bulk.AddFlags(cmd, &opts.IDs)
	return cmd
}

// byIDs tells a recall of items by ID (arguments or --file).
func (o *Options) byIDs() bool { return len(o.IDs.Args) > 0 || o.IDs.File != "" }

func (o *Options) check(cmd *cobra.Command) error {
	switch {
	case !o.byIDs() && o.GTIN == "":
		return cmdutil.Usagef("missing item IDs (arguments, or --file FILE) or --gtin")
	case o.byIDs() && o.GTIN != "":
		return cmdutil.Usagef("give item IDs or --gtin, not both")
	case o.Lot != "" && o.GTIN == "":
		return cmdutil.Usagef("--lot needs --gtin")
	case o.Withdraw && o.Reason != "":
		return cmdutil.Usagef("--withdraw takes no --reason")
	case o.Withdraw && (len(o.IDs.Args) > 1 || o.IDs.File != ""):
		return cmdutil.Usagef("--withdraw lifts one recall: one item ID or --gtin")
	}
	if !o.byIDs() || o.Withdraw {
		for _, name := range []string{"file", "batch-size", "fail-fast", "dry-run"} {
			if cmd.Flags().Changed(name) {
				return cmdutil.Usagef("--%s goes with a recall of item IDs", name)
			}
		}
	}
	if o.Withdraw {
		return nil
	}
	if err := cmdutil.Required("reason", o.Reason); err != nil {
		return err
	}
	if o.byIDs() {
		return o.IDs.Check()
	}
	return nil
}

// Run executes item recall.
func Run(ctx context.Context, opts *Options) error {
	switch {
	case opts.Withdraw:
		return withdraw(ctx, opts)
	case opts.byIDs():
		return bulk.Run(ctx, &opts.IDs)
	}
	g, err := cmdutil.ParseGTIN(opts.GTIN)
	if err != nil {
		return err
	}
	what, by, value := "GTIN "+g, "gtin", g
	if opts.Lot != "" {
		what, by, value = fmt.Sprintf("lot %s of GTIN %s", opts.Lot, g), "lot", g+"/"+opts.Lot
	}
	l, err := opts.Ledger()
	if err != nil {
		return err
	}
	// Counted before, not inside, the transaction: a range read there
	// would make the recall conflict with every registration of the GTIN.
	covers, err := ledger.CountItems(ctx, l, by, value)
	if err != nil {
		return err
	}
	if covers == 0 && !opts.Force {
		return domain.Errorf(domain.CodeNotFound, "no registered item has %s; nothing recalled (a typo? --force recalls it anyway)", what)
	}
	rc, res, err := ledger.Submit[domain.Recall](ctx, l, "RecallLot", g, opts.Lot, opts.Reason)
	if err != nil {
		return err
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
	if opts.byIDs() {
		id, err := cmdutil.ParseID(opts.IDs.Args[0])
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

// Package bulk is the one shape of every command that changes the custody
// of many items (offer, accept, reject, cancel, hold, release, report-stolen,
// decommission, recall by ID): IDs from arguments, --file or stdin; local
// checks; a ledger pre-read that skips settled items and fails impossible
// ones without a transaction; batches with a progress bar; refused batches
// split so the good items commit; one summary (table or JSON) that lists
// committed, skipped and failed items even when the run fails. A command is
// a Spec; client/README.md ("Bulk commands") documents the semantics.
package bulk

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// Spec describes one custody batch command.
type Spec struct {
	Use, Short, Long, Example string

	Act    domain.Act
	Action string // JSON "action" and the verb of "Would ... (dry run)"
	Past   string // "Offered"
	Batch  int    // default --batch-size

	// Flags adds the command's own flags (reason, note, recipient...).
	Flags func(cmd *cobra.Command, p *Params)
	// Check validates those flags before anything is read or sent: a usage
	// error (exit 2), or a refusal with the chaincode's code (exit 1).
	Check func(p *Params) error
	// Prepare completes the parameters from the ledger (e.g. resolves --to).
	Prepare func(ctx context.Context, l gateway.Ledger, p *Params) error
	// Call names the chaincode function and its arguments after the IDs.
	Call func(p *Params) (fn string, extra []string)
	// Suffix follows the count in the summary, e.g. " to DistributorMSP".
	Suffix func(p *Params) string
}

// Options of a custody batch command.
type Options struct {
	IO        *cmdutil.IOStreams
	Ledger    func() (gateway.Ledger, error)
	Format    string
	Spec      *Spec
	Args      []string
	File      string
	BatchSize int
	FailFast  bool
	DryRun    bool
	Params    Params
}

// NewCmd builds the command of spec; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, spec *Spec, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Ledger: f.Ledger, Spec: spec}
	cmd := &cobra.Command{
		Use:     spec.Use,
		Short:   spec.Short,
		Long:    spec.Long + "\n\n" + Semantics,
		Example: spec.Example,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args, opts.Format = args, f.Output
			if err := opts.Check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	if spec.Flags != nil {
		spec.Flags(cmd, &opts.Params)
	}
	AddFlags(cmd, opts)
	return cmd
}

// AddFlags adds the flags every custody batch command has (--file,
// --batch-size, --fail-fast, --dry-run), for a command that runs a Spec
// next to other modes (item recall: by IDs here, by lot elsewhere).
func AddFlags(cmd *cobra.Command, o *Options) {
	cmd.Flags().StringVarP(&o.File, "file", "f", "", "read item IDs from `FILE` (one per line, or CSV with an id or gtin,serial column; - for stdin)")
	cmdutil.BatchSizeFlag(cmd, &o.BatchSize, o.Spec.Batch)
	cmd.Flags().BoolVar(&o.FailFast, "fail-fast", false, "stop at the first refused batch instead of splitting it and going on")
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "check and read the items, print the plan, submit nothing")
}

// Check validates the command line before anything is read or sent: IDs
// given, --batch-size, then the Spec's own flags.
func (o *Options) Check() error {
	if len(o.Args) == 0 && o.File == "" {
		return cmdutil.Usagef("missing item IDs (arguments, or --file FILE, - for stdin)")
	}
	if err := cmdutil.CheckBatchSize(o.BatchSize); err != nil {
		return err
	}
	if o.Spec.Check != nil {
		return o.Spec.Check(&o.Params)
	}
	return nil
}

// Semantics is the help text every custody batch command shares.
const Semantics = `IDs come as arguments, or from --file FILE (--file - reads stdin). Every ID
is checked locally, then the items are read from the ledger: items already
in the target state are skipped (a re-run is safe), items that cannot change
fail with the reason and cost no transaction. The rest go in batches of
--batch-size; a refused batch is split so that its good items still commit,
and the run goes on (--fail-fast stops it). The summary lists what committed,
what was skipped and what failed (with file lines), also with -o json and on
failure; any failed item gives exit 1. --dry-run submits nothing.`

// Run executes a custody batch command.
func Run(ctx context.Context, o *Options) error {
	spec := o.Spec
	in, err := ReadInputs(o.Args, o.File, o.IO.In)
	if err != nil {
		return err
	}
	l, err := o.Ledger()
	if err != nil {
		return err
	}
	if spec.Prepare != nil {
		if err := spec.Prepare(ctx, l, &o.Params); err != nil {
			return err
		}
	}
	plan, err := MakePlan(ctx, l, spec.Act, o.Params, in)
	if err != nil {
		return err
	}
	res := newResult(spec.Action, o.Params)
	res.Skipped = append(res.Skipped, plan.Skipped...)
	res.Failed = append(res.Failed, plan.Failed...)
	var fatal error
	if o.DryRun {
		res.DryRun, res.Planned = true, []string{}
		for _, x := range plan.Todo {
			res.Planned = append(res.Planned, x.Key)
		}
	} else if len(plan.Todo) > 0 {
		fn, extra := spec.Call(&o.Params)
		bar := NewProgress(o.IO.ErrOut, o.IO.StderrTTY && o.Format != cmdutil.FormatJSON, len(plan.Todo))
		sub := &Submitter{L: l, Fn: fn, Extra: extra, Size: o.BatchSize, FailFast: o.FailFast, Bar: bar}
		fatal = sub.Execute(ctx, plan.Todo, res)
		bar.Done()
	}
	res.sortLists()
	if o.File == "" && len(in) == 1 && len(res.Transactions) == 0 {
		// one ID: its refusal is the command's error, as for any single act
		if fatal != nil {
			return fatal
		}
		if len(res.Failed) == 1 && res.Failed[0].err != nil {
			return res.Failed[0].err
		}
	}
	if o.Format == cmdutil.FormatJSON {
		if err := cmdutil.PrintJSON(o.IO.Out, res); err != nil {
			return err
		}
	} else {
		suffix := ""
		if spec.Suffix != nil {
			suffix = spec.Suffix(&o.Params)
		}
		res.Print(o.IO.Out, spec.Past, spec.Action, suffix)
	}
	if fatal != nil {
		return fatal
	}
	if len(res.Failed) > 0 {
		return &cmdutil.SilentError{Code: cmdutil.ExitFailed}
	}
	return nil
}

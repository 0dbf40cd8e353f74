// Package respond implements `prov transfer accept|reject|cancel`: the
// three answers to an offer share their shape.
package respond

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger"
)

// Verb is one of the answers.
type Verb struct {
	Name  string // accept
	Fn    string // AcceptTransfer
	Past  string // Accepted
	Short string
	Long  string
}

// Verbs of transfer.
var (
	Accept = Verb{"accept", "AcceptTransfer", "Accepted", "Accept items offered to your organization",
		"Accept items offered to your organization; custody passes to you."}
	Reject = Verb{"reject", "RejectTransfer", "Rejected", "Reject items offered to your organization",
		"Reject items offered to your organization; they return to the offerer."}
	Cancel = Verb{"cancel", "CancelTransfer", "Cancelled", "Cancel your organization's pending offers",
		"Cancel offers your organization made that are not yet accepted or rejected."}
)

// Options of transfer accept/reject/cancel.
type Options struct {
	IO        *cmdutil.IOStreams
	Ledger    func() (ledger.Ledger, error)
	Format    string
	Verb      Verb
	IDs       []string
	BatchSize int
}

// NewCmd builds the command for verb; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, verb Verb, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Ledger: f.Ledger, Verb: verb}
	cmd := &cobra.Command{
		Use:     verb.Name + " ID...",
		Short:   verb.Short,
		Long:    verb.Long,
		Example: "  prov transfer " + verb.Name + " 01/09506000134352/21/ABC123\n  prov transfer " + verb.Name + " 01/09506000134352/21/A1 01/09506000134352/21/A2 -o json",
		Args:    cmdutil.MinArgs(1, "item IDs"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.IDs, opts.Format = args, f.Output
			if err := cmdutil.CheckBatchSize(opts.BatchSize); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmdutil.BatchSizeFlag(cmd, &opts.BatchSize, cmdutil.CustodyBatch)
	return cmd
}

// Run executes the answer.
func Run(ctx context.Context, opts *Options) error {
	ids, err := cmdutil.CanonicalIDs(opts.IDs)
	if err != nil {
		return err
	}
	l, err := opts.Ledger()
	if err != nil {
		return err
	}
	done, err := cmdutil.SubmitIDs(ctx, l, opts.Verb.Fn, ids, opts.BatchSize)
	return cmdutil.ReportBatches(opts.IO, opts.Format, cmdutil.BatchResult{Action: strings.ToLower(opts.Verb.Name), Transactions: done}, err, opts.Verb.Past, "")
}

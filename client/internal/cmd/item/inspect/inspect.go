// Package inspect implements `prov item inspect`.
package inspect

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/bulk"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/idfile"
	"github.com/provledger/provenance/client/internal/render"
)

// Results the chaincode accepts.
var Results = []string{"match", "mismatch", "suspect"}

// Options of item inspect.
type Options struct {
	cmdutil.Env
	IDs       []string
	File      string
	BatchSize int
	Location  string
	Result    string
	Note      string
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "inspect ID... | --file FILE|- --location GLN --result RESULT",
		Short: "Record a physical inspection of items",
		Long: `Record that the item was inspected at a location (a 13-digit GS1 GLN) and
what was found: match, mismatch or suspect, with an optional --note
(evidence reference). Any member organization may record an inspection, of
a registered item or of an unregistered ID (a suspected counterfeit). It is
a sighting on a key of its own: it does not change custody, is not part of
the item's history and never conflicts with a shipment.

Many IDs (arguments, or --file: one per line or CSV with an id or
gtin,serial column, - for stdin) are recorded with one location, result
and note, --batch-size per transaction. Every ID is checked first: a bad
line is reported with its line number and nothing is recorded.`,
		Example: `  prov item inspect 01/09506000134352/21/ABC123 --location 9506000000015 --result match
  prov item inspect --file seized.txt --location 9506000000015 --result mismatch --note "case 2026-118" -p customs`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.IDs, opts.Env = args, f.Env()
			if (len(args) == 0) == (opts.File == "") {
				return cmdutil.Usagef("give item IDs or --file, one of them")
			}
			if err := cmdutil.CheckBatchSize(opts.BatchSize); err != nil {
				return err
			}
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
	cmd.Flags().StringVar(&opts.File, "file", "", "read the IDs from `FILE` (- for stdin)")
	cmdutil.BatchSizeFlag(cmd, &opts.BatchSize, domain.MaxBatch)
	_ = cmd.RegisterFlagCompletionFunc("result", cmdutil.FixedCompletion(Results...))
	return cmd
}

// Run executes item inspect.
func Run(ctx context.Context, opts *Options) error {
	keys, err := readIDs(opts)
	if err != nil {
		return err
	}
	gln, err := domain.ParseGLN(opts.Location)
	if err != nil {
		return err
	}
	if len(keys) > 1 || opts.File != "" {
		l, err := opts.Ledger()
		if err != nil {
			return err
		}
		done, err := bulk.SubmitChunks(ctx, l, "RecordSightings", keys, opts.BatchSize, func(ids string) []string {
			return []string{ids, gln, opts.Result, opts.Note}
		})
		return bulk.ReportCommitted(opts.IO, opts.Format, "inspect", bulk.Params{Note: opts.Note}, done, err,
			"Recorded inspections ("+opts.Result+" at "+gln+") of", "")
	}
	act := render.Act[domain.Sighting]{Action: "inspect", Items: keys, Headline: func(*domain.Sighting) string {
		return fmt.Sprintf("Recorded inspection of %s at %s: %s", keys[0], gln, opts.Result)
	}}
	return act.Submit(ctx, opts.Env, "RecordSighting", keys[0], gln, opts.Result, opts.Note)
}

// readIDs parses every ID (arguments or --file) before anything is sent:
// every bad line is named, and nothing is recorded.
func readIDs(opts *Options) ([]string, error) {
	if opts.File == "" {
		return cmdutil.CanonicalIDs(opts.IDs)
	}
	rows, err := idfile.ReadFile(opts.File, opts.IO.In, idfile.Options{})
	if err != nil {
		return nil, err
	}
	var keys, bad []string
	seen := map[string]int{}
	for _, r := range rows {
		if r.Err == nil {
			var id domain.Identifier
			if id, err = cmdutil.ParseID(r.ID); err == nil {
				if l, dup := seen[id.Key()]; dup {
					err = fmt.Errorf("duplicate of line %d", l)
				} else {
					seen[id.Key()] = r.Line
					keys = append(keys, id.Key())
					continue
				}
			}
			r.Err = err
		}
		bad = append(bad, fmt.Sprintf("  line %d: %s: %v", r.Line, r.ID, r.Err))
	}
	if len(bad) > 0 {
		return nil, domain.Errorf(domain.CodeInvalidArgument, "%s in %s, nothing recorded:\n%s", cmdutil.Plural(len(bad), "bad line"), opts.File, strings.Join(bad, "\n"))
	}
	return keys, nil
}

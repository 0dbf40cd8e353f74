// Package show implements `prov prefix show`.
package show

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/render"
)

// Options of prefix show.
type Options struct {
	IO     *cmdutil.IOStreams
	Ledger func() (gateway.Ledger, error)
	Format string
	Prefix string
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Ledger: f.Ledger}
	return &cobra.Command{
		Use:     "show PREFIX",
		Short:   "Show a prefix claim and its votes",
		Example: `  prov prefix show 9506000`,
		Args:    cmdutil.ExactArgs(1, "a company prefix"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Prefix, opts.Format = args[0], f.Output
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Run executes prefix show.
func Run(ctx context.Context, opts *Options) error {
	if err := domain.ValidateCompanyPrefix(opts.Prefix); err != nil {
		return err
	}
	l, err := opts.Ledger()
	if err != nil {
		return err
	}
	b, err := l.Evaluate(ctx, "GetPrefix", opts.Prefix)
	if err != nil {
		return err
	}
	var p domain.Prefix
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("GetPrefix returned unreadable JSON: %w", err)
	}
	if opts.Format == cmdutil.FormatJSON {
		return cmdutil.PrintJSON(opts.IO.Out, p)
	}
	return render.Prefix(opts.IO.Out, &p)
}

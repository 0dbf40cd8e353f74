// Package show implements `prov prefix show`.
package show

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/render"
)

// Options of prefix show.
type Options struct {
	cmdutil.Env
	Prefix string
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	return &cobra.Command{
		Use:     "show PREFIX",
		Short:   "Show a prefix claim and its votes",
		Example: `  prov prefix show 9506000`,
		Args:    cmdutil.ExactArgs(1, "a company prefix"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Prefix, opts.Env = args[0], f.Env()
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
	return render.Query(ctx, opts.Env, render.Prefix, "GetPrefix", opts.Prefix)
}

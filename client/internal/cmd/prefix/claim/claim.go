// Package claim implements `prov prefix claim`.
package claim

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmd/prefix/shared"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// Options of prefix claim.
type Options struct {
	cmdutil.Env
	Prefix  string
	Licence string
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "claim PREFIX --licence REF",
		Short: "Claim a GS1 company prefix (manufacturer admin)",
		Long: `Claim a GS1 company prefix (6 to 12 digits) for your organization, citing
its GS1 licence. The claim is PENDING until a majority of the member
organizations approve it (yours counts); only then can you register items
whose GTINs start with it. Needs an admin identity: --user admin.`,
		Example: `  prov prefix claim 9506000 --licence GS1-SE-2024-0042 --user admin`,
		Args:    cmdutil.ExactArgs(1, "a company prefix"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Prefix, opts.Env = args[0], f.Env()
			if err := cmdutil.Required("licence", opts.Licence); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Licence, "licence", "", "GS1 licence reference (required)")
	cmd.Flags().StringVar(&opts.Licence, "license", "", "alias of --licence")
	_ = cmd.Flags().MarkHidden("license")
	return cmd
}

// Run executes prefix claim.
func Run(ctx context.Context, opts *Options) error {
	if err := domain.ValidateCompanyPrefix(opts.Prefix); err != nil {
		return err
	}
	// The chaincode refuses it too; refusing here spares a round trip.
	if err := domain.CheckCompanyPrefixIssuable(opts.Prefix); err != nil {
		return err
	}
	return shared.Act("claim", "Claimed").Submit(ctx, opts.Env, "ClaimPrefix", opts.Prefix, opts.Licence)
}

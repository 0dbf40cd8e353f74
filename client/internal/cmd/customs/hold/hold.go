// Package hold implements `prov customs hold`.
package hold

import (
	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/bulk"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// Spec of customs hold. Holds write only new keys, so batches stay large.
var Spec = &bulk.Spec{
	Use:   "hold {ID... | --file FILE} --reason REASON",
	Short: "Put items on customs hold (customs)",
	Long: `Put items on hold. Held items cannot be offered or accepted until customs
releases them. Only the customs organization may hold and release.`,
	Example: `  prov customs hold 01/09506000134352/21/ABC123 --reason "documents missing"
  prov customs hold --file container-7.csv --reason "x-ray anomaly"`,
	Act: domain.ActHold, Action: "hold", Past: "Held", Batch: domain.MaxBatch,
	Flags: func(cmd *cobra.Command, p *bulk.Params) {
		cmd.Flags().StringVar(&p.Reason, "reason", "", "why (required)")
	},
	Check: func(p *bulk.Params) error {
		if err := cmdutil.Required("reason", p.Reason); err != nil {
			return err
		}
		return domain.ValidateText("--reason", p.Reason, true, domain.MaxReasonLen)
	},
	Call: func(p *bulk.Params) (string, []string) { return "HoldItems", []string{p.Reason} },
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*bulk.Options) error) *cobra.Command {
	return bulk.NewCmd(f, Spec, runF)
}

// Package decommission implements `prov item decommission`.
package decommission

import (
	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/bulk"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// Spec of item decommission.
var Spec = &bulk.Spec{
	Use:   "decommission {ID... | --file FILE} --reason REASON",
	Short: "Take items you hold out of circulation",
	Long: `Decommission items your organization holds. This is final. REASON is one
of dispensed, destroyed, exported, retail_sold; --note adds free text.`,
	Example: `  prov item decommission 01/09506000134352/21/ABC123 --reason dispensed
  prov item decommission --file expired.csv --reason destroyed --note "incinerated, certificate 88-12"`,
	Act: domain.ActDecommission, Action: "decommission", Past: "Decommissioned", Batch: cmdutil.CustodyBatch,
	Flags: func(cmd *cobra.Command, p *bulk.Params) {
		cmd.Flags().StringVar(&p.Reason, "reason", "", "dispensed, destroyed, exported or retail_sold (required)")
		cmd.Flags().StringVar(&p.Note, "note", "", "free text stored on each event")
		_ = cmd.RegisterFlagCompletionFunc("reason", cmdutil.FixedCompletion(domain.DecommissionReasons()...))
	},
	Check: func(p *bulk.Params) error {
		if err := cmdutil.Required("reason", p.Reason); err != nil {
			return err
		}
		if err := domain.ValidateDecommissionReason(p.Reason); err != nil {
			return err
		}
		return domain.ValidateText("--note", p.Note, false, domain.MaxNoteLen)
	},
	Call:   func(p *bulk.Params) (string, []string) { return "DecommissionItems", []string{p.Reason, p.Note} },
	Suffix: func(p *bulk.Params) string { return ": " + p.Reason },
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*bulk.Options) error) *cobra.Command {
	return bulk.NewCmd(f, Spec, runF)
}

// Package stolen implements `prov item report-stolen`.
package stolen

import (
	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/bulk"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// Spec of item report-stolen.
var Spec = &bulk.Spec{
	Use:   "report-stolen {ID... | --file FILE} [--reference REF]",
	Short: "Report items you hold as stolen",
	Long: `Mark items your organization holds as STOLEN. Stolen items cannot be offered.
--reference (the police report's reference) is stored on each event.`,
	Example: `  prov item report-stolen 01/09506000134352/21/ABC123 --reference "POL-2026-4711"
  prov item report-stolen --file truck-12.txt --reference "POL-2026-4711"`,
	Act: domain.ActReportStolen, Action: "report-stolen", Past: "Reported stolen", Batch: cmdutil.CustodyBatch,
	Flags: func(cmd *cobra.Command, p *bulk.Params) {
		cmd.Flags().StringVar(&p.Note, "reference", "", "police reference or other note, stored on each event")
	},
	Check: func(p *bulk.Params) error {
		return domain.ValidateText("--reference", p.Note, false, domain.MaxNoteLen)
	},
	Call: func(p *bulk.Params) (string, []string) { return "ReportStolenItems", []string{p.Note} },
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*bulk.Options) error) *cobra.Command {
	return bulk.NewCmd(f, Spec, runF)
}

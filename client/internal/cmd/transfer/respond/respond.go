// Package respond implements `prov transfer accept|reject|cancel`: the
// three answers to an offer share their shape.
package respond

import (
	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/bulk"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// Verbs of transfer.
var (
	Accept = spec("accept", domain.ActAccept, "AcceptTransfer", "Accepted", "Accept items offered to your organization",
		"Accept items offered to your organization; custody passes to you.", false)
	Reject = spec("reject", domain.ActReject, "RejectTransfer", "Rejected", "Reject items offered to your organization",
		"Reject items offered to your organization; they return to the offerer.", true)
	Cancel = spec("cancel", domain.ActCancel, "CancelTransfer", "Cancelled", "Cancel your organization's pending offers",
		"Cancel offers your organization made that are not yet accepted or rejected.", true)
)

// spec builds an answer; with note it takes --note, sent through the
// chaincode's ...WithNote function (the old one without a note stays).
func spec(name string, act domain.Act, fn, past, short, long string, note bool) *bulk.Spec {
	s := &bulk.Spec{
		Use: name + " {ID... | --file FILE}", Short: short, Long: long,
		Example: "  prov transfer " + name + " 01/09506000134352/21/ABC123\n  prov transfer " + name +
			" 01/09506000134352/21/A1 01/09506000134352/21/A2 -o json\n  prov transfer " + name + " --file shipment.txt",
		Act: act, Action: name, Past: past, Batch: cmdutil.CustodyBatch,
		Call: func(p *bulk.Params) (string, []string) {
			if p.Note != "" {
				return fn + "WithNote", []string{p.Note}
			}
			return fn, nil
		},
	}
	if note {
		s.Example += "\n  prov transfer " + name + " 01/09506000134352/21/A1 --note \"seal broken\""
		s.Flags = func(cmd *cobra.Command, p *bulk.Params) {
			cmd.Flags().StringVar(&p.Note, "note", "", "why, stored on each event (free text)")
		}
		s.Check = func(p *bulk.Params) error { return domain.ValidateText("--note", p.Note, false, domain.MaxNoteLen) }
	}
	return s
}

// NewCmd builds the command for verb; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, verb *bulk.Spec, runF func(*bulk.Options) error) *cobra.Command {
	return bulk.NewCmd(f, verb, runF)
}

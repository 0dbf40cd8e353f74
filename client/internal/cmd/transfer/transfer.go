// Package transfer groups the `prov transfer` commands.
package transfer

import (
	"github.com/spf13/cobra"

	"github.com/provledger/provenance/client/internal/cmd/transfer/offer"
	"github.com/provledger/provenance/client/internal/cmd/transfer/respond"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// NewCmd builds `prov transfer`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "transfer <command>",
		Short: "Hand items over between organizations",
		Long: `Custody changes in two steps: the holder offers, the recipient accepts (or
rejects). The holder may cancel an offer until it is answered.`,
		Example: `  prov transfer offer 01/09506000134352/21/A1 --to distributor -p manufacturer
  prov item list --offered-to me -p distributor
  prov transfer accept 01/09506000134352/21/A1 -p distributor
  prov transfer cancel 01/09506000134352/21/A1 -p manufacturer`,
		RunE: cmdutil.GroupRunE,
	}
	cmd.AddCommand(
		offer.NewCmd(f, nil),
		respond.NewCmd(f, respond.Accept, nil),
		respond.NewCmd(f, respond.Reject, nil),
		respond.NewCmd(f, respond.Cancel, nil),
	)
	return cmd
}

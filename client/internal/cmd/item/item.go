// Package item groups the `prov item` commands.
package item

import (
	"github.com/spf13/cobra"

	"github.com/provledger/provenance/client/internal/cmd/item/decommission"
	"github.com/provledger/provenance/client/internal/cmd/item/history"
	"github.com/provledger/provenance/client/internal/cmd/item/inspect"
	"github.com/provledger/provenance/client/internal/cmd/item/list"
	"github.com/provledger/provenance/client/internal/cmd/item/recall"
	"github.com/provledger/provenance/client/internal/cmd/item/register"
	"github.com/provledger/provenance/client/internal/cmd/item/repair"
	"github.com/provledger/provenance/client/internal/cmd/item/show"
	"github.com/provledger/provenance/client/internal/cmd/item/stolen"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// NewCmd builds `prov item`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "item <command>",
		Short: "Register, look up and change items",
		Long: `Work with serialized items. An item is a GTIN plus a serial number; every
command takes any spelling of it: a GS1 Digital Link
(https://id.gs1.org/01/09506000134352/21/ABC123), an element string
((01)09506000134352(21)ABC123), an EPC URI (urn:epc:id:sgtin:...) or the
canonical key 01/09506000134352/21/ABC123.`,
		Example: `  prov item register --file items.csv -p manufacturer
  prov item show 01/09506000134352/21/ABC123
  prov item history 01/09506000134352/21/ABC123
  prov item list --offered-to me -p distributor
  prov item recall --gtin 09506000134352 --lot L42 --reason contamination -p manufacturer -u admin`,
		RunE: cmdutil.GroupRunE,
	}
	cmd.AddCommand(
		register.NewCmd(f, nil),
		show.NewCmd(f, nil),
		history.NewCmd(f, nil),
		list.NewCmd(f, nil),
		recall.NewCmd(f, nil),
		stolen.NewCmd(f, nil),
		decommission.NewCmd(f, nil),
		inspect.NewCmd(f, nil),
		repair.NewCmd(f, nil),
	)
	return cmd
}

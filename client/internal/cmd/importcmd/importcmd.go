// Package importcmd groups the `prov import` commands.
package importcmd

import (
	"github.com/spf13/cobra"

	"github.com/provledger/provenance/client/internal/cmd/importcmd/epcis"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// NewCmd builds `prov import`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import <format>",
		Short: "Apply a standard document's events to the ledger",
		Example: `  prov import epcis events.jsonld --dry-run
  prov -p manufacturer import epcis events.jsonld`,
		RunE: cmdutil.GroupRunE,
	}
	cmd.AddCommand(epcis.NewCmd(f, nil))
	return cmd
}

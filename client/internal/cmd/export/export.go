// Package export groups the `prov export` commands.
package export

import (
	"github.com/spf13/cobra"

	"github.com/provledger/provenance/client/internal/cmd/export/epcis"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// NewCmd builds `prov export`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export <format>",
		Short: "Write items' records in a standard format",
		Example: `  prov export epcis 01/09506000134352/21/A1 -o story.jsonld
  prov export epcis --gtin 09506000134352 --lot L42 --party-map parties.json`,
		RunE: cmdutil.GroupRunE,
	}
	cmd.AddCommand(epcis.NewCmd(f, nil))
	return cmd
}

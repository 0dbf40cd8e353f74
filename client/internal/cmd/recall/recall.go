// Package recall groups the `prov recall` commands. Recalling is a change to
// items (`prov item recall`); the recalls in force are a record of their own,
// listed like prefixes and proposals: a noun with a list verb.
package recall

import (
	"github.com/spf13/cobra"

	"github.com/provledger/provenance/client/internal/cmd/recall/list"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// NewCmd builds `prov recall`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "recall <command>",
		Short: "See the recalls in force",
		Long: `A recall covers one item, a lot or a whole GTIN; it is issued and withdrawn
with prov item recall (an admin of the GTIN's prefix owner). prov recall
list shows every recall in force; prov item list --recalled lists the
items they cover.`,
		Example: `  prov recall list
  prov recall list --count -o json
  prov item recall --gtin 09506000134352 --lot L42 --reason contamination -u admin`,
		RunE: cmdutil.GroupRunE,
	}
	cmd.AddCommand(list.NewCmd(f, nil))
	return cmd
}

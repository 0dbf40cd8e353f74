// Package customs groups the `prov customs` commands.
package customs

import (
	"github.com/spf13/cobra"

	"github.com/provledger/provenance/client/internal/cmd/customs/hold"
	"github.com/provledger/provenance/client/internal/cmd/customs/release"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// NewCmd builds `prov customs`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "customs <command>",
		Short: "Hold and release items (customs)",
		Example: `  prov customs hold 01/09506000134352/21/ABC123 --reason "documents missing" -p customs
  prov item list --held=me -p customs
  prov customs release 01/09506000134352/21/ABC123 -p customs`,
		RunE: cmdutil.GroupRunE,
	}
	cmd.AddCommand(hold.NewCmd(f, nil), release.NewCmd(f, nil))
	return cmd
}

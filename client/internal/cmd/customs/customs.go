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
		RunE:  cmdutil.GroupRunE,
	}
	cmd.AddCommand(hold.NewCmd(f, nil), release.NewCmd(f, nil))
	return cmd
}

// Package events groups the `prov events` commands.
package events

import (
	"github.com/spf13/cobra"

	"github.com/provledger/provenance/client/internal/cmd/events/watch"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// NewCmd builds `prov events`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "events <command>",
		Short: "Follow the ledger's custody events",
		Example: `  prov events watch
  prov events watch --from-block 0 --type RECALLED -o json
  prov events watch --org me --checkpoint ~/.prov-events.json`,
		RunE: cmdutil.GroupRunE,
	}
	cmd.AddCommand(watch.NewCmd(f, nil))
	return cmd
}

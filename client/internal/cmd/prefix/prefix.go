// Package prefix groups the `prov prefix` commands.
package prefix

import (
	"github.com/spf13/cobra"

	"github.com/provledger/provenance/client/internal/cmd/prefix/claim"
	"github.com/provledger/provenance/client/internal/cmd/prefix/list"
	"github.com/provledger/provenance/client/internal/cmd/prefix/reopen"
	"github.com/provledger/provenance/client/internal/cmd/prefix/show"
	"github.com/provledger/provenance/client/internal/cmd/prefix/vote"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// NewCmd builds `prov prefix`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "prefix <command>",
		Short: "Govern GS1 company prefixes",
		Long: `A manufacturer may register items only under a GS1 company prefix it has
claimed and the member organizations have approved by majority. A pending
claim expires after 30 days; an organization whose claim was rejected or whose
prefix was revoked may claim it again only after a majority reopens it.`,
		Example: `  prov prefix claim 9506000 --licence GS1-SE-2024-0042 -p manufacturer -u admin
  prov prefix approve 9506000 -p distributor -u admin
  prov prefix list --status PENDING`,
		RunE: cmdutil.GroupRunE,
	}
	cmd.AddCommand(
		claim.NewCmd(f, nil),
		vote.NewCmd(f, vote.Approve, nil),
		vote.NewCmd(f, vote.Reject, nil),
		vote.NewCmd(f, vote.Revoke, nil),
		reopen.NewCmd(f, nil),
		show.NewCmd(f, nil),
		list.NewCmd(f, nil),
	)
	return cmd
}

// Package org groups the `prov org` commands: the organizations, their
// roles, and the majority proposals that govern them.
package org

import (
	"github.com/spf13/cobra"

	"github.com/provledger/provenance/client/internal/cmd/org/list"
	"github.com/provledger/provenance/client/internal/cmd/org/propose"
	"github.com/provledger/provenance/client/internal/cmd/org/vote"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// NewCmd builds `prov org`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "org <command>",
		Short: "Organizations, their roles and majority proposals",
		Long: `Membership is governed on the ledger: the first role set, adding an
organization with a role, changing a role and removing an organization
each take effect only when admins of a majority of the voting
organizations have approved the proposal, one vote per organization.`,
		Example: `  prov org list
  prov org propose add-org WholesalerMSP --role distributor -p manufacturer -u admin
  prov org approve 3f2a…c9 -p distributor -u admin`,
		RunE: cmdutil.GroupRunE,
	}
	cmd.AddCommand(
		list.NewCmd(f, nil),
		propose.NewCmd(f, nil),
		vote.NewCmd(f, vote.Approve, nil),
		vote.NewCmd(f, vote.Reject, nil),
		vote.NewShowCmd(f, nil),
	)
	return cmd
}

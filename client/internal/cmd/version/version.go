// Package version implements `prov version`.
package version

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/client/internal/build"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// NewCmd builds the command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Show prov's version",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			info := build.Read()
			if f.Output == cmdutil.FormatJSON {
				return cmdutil.PrintJSON(f.IO.Out, info)
			}
			commit := info.Commit
			if len(commit) > 12 {
				commit = commit[:12]
			}
			if commit != "" && info.Modified {
				commit += "+dirty"
			}
			fmt.Fprintf(f.IO.Out, "prov %s\n", info.Version)
			return cmdutil.KV(f.IO.Out, "commit", commit, "go", info.GoVersion, "fabric-gateway", info.FabricGateway, "platform", info.Platform)
		},
	}
}

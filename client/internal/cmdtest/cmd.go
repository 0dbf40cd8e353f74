// Package cmdtest runs commands in tests.
package cmdtest

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// Exec runs cmd with argv, discarding cobra's own output.
func Exec(cmd *cobra.Command, argv ...string) error {
	cmd.SetArgs(argv)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceErrors = true
	cmd.SilenceUsage = true
	return cmd.ExecuteContext(context.Background())
}

// Factory returns a factory whose ledger is l, with test streams.
func Factory(l gateway.Ledger) (*cmdutil.Factory, *cmdutil.IOStreams) {
	ios, _, _, _ := cmdutil.Test()
	f := &cmdutil.Factory{IO: ios, Output: cmdutil.FormatTable, Getenv: func(string) string { return "" }}
	f.Ledger = func() (gateway.Ledger, error) { return l, nil }
	return f, ios
}

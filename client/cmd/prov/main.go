// Command prov is the provenance ledger's command-line client. See
// client/README.md or `prov --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/provledger/provenance/client/internal/cmd/root"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

func main() {
	os.Exit(run())
}

func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f := cmdutil.New(cmdutil.System())
	defer f.Close()
	cmd := root.NewCmd(f)
	executed, err := cmd.ExecuteContextC(ctx)
	if err != nil {
		root.PrintError(f.IO.ErrOut, executed, err)
	}
	return cmdutil.ExitCode(err)
}

// Command prov is the provenance ledger's command-line client. See
// client/README.md or `prov --help`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/provledger/provenance/client/internal/cmd/root"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

func main() {
	os.Exit(run())
}

func run() int {
	// PROV_CPUPROFILE=FILE writes a CPU profile of this run (go tool pprof),
	// for benchmarks of prov itself.
	if path := os.Getenv("PROV_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "PROV_CPUPROFILE:", err)
			return 1
		}
		defer func() { pprof.StopCPUProfile(); _ = f.Close() }()
	}
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

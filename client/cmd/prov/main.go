// Command prov is the provenance ledger's command-line client.
package main

import (
	"fmt"
	"os"

	_ "github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/spf13/cobra"
)

func main() {
	root := &cobra.Command{Use: "prov", Short: "Provenance ledger client", SilenceUsage: true}
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// Command provenance runs the provenance chaincode as an external service
// (chaincode-as-a-service): the peer dials this process over TLS.
package main

import (
	"fmt"
	"os"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/provledger/provenance/chaincode/ccserver"
	"github.com/provledger/provenance/chaincode/contract"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "provenance chaincode:", err)
		os.Exit(1)
	}
}

func run() error {
	cc, err := contractapi.NewChaincode(contract.New())
	if err != nil {
		return fmt.Errorf("create chaincode: %w", err)
	}
	return ccserver.Run(cc)
}

// Package contract implements the provenance smart contract.
package contract

import "github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

// Contract is the provenance contract; its methods are the chaincode's
// transactions.
type Contract struct {
	contractapi.Contract
}

// New returns the contract with its name and metadata set.
func New() *Contract {
	c := &Contract{}
	c.Name = "provenance"
	return c
}

// Ping answers "pong"; it lets the network scripts check a deployed chaincode.
func (c *Contract) Ping(ctx contractapi.TransactionContextInterface) (string, error) {
	return "pong", nil
}

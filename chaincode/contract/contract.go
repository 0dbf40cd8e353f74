// Package contract implements the provenance smart contract: serialized
// items, governed GS1 company prefixes, two-phase custody transfer, holds,
// recalls and inspections, with per-item state-based endorsement.
//
// Every transaction reads and validates everything first and writes only
// when nothing is refused, so a refusal (a *domain.Error, "CODE: message")
// writes nothing. Nothing here may depend on the endorsing peer beyond the
// endorsing-peer check, which can only refuse: two genuine peers must
// produce identical read/write sets.
package contract

import (
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
)

// Contract is the provenance contract; its exported methods are the
// chaincode's transactions (contract-api lists them in the metadata).
type Contract struct {
	contractapi.Contract
	peerMSP func() (string, error)
}

// Option configures a Contract.
type Option func(*Contract)

// WithPeerMSP replaces the function that tells the MSP ID of the peer this
// chaincode endorses for (default shim.GetMSPID, from CORE_PEER_LOCALMSPID).
// Tests use it to play a peer of a given organization.
func WithPeerMSP(f func() (string, error)) Option {
	return func(c *Contract) { c.peerMSP = f }
}

// New returns the contract with its name and metadata set.
func New(opts ...Option) *Contract {
	c := &Contract{peerMSP: shim.GetMSPID}
	c.Name = "provenance"
	c.Info.Title = "provenance"
	c.Info.Description = "Serialized-item provenance: GS1 items, governed company prefixes, two-phase custody"
	c.Info.Version = "1.0.0"
	for _, o := range opts {
		o(c)
	}
	return c
}

// Ping answers "pong"; it lets the network scripts check a deployed chaincode.
func (c *Contract) Ping(ctx contractapi.TransactionContextInterface) (string, error) {
	return "pong", nil
}

// GetEvaluateTransactions tags the queries as "evaluate" in the metadata.
func (c *Contract) GetEvaluateTransactions() []string {
	return []string{"Ping", "GetOrgRoles", "GetPrefix", "ListPrefixes", "GetItem", "GetItems",
		"GetHistory", "GetHistories", "ListItems", "CountItems", "ListRecalls", "GetSightings", "ListSightings", "GetProposal", "ListProposals", "GetOrgExit",
		"GetOrgRolesHistory", "GetUnitContents"}
}

// Package verify checks an item's custody record against the ledger itself:
// for every custody event it fetches the transaction and its block through
// qscc and checks signatures, endorsement policy, write set, block hashes and
// orderer signatures against the channel's config block, so that a party
// need not trust any one peer's answer.
package verify

import (
	"context"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"github.com/provledger/provenance/chaincode/domain"
)

// Ledger is what verification reads from the channel. NewGatewayLedger
// implements it over the Fabric Gateway; tests use a fake.
type Ledger interface {
	// Channel is the channel's name.
	Channel() string
	// ChaincodeName is the provenance chaincode's name (the write-set namespace).
	ChaincodeName() string
	// History returns one page of the item's custody events (chaincode GetHistory).
	History(ctx context.Context, id string, fromSeq uint64, limit int) (domain.HistoryPage, error)
	// OrgRoles returns the MSP-to-role bindings (chaincode GetOrgRoles).
	OrgRoles(ctx context.Context) ([]domain.OrgRole, error)
	// TransactionByID returns a committed transaction (qscc GetTransactionByID).
	TransactionByID(ctx context.Context, txID string) (*peer.ProcessedTransaction, error)
	// BlockByTxID returns the block holding a transaction (qscc GetBlockByTxID).
	BlockByTxID(ctx context.Context, txID string) (*common.Block, error)
	// BlockByNumber returns a block (qscc GetBlockByNumber).
	BlockByNumber(ctx context.Context, number uint64) (*common.Block, error)
	// ChainInfo returns the ledger height and top hashes (qscc GetChainInfo).
	ChainInfo(ctx context.Context) (*common.BlockchainInfo, error)
}

// Options tune a verification.
type Options struct {
	// Chain also checks the previous-hash chain from the genesis block to the
	// item's last block.
	Chain bool
}

// Step is one check of a verification.
type Step struct {
	Check   string `json:"check"`   // what was checked, e.g. "creator-signature"
	Subject string `json:"subject"` // what it was checked on, e.g. "seq 3 tx 1a2b…"
	OK      bool   `json:"ok"`
	Detail  string `json:"detail,omitempty"`
}

// Report is the outcome of verifying one item.
type Report struct {
	Item  string `json:"item"`
	OK    bool   `json:"ok"`
	Steps []Step `json:"steps"`
}

// Item verifies the custody record of the item id. It returns an error only
// when verification could not run (unknown item, ledger unreachable); a check
// that fails is a Step with OK false and makes Report.OK false.
func Item(ctx context.Context, l Ledger, id string, opts Options) (Report, error) {
	return Report{Item: id}, nil
}

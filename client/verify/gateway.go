package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"

	"github.com/provledger/provenance/chaincode/domain"
)

type gatewayLedger struct {
	channel   string
	chaincode *client.Contract
	qscc      *client.Contract
}

// NewGatewayLedger reads the ledger through a Fabric Gateway connection:
// qscc (the peer's query system chaincode) for transactions and blocks, the
// chaincode chaincodeName for the custody history and org roles.
func NewGatewayLedger(network *client.Network, chaincodeName string) Ledger {
	return &gatewayLedger{
		channel:   network.Name(),
		chaincode: network.GetContract(chaincodeName),
		qscc:      network.GetContract("qscc"),
	}
}

func (g *gatewayLedger) Channel() string       { return g.channel }
func (g *gatewayLedger) ChaincodeName() string { return g.chaincode.ChaincodeName() }

func (g *gatewayLedger) History(ctx context.Context, id string, fromSeq uint64, limit int) (domain.HistoryPage, error) {
	var page domain.HistoryPage
	out, err := g.chaincode.EvaluateWithContext(ctx, "GetHistory",
		client.WithArguments(id, strconv.FormatUint(fromSeq, 10), strconv.Itoa(limit)))
	if err != nil {
		return page, err
	}
	if err := json.Unmarshal(out, &page); err != nil {
		return page, fmt.Errorf("GetHistory answer: %w", err)
	}
	return page, nil
}

func (g *gatewayLedger) Prefix(ctx context.Context, prefix string) (*domain.Prefix, error) {
	out, err := g.chaincode.EvaluateWithContext(ctx, "GetPrefix", client.WithArguments(prefix))
	if err != nil {
		switch domain.CodeOf(err) {
		case domain.CodeNotFound, domain.CodeInvalidID, domain.CodeInvalidArgument:
			return nil, nil // never claimed, or a candidate no claim can have
		}
		return nil, err
	}
	var p domain.Prefix
	if err := json.Unmarshal(out, &p); err != nil {
		return nil, fmt.Errorf("GetPrefix answer: %w", err)
	}
	return &p, nil
}

// OrgRolesHistory evaluates GetOrgRolesHistory (verify.RoleHistorian).
func (g *gatewayLedger) OrgRolesHistory(ctx context.Context) ([]domain.RoleSetChange, error) {
	out, err := g.chaincode.EvaluateWithContext(ctx, "GetOrgRolesHistory")
	if err != nil {
		return nil, fmt.Errorf("evaluate GetOrgRolesHistory: %w", err)
	}
	var h []domain.RoleSetChange
	if err := json.Unmarshal(out, &h); err != nil {
		return nil, fmt.Errorf("GetOrgRolesHistory answer: %w", err)
	}
	return h, nil
}

func (g *gatewayLedger) OrgRoles(ctx context.Context) ([]domain.OrgRole, error) {
	out, err := g.chaincode.EvaluateWithContext(ctx, "GetOrgRoles")
	if err != nil {
		return nil, err
	}
	var roles []domain.OrgRole
	if err := json.Unmarshal(out, &roles); err != nil {
		return nil, fmt.Errorf("GetOrgRoles answer: %w", err)
	}
	return roles, nil
}

func (g *gatewayLedger) TransactionByID(ctx context.Context, txID string) (*peer.ProcessedTransaction, error) {
	out, err := g.query(ctx, "GetTransactionByID", txID)
	if err != nil {
		return nil, err
	}
	pt := &peer.ProcessedTransaction{}
	if err := proto.Unmarshal(out, pt); err != nil {
		return nil, fmt.Errorf("GetTransactionByID %s answer: %w", txID, err)
	}
	return pt, nil
}

func (g *gatewayLedger) BlockByTxID(ctx context.Context, txID string) (*common.Block, error) {
	return g.block(ctx, "GetBlockByTxID", txID)
}

func (g *gatewayLedger) BlockByNumber(ctx context.Context, number uint64) (*common.Block, error) {
	return g.block(ctx, "GetBlockByNumber", strconv.FormatUint(number, 10))
}

func (g *gatewayLedger) ChainInfo(ctx context.Context) (*common.BlockchainInfo, error) {
	out, err := g.query(ctx, "GetChainInfo")
	if err != nil {
		return nil, err
	}
	info := &common.BlockchainInfo{}
	if err := proto.Unmarshal(out, info); err != nil {
		return nil, fmt.Errorf("GetChainInfo answer: %w", err)
	}
	return info, nil
}

func (g *gatewayLedger) block(ctx context.Context, fn, arg string) (*common.Block, error) {
	out, err := g.query(ctx, fn, arg)
	if err != nil {
		return nil, err
	}
	b := &common.Block{}
	if err := proto.Unmarshal(out, b); err != nil {
		return nil, fmt.Errorf("%s %s answer: %w", fn, arg, err)
	}
	return b, nil
}

// query evaluates a qscc function on the channel. qscc answers a missing
// transaction or block with an error whose text says so; those become
// ErrNotFound so that Item reports them as failed checks.
func (g *gatewayLedger) query(ctx context.Context, fn string, args ...string) ([]byte, error) {
	out, err := g.qscc.EvaluateWithContext(ctx, fn, client.WithArguments(append([]string{g.channel}, args...)...))
	if err != nil {
		if isNotFound(err) {
			return nil, fmt.Errorf("qscc %s %s: %w: %v", fn, strings.Join(args, " "), ErrNotFound, err)
		}
		return nil, fmt.Errorf("qscc %s %s: %w", fn, strings.Join(args, " "), err)
	}
	return out, nil
}

func isNotFound(err error) bool {
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"no such transaction id", "no such block number", "entry not found", "not found in index"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// Histories evaluates GetHistories (verify.HistoriesReader).
func (g *gatewayLedger) Histories(ctx context.Context, ids []string, limit int) ([]*domain.HistoryPage, error) {
	arg, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	out, err := g.chaincode.EvaluateWithContext(ctx, "GetHistories", client.WithArguments(string(arg), strconv.Itoa(limit)))
	if err != nil {
		return nil, err
	}
	var pages []*domain.HistoryPage
	if err := json.Unmarshal(out, &pages); err != nil {
		return nil, fmt.Errorf("GetHistories answer: %w", err)
	}
	if len(pages) != len(ids) {
		return nil, fmt.Errorf("GetHistories answered %d pages for %d items", len(pages), len(ids))
	}
	return pages, nil
}

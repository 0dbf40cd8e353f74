package gateway

import (
	"context"
	"fmt"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"

	"github.com/provledger/provenance/client/internal/ledger"
)

type position ledger.Position

func (p position) BlockNumber() uint64   { return p.Block }
func (p position) TransactionID() string { return p.TxID }

// ChaincodeEvents implements ledger.EventSource with the gateway's
// ChaincodeEvents stream. The channel closes when the stream breaks.
func (c *Conn) ChaincodeEvents(ctx context.Context, start *ledger.Position) (<-chan ledger.Event, error) {
	var opts []client.ChaincodeEventsOption
	if start != nil {
		opts = append(opts, client.WithStartBlock(start.Block), client.WithCheckpoint(position(*start)))
	}
	src, err := c.network.ChaincodeEvents(ctx, c.cfg.Chaincode, opts...)
	if err != nil {
		return nil, c.translate(ledger.OpEvents, "ChaincodeEvents", "", err)
	}
	out := make(chan ledger.Event)
	go func() {
		defer close(out)
		for ev := range src {
			select {
			case out <- ledger.Event{Block: ev.BlockNumber, TxID: ev.TransactionID, Name: ev.EventName, Payload: ev.Payload}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// Height implements ledger.EventSource with qscc GetChainInfo.
func (c *Conn) Height(ctx context.Context) (uint64, error) {
	const fn = "GetChainInfo"
	prop, err := c.network.GetContract("qscc").NewProposal(fn, client.WithArguments(c.cfg.Channel))
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeouts.Evaluate)
	defer cancel()
	b, err := prop.EvaluateWithContext(ctx)
	if err != nil {
		return 0, c.translate(ledger.OpEvaluate, "qscc "+fn, prop.TransactionID(), err)
	}
	var info common.BlockchainInfo
	if err := proto.Unmarshal(b, &info); err != nil {
		return 0, fmt.Errorf("qscc %s: %w", fn, err)
	}
	return info.GetHeight(), nil
}

package gateway

import (
	"context"
	"fmt"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"
)

type position Position

func (p position) BlockNumber() uint64   { return p.Block }
func (p position) TransactionID() string { return p.TxID }

// ChaincodeEvents implements EventSource with the gateway's
// ChaincodeEvents stream. The channel closes when the stream breaks.
func (c *Conn) ChaincodeEvents(ctx context.Context, start *Position) (<-chan Event, error) {
	var opts []client.ChaincodeEventsOption
	if start != nil {
		opts = append(opts, client.WithStartBlock(start.Block), client.WithCheckpoint(position(*start)))
	}
	src, err := c.network.ChaincodeEvents(ctx, c.cfg.Chaincode, opts...)
	if err != nil {
		return nil, c.translate(OpEvents, "ChaincodeEvents", "", err)
	}
	out := make(chan Event)
	go func() {
		defer close(out)
		for ev := range src {
			select {
			case out <- Event{Block: ev.BlockNumber, TxID: ev.TransactionID, Name: ev.EventName, Payload: ev.Payload}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// Height implements EventSource with qscc GetChainInfo.
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
		return 0, c.translate(OpEvaluate, "qscc "+fn, prop.TransactionID(), err)
	}
	var info common.BlockchainInfo
	if err := proto.Unmarshal(b, &info); err != nil {
		return 0, fmt.Errorf("qscc %s: %w", fn, err)
	}
	return info.GetHeight(), nil
}

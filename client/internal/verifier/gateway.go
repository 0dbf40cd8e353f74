package verifier

import (
	"context"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"google.golang.org/grpc/status"

	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/ledger"
	"github.com/provledger/provenance/client/verify"
)

// FromNetwork adapts client/verify over a gateway network to Verifier.
// endpoint names the gateway peer in error messages.
func FromNetwork(network *client.Network, chaincode, endpoint string) Verifier {
	return &gw{l: verify.NewGatewayLedger(network, chaincode), endpoint: endpoint}
}

type gw struct {
	l        verify.Ledger
	endpoint string
}

func (g *gw) Verify(ctx context.Context, id string, opts Options) (*Report, error) {
	rep, err := verify.Item(ctx, g.l, id, verify.Options{Chain: opts.Chain, GenesisHash: opts.GenesisHash})
	if err != nil {
		// gRPC failures (a refusal such as NOT_FOUND, a peer down) read like
		// every other command's
		if _, ok := status.FromError(err); ok {
			return nil, gateway.Translate(ledger.OpEvaluate, "verify", "", g.endpoint, err)
		}
		return nil, err
	}
	return &rep, nil
}

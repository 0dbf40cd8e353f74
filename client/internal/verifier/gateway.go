package verifier

import (
	"context"
	"fmt"

	"google.golang.org/grpc/status"

	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/verify"
)

// FromConn adapts client/verify over a gateway connection to Verifier;
// Options.Peers dials the other organizations' peers named in the
// connection profiles under the connection's PROV_HOME, with the same
// identity and timeouts.
func FromConn(c *gateway.Conn, t gateway.Timeouts) Verifier {
	cfg := c.Config()
	return &gw{
		// one cache per process: many IDs (verify, audit --verify) fetch each
		// shared block and transaction once
		l: verify.Cached(verify.NewGatewayLedger(c.Network(), cfg.Chaincode)), endpoint: cfg.Endpoint,
		self: fmt.Sprintf("%s (%s)", cfg.MSPID, peerName(cfg)), conn: c, timeouts: t,
	}
}

func peerName(r *gateway.Resolved) string {
	if r.PeerName != "" {
		return r.PeerName
	}
	return r.Endpoint
}

type gw struct {
	l        verify.Ledger
	endpoint string
	self     string
	conn     *gateway.Conn
	timeouts gateway.Timeouts
}

// Ledger is the (cached) ledger the verifications read.
func (g *gw) Ledger() verify.Ledger { return g.l }

func (g *gw) Verify(ctx context.Context, id string, opts Options) (*Report, error) {
	vo, closeAll, err := g.options(opts)
	if err != nil {
		return nil, err
	}
	defer closeAll()
	rep, err := verify.Item(ctx, g.l, id, vo)
	if err != nil {
		return nil, g.translate(err)
	}
	return &rep, nil
}

// options turns Options into client/verify's, dialling the confirming
// peers; closeAll hangs up on them.
func (g *gw) options(opts Options) (vo verify.Options, closeAll func(), err error) {
	vo = verify.Options{Chain: opts.Chain, GenesisHash: opts.GenesisHash, Self: g.self}
	closeAll = func() {}
	if len(opts.Peers) > 0 {
		targets, err := resolvePeers(g.conn.Config(), opts.Peers)
		if err != nil {
			return vo, closeAll, err
		}
		vo.Peers, closeAll = dialPeers(targets, g.conn.Identity(), g.timeouts, g.conn.Config().Chaincode)
	}
	return vo, closeAll, nil
}

// translate makes gRPC failures (a refusal such as NOT_FOUND, a peer down)
// read like every other command's.
func (g *gw) translate(err error) error {
	if _, ok := status.FromError(err); ok && err != nil {
		return gateway.Translate(gateway.OpEvaluate, "verify", "", g.endpoint, err)
	}
	return err
}

package verify

import (
	"context"
	"fmt"

	"google.golang.org/grpc/status"

	"github.com/provledger/provenance/client/gateway"
)

// OnlineOptions tune a verification through a live connection.
type OnlineOptions struct {
	Chain bool // also check the previous-hash chain from the genesis block
	// GenesisHash pins the channel's genesis block header hash
	// (Options.GenesisHash); nil trusts the genesis block as served.
	GenesisHash []byte
	// Peers asks other organizations' peers to confirm what the answering
	// peer served: AllPeers, or organization names / MSP IDs (see Peer).
	Peers []string
}

// Online verifies items through a live gateway connection: it reads
// through one (cached) Ledger over the connection, and OnlineOptions.Peers
// dials the other organizations' peers named in the connection profiles
// under the connection's PROV_HOME, with the same identity and timeouts.
type Online struct {
	l        Ledger
	endpoint string
	self     string
	conn     *gateway.Conn
	timeouts gateway.Timeouts
}

// NewOnline verifies over c.
func NewOnline(c *gateway.Conn, t gateway.Timeouts) *Online {
	cfg := c.Config()
	return &Online{
		// one cache per process: many IDs (verify, audit --verify) fetch each
		// shared block and transaction once
		l: Cached(NewGatewayLedger(c.Network(), cfg.Chaincode)), endpoint: cfg.Endpoint,
		self: fmt.Sprintf("%s (%s)", cfg.MSPID, peerName(cfg)), conn: c, timeouts: t,
	}
}

func peerName(r *gateway.Resolved) string {
	if r.PeerName != "" {
		return r.PeerName
	}
	return r.Endpoint
}

// Ledger is the (cached) ledger the verifications read.
func (g *Online) Ledger() Ledger { return g.l }

// Verify verifies one item (Item), confirmed by the peers opts names.
func (g *Online) Verify(ctx context.Context, id string, opts OnlineOptions) (*Report, error) {
	vo, closeAll, err := g.options(opts)
	if err != nil {
		return nil, err
	}
	defer closeAll()
	rep, err := Item(ctx, g.l, id, vo)
	if err != nil {
		return nil, g.translate(err)
	}
	return &rep, nil
}

// options turns OnlineOptions into Options, dialling the confirming peers;
// closeAll hangs up on them.
func (g *Online) options(opts OnlineOptions) (vo Options, closeAll func(), err error) {
	vo = Options{Chain: opts.Chain, GenesisHash: opts.GenesisHash, Self: g.self}
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
func (g *Online) translate(err error) error {
	if _, ok := status.FromError(err); ok && err != nil {
		return gateway.Translate(gateway.OpEvaluate, "verify", "", g.endpoint, err)
	}
	return err
}

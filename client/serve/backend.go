package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/verify"
)

// GatewayBackend reads through one gateway connection (the serving
// organization's identity and peer); verification reads blocks and
// transactions through a CachedLedger.
type GatewayBackend struct {
	conn   *gateway.Conn
	ledger verify.Ledger
	cache  *CachedLedger
	self   string

	mu       sync.Mutex
	height   uint64
	heightAt time.Time
}

// heightTTL is how old a height answer may be before it is read again: a
// scanner burst costs one chain-info query per interval, and the answer's
// height stays a lower bound of the state read after it.
const heightTTL = 500 * time.Millisecond

// NewGatewayBackend serves from c, caching up to cacheBlocks blocks.
func NewGatewayBackend(c *gateway.Conn, cacheBlocks int) *GatewayBackend {
	cfg := c.Config()
	l := NewCachedLedger(verify.NewGatewayLedger(c.Network(), cfg.Chaincode), cacheBlocks)
	cl, ok := l.(*CachedLedger)
	if !ok {
		cl = l.(*cachedHistorian).CachedLedger
	}
	peer := cfg.PeerName
	if peer == "" {
		peer = cfg.Endpoint
	}
	return &GatewayBackend{conn: c, ledger: l, cache: cl, self: fmt.Sprintf("%s (%s)", cfg.MSPID, peer)}
}

// MSPID is the serving organization's MSP ID.
func (g *GatewayBackend) MSPID() string { return g.conn.MSPID() }

// CacheStats returns the block and transaction cache's hits and misses.
func (g *GatewayBackend) CacheStats() (hits, misses int64) { return g.cache.Stats() }

// Items implements Backend.
func (g *GatewayBackend) Items(ctx context.Context, keys []string) ([]*domain.Item, error) {
	arg, err := json.Marshal(keys)
	if err != nil {
		return nil, err
	}
	out, err := g.conn.Evaluate(ctx, "GetItems", string(arg))
	if err != nil {
		return nil, err
	}
	var items []*domain.Item
	if err := json.Unmarshal(out, &items); err != nil {
		return nil, fmt.Errorf("GetItems answer: %w", err)
	}
	return items, nil
}

// History implements Backend.
func (g *GatewayBackend) History(ctx context.Context, key string) ([]domain.CustodyEvent, error) {
	var out []domain.CustodyEvent
	from := uint64(0)
	for range 1000 {
		page, err := g.ledger.History(ctx, key, from, domain.MaxPageSize)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Events...)
		if page.NextSeq <= from || len(page.Events) == 0 {
			return out, nil
		}
		from = page.NextSeq
	}
	return out, nil
}

// Verify implements Backend.
func (g *GatewayBackend) Verify(ctx context.Context, key string) (verify.Report, error) {
	return verify.Item(ctx, g.ledger, key, verify.Options{Self: g.self})
}

// Height implements Backend.
func (g *GatewayBackend) Height(ctx context.Context) (uint64, error) {
	g.mu.Lock()
	if time.Since(g.heightAt) < heightTTL {
		h := g.height
		g.mu.Unlock()
		return h, nil
	}
	g.mu.Unlock()
	info, err := g.ledger.ChainInfo(ctx)
	if err != nil {
		return 0, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.height, g.heightAt = max(g.height, info.GetHeight()), time.Now()
	return g.height, nil
}

package serve

import (
	"context"
	"sync/atomic"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/verify"
)

// CachedLedger wraps a verify.Ledger and keeps what a committed ledger never
// changes: blocks by number, transactions by ID and which block holds a
// transaction, each in a bounded LRU. Only answers are cached, never errors
// (a "not found" may be a block not yet committed on this peer). The
// history, roles, prefixes and chain height pass through: they change.
//
// (The audit helper adds a shared block/tx cache inside client/verify; this
// wrapper keeps serve independent of it until the two are merged.)
type CachedLedger struct {
	verify.Ledger
	blocks  *lru[uint64, *common.Block]
	txs     *lru[string, *peer.ProcessedTransaction]
	txBlock *lru[string, uint64]
	hits    atomic.Int64
	misses  atomic.Int64
}

// cachedHistorian is a CachedLedger over a ledger that lists the role-set
// history (verify.RoleHistorian); verify only asks a ledger that has it.
type cachedHistorian struct {
	*CachedLedger
	h verify.RoleHistorian
}

func (c *cachedHistorian) OrgRolesHistory(ctx context.Context) ([]domain.RoleSetChange, error) {
	return c.h.OrgRolesHistory(ctx)
}

// NewCachedLedger caches up to maxBlocks blocks and 4×maxBlocks
// transactions of l. The result implements verify.RoleHistorian exactly when
// l does.
func NewCachedLedger(l verify.Ledger, maxBlocks int) verify.Ledger {
	c := newCachedLedger(l, maxBlocks)
	if h, ok := l.(verify.RoleHistorian); ok {
		return &cachedHistorian{CachedLedger: c, h: h}
	}
	return c
}

func newCachedLedger(l verify.Ledger, maxBlocks int) *CachedLedger {
	return &CachedLedger{
		Ledger:  l,
		blocks:  newLRU[uint64, *common.Block](maxBlocks),
		txs:     newLRU[string, *peer.ProcessedTransaction](4 * maxBlocks),
		txBlock: newLRU[string, uint64](4 * maxBlocks),
	}
}

// Stats returns cache hits and misses so far.
func (c *CachedLedger) Stats() (hits, misses int64) { return c.hits.Load(), c.misses.Load() }

func (c *CachedLedger) hit(ok bool) {
	if ok {
		c.hits.Add(1)
	} else {
		c.misses.Add(1)
	}
}

// TransactionByID implements verify.Ledger.
func (c *CachedLedger) TransactionByID(ctx context.Context, txID string) (*peer.ProcessedTransaction, error) {
	if pt, ok := c.txs.get(txID); ok {
		c.hit(true)
		return pt, nil
	}
	c.hit(false)
	pt, err := c.Ledger.TransactionByID(ctx, txID)
	if err == nil && pt != nil {
		c.txs.put(txID, pt)
	}
	return pt, err
}

// BlockByTxID implements verify.Ledger.
func (c *CachedLedger) BlockByTxID(ctx context.Context, txID string) (*common.Block, error) {
	if n, ok := c.txBlock.get(txID); ok {
		if b, ok := c.blocks.get(n); ok {
			c.hit(true)
			return b, nil
		}
	}
	c.hit(false)
	b, err := c.Ledger.BlockByTxID(ctx, txID)
	if err == nil && b.GetHeader() != nil {
		c.txBlock.put(txID, b.Header.Number)
		c.blocks.put(b.Header.Number, b)
	}
	return b, err
}

// BlockByNumber implements verify.Ledger.
func (c *CachedLedger) BlockByNumber(ctx context.Context, number uint64) (*common.Block, error) {
	if b, ok := c.blocks.get(number); ok {
		c.hit(true)
		return b, nil
	}
	c.hit(false)
	b, err := c.Ledger.BlockByNumber(ctx, number)
	if err == nil && b.GetHeader() != nil && b.Header.Number == number {
		c.blocks.put(number, b)
	}
	return b, err
}

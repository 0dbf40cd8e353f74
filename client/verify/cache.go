package verify

import (
	"context"
	"fmt"
	"sync"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"github.com/provledger/provenance/chaincode/domain"
)

// Cached wraps a Ledger so that many verifications (prov verify of many
// IDs, prov audit --verify) fetch each block, transaction, config block,
// prefix record, role set and history page once, however many items share
// them (items registered or shipped together share their transactions and
// blocks). Concurrent requests for the same thing wait for one fetch.
//
// Nothing is checked less: every Item run still checks what it is given,
// and it is given exactly what the underlying ledger answered. A cache
// lives for one command (one snapshot of the answering peer): answers are
// never refreshed, so do not keep one across ledger changes you want to
// see. Errors are not cached (a later call asks again).
func Cached(l Ledger) Ledger {
	c := &cache{l: l, m: map[string]*cacheEntry{}}
	if h, ok := l.(RoleHistorian); ok {
		return &cachedHistorian{cache: c, h: h}
	}
	return c
}

type cache struct {
	l       Ledger
	mu      sync.Mutex
	m       map[string]*cacheEntry
	results *memo
}

type cacheEntry struct {
	done chan struct{}
	v    any
	err  error
}

// get returns the value for key, fetching it once; a failed fetch is
// forgotten so that the next caller tries again.
func (c *cache) get(ctx context.Context, key string, fetch func(context.Context) (any, error)) (any, error) {
	c.mu.Lock()
	if e, ok := c.m[key]; ok {
		c.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if e.err == nil {
			return e.v, nil
		}
		return c.get(ctx, key, fetch)
	}
	e := &cacheEntry{done: make(chan struct{})}
	c.m[key] = e
	c.mu.Unlock()
	e.v, e.err = fetch(ctx)
	if e.err != nil {
		c.mu.Lock()
		delete(c.m, key)
		c.mu.Unlock()
	}
	close(e.done)
	return e.v, e.err
}

func (c *cache) Channel() string       { return c.l.Channel() }
func (c *cache) ChaincodeName() string { return c.l.ChaincodeName() }

func (c *cache) History(ctx context.Context, id string, fromSeq uint64, limit int) (domain.HistoryPage, error) {
	v, err := c.get(ctx, historyCacheKey(id, fromSeq, limit), func(ctx context.Context) (any, error) {
		return c.l.History(ctx, id, fromSeq, limit)
	})
	if err != nil {
		return domain.HistoryPage{}, err
	}
	return v.(domain.HistoryPage), nil
}

func (c *cache) OrgRoles(ctx context.Context) ([]domain.OrgRole, error) {
	v, err := c.get(ctx, "orgroles", func(ctx context.Context) (any, error) { return c.l.OrgRoles(ctx) })
	if err != nil {
		return nil, err
	}
	return v.([]domain.OrgRole), nil
}

func (c *cache) TransactionByID(ctx context.Context, txID string) (*peer.ProcessedTransaction, error) {
	v, err := c.get(ctx, "tx|"+txID, func(ctx context.Context) (any, error) { return c.l.TransactionByID(ctx, txID) })
	if err != nil {
		return nil, err
	}
	return v.(*peer.ProcessedTransaction), nil
}

// BlockByTxID caches the transaction's block by number too, so a block
// reached through one transaction is not fetched again by number.
func (c *cache) BlockByTxID(ctx context.Context, txID string) (*common.Block, error) {
	v, err := c.get(ctx, "blocktx|"+txID, func(ctx context.Context) (any, error) {
		b, err := c.l.BlockByTxID(ctx, txID)
		if err == nil && b.GetHeader() != nil {
			c.put(fmt.Sprintf("block|%d", b.Header.Number), b)
		}
		return b, err
	})
	if err != nil {
		return nil, err
	}
	return v.(*common.Block), nil
}

func (c *cache) BlockByNumber(ctx context.Context, number uint64) (*common.Block, error) {
	v, err := c.get(ctx, fmt.Sprintf("block|%d", number), func(ctx context.Context) (any, error) {
		return c.l.BlockByNumber(ctx, number)
	})
	if err != nil {
		return nil, err
	}
	return v.(*common.Block), nil
}

// put stores an answer unless one is there or on its way.
func (c *cache) put(key string, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[key]; !ok {
		e := &cacheEntry{done: make(chan struct{}), v: v}
		close(e.done)
		c.m[key] = e
	}
}

func (c *cache) ChainInfo(ctx context.Context) (*common.BlockchainInfo, error) {
	v, err := c.get(ctx, "chaininfo", func(ctx context.Context) (any, error) { return c.l.ChainInfo(ctx) })
	if err != nil {
		return nil, err
	}
	return v.(*common.BlockchainInfo), nil
}

func (c *cache) Prefix(ctx context.Context, prefix string) (*domain.Prefix, error) {
	v, err := c.get(ctx, "prefix|"+prefix, func(ctx context.Context) (any, error) { return c.l.Prefix(ctx, prefix) })
	if err != nil {
		return nil, err
	}
	return v.(*domain.Prefix), nil
}

type cachedHistorian struct {
	*cache
	h RoleHistorian
}

func (c *cachedHistorian) OrgRolesHistory(ctx context.Context) ([]domain.RoleSetChange, error) {
	v, err := c.get(ctx, "roleshistory", func(ctx context.Context) (any, error) { return c.h.OrgRolesHistory(ctx) })
	if err != nil {
		return nil, err
	}
	return v.([]domain.RoleSetChange), nil
}

// memo keeps the results of pure checks on the cached answers (parsing,
// hashes, signatures), keyed by the very objects checked: a cache hands
// every verification the same object for the same transaction or block, so
// a 1,000-item transaction's signatures are verified once per command, not
// once per item. Nothing is skipped: each verification still gets each
// result, computed from exactly the bytes it checks.
type memo struct {
	mu sync.Mutex
	m  map[any]*memoEntry
}

type memoEntry struct {
	once sync.Once
	v    any
}

func (c *cache) memo() *memo {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.results == nil {
		c.results = &memo{m: map[any]*memoEntry{}}
	}
	return c.results
}

// memoOf is the ledger's memo, nil when it is not a Cached one.
func memoOf(l Ledger) *memo {
	if s, ok := l.(interface{ memo() *memo }); ok {
		return s.memo()
	}
	return nil
}

// remember computes f once per key in m (every time when m is nil).
func remember[V any](m *memo, key any, f func() V) V {
	if m == nil {
		return f()
	}
	m.mu.Lock()
	e := m.m[key]
	if e == nil {
		e = &memoEntry{}
		m.m[key] = e
	}
	m.mu.Unlock()
	e.once.Do(func() { e.v = f() })
	v, _ := e.v.(V) // a nil error stays nil
	return v
}

// Memo keys: one type per computation.
type (
	keyParseTx struct{ pt *peer.ProcessedTransaction }
	keyTxIndex struct {
		b  *common.Block
		pt *peer.ProcessedTransaction
	}
	keyDataHash  struct{ b *common.Block }
	keyBlockSigs struct {
		b   *common.Block
		cfg *channelConfig
	}
	keyConfig  struct{ b *common.Block }
	keyCreator struct {
		tx  *endorserTx
		cfg *channelConfig
	}
	keyEndorsements keyCreator
)

type parsedTx struct {
	tx  *endorserTx
	err error
}

type txIndexResult struct {
	i   int
	err error
}

type sigsResult struct {
	desc string
	err  error
}

type configResult struct {
	cfg *channelConfig
	err error
}

type endorsementsResult struct {
	orgs  []string
	names string
	err   error
}

func (r *run) parseTx(pt *peer.ProcessedTransaction) (*endorserTx, error) {
	p := remember(r.m, keyParseTx{pt}, func() parsedTx {
		t, err := parseEndorserTx(pt.GetTransactionEnvelope())
		return parsedTx{t, err}
	})
	return p.tx, p.err
}

func (r *run) txIndex(b *common.Block, pt *peer.ProcessedTransaction) (int, error) {
	x := remember(r.m, keyTxIndex{b, pt}, func() txIndexResult {
		i, err := txIndex(b, pt)
		return txIndexResult{i, err}
	})
	return x.i, x.err
}

func (r *run) dataHash(b *common.Block) error {
	return remember(r.m, keyDataHash{b}, func() error { return checkDataHash(b) })
}

func (r *run) blockSigs(b *common.Block, cfg *channelConfig) (string, error) {
	s := remember(r.m, keyBlockSigs{b, cfg}, func() sigsResult {
		d, err := checkBlockSignatures(b, cfg)
		return sigsResult{d, err}
	})
	return s.desc, s.err
}

func (r *run) parseConfig(b *common.Block) (*channelConfig, error) {
	c := remember(r.m, keyConfig{b}, func() configResult {
		cfg, err := parseConfigBlock(b)
		return configResult{cfg, err}
	})
	return c.cfg, c.err
}

func (r *run) creator(tx *endorserTx, cfg *channelConfig) (string, error) {
	s := remember(r.m, keyCreator{tx, cfg}, func() sigsResult {
		who, err := tx.checkCreator(cfg)
		return sigsResult{who, err}
	})
	return s.desc, s.err
}

func (r *run) endorsements(tx *endorserTx, cfg *channelConfig) ([]string, string, error) {
	e := remember(r.m, keyEndorsements{tx, cfg}, func() endorsementsResult {
		orgs, names, err := tx.checkEndorsements(cfg)
		return endorsementsResult{orgs, names, err}
	})
	return e.orgs, e.names, e.err
}

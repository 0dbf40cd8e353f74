package verify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"github.com/provledger/provenance/chaincode/domain"
)

// Ledger is what verification reads from the channel. NewGatewayLedger
// implements it over the Fabric Gateway; tests use a fake.
type Ledger interface {
	// Channel is the channel's name.
	Channel() string
	// ChaincodeName is the provenance chaincode's name (the write-set namespace).
	ChaincodeName() string
	// History returns one page of the item's custody events (chaincode GetHistory).
	History(ctx context.Context, id string, fromSeq uint64, limit int) (domain.HistoryPage, error)
	// OrgRoles returns the MSP-to-role bindings (chaincode GetOrgRoles); they
	// only name roles for a Policy, the organizations come from the config.
	OrgRoles(ctx context.Context) ([]domain.OrgRole, error)
	// TransactionByID returns a committed transaction (qscc GetTransactionByID).
	// A transaction the ledger does not have is an error wrapping ErrNotFound.
	TransactionByID(ctx context.Context, txID string) (*peer.ProcessedTransaction, error)
	// BlockByTxID returns the block holding a transaction (qscc GetBlockByTxID).
	BlockByTxID(ctx context.Context, txID string) (*common.Block, error)
	// BlockByNumber returns a block (qscc GetBlockByNumber).
	BlockByNumber(ctx context.Context, number uint64) (*common.Block, error)
	// ChainInfo returns the ledger height and top hashes (qscc GetChainInfo).
	ChainInfo(ctx context.Context) (*common.BlockchainInfo, error)
	// Prefix returns a company-prefix record (chaincode GetPrefix); nil
	// when the prefix was never claimed.
	Prefix(ctx context.Context, prefix string) (*domain.Prefix, error)
}

// ErrNotFound marks a transaction or block the ledger does not have. Item
// reports it as a failed check (the history names a transaction the ledger
// lacks); any other Ledger error stops verification.
var ErrNotFound = errors.New("not found on the ledger")

// Options tune a verification.
type Options struct {
	// Chain also checks the previous-hash chain from the genesis block to the
	// item's last block.
	Chain bool
	// Policy decides whether a transition's endorsers suffice; nil means
	// DefaultPolicy.
	Policy Policy
	// Concurrency bounds parallel ledger calls; 0 means 8.
	Concurrency int
	// GenesisHash, when set, pins the channel: the genesis block's header
	// hash must equal it. Genesis is otherwise the trust anchor as served.
	// The header hash is SHA-256 over the ASN.1 DER of the header's number,
	// previous hash and data hash (protoutil.BlockHeaderHash): block 1's
	// previous hash, not the hash of the genesis block file. Report.GenesisHash
	// gives it as served.
	GenesisHash []byte
	// Self names the answering peer in the trust summary ("the answering
	// peer" when empty).
	Self string
	// Peers are other organizations' peers that must confirm the history,
	// the org roles and every block the verification relied on (header
	// hash, validation flags, commit hash): see Trust.
	Peers []Peer

	// within lists the units being verified around this one (containers
	// followed from an item), outermost last: a cycle or a nesting deeper
	// than domain.MaxUnitDepth fails CheckContainer.
	within []string
}

// Names of the checks, as Step.Check.
const (
	CheckChannelConfig    = "channel-config"     // config block parses, hashes, is signed under the config before it
	CheckValidationCode   = "validation-code"    // the transaction committed VALID
	CheckTransactionID    = "transaction-id"     // tx ID = hash(nonce, creator), channel, event's tx
	CheckEventMatchesTx   = "event-matches-tx"   // event's txId, timestamp, submitter = the signed tx's
	CheckItemBinding      = "item-binding"       // every event is of the asked-for item; seq 1 is REGISTERED
	CheckSubmitter        = "submitter"          // submitterId = creator cert's ID; prov.role = its MSP's role, allowed for the act
	CheckCreatorSignature = "creator-signature"  // creator signed the payload; cert chains to its org root
	CheckEndorsements     = "endorsements"       // every endorsement verifies, is a peer of its org, for this proposal
	CheckEndorsePolicy    = "endorsement-policy" // endorsing orgs satisfy the endorsement the custody decision needs
	CheckTransition       = "transition"         // replaying the custody decision over earlier events makes exactly this event
	CheckWriteSet         = "write-set"          // write set holds this event and exactly the decision's writes of the item
	CheckTxInBlock        = "tx-in-block"        // the block holds this very transaction, VALID
	CheckBlockDataHash    = "block-data-hash"    // header data hash = hash of the block's data
	CheckBlockSignatures  = "block-signatures"   // enough ordering nodes signed the header
	CheckTimestamps       = "timestamps"         // never more than domain.EventTimeTolerance backwards in block order
	CheckEventOrder       = "event-order"        // history is seq 1..n without gaps, rising in block order
	CheckHashChain        = "hash-chain"         // previous-hash chain from genesis (Options.Chain)
	CheckPeerAgreement    = "peer-agreement"     // another org's peer serves the same history, roles and blocks (Options.Peers)
	CheckContainer        = "container"          // each PACKED/UNPACKED names its unit's own event of the same transaction; the unit verifies
	CheckUnitContents     = "unit-contents"      // a unit's PACKED/UNPACKED transaction packs or unpacks exactly the contents it counts
)

// Step is one check of a verification.
type Step struct {
	Check   string `json:"check"`   // one of the Check* names
	Subject string `json:"subject"` // what it was checked on, e.g. "seq 3 ACCEPTED"
	OK      bool   `json:"ok"`
	Detail  string `json:"detail,omitempty"`
	Seq     uint64 `json:"seq,omitempty"`   // custody event, when the step is about one
	TxID    string `json:"txId,omitempty"`  // its transaction
	Block   uint64 `json:"block,omitempty"` // block checked, when known (0 is also genesis)
	// Warning marks a step that proves nothing but fails nothing (OK is
	// true): a confirming peer that could not answer.
	Warning bool `json:"warning,omitempty"`
}

// Report is the outcome of verifying one item.
type Report struct {
	Item string `json:"item"`
	OK   bool   `json:"ok"`
	// GenesisHash is the hex header hash of the genesis block as the peer
	// served it (the value Options.GenesisHash pins), when it was fetched.
	GenesisHash string `json:"genesisHash,omitempty"`
	// Trust says what the verdict rests on (peers, genesis pin, ordering).
	Trust Trust  `json:"trust"`
	Steps []Step `json:"steps"`
}

// Failed returns the steps that failed.
func (r Report) Failed() []Step {
	var out []Step
	for _, s := range r.Steps {
		if !s.OK {
			out = append(out, s)
		}
	}
	return out
}

const historyPageSize = 100

// Item verifies the custody record of the item id. It returns an error only
// when verification could not run (unknown item, ledger unreachable); a check
// that fails is a Step with OK false and makes Report.OK false.
//
// A logistic unit's SSCC (any spelling) verifies the unit's own chain the
// same way, plus its contents' packing events (CheckUnitContents). An item
// or unit that travelled inside units has each of them verified too, as
// part of its chain of custody (CheckContainer, and the unit's steps with
// the subject "unit 00/{sscc}: ...").
func Item(ctx context.Context, l Ledger, id string, opts Options) (Report, error) {
	rep, _, err := item(ctx, l, id, opts)
	return rep, err
}

func item(ctx context.Context, l Ledger, id string, opts Options) (Report, []domain.CustodyEvent, error) {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	// Everything is bound to the asked-for item in its canonical spelling:
	// a peer answering with another item's history fails item-binding.
	ident, err := domain.ParseCustodyID(id)
	if err != nil {
		return Report{Item: id}, nil, err
	}
	key := ident.Key()
	r := &run{ctx: ctx, l: l, opts: opts, blocks: map[uint64]*common.Block{}, configs: map[uint64]*configEntry{}, m: memoOf(l)}
	events, err := r.history(key)
	if err != nil {
		return Report{Item: key}, nil, err
	}
	if len(events) == 0 {
		return Report{Item: key}, nil, fmt.Errorf("item %s: no custody events: %w", key, ErrNotFound)
	}
	rep, err := r.verify(ident.ItemID, events)
	return rep, events, err
}

func (r *run) verify(ident domain.ItemID, events []domain.CustodyEvent) (Report, error) {
	key, opts := ident.Key(), r.opts
	rep := Report{Item: key}
	changes, err := r.roleHistory()
	if err != nil {
		return rep, err
	}
	extra := make([]string, 0, len(changes))
	for _, ch := range changes {
		extra = append(extra, ch.TxID)
	}
	if err := r.fetch(events, ident, extra); err != nil {
		return rep, err
	}
	if err := r.resolveConfigs(); err != nil {
		return rep, err
	}
	r.checkConfigs()
	r.prepare()
	r.checkRoleChanges()
	// The replay decides the events of the item they name (item-binding
	// reports a history of another item once, not at every event).
	replayID := ident
	if id, err := subjectOf(events[0].Item); err == nil {
		replayID = id
	}
	r.expect = r.replay(replayID, events)
	r.txSeqs = map[string][]uint64{}
	for _, ev := range events {
		r.txSeqs[ev.TxID] = append(r.txSeqs[ev.TxID], ev.Seq)
	}
	r.checkEvents(events)
	r.checkOrder(events)
	r.checkBinding(key, events)
	if ident.IsUnit() {
		r.checkUnitContents(ident, events)
	}
	if opts.Chain {
		if err := r.checkChain(); err != nil {
			return rep, err
		}
	}
	self := opts.Self
	if self == "" {
		self = "the answering peer"
	}
	r.trust = Trust{Peers: []string{self}, GenesisPinned: len(opts.GenesisHash) > 0, Ordering: r.ordering()}
	if len(opts.Peers) > 0 {
		if err := r.confirm(key, events); err != nil {
			return rep, err
		}
	}
	if err := r.followContainers(key, events); err != nil {
		return rep, err
	}
	r.trust.summarize()
	rep.Trust = r.trust
	rep.Steps = r.steps
	rep.GenesisHash = r.genesisHash
	rep.OK = len(rep.Failed()) == 0
	return rep, nil
}

// run holds one verification's state and caches, so that events sharing a
// block or a config block cost one fetch.
type run struct {
	ctx   context.Context
	l     Ledger
	opts  Options
	roles []domain.OrgRole
	// roleChanges are the role-set changes the ledger lists; roleSets the
	// verified ones in ledger order (rolesFor).
	roleChanges []domain.RoleSetChange
	roleSets    []roleSet
	txs         map[string]*txEntry
	blocks      map[uint64]*common.Block
	configs     map[uint64]*configEntry
	steps       []Step
	// lastSeq is the sequence the item's counter names as its last event,
	// as the history's last page reported it (0: not reported).
	lastSeq uint64

	genesisHash string // hex header hash of block 0 as served, once fetched
	trust       Trust
	cands       []string                // the asked-for item's (GTIN's or SSCC's) company-prefix candidates
	brand       string                  // owner of the GTIN's active company prefix, "" when none
	brandPrefix string                  // that prefix
	prefixes    []*domain.Prefix        // the GTIN's company-prefix candidates' records, in candidate order
	expect      map[uint64]*expectation // the replay's verdict per event seq
	blockChecks map[uint64]*blockCheck
	txSeqs      map[string][]uint64 // the history's sequences per transaction (a unit's creation and first PACKED share one)
	m           *memo               // shared results of pure checks (Cached ledgers), or nil
}

type txEntry struct {
	pt       *peer.ProcessedTransaction
	block    *common.Block
	missing  error // ErrNotFound from the ledger
	parsed   *endorserTx
	parseErr error
	index    int // position in its block, -1 if not found
	indexErr error
}

type configEntry struct {
	cfg *channelConfig
	err error
	// prev is the config in force before this one (named by the block just
	// before it), whose orderers signed it; prevErr says why it is unknown.
	prev     uint64
	prevErr  error
	resolved bool
}

func (r *run) add(s Step) { r.steps = append(r.steps, s) }

func (r *run) history(id string) ([]domain.CustodyEvent, error) {
	events, last, err := readHistory(r.ctx, r.l, id)
	r.lastSeq = last
	return events, err
}

// ReadHistory reads an item's whole custody history, page by page.
func ReadHistory(ctx context.Context, l Ledger, id string) ([]domain.CustodyEvent, error) {
	events, _, err := readHistory(ctx, l, id)
	return events, err
}

// readHistory is ReadHistory that also returns the sequence the item's
// counter names as its last event (HistoryPage.LastSeq of the last page; 0
// when the ledger does not report it). An empty page ends the read even
// when the counter promises more: a counter set far ahead must not make a
// reader page forever (checkOrder then compares the two).
func readHistory(ctx context.Context, l Ledger, id string) ([]domain.CustodyEvent, uint64, error) {
	var out []domain.CustodyEvent
	from := uint64(0)
	for {
		page, err := l.History(ctx, id, from, historyPageSize)
		if err != nil {
			return nil, 0, fmt.Errorf("history of %s: %w", id, err)
		}
		out = append(out, page.Events...)
		if page.NextSeq == 0 || len(page.Events) == 0 {
			return out, page.LastSeq, nil
		}
		if page.NextSeq <= from {
			return nil, 0, fmt.Errorf("history of %s: page from %d points back to %d", id, from, page.NextSeq)
		}
		from = page.NextSeq
	}
}

// fetch gets every event's transaction and block (and those of the extra
// transactions: the role-set changes) and the ledger's org roles in
// parallel, and each config block as soon as a fetched block names it, so
// that a verification costs about three round trips of latency.
func (r *run) fetch(events []domain.CustodyEvent, id domain.ItemID, extra []string) error {
	r.cands = prefixCandidates(id)
	r.txs = map[string]*txEntry{}
	var ids []string
	want := make([]string, 0, len(events)+len(extra))
	for _, ev := range events {
		want = append(want, ev.TxID)
	}
	for _, id := range append(want, extra...) {
		if _, ok := r.txs[id]; !ok {
			r.txs[id] = &txEntry{index: -1}
			ids = append(ids, id)
		}
	}
	p := newPool(r.ctx, r.opts.Concurrency)
	var mu sync.Mutex // guards r.txs entries, r.blocks, r.configs, r.roles
	p.do(func(ctx context.Context) error {
		roles, err := r.l.OrgRoles(ctx)
		if err != nil {
			return fmt.Errorf("org roles: %w", err)
		}
		mu.Lock()
		r.roles = roles
		mu.Unlock()
		return nil
	})
	// The GTIN's (SSCC's) company-prefix candidates, for the registrant's
	// and the recaller's right (the brand owner).
	cands := r.cands
	r.prefixes = make([]*domain.Prefix, len(cands))
	for i, c := range cands {
		p.do(func(ctx context.Context) error {
			pr, err := r.l.Prefix(ctx, c)
			if err != nil {
				return fmt.Errorf("prefix %s: %w", c, err)
			}
			r.prefixes[i] = pr
			return nil
		})
	}
	for _, id := range ids {
		e := r.txs[id]
		p.do(func(ctx context.Context) error {
			pt, err := r.l.TransactionByID(ctx, id)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, ErrNotFound):
				e.missing = err
			case err != nil:
				return fmt.Errorf("transaction %s: %w", id, err)
			default:
				e.pt = pt
			}
			return nil
		})
		p.do(func(ctx context.Context) error {
			b, err := r.l.BlockByTxID(ctx, id)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, ErrNotFound):
				e.missing = err
			case err != nil:
				return fmt.Errorf("block of transaction %s: %w", id, err)
			case b.GetHeader() != nil:
				e.block = b
				if _, ok := r.blocks[b.Header.Number]; !ok {
					r.blocks[b.Header.Number] = b
				}
				if n, err := lastConfigIndex(b); err == nil { // else reported by checkEvent
					if _, ok := r.configs[n]; !ok {
						r.configs[n] = &configEntry{}
						p.do(func(ctx context.Context) error { return r.fetchBlock(ctx, &mu, n) })
					}
				}
			}
			return nil
		})
	}
	if err := p.wait(); err != nil {
		return err
	}
	for _, pr := range r.prefixes {
		if pr != nil && pr.Status == domain.PrefixActive {
			r.brand, r.brandPrefix = pr.Owner, pr.Prefix
			break
		}
	}
	for id, e := range r.txs {
		if e.missing == nil && (e.pt == nil || e.block == nil) {
			e.missing = fmt.Errorf("empty answer for %s: %w", id, ErrNotFound)
		}
		if e.missing != nil {
			e.pt, e.block = nil, nil
		}
	}
	return nil
}

// fetchBlock gets block n into the cache unless it is there; a block the
// ledger lacks stays absent and is reported by the check that needs it.
func (r *run) fetchBlock(ctx context.Context, mu *sync.Mutex, n uint64) error {
	mu.Lock()
	_, ok := r.blocks[n]
	mu.Unlock()
	if ok {
		return nil
	}
	b, err := r.l.BlockByNumber(ctx, n)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		return fmt.Errorf("block %d: %w", n, err)
	}
	if b != nil {
		mu.Lock()
		r.blocks[n] = b
		mu.Unlock()
	}
	return nil
}

// fetchBlocks gets blocks by number that are not cached yet, a bounded
// batch of goroutines at a time.
func (r *run) fetchBlocks(nums []uint64) error {
	var mu sync.Mutex
	const batch = 256
	for lo := 0; lo < len(nums); lo += batch {
		p := newPool(r.ctx, r.opts.Concurrency)
		for _, n := range nums[lo:min(lo+batch, len(nums))] {
			p.do(func(ctx context.Context) error { return r.fetchBlock(ctx, &mu, n) })
		}
		if err := p.wait(); err != nil {
			return err
		}
	}
	return nil
}

// resolveConfigs fetches, for every config block after genesis, the block
// just before it and the config that block names, until the chain of
// configs reaches genesis: each config update is then checked against the
// orderers of the config before it, and genesis is the trust anchor.
func (r *run) resolveConfigs() error {
	for {
		var need []uint64
		for n, ce := range r.configs {
			if n > 0 && !ce.resolved {
				need = append(need, n-1)
			}
		}
		if len(need) == 0 {
			return nil
		}
		if err := r.fetchBlocks(need); err != nil {
			return err
		}
		var added []uint64
		for n, ce := range r.configs {
			if n == 0 || ce.resolved {
				continue
			}
			ce.resolved = true
			b := r.blocks[n-1]
			if b == nil {
				ce.prevErr = fmt.Errorf("block %d: %w", n-1, ErrNotFound)
				continue
			}
			p, err := lastConfigIndex(b)
			switch {
			case err != nil:
				ce.prevErr = fmt.Errorf("block %d: %w", n-1, err)
			case p >= n:
				ce.prevErr = fmt.Errorf("block %d names config block %d, not an earlier one", n-1, p)
			default:
				ce.prev = p
				if _, ok := r.configs[p]; !ok {
					r.configs[p] = &configEntry{}
					added = append(added, p)
				}
			}
		}
		if err := r.fetchBlocks(added); err != nil {
			return err
		}
	}
}

// checkConfigs checks the config blocks from genesis up: each parses, its
// data hash holds, genesis has the pinned hash (Options.GenesisHash), and
// every later one carries the signatures of the orderers of the config
// before it.
func (r *run) checkConfigs() {
	nums := make([]uint64, 0, len(r.configs))
	for n := range r.configs {
		nums = append(nums, n)
	}
	sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })
	if b := r.blocks[0]; b != nil && b.GetHeader().GetNumber() == 0 {
		if h, err := blockHeaderHash(b.Header); err == nil {
			r.genesisHash = fmt.Sprintf("%x", h)
		}
	}
	for _, n := range nums {
		ce := r.configs[n]
		ce.err = r.checkConfig(n, ce)
		if ce.err != nil {
			ce.cfg = nil
		}
		s := Step{Check: CheckChannelConfig, Subject: fmt.Sprintf("config block %d", n), Block: n}
		if ce.err != nil {
			s.Detail = ce.err.Error()
		} else {
			s.OK = true
			s.Detail = ce.cfg.describe()
			if n == 0 && len(r.opts.GenesisHash) > 0 {
				s.Detail += fmt.Sprintf("; genesis hash %x as pinned", r.opts.GenesisHash)
			} else if n == 0 {
				s.Detail += fmt.Sprintf("; genesis hash %s (not pinned)", r.genesisHash)
			} else {
				s.Detail += fmt.Sprintf("; signed under config block %d", ce.prev)
			}
		}
		r.add(s)
	}
}

func (r *run) checkConfig(n uint64, ce *configEntry) error {
	b := r.blocks[n]
	switch {
	case b == nil:
		return fmt.Errorf("config block %d: %w", n, ErrNotFound)
	case b.GetHeader().GetNumber() != n:
		return fmt.Errorf("asked for config block %d, got block %d", n, b.GetHeader().GetNumber())
	}
	if err := r.dataHash(b); err != nil {
		return fmt.Errorf("config block %d: %w", n, err)
	}
	cfg, err := r.parseConfig(b)
	if err != nil {
		return err
	}
	if n == 0 {
		if len(r.opts.GenesisHash) > 0 {
			h, err := blockHeaderHash(b.Header)
			if err != nil {
				return err
			}
			if !bytes.Equal(h, r.opts.GenesisHash) {
				return fmt.Errorf("genesis block hash %x, pinned %x: not the pinned channel", h, r.opts.GenesisHash)
			}
		}
		ce.cfg = cfg
		return nil
	}
	if ce.prevErr != nil {
		return fmt.Errorf("config before block %d: %w", n, ce.prevErr)
	}
	prev := r.configs[ce.prev]
	if prev == nil || prev.cfg == nil {
		return fmt.Errorf("config block %d: the config before it (block %d) is unusable", n, ce.prev)
	}
	// The pointer to the config before this one comes from block n-1's
	// orderer metadata: rely on it only when the orderers of that config
	// signed block n-1 (the signatures cover the metadata holding it).
	pb := r.blocks[n-1]
	if pb == nil || pb.GetHeader().GetNumber() != n-1 {
		return fmt.Errorf("block %d, which names the config before block %d, is missing", n-1, n)
	}
	if _, err := r.blockSigs(pb, prev.cfg); err != nil {
		return fmt.Errorf("block %d, which names config block %d as the one before block %d, is not signed by its orderers: %w", n-1, ce.prev, n, err)
	}
	if _, err := r.blockSigs(b, prev.cfg); err != nil {
		return fmt.Errorf("config block %d signatures (orderers of config block %d): %w", n, ce.prev, err)
	}
	ce.cfg = cfg
	return nil
}

// configFor returns the channel config in force for block b.
func (r *run) configFor(b *common.Block) (*channelConfig, error) {
	n, err := lastConfigIndex(b)
	if err != nil {
		return nil, fmt.Errorf("block %d: %w", b.GetHeader().GetNumber(), err)
	}
	ce := r.configs[n]
	if ce == nil {
		return nil, fmt.Errorf("config block %d not fetched", n)
	}
	if ce.err != nil {
		return nil, fmt.Errorf("config block %d unusable: %w", n, ce.err)
	}
	return ce.cfg, nil
}

// prepare parses every fetched transaction and locates it in its block,
// once per transaction, before the events are checked in parallel.
func (r *run) prepare() {
	r.blockChecks = map[uint64]*blockCheck{}
	for _, e := range r.txs {
		if e.missing != nil {
			continue
		}
		e.parsed, e.parseErr = r.parseTx(e.pt)
		e.index, e.indexErr = r.txIndex(e.block, e.pt)
		n := e.block.GetHeader().GetNumber()
		if _, ok := r.blockChecks[n]; !ok {
			r.blockChecks[n] = &blockCheck{}
		}
	}
}

// blockCheck holds a block's hash and signature results, computed once even
// when several events share the block.
type blockCheck struct {
	once    sync.Once
	dataErr error
	sigs    string
	sigErr  error
}

func (r *run) checkBlock(b *common.Block, cfg *channelConfig) *blockCheck {
	bc := r.blockChecks[b.GetHeader().GetNumber()]
	bc.once.Do(func() {
		bc.dataErr = r.dataHash(b)
		if cfg != nil {
			bc.sigs, bc.sigErr = r.blockSigs(b, cfg)
		}
	})
	return bc
}

// checkEvents checks the events in parallel (signature checks dominate and
// are CPU-bound) and adds their steps in history order.
func (r *run) checkEvents(events []domain.CustodyEvent) {
	out := make([][]Step, len(events))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(events)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = r.checkEvent(events[i])
			}
		}()
	}
	for i := range events {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, steps := range out {
		r.steps = append(r.steps, steps...)
	}
}

// checkEvent checks one custody event; it only reads shared state (the
// per-org certificate caches lock themselves).
func (r *run) checkEvent(ev domain.CustodyEvent) []Step {
	var steps []Step
	subject := fmt.Sprintf("seq %d %s", ev.Seq, ev.Type)
	e := r.txs[ev.TxID]
	step := func(check string, err error, okDetail string) {
		s := Step{Check: check, Subject: subject, Seq: ev.Seq, TxID: ev.TxID, OK: err == nil, Detail: okDetail}
		if e.block != nil {
			s.Block = e.block.GetHeader().GetNumber()
		}
		if err != nil {
			s.Detail = err.Error()
		}
		steps = append(steps, s)
	}

	// The transaction as committed.
	if e.missing != nil {
		step(CheckValidationCode, fmt.Errorf("transaction %s: %w", ev.TxID, e.missing), "")
		return steps
	}
	if e.pt.GetValidationCode() != int32(peer.TxValidationCode_VALID) {
		step(CheckValidationCode, fmt.Errorf("validation code %s", peer.TxValidationCode(e.pt.GetValidationCode())), "")
	} else {
		step(CheckValidationCode, nil, "VALID")
	}
	if e.parseErr != nil {
		step(CheckTransactionID, fmt.Errorf("transaction %s: %w", ev.TxID, e.parseErr), "")
		return steps
	}
	tx := e.parsed
	step(CheckTransactionID, tx.checkTxID(ev.TxID, r.l.Channel()), ev.TxID)
	step(CheckEventMatchesTx, tx.checkEventMatchesTx(ev), "txId, timestamp and submitter match")
	roles := r.rolesFor(ev.TxID)
	who, err := tx.checkSubmitter(ev, roles)
	step(CheckSubmitter, err, who)

	cfg, cfgErr := r.configFor(e.block)
	if cfgErr != nil {
		step(CheckCreatorSignature, cfgErr, "")
		step(CheckEndorsements, cfgErr, "")
		step(CheckEndorsePolicy, cfgErr, "")
	} else {
		who, err := r.creator(tx, cfg)
		step(CheckCreatorSignature, err, who)
		orgs, names, err := r.endorsements(tx, cfg)
		step(CheckEndorsements, err, names)
		desc, err := r.endorsement(ev, policyRoles(cfg, roles), orgs)
		step(CheckEndorsePolicy, err, desc)
	}
	x := r.expect[ev.Seq]
	step(CheckTransition, x.err, x.detail)
	sameTx := r.sameTx(ev)
	desc, err := tx.checkWriteSet(ev, r.l.ChaincodeName(), sameTx...)
	if d := r.txDecision(ev, sameTx); err == nil && d != nil {
		id, _ := subjectOf(ev.Item)
		desc, err = tx.checkDecisionWrites(id, d, r.l.ChaincodeName(), mspsOf(roles))
	}
	step(CheckWriteSet, err, desc)

	// The block.
	step(CheckTxInBlock, e.indexErr, fmt.Sprintf("transaction %d of block %d", e.index, e.block.GetHeader().GetNumber()))
	bc := r.checkBlock(e.block, cfg)
	step(CheckBlockDataHash, bc.dataErr, "matches the header")
	if cfgErr != nil {
		step(CheckBlockSignatures, cfgErr, "")
	} else {
		step(CheckBlockSignatures, bc.sigErr, bc.sigs)
	}
	return steps
}

// checkBinding checks that the history is the asked-for item's: every
// event names the canonical key asked for, and the record starts with its
// registration (gaps are event-order's).
func (r *run) checkBinding(key string, events []domain.CustodyEvent) {
	var problems []string
	for _, ev := range events {
		if ev.Item != key {
			problems = append(problems, fmt.Sprintf("seq %d is of item %s", ev.Seq, ev.Item))
			if len(problems) == 3 {
				break
			}
		}
	}
	if first := events[0]; first.Seq != 1 || first.Type != domain.EventRegistered {
		problems = append(problems, fmt.Sprintf("history starts with seq %d %s, not seq 1 %s", first.Seq, first.Type, domain.EventRegistered))
	}
	s := Step{Check: CheckItemBinding, Subject: key, OK: len(problems) == 0}
	if s.OK {
		s.Detail = fmt.Sprintf("%d events of %s from its registration", len(events), key)
	} else {
		s.Detail = "asked for " + key + ": " + strings.Join(problems, "; ")
	}
	r.add(s)
}

// endorsement checks the valid endorsers against what the replayed custody
// decision needs (derived from earlier events, not from the event under
// check); a legacy or refused event falls back to domain.ExpectedEndorsers
// of the event, and Options.Policy overrides both.
func (r *run) endorsement(ev domain.CustodyEvent, roles []domain.OrgRole, endorsers []string) (string, error) {
	x := r.expect[ev.Seq]
	if r.opts.Policy != nil || x == nil || x.decision == nil {
		pol := r.opts.Policy
		if pol == nil {
			pol = DefaultPolicy
		}
		return pol(ev, roles, endorsers)
	}
	p := x.decision.Endorsement
	// The MAJORITY counts over the channel's peer organizations (config).
	if p.Majority {
		orgs := mspsOf(roles)
		p.Orgs, p.Threshold = orgs, domain.PrefixVoteThreshold(len(orgs))
	}
	if err := p.SatisfiedBy(endorsers); err != nil {
		return "", fmt.Errorf("%s: %w", ev.Type, err)
	}
	return fmt.Sprintf("%s needs %s; endorsed by %s", ev.Type, p, strings.Join(endorsers, ", ")), nil
}

// txIndex finds the transaction in its block (same payload and signature
// bytes) and checks the block's validation flag for it.
func txIndex(b *common.Block, pt *peer.ProcessedTransaction) (int, error) {
	env := pt.GetTransactionEnvelope()
	for i, raw := range b.GetData().GetData() {
		be, err := unmarshalEnvelope(raw)
		if err != nil {
			continue
		}
		if string(be.GetPayload()) != string(env.GetPayload()) {
			continue
		}
		if string(be.GetSignature()) != string(env.GetSignature()) {
			return i, fmt.Errorf("block %d holds the transaction with another signature", b.GetHeader().GetNumber())
		}
		code, ok := txFilter(b, i)
		if !ok {
			return i, fmt.Errorf("block %d has no validation flag for transaction %d", b.GetHeader().GetNumber(), i)
		}
		if code != byte(peer.TxValidationCode_VALID) {
			return i, fmt.Errorf("block %d flags transaction %d %s", b.GetHeader().GetNumber(), i, peer.TxValidationCode(code))
		}
		return i, nil
	}
	return -1, fmt.Errorf("block %d does not hold the transaction", b.GetHeader().GetNumber())
}

type ordered struct {
	ev    domain.CustodyEvent
	block uint64
	index int
	e     *txEntry
}

// checkOrder checks, in block order, that transaction timestamps never run
// backwards and that sequence numbers rise.
func (r *run) checkOrder(events []domain.CustodyEvent) {
	var os []ordered
	for _, ev := range events {
		e := r.txs[ev.TxID]
		if e.parsed == nil || e.block == nil || e.index < 0 {
			continue // already failed
		}
		os = append(os, ordered{ev: ev, block: e.block.GetHeader().GetNumber(), index: e.index, e: e})
	}
	sort.SliceStable(os, func(i, j int) bool {
		if os[i].block != os[j].block {
			return os[i].block < os[j].block
		}
		return os[i].index < os[j].index
	})
	subject := fmt.Sprintf("%d events", len(events))
	var tsErr, seqErr error
	for i := 1; i < len(os); i++ {
		p, c := os[i-1], os[i]
		// The chaincode accepts an event up to domain.EventTimeTolerance
		// before the item's last one (honest clock drift), no more.
		if tsErr == nil && c.e.parsed.timestamp.Before(p.e.parsed.timestamp.Add(-domain.EventTimeTolerance*time.Second)) {
			tsErr = fmt.Errorf("seq %d (block %d) at %s is before seq %d (block %d) at %s by more than the %d s tolerance",
				c.ev.Seq, c.block, c.e.parsed.timestamp.Format("2006-01-02T15:04:05.000000000Z07:00"),
				p.ev.Seq, p.block, p.e.parsed.timestamp.Format("2006-01-02T15:04:05.000000000Z07:00"), domain.EventTimeTolerance)
		}
		if seqErr == nil && c.ev.Seq <= p.ev.Seq {
			seqErr = fmt.Errorf("seq %d (block %d) comes after seq %d (block %d)", c.ev.Seq, c.block, p.ev.Seq, p.block)
		}
	}
	// The history itself: one item, sequence 1..n without gaps, so that a
	// peer cannot leave an event (a recall, a theft) out of the middle.
	for i, ev := range events {
		if seqErr != nil {
			break
		}
		if ev.Item != events[0].Item {
			seqErr = fmt.Errorf("history mixes items %s and %s", events[0].Item, ev.Item)
		} else if ev.Seq != uint64(i+1) {
			seqErr = fmt.Errorf("history position %d holds seq %d: events are missing or repeated", i+1, ev.Seq)
		}
	}
	// The counter, which the next custody act numbers from, must name the
	// history's last event. It has no key-level policy: a colluding
	// majority that set it back made the owner's next act collide with an
	// existing event (refused: events are sealed); set ahead, the next act
	// lands behind a gap. Either is a write outside the custody rules.
	if n := len(events); seqErr == nil && r.lastSeq != 0 && n > 0 && events[n-1].Seq != r.lastSeq {
		seqErr = fmt.Errorf("the item's event counter names seq %d as its last event, its history ends at seq %d: the counter was written outside the custody rules", r.lastSeq, events[n-1].Seq)
	}
	span := ""
	if len(os) > 0 {
		span = fmt.Sprintf("blocks %d..%d", os[0].block, os[len(os)-1].block)
	}
	r.add(Step{Check: CheckTimestamps, Subject: subject, OK: tsErr == nil, Detail: errOr(tsErr, fmt.Sprintf("never more than %d s backwards over %s", domain.EventTimeTolerance, span))})
	r.add(Step{Check: CheckEventOrder, Subject: subject, OK: seqErr == nil, Detail: errOr(seqErr, "sequence rises over "+span)})
}

func errOr(err error, ok string) string {
	if err != nil {
		return err.Error()
	}
	return ok
}

// checkChain checks the previous-hash chain from block 0 to the item's last
// block, and, when that is the top of the ledger, against the ledger's
// reported current hash.
func (r *run) checkChain() error {
	var last uint64
	found := false
	for _, e := range r.txs {
		if e.block != nil && e.block.GetHeader() != nil {
			if n := e.block.Header.Number; !found || n > last {
				last, found = n, true
			}
		}
	}
	if !found {
		r.add(Step{Check: CheckHashChain, Subject: "no blocks", Detail: "no block of the item was found"})
		return nil
	}
	nums := make([]uint64, 0, last+1)
	for n := uint64(0); n <= last; n++ {
		nums = append(nums, n)
	}
	if err := r.fetchBlocks(nums); err != nil {
		return err
	}
	info, err := r.l.ChainInfo(r.ctx)
	if err != nil {
		return fmt.Errorf("chain info: %w", err)
	}
	s := Step{Check: CheckHashChain, Subject: fmt.Sprintf("blocks 0..%d", last), Block: last}
	s.Detail, err = chainOK(r.blocks, last, info)
	if err != nil {
		s.Detail = err.Error()
	} else {
		s.OK = true
	}
	r.add(s)
	return nil
}

func chainOK(blocks map[uint64]*common.Block, last uint64, info *common.BlockchainInfo) (string, error) {
	var prevHash []byte
	for n := uint64(0); n <= last; n++ {
		b := blocks[n]
		if b == nil || b.GetHeader() == nil {
			return "", fmt.Errorf("block %d: %w", n, ErrNotFound)
		}
		if b.Header.Number != n {
			return "", fmt.Errorf("asked for block %d, got block %d", n, b.Header.Number)
		}
		if err := checkDataHash(b); err != nil {
			return "", fmt.Errorf("block %d: %w", n, err)
		}
		if n > 0 && string(b.Header.PreviousHash) != string(prevHash) {
			return "", fmt.Errorf("block %d previous hash %x, hash of block %d is %x", n, b.Header.PreviousHash, n-1, prevHash)
		}
		h, err := blockHeaderHash(b.Header)
		if err != nil {
			return "", fmt.Errorf("block %d header: %w", n, err)
		}
		prevHash = h
	}
	detail := fmt.Sprintf("%d blocks linked, hash of block %d %x", last+1, last, prevHash)
	if info != nil && info.GetHeight() == last+1 {
		if string(info.GetCurrentBlockHash()) != string(prevHash) {
			return "", fmt.Errorf("ledger reports top hash %x, chain computes %x", info.GetCurrentBlockHash(), prevHash)
		}
		detail += " (the ledger's top)"
	}
	return detail, nil
}

// mspsOf lists the MSP IDs of a role set, in its order.
func mspsOf(roles []domain.OrgRole) []string {
	out := make([]string, 0, len(roles))
	for _, o := range roles {
		out = append(out, o.MSP)
	}
	return out
}

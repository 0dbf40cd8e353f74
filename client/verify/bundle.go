package verify

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"

	"github.com/provledger/provenance/chaincode/domain"
)

// BundleFormat names the evidence bundle format (BUNDLE.md); a reader
// refuses any other.
const BundleFormat = "prov-evidence/1"

// CheckBundle names the checks of a bundle's own claims (its listed roots
// and genesis hash against its config blocks, a question it cannot answer).
const CheckBundle = "bundle"

// Bundle is a self-contained evidence bundle: everything verify.Item read
// from the ledger for its items, so that Item can run again offline. Only
// the blocks carry proof (orderer signatures, hashes); every other field is
// the maker's claim, checked against the blocks or reported as such.
type Bundle struct {
	Format    string       `json:"format"`
	CreatedAt string       `json:"createdAt"` // RFC 3339, the maker's clock
	CreatedBy *BundleMaker `json:"createdBy,omitempty"`
	// Peers answered (first) and confirmed the ledger reads.
	Peers       []string `json:"peers"`
	Unconfirmed []string `json:"unconfirmed,omitempty"`
	Channel     string   `json:"channel"`
	Chaincode   string   `json:"chaincode"`
	Items       []string `json:"items"` // canonical keys
	// Chain: the bundle holds every block from genesis to the items' last
	// (verify --chain) and the ledger's chain info then.
	Chain       bool   `json:"chain"`
	GenesisHash string `json:"genesisHash"` // hex header hash of block 0, recomputed by the reader
	// Histories are the GetHistory answers, one per item.
	Histories []BundleHistory `json:"histories"`
	// OrgRoles (GetOrgRoles) and OrgRolesHistory (GetOrgRolesHistory):
	// null means not recorded, which offline verification refuses.
	OrgRoles        []domain.OrgRole       `json:"orgRoles"`
	OrgRolesHistory []domain.RoleSetChange `json:"orgRolesHistory"`
	// Prefixes are the GetPrefix answers; Record null = never claimed.
	Prefixes  []BundlePrefix `json:"prefixes"`
	ChainInfo []byte         `json:"chainInfo,omitempty"` // common.BlockchainInfo
	Blocks    []BundleBlock  `json:"blocks"`              // by number, each once
	// Roots are the MSP certificates of every config block in Blocks,
	// for people and other tools; verification uses the config blocks
	// themselves and fails the bundle check when these differ.
	Roots []BundleRoots `json:"roots"`
}

// BundleMaker is who made a bundle (as they say: the bundle is unsigned).
type BundleMaker struct {
	MSPID       string `json:"mspId"`
	Subject     string `json:"subject"`
	Certificate string `json:"certificate"` // PEM
}

// BundleHistory is an item's custody events as GetHistory served them.
type BundleHistory struct {
	Item   string                `json:"item"`
	Events []domain.CustodyEvent `json:"events"`
}

// BundlePrefix is a GetPrefix answer.
type BundlePrefix struct {
	Prefix string         `json:"prefix"`
	Record *domain.Prefix `json:"record"`
}

// BundleBlock is a whole block, protobuf common.Block bytes.
type BundleBlock struct {
	Number uint64 `json:"number"`
	Block  []byte `json:"block"`
}

// BundleRoots is one organization's MSP certificates in one config block.
type BundleRoots struct {
	ConfigBlock       uint64   `json:"configBlock"`
	Group             string   `json:"group"` // Application or Orderer
	MSPID             string   `json:"mspId"`
	RootCerts         []string `json:"rootCerts"`                   // PEM
	IntermediateCerts []string `json:"intermediateCerts,omitempty"` // PEM
}

// WriteBundle writes b as indented JSON.
func WriteBundle(w io.Writer, b *Bundle) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(b)
}

// ReadBundle reads a bundle and refuses another format or version, or
// unknown fields (a field this reader would ignore could be one the maker
// relies on).
func ReadBundle(r io.Reader) (*Bundle, error) {
	var probe struct {
		Format string `json:"format"`
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read bundle: %w", err)
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("bundle is not JSON: %w", err)
	}
	if probe.Format != BundleFormat {
		return nil, fmt.Errorf("bundle format %q, this reader knows %q", probe.Format, BundleFormat)
	}
	var b Bundle
	if err := strictJSON(data, &b); err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	return &b, nil
}

// ---------------------------------------------------------------- making

// Recorder is a Ledger that records every answer of the Ledger it wraps,
// to make a Bundle of what verifications read. It answers nothing itself:
// it reads through a Cached ledger (the one it is given, or one it puts
// over it), so a repeated question (a block, a transaction, the roles, a
// prefix: items registered or shipped together share blocks) is asked once
// and recorded as answered.
type Recorder struct {
	l  Ledger
	mu sync.Mutex
	// histories: id -> events served, in order, of the last full read
	histories map[string][]domain.CustodyEvent
	order     []string
	roles     []domain.OrgRole
	roleHist  []domain.RoleSetChange
	prefixes  map[string]*domain.Prefix
	blocks    map[uint64]*common.Block
	info      *common.BlockchainInfo
}

// NewRecorder wraps l, through Cached(l) unless l is a Cached ledger.
func NewRecorder(l Ledger) *Recorder {
	if memoOf(l) == nil {
		l = Cached(l)
	}
	return &Recorder{l: l, histories: map[string][]domain.CustodyEvent{}, prefixes: map[string]*domain.Prefix{},
		blocks: map[uint64]*common.Block{}}
}

func (r *Recorder) Channel() string       { return r.l.Channel() }
func (r *Recorder) ChaincodeName() string { return r.l.ChaincodeName() }

func (r *Recorder) History(ctx context.Context, id string, fromSeq uint64, limit int) (domain.HistoryPage, error) {
	p, err := r.l.History(ctx, id, fromSeq, limit)
	if err != nil {
		return p, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.histories[id]; !ok {
		r.order = append(r.order, id)
	}
	if fromSeq == 0 {
		r.histories[id] = nil
	}
	r.histories[id] = append(r.histories[id], p.Events...)
	return p, nil
}

// record keeps an answer with set (under the lock) when there was no error.
func record[V any](r *Recorder, v V, err error, set func(V)) (V, error) {
	if err == nil {
		r.mu.Lock()
		set(v)
		r.mu.Unlock()
	}
	return v, err
}

func (r *Recorder) OrgRoles(ctx context.Context) ([]domain.OrgRole, error) {
	roles, err := r.l.OrgRoles(ctx)
	return record(r, roles, err, func(v []domain.OrgRole) { r.roles = append([]domain.OrgRole{}, v...) })
}

// OrgRolesHistory records the inner Ledger's role history; a Ledger
// without one answers an error, so that Item and the bundle agree.
func (r *Recorder) OrgRolesHistory(ctx context.Context) ([]domain.RoleSetChange, error) {
	h, ok := r.l.(RoleHistorian)
	if !ok {
		return nil, errors.New("GetOrgRolesHistory: the ledger answers no role history")
	}
	out, err := h.OrgRolesHistory(ctx)
	return record(r, out, err, func(v []domain.RoleSetChange) { r.roleHist = append([]domain.RoleSetChange{}, v...) })
}

// TransactionByID is not put in the bundle, which answers it from its
// blocks (Item asks BlockByTxID of every transaction it reads).
func (r *Recorder) TransactionByID(ctx context.Context, txID string) (*peer.ProcessedTransaction, error) {
	return r.l.TransactionByID(ctx, txID)
}

func (r *Recorder) BlockByTxID(ctx context.Context, txID string) (*common.Block, error) {
	return r.keep(r.l.BlockByTxID(ctx, txID))
}

func (r *Recorder) BlockByNumber(ctx context.Context, number uint64) (*common.Block, error) {
	return r.keep(r.l.BlockByNumber(ctx, number))
}

func (r *Recorder) keep(b *common.Block, err error) (*common.Block, error) {
	if b.GetHeader() == nil {
		return b, err
	}
	return record(r, b, err, func(b *common.Block) { r.blocks[b.Header.Number] = b })
}

// ChainInfo records the answer (the cache's: one height per command).
func (r *Recorder) ChainInfo(ctx context.Context) (*common.BlockchainInfo, error) {
	info, err := r.l.ChainInfo(ctx)
	return record(r, info, err, func(v *common.BlockchainInfo) { r.info = v })
}

func (r *Recorder) Prefix(ctx context.Context, prefix string) (*domain.Prefix, error) {
	p, err := r.l.Prefix(ctx, prefix)
	return record(r, p, err, func(v *domain.Prefix) { r.prefixes[prefix] = v })
}

// BundleMeta is what a Bundle says about its making.
type BundleMeta struct {
	CreatedAt   time.Time
	CreatedBy   *BundleMaker
	Peers       []string // answering peer first
	Unconfirmed []string
	Chain       bool
}

// Bundle returns what was recorded for items (canonical keys).
func (r *Recorder) Bundle(items []string, meta BundleMeta) (*Bundle, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := &Bundle{
		Format: BundleFormat, CreatedAt: meta.CreatedAt.UTC().Format(time.RFC3339Nano), CreatedBy: meta.CreatedBy,
		Peers: meta.Peers, Unconfirmed: meta.Unconfirmed, Channel: r.l.Channel(), Chaincode: r.l.ChaincodeName(),
		Items: items, Chain: meta.Chain, OrgRoles: r.roles, OrgRolesHistory: r.roleHist,
		Histories: []BundleHistory{}, Prefixes: []BundlePrefix{}, Blocks: []BundleBlock{},
	}
	for _, id := range r.order {
		b.Histories = append(b.Histories, BundleHistory{Item: id, Events: r.histories[id]})
	}
	for _, p := range sortedKeys(r.prefixes) {
		b.Prefixes = append(b.Prefixes, BundlePrefix{Prefix: p, Record: r.prefixes[p]})
	}
	if r.info != nil && meta.Chain {
		raw, err := proto.Marshal(r.info)
		if err != nil {
			return nil, fmt.Errorf("chain info: %w", err)
		}
		b.ChainInfo = raw
	}
	nums := make([]uint64, 0, len(r.blocks))
	for n := range r.blocks {
		nums = append(nums, n)
	}
	sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })
	blocks := make(map[uint64]*common.Block, len(nums))
	for _, n := range nums {
		raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(r.blocks[n])
		if err != nil {
			return nil, fmt.Errorf("block %d: %w", n, err)
		}
		b.Blocks = append(b.Blocks, BundleBlock{Number: n, Block: raw})
		blocks[n] = r.blocks[n]
	}
	if g := blocks[0]; g != nil {
		h, err := blockHeaderHash(g.Header)
		if err != nil {
			return nil, err
		}
		b.GenesisHash = hex.EncodeToString(h)
	}
	b.Roots = rootsOf(blocks)
	return b, nil
}

// rootsOf lists the MSP certificates of every config block among blocks,
// in block, group and MSP ID order; blocks that are not config blocks are
// skipped.
func rootsOf(blocks map[uint64]*common.Block) []BundleRoots {
	nums := make([]uint64, 0, len(blocks))
	for n := range blocks {
		nums = append(nums, n)
	}
	sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })
	out := []BundleRoots{}
	for _, n := range nums {
		root, err := channelGroup(blocks[n])
		if err != nil {
			continue
		}
		for _, g := range []string{groupApplication, groupOrderer} {
			confs, err := fabricMSPs(root.GetGroups()[g])
			if err != nil {
				continue // the channel-config check reports it
			}
			var rs []BundleRoots
			for _, fc := range confs {
				r := BundleRoots{ConfigBlock: n, Group: g, MSPID: fc.GetName(), RootCerts: []string{}}
				for _, c := range fc.GetRootCerts() {
					r.RootCerts = append(r.RootCerts, string(c))
				}
				for _, c := range fc.GetIntermediateCerts() {
					r.IntermediateCerts = append(r.IntermediateCerts, string(c))
				}
				rs = append(rs, r)
			}
			sort.Slice(rs, func(i, j int) bool { return rs[i].MSPID < rs[j].MSPID })
			out = append(out, rs...)
		}
	}
	return out
}

// ---------------------------------------------------------------- reading

// BundleLedger answers Ledger queries from a Bundle alone. What the bundle
// does not hold is an error naming it (ErrNotFound for transactions and
// blocks, which Item reports as failed checks), never an empty answer.
type BundleLedger struct {
	b       *Bundle
	blocks  map[uint64]*common.Block
	txs     map[string]txPlace
	history map[string][]domain.CustodyEvent
	prefix  map[string]*domain.Prefix
	// problems are blocks that do not decode, reported by Check.
	problems []string
}

type txPlace struct {
	block uint64
	index int
}

// NewBundleLedger indexes b's blocks and transactions.
func NewBundleLedger(b *Bundle) *BundleLedger {
	l := &BundleLedger{b: b, blocks: map[uint64]*common.Block{}, txs: map[string]txPlace{},
		history: map[string][]domain.CustodyEvent{}, prefix: map[string]*domain.Prefix{}}
	for _, bb := range b.Blocks {
		blk := &common.Block{}
		if err := proto.Unmarshal(bb.Block, blk); err != nil || blk.GetHeader() == nil {
			l.problems = append(l.problems, fmt.Sprintf("block entry %d does not decode: %v", bb.Number, err))
			continue
		}
		if blk.Header.Number != bb.Number {
			l.problems = append(l.problems, fmt.Sprintf("block entry %d holds block %d", bb.Number, blk.Header.Number))
		}
		if _, dup := l.blocks[bb.Number]; dup {
			l.problems = append(l.problems, fmt.Sprintf("block %d is listed twice", bb.Number))
			continue
		}
		l.blocks[bb.Number] = blk
		for i, raw := range blk.GetData().GetData() {
			id := envelopeTxID(raw)
			if id == "" {
				continue
			}
			// A transaction ID in two places: the VALID one counts, as
			// on a peer's ledger (a duplicate is flagged invalid).
			if p, ok := l.txs[id]; ok {
				if code, _ := txFilter(l.blocks[p.block], p.index); code == byte(peer.TxValidationCode_VALID) {
					continue
				}
			}
			l.txs[id] = txPlace{block: bb.Number, index: i}
		}
	}
	for _, h := range b.Histories {
		l.history[h.Item] = h.Events
	}
	for _, p := range b.Prefixes {
		l.prefix[p.Prefix] = p.Record
	}
	return l
}

// envelopeTxID is the transaction ID in an envelope's channel header, ""
// when it does not parse.
func envelopeTxID(raw []byte) string {
	env, err := unmarshalEnvelope(raw)
	if err != nil {
		return ""
	}
	payload := &common.Payload{}
	if proto.Unmarshal(env.GetPayload(), payload) != nil {
		return ""
	}
	chdr := &common.ChannelHeader{}
	if proto.Unmarshal(payload.GetHeader().GetChannelHeader(), chdr) != nil {
		return ""
	}
	return chdr.GetTxId()
}

// missingError is what a bundle lacks: ErrNotFound to Item, worded as the
// bundle's gap rather than the ledger's.
type missingError struct{ what string }

func (e missingError) Error() string        { return e.what + ": not in the bundle" }
func (e missingError) Is(target error) bool { return target == ErrNotFound }

func notInBundle(what string) error { return missingError{what} }

func (l *BundleLedger) Channel() string       { return l.b.Channel }
func (l *BundleLedger) ChaincodeName() string { return l.b.Chaincode }

func (l *BundleLedger) History(_ context.Context, id string, fromSeq uint64, _ int) (domain.HistoryPage, error) {
	events, ok := l.history[id]
	if !ok {
		return domain.HistoryPage{}, notInBundle("the GetHistory answer")
	}
	// One page holds it all: from 0 every event as served, else the rest.
	page := domain.HistoryPage{Events: []domain.CustodyEvent{}}
	for _, ev := range events {
		if fromSeq == 0 || ev.Seq >= fromSeq {
			page.Events = append(page.Events, ev)
		}
	}
	return page, nil
}

func (l *BundleLedger) OrgRoles(context.Context) ([]domain.OrgRole, error) {
	if l.b.OrgRoles == nil {
		return nil, notInBundle("org roles (GetOrgRoles)")
	}
	return l.b.OrgRoles, nil
}

// OrgRolesHistory makes BundleLedger a RoleHistorian: a bundle without the
// history fails rather than be judged under the current set only.
func (l *BundleLedger) OrgRolesHistory(context.Context) ([]domain.RoleSetChange, error) {
	if l.b.OrgRolesHistory == nil {
		return nil, notInBundle("org role history (GetOrgRolesHistory)")
	}
	return l.b.OrgRolesHistory, nil
}

// TransactionByID answers from the block holding it, with the validation
// code of the block's TRANSACTIONS_FILTER (NOT_VALIDATED without one).
func (l *BundleLedger) TransactionByID(_ context.Context, txID string) (*peer.ProcessedTransaction, error) {
	p, ok := l.txs[txID]
	if !ok {
		return nil, notInBundle("transaction " + txID)
	}
	b := l.blocks[p.block]
	env, err := unmarshalEnvelope(b.Data.Data[p.index])
	if err != nil {
		return nil, fmt.Errorf("transaction %s in block %d: %w", txID, p.block, err)
	}
	code := int32(peer.TxValidationCode_NOT_VALIDATED)
	if c, ok := txFilter(b, p.index); ok {
		code = int32(c)
	}
	return &peer.ProcessedTransaction{TransactionEnvelope: env, ValidationCode: code}, nil
}

func (l *BundleLedger) BlockByTxID(_ context.Context, txID string) (*common.Block, error) {
	p, ok := l.txs[txID]
	if !ok {
		return nil, notInBundle("block of transaction " + txID)
	}
	return l.blocks[p.block], nil
}

func (l *BundleLedger) BlockByNumber(_ context.Context, n uint64) (*common.Block, error) {
	b, ok := l.blocks[n]
	if !ok {
		return nil, notInBundle(fmt.Sprintf("block %d", n))
	}
	return b, nil
}

func (l *BundleLedger) ChainInfo(context.Context) (*common.BlockchainInfo, error) {
	if len(l.b.ChainInfo) == 0 {
		return nil, notInBundle("chain info (made without --chain)")
	}
	info := &common.BlockchainInfo{}
	if err := proto.Unmarshal(l.b.ChainInfo, info); err != nil {
		return nil, fmt.Errorf("bundle chain info: %w", err)
	}
	return info, nil
}

func (l *BundleLedger) Prefix(_ context.Context, prefix string) (*domain.Prefix, error) {
	p, ok := l.prefix[prefix]
	if !ok {
		return nil, notInBundle("the GetPrefix answer for " + prefix)
	}
	return p, nil
}

// Check checks the bundle's own claims against its blocks: every block
// decodes under its number, the listed roots are exactly its config
// blocks' MSP certificates, and the genesis hash is block 0's.
func (l *BundleLedger) Check() []Step {
	blocks := Step{Check: CheckBundle, Subject: "blocks", OK: len(l.problems) == 0,
		Detail: errOr(joinErr(l.problems), fmt.Sprintf("%d blocks decode", len(l.blocks)))}
	roots := Step{Check: CheckBundle, Subject: "roots", OK: true}
	want := rootsOf(l.blocks)
	if d := rootsDiff(want, l.b.Roots); d != "" {
		roots.OK, roots.Detail = false, "listed roots are not the config blocks' MSP certificates: "+d
	} else {
		roots.Detail = fmt.Sprintf("%d MSP entries, as in the config blocks", len(want))
	}
	gen := Step{Check: CheckBundle, Subject: "genesis hash", OK: true}
	if g := l.blocks[0]; g == nil {
		gen.OK, gen.Detail = false, "block 0 (the genesis block, the trust anchor) is not in the bundle"
	} else if h, err := blockHeaderHash(g.Header); err != nil {
		gen.OK, gen.Detail = false, err.Error()
	} else if got := hex.EncodeToString(h); !strings.EqualFold(got, l.b.GenesisHash) {
		gen.OK, gen.Detail = false, fmt.Sprintf("bundle says %q, block 0's header hash is %s", l.b.GenesisHash, got)
	} else {
		gen.Detail = got + " is block 0's header hash"
	}
	return []Step{blocks, roots, gen}
}

// GenesisHash is block 0's header hash as the bundle's block 0 computes
// it ("" without one): what an outsider compares out of band.
func (l *BundleLedger) GenesisHash() string {
	g := l.blocks[0]
	if g == nil {
		return ""
	}
	h, err := blockHeaderHash(g.Header)
	if err != nil {
		return ""
	}
	return hex.EncodeToString(h)
}

func joinErr(problems []string) error {
	if len(problems) == 0 {
		return nil
	}
	return errors.New(strings.Join(problems, "; "))
}

func rootsDiff(want, got []BundleRoots) string {
	key := func(r BundleRoots) string {
		return fmt.Sprintf("config block %d %s %s", r.ConfigBlock, r.Group, r.MSPID)
	}
	w := map[string]BundleRoots{}
	for _, r := range want {
		w[key(r)] = r
	}
	seen := map[string]bool{}
	var out []string
	for _, r := range got {
		k := key(r)
		wr, ok := w[k]
		switch {
		case !ok:
			out = append(out, k+" is not in the blocks")
		case seen[k]:
			out = append(out, k+" is listed twice")
		case strings.Join(wr.RootCerts, "") != strings.Join(r.RootCerts, "") || strings.Join(wr.IntermediateCerts, "") != strings.Join(r.IntermediateCerts, ""):
			out = append(out, k+" lists other certificates")
		}
		seen[k] = true
	}
	for _, r := range want {
		if !seen[key(r)] {
			out = append(out, key(r)+" is missing")
		}
	}
	if len(out) > 3 {
		out = append(out[:3], fmt.Sprintf("and %d more", len(out)-3))
	}
	return strings.Join(out, "; ")
}

// VerifyBundle verifies items (all the bundle's when none) from the bundle
// alone with Item. The bundle's checks are every report's first steps; an
// item Item cannot verify (not in the bundle) is a failed report, not an
// error.
func VerifyBundle(ctx context.Context, b *Bundle, items []string, opts Options) []Report {
	l := NewBundleLedger(b)
	if len(items) == 0 {
		items = b.Items
	}
	if opts.Self == "" {
		opts.Self = "the bundle " + b.Describe()
	}
	opts.Peers = nil // offline: there is no one to ask
	own := l.Check()
	out := make([]Report, len(items))
	// Items a few at a time: each checks its events in parallel already.
	p := newPool(ctx, max(2, runtime.GOMAXPROCS(0)))
	for i, id := range items {
		p.do(func(ctx context.Context) error {
			rep, err := Item(ctx, l, id, opts)
			if err != nil {
				key := id
				if ident, perr := domain.ParseIdentifier(id); perr == nil {
					key = ident.Key()
				}
				rep = Report{Item: key, Steps: []Step{{Check: CheckBundle, Subject: key, Detail: "cannot verify: " + err.Error()}}}
			}
			rep.Steps = append(append([]Step{}, own...), rep.Steps...)
			rep.GenesisHash = l.GenesisHash()
			rep.OK = len(rep.Failed()) == 0
			out[i] = rep
			return nil
		})
	}
	if err := p.wait(); err != nil {
		// cancelled: what did not run is a failed report, never a pass
		for i, id := range items {
			if out[i].Item == "" {
				out[i] = Report{Item: id, Steps: []Step{{Check: CheckBundle, Subject: id, Detail: "not verified: " + err.Error()}}}
			}
		}
	}
	return out
}

// Describe says when, by whom and through which peers the bundle was made
// (the maker's claims).
func (b *Bundle) Describe() string {
	s := "made " + b.CreatedAt
	if b.CreatedBy != nil {
		s += " by " + b.CreatedBy.MSPID
		if b.CreatedBy.Subject != "" {
			s += " (" + b.CreatedBy.Subject + ")"
		}
	}
	if len(b.Peers) > 0 {
		s += " through " + strings.Join(b.Peers, ", ")
	}
	return s
}

package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"

	"github.com/provledger/provenance/chaincode/domain"
)

// Peer is another organization's peer that confirms what the answering
// peer served (Options.Peers).
type Peer struct {
	// Name names the peer in the report, e.g. "DistributorMSP
	// (peer0.distributor.prov)".
	Name string
	// Ledger reads through that peer; nil when it could not be connected
	// (Err says why).
	Ledger Ledger
	Err    error
}

// Trust says what a verification rests on: through how many peers its
// blocks were confirmed, whether the genesis block was pinned, and what the
// ordering service's signatures prove.
type Trust struct {
	// Peers are the peers whose answers were used and agreed, the answering
	// peer first.
	Peers []string `json:"peers"`
	// Unconfirmed are peers that were asked but could not confirm
	// (unreachable, or missing a block); they are warnings, not failures.
	Unconfirmed   []string `json:"unconfirmed,omitempty"`
	GenesisPinned bool     `json:"genesisPinned"`
	// Ordering is what the block signatures prove, e.g. "BFT quorum 3 of 4
	// consenters" or "1 orderer signature (etcdraft)".
	Ordering string `json:"ordering"`
	// Summary is the one-line form the CLI prints after "verified".
	Summary string `json:"summary"`
}

func (t *Trust) summarize() {
	var parts []string
	n := len(t.Peers)
	if n == 1 {
		parts = append(parts, "through 1 peer ("+t.Peers[0]+")")
	} else {
		parts = append(parts, fmt.Sprintf("through %d peers (%s)", n, strings.Join(t.Peers, ", ")))
	}
	if len(t.Unconfirmed) > 0 {
		parts = append(parts, fmt.Sprintf("%d unconfirmed (%s)", len(t.Unconfirmed), strings.Join(t.Unconfirmed, ", ")))
	}
	if t.GenesisPinned {
		parts = append(parts, "genesis pinned")
	} else {
		parts = append(parts, "genesis not pinned")
	}
	if t.Ordering != "" {
		parts = append(parts, t.Ordering)
	}
	t.Summary = strings.Join(parts, ", ")
}

// ordering describes the block signatures of the newest config used.
func (r *run) ordering() string {
	var best *channelConfig
	for _, ce := range r.configs {
		if ce.cfg != nil && (best == nil || ce.cfg.number > best.number) {
			best = ce.cfg
		}
	}
	switch {
	case best == nil:
		return ""
	case best.consensus == consensusBFT:
		return fmt.Sprintf("BFT quorum %d of %d consenters", bftQuorum(len(best.consenters)), len(best.consenters))
	default:
		return fmt.Sprintf("1 orderer signature (%s)", best.consensus)
	}
}

// blockFacts are what peers must agree on for a block: the header hash
// (which the orderers signed), and what each committing peer wrote itself
// and no orderer signed: the validation flags (TRANSACTIONS_FILTER) and the
// commit hash (COMMIT_HASH, over the block's valid writes and the previous
// commit hash).
type blockFacts struct {
	header     []byte
	filter     []byte
	commitHash []byte
}

func factsOf(b *common.Block) (blockFacts, error) {
	var f blockFacts
	h, err := blockHeaderHash(b.GetHeader())
	if err != nil {
		return f, err
	}
	f.header = h
	mds := b.GetMetadata().GetMetadata()
	if len(mds) > int(common.BlockMetadataIndex_TRANSACTIONS_FILTER) {
		f.filter = mds[common.BlockMetadataIndex_TRANSACTIONS_FILTER]
	}
	if len(mds) > int(common.BlockMetadataIndex_COMMIT_HASH) && len(mds[common.BlockMetadataIndex_COMMIT_HASH]) > 0 {
		md := &common.Metadata{}
		if err := proto.Unmarshal(mds[common.BlockMetadataIndex_COMMIT_HASH], md); err != nil {
			return f, fmt.Errorf("commit hash metadata: %w", err)
		}
		f.commitHash = md.GetValue()
	}
	return f, nil
}

func (a blockFacts) diff(b blockFacts) string {
	var d []string
	if !bytes.Equal(a.header, b.header) {
		d = append(d, fmt.Sprintf("header hash %x, answering peer's %x", b.header, a.header))
	}
	if !bytes.Equal(a.filter, b.filter) {
		d = append(d, fmt.Sprintf("validation flags %s, answering peer's %s", flags(b.filter), flags(a.filter)))
	}
	if !bytes.Equal(a.commitHash, b.commitHash) {
		d = append(d, fmt.Sprintf("commit hash %x, answering peer's %x", b.commitHash, a.commitHash))
	}
	return strings.Join(d, "; ")
}

func flags(f []byte) string {
	out := make([]string, len(f))
	for i, c := range f {
		out[i] = fmt.Sprintf("%d", c)
	}
	return "[" + strings.Join(out, " ") + "]"
}

// confirm asks every other peer for the item's history, the org roles and
// every block the verification relied on, and compares: any difference is a
// failed peer-agreement step naming the peer; a peer that cannot answer is
// a warning (it confirms nothing, and the trust summary says so), because
// one organization must not be able to stop others from verifying by
// taking its own peer down.
func (r *run) confirm(key string, events []domain.CustodyEvent) error {
	nums := make([]uint64, 0, len(r.blocks))
	for n := range r.blocks {
		nums = append(nums, n)
	}
	sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })
	want := make(map[uint64]blockFacts, len(nums))
	for _, n := range nums {
		f, err := factsOf(r.blocks[n])
		if err != nil {
			return fmt.Errorf("block %d: %w", n, err)
		}
		want[n] = f
	}
	steps := make([]Step, len(r.opts.Peers))
	p := newPool(r.ctx, len(r.opts.Peers)+1)
	for i, peer := range r.opts.Peers {
		p.do(func(ctx context.Context) error {
			steps[i] = r.confirmPeer(ctx, peer, key, events, nums, want)
			return nil
		})
	}
	if err := p.wait(); err != nil {
		return err
	}
	for _, s := range steps {
		r.add(s)
		switch {
		case s.Warning:
			r.trust.Unconfirmed = append(r.trust.Unconfirmed, s.Subject)
		case s.OK:
			r.trust.Peers = append(r.trust.Peers, s.Subject)
		}
	}
	return nil
}

func (r *run) confirmPeer(ctx context.Context, peer Peer, key string, events []domain.CustodyEvent, nums []uint64, want map[uint64]blockFacts) Step {
	s := Step{Check: CheckPeerAgreement, Subject: peer.Name}
	warn := func(err error) Step {
		s.OK, s.Warning = true, true
		s.Detail = "not confirmed: " + err.Error()
		return s
	}
	fail := func(format string, args ...any) Step {
		s.Detail = "disagrees with the answering peer: " + fmt.Sprintf(format, args...)
		return s
	}
	if peer.Ledger == nil {
		return warn(peer.Err)
	}
	// Blocks first, in parallel: a peer that lacks one of them (behind, or
	// hiding it) confirms nothing.
	got := make([]*common.Block, len(nums))
	errs := make([]error, len(nums))
	p := newPool(ctx, 8)
	for i, n := range nums {
		p.do(func(ctx context.Context) error {
			got[i], errs[i] = peer.Ledger.BlockByNumber(ctx, n)
			return nil
		})
	}
	if err := p.wait(); err != nil {
		return warn(err)
	}
	for i, n := range nums {
		b, err := got[i], errs[i]
		if err != nil {
			return warn(fmt.Errorf("block %d: %w", n, err))
		}
		if b.GetHeader().GetNumber() != n {
			return fail("asked for block %d, got block %d", n, b.GetHeader().GetNumber())
		}
		f, err := factsOf(b)
		if err != nil {
			return fail("block %d: %v", n, err)
		}
		if d := want[n].diff(f); d != "" {
			return fail("block %d: %s", n, d)
		}
	}
	hist, err := (&run{ctx: ctx, l: peer.Ledger}).history(key)
	if err != nil && !errors.Is(err, ErrNotFound) && domain.CodeOf(err) != domain.CodeNotFound {
		return warn(fmt.Errorf("history: %w", err))
	}
	if d := historyDiff(events, hist); d != "" {
		return fail("history of %s: %s", key, d)
	}
	roles, err := peer.Ledger.OrgRoles(ctx)
	if err != nil {
		return warn(fmt.Errorf("org roles: %w", err))
	}
	if !sameRoleSet(roles, r.roles) {
		return fail("org roles %v, answering peer's %v", roles, r.roles)
	}
	// The role-set history the events were judged under: a peer that hides
	// a change (or invents one) disagrees here.
	if h, ok := peer.Ledger.(RoleHistorian); ok {
		if _, asked := r.l.(RoleHistorian); asked {
			got, err := h.OrgRolesHistory(ctx)
			if err != nil {
				return warn(fmt.Errorf("org role history: %w", err))
			}
			if d := roleHistoryDiff(r.roleChanges, got); d != "" {
				return fail("org role history: %s", d)
			}
		}
	}
	// The company-prefix records the registrant check relied on.
	for i, c := range r.cands {
		got, err := peer.Ledger.Prefix(ctx, c)
		if err != nil {
			return warn(fmt.Errorf("prefix %s: %w", c, err))
		}
		if d := prefixDiff(r.prefixes[i], got); d != "" {
			return fail("prefix %s: %s", c, d)
		}
	}
	s.OK = true
	s.Detail = fmt.Sprintf("same history (%d events), org roles and their history, company prefixes and %d blocks (header hashes, validation flags, commit hashes)", len(events), len(nums))
	return s
}

func historyDiff(a, b []domain.CustodyEvent) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d events, answering peer's %d", len(b), len(a))
	}
	for i := range a {
		if a[i] != b[i] {
			x, _ := json.Marshal(b[i])
			y, _ := json.Marshal(a[i])
			return fmt.Sprintf("seq %d is %s, answering peer's %s", a[i].Seq, x, y)
		}
	}
	return ""
}

// roleHistoryDiff compares two role-set histories by transaction and set.
func roleHistoryDiff(want, got []domain.RoleSetChange) string {
	if len(want) != len(got) {
		return fmt.Sprintf("%d changes, answering peer's %d", len(got), len(want))
	}
	for i := range want {
		if want[i].TxID != got[i].TxID || !sameRoleSet(want[i].Roles, got[i].Roles) {
			return fmt.Sprintf("change %d is %s %v, answering peer's %s %v", i+1, got[i].TxID, got[i].Roles, want[i].TxID, want[i].Roles)
		}
	}
	return ""
}

func sameRoleSet(a, b []domain.OrgRole) bool {
	return reflect.DeepEqual(sortedRoles(a), sortedRoles(b))
}

func prefixDiff(want, got *domain.Prefix) string {
	a, _ := json.Marshal(want)
	b, _ := json.Marshal(got)
	if string(a) == string(b) {
		return ""
	}
	return fmt.Sprintf("%s, answering peer's %s", b, a)
}

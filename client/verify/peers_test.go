package verify

import (
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"

	"github.com/provledger/provenance/chaincode/domain"
)

// peerView serves the fixture's ledger as another peer would, with its own
// changes to blocks and history.
type peerView struct {
	*fixture
	block   func(*common.Block) // changes a copy of every served block
	missing uint64              // block number it lacks (0: none)
	hideTop bool                // history without the last event
}

func (p *peerView) BlockByNumber(ctx context.Context, n uint64) (*common.Block, error) {
	if p.missing != 0 && n == p.missing {
		return nil, errors.New("no such block number [" + "x" + "] in index: " + ErrNotFound.Error())
	}
	b, err := p.fixture.BlockByNumber(ctx, n)
	if err != nil || p.block == nil {
		return b, err
	}
	c := proto.Clone(b).(*common.Block)
	p.block(c)
	return c, nil
}

func (p *peerView) History(ctx context.Context, id string, from uint64, limit int) (domain.HistoryPage, error) {
	page, err := p.fixture.History(ctx, id, from, limit)
	if p.hideTop && err == nil && len(page.Events) > 0 && page.NextSeq == 0 {
		page.Events = page.Events[:len(page.Events)-1]
		page.LastSeq-- // a lying peer misstates the counter to match
	}
	return page, err
}

func TestPeersConfirm(t *testing.T) {
	f := newFixture(t, consensusBFT)
	f.tenEvents(nil)
	evBlock := f.txBlock[f.events[3].TxID] // seq 4 ACCEPTED
	tests := []struct {
		name     string
		self     Ledger
		peer     Peer
		fail     string // substring of the failed peer-agreement detail; "" = agrees
		warn     string // substring of a warning
		confirms int    // peers in Trust.Peers
	}{
		{name: "agreeing peer", self: f, peer: Peer{Name: "DistributorMSP", Ledger: &peerView{fixture: f}}, confirms: 2},
		{
			name: "validation flag differs",
			self: f,
			peer: Peer{Name: "CustomsMSP", Ledger: &peerView{fixture: f, block: func(b *common.Block) {
				if b.Header.Number == evBlock {
					b.Metadata.Metadata[common.BlockMetadataIndex_TRANSACTIONS_FILTER] = []byte{byte(11)}
				}
			}}},
			fail: "validation flags [11], answering peer's [0]", confirms: 1,
		},
		{
			name: "commit hash differs",
			self: f,
			peer: Peer{Name: "CustomsMSP", Ledger: &peerView{fixture: f, block: func(b *common.Block) {
				if b.Header.Number == evBlock {
					b.Metadata.Metadata[common.BlockMetadataIndex_COMMIT_HASH] = mustMarshal(&common.Metadata{Value: []byte{1, 2}})
				}
			}}},
			fail: "commit hash 0102", confirms: 1,
		},
		{
			name: "header differs",
			self: f,
			peer: Peer{Name: "CustomsMSP", Ledger: &peerView{fixture: f, block: func(b *common.Block) {
				if b.Header.Number == evBlock {
					b.Header.DataHash = flip(b.Header.DataHash)
				}
			}}},
			fail: "header hash", confirms: 1,
		},
		{
			name: "answering peer withholds the newest event",
			self: &peerView{fixture: f, hideTop: true},
			peer: Peer{Name: "DistributorMSP", Ledger: f},
			fail: "10 events, answering peer's 9", confirms: 1,
		},
		{
			name: "other peer's roles differ",
			self: f,
			peer: Peer{Name: "DistributorMSP", Ledger: &rolesView{fixture: f}},
			fail: "org roles", confirms: 1,
		},
		{
			name: "other peer's prefix owner differs",
			self: f,
			peer: Peer{Name: "DistributorMSP", Ledger: &prefixView{fixture: f}},
			fail: "prefix 9506000", confirms: 1,
		},
		{name: "unreachable peer", self: f, peer: Peer{Name: "CustomsMSP", Err: errors.New("connection refused")}, warn: "connection refused", confirms: 1},
		{name: "peer lacking a block", self: f, peer: Peer{Name: "CustomsMSP", Ledger: &peerView{fixture: f, missing: evBlock}}, warn: "block", confirms: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Item(context.Background(), tt.self, testItem, Options{Self: "ManufacturerMSP", Peers: []Peer{tt.peer}})
			if err != nil {
				t.Fatal(err)
			}
			failed := failedChecks(rep)
			var step *Step
			for i := range rep.Steps {
				if rep.Steps[i].Check == CheckPeerAgreement {
					step = &rep.Steps[i]
				}
			}
			if step == nil || step.Subject != tt.peer.Name {
				t.Fatalf("no peer-agreement step for %s: %v", tt.peer.Name, rep.Steps)
			}
			switch {
			case tt.fail != "":
				if rep.OK || len(failed) != 1 || len(failed[CheckPeerAgreement]) != 1 || !strings.Contains(step.Detail, tt.fail) {
					t.Fatalf("want peer-agreement to fail with %q, got ok %v %v", tt.fail, rep.OK, failed)
				}
			case tt.warn != "":
				if !rep.OK || !step.Warning || !strings.Contains(step.Detail, tt.warn) || len(rep.Trust.Unconfirmed) != 1 {
					t.Fatalf("want a warning %q, got ok %v step %+v failed %v", tt.warn, rep.OK, step, failed)
				}
			default:
				if !rep.OK || step.Warning {
					t.Fatalf("want agreement, got %+v failed %v", step, failed)
				}
			}
			if len(rep.Trust.Peers) != tt.confirms {
				t.Errorf("trust peers %v, want %d", rep.Trust.Peers, tt.confirms)
			}
			if !strings.Contains(rep.Trust.Summary, "genesis not pinned") || !strings.Contains(rep.Trust.Summary, "BFT quorum 3 of 4 consenters") {
				t.Errorf("summary %q", rep.Trust.Summary)
			}
		})
	}
}

type rolesView struct{ *fixture }

func (r *rolesView) OrgRoles(context.Context) ([]domain.OrgRole, error) {
	return []domain.OrgRole{{MSP: mspMan, Role: domain.RoleManufacturer}}, nil
}

func TestTrustSummary(t *testing.T) {
	f := newFixture(t, "etcdraft")
	f.tenEvents(nil)
	rep, err := Item(context.Background(), f, testItem, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "through 1 peer (the answering peer), genesis not pinned, 1 orderer signature (etcdraft)"; rep.Trust.Summary != want {
		t.Errorf("summary %q, want %q", rep.Trust.Summary, want)
	}
	rep, err = Item(context.Background(), f, testItem, Options{Self: "ManufacturerMSP", GenesisHash: mustHex(rep.GenesisHash),
		Peers: []Peer{{Name: "DistributorMSP", Ledger: f}, {Name: "CustomsMSP", Ledger: f}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "through 3 peers (ManufacturerMSP, DistributorMSP, CustomsMSP), genesis pinned, 1 orderer signature (etcdraft)"; rep.Trust.Summary != want {
		t.Errorf("summary %q, want %q", rep.Trust.Summary, want)
	}
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// validView is a peer that presents the fixture's invalidated transactions
// as VALID: in the processed transaction and in its block's flags.
type validView struct{ *fixture }

func (v *validView) TransactionByID(ctx context.Context, id string) (*peer.ProcessedTransaction, error) {
	pt, err := v.fixture.TransactionByID(ctx, id)
	if err != nil {
		return nil, err
	}
	c := proto.Clone(pt).(*peer.ProcessedTransaction)
	c.ValidationCode = int32(peer.TxValidationCode_VALID)
	return c, nil
}

func (v *validView) BlockByTxID(ctx context.Context, id string) (*common.Block, error) {
	b, err := v.fixture.BlockByTxID(ctx, id)
	if err != nil {
		return nil, err
	}
	c := proto.Clone(b).(*common.Block)
	c.Metadata.Metadata[common.BlockMetadataIndex_TRANSACTIONS_FILTER] = []byte{0}
	return c, nil
}

func TestPeersCatchFlippedValidationFlag(t *testing.T) {
	f := newFixture(t, consensusBFT)
	f.tenEvents(map[int]txOpts{4: {code: peer.TxValidationCode_MVCC_READ_CONFLICT}})
	lying := &validView{f}
	rep, err := Item(context.Background(), lying, testItem, Options{})
	if err != nil || !rep.OK {
		t.Fatalf("alone, the lying peer's answer should verify (a single peer can hide this): %v %v", err, rep.Failed())
	}
	rep, err = Item(context.Background(), lying, testItem, Options{Peers: []Peer{{Name: "DistributorMSP", Ledger: f}}})
	if err != nil {
		t.Fatal(err)
	}
	failed := failedChecks(rep)
	if rep.OK || len(failed) != 1 || len(failed[CheckPeerAgreement]) != 1 {
		t.Fatalf("want peer-agreement to fail, got %v", failed)
	}
	if d := failed[CheckPeerAgreement][0].Detail; failed[CheckPeerAgreement][0].Subject != "DistributorMSP" || !strings.Contains(d, "validation flags [11], answering peer's [0]") {
		t.Errorf("detail %q", d)
	}
}

type prefixView struct{ *fixture }

func (p *prefixView) Prefix(_ context.Context, c string) (*domain.Prefix, error) {
	if c == "9506000" {
		return &domain.Prefix{Prefix: c, Owner: mspCust, Status: domain.PrefixActive}, nil
	}
	return nil, nil
}

// TestRoleHistoryDiff: a peer that hides, adds or alters a role-set change
// disagrees with the answering peer.
func TestRoleHistoryDiff(t *testing.T) {
	set := []domain.OrgRole{{MSP: "A", Role: domain.RoleManufacturer}, {MSP: "B", Role: domain.RoleCustoms}}
	h := []domain.RoleSetChange{{TxID: "t1", Roles: set}, {TxID: "t2", Roles: set[:1]}}
	if d := roleHistoryDiff(h, []domain.RoleSetChange{h[0], h[1]}); d != "" {
		t.Errorf("same history: %s", d)
	}
	for name, got := range map[string][]domain.RoleSetChange{
		"hidden":  h[:1],
		"added":   append(append([]domain.RoleSetChange{}, h...), domain.RoleSetChange{TxID: "t3"}),
		"other":   {h[0], {TxID: "t9", Roles: set[:1]}},
		"altered": {h[0], {TxID: "t2", Roles: set}},
	} {
		if d := roleHistoryDiff(h, got); d == "" {
			t.Errorf("%s: no difference reported", name)
		}
	}
}

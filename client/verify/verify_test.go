package verify

import (
	"bytes"
	"context"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"github.com/provledger/provenance/chaincode/domain"
)

func failedChecks(r Report) map[string][]Step {
	out := map[string][]Step{}
	for _, s := range r.Failed() {
		out[s.Check] = append(out[s.Check], s)
	}
	return out
}

func TestItemHappyPath(t *testing.T) {
	for _, consensus := range []string{consensusBFT, "etcdraft"} {
		t.Run(consensus, func(t *testing.T) {
			f := newFixture(t, consensus)
			f.tenEvents(nil)
			rep, err := Item(context.Background(), f, testItem, Options{Chain: true})
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK {
				for _, s := range rep.Failed() {
					t.Errorf("%s %s: %s", s.Check, s.Subject, s.Detail)
				}
			}
			if rep.Item != testItem {
				t.Errorf("item %q", rep.Item)
			}
			// Every check ran: 10 per event, plus config, order, chain.
			count := map[string]int{}
			for _, s := range rep.Steps {
				count[s.Check]++
			}
			for _, c := range []string{CheckValidationCode, CheckTransactionID, CheckEventMatchesTx, CheckCreatorSignature,
				CheckEndorsements, CheckEndorsePolicy, CheckWriteSet, CheckTxInBlock, CheckBlockDataHash, CheckBlockSignatures} {
				if count[c] != 10 {
					t.Errorf("%s ran %d times, want 10", c, count[c])
				}
			}
			for _, c := range []string{CheckChannelConfig, CheckTimestamps, CheckEventOrder, CheckHashChain} {
				if count[c] != 1 {
					t.Errorf("%s ran %d times, want 1", c, count[c])
				}
			}
			// Few round trips: one history page, one call per tx and block,
			// one config block; the chain reuses cached blocks.
			if f.calls["History"] != 1 || f.calls["TransactionByID"] != 10 || f.calls["BlockByTxID"] != 10 || f.calls["OrgRoles"] != 1 {
				t.Errorf("calls %v", f.calls)
			}
			if f.calls["BlockByNumber"] != 1 {
				t.Errorf("BlockByNumber called %d times, want 1 (config block; chain blocks are cached)", f.calls["BlockByNumber"])
			}
		})
	}
}

func TestItemTampered(t *testing.T) {
	type tc struct {
		name   string
		opts   func(f *fixture) map[int]txOpts
		after  func(f *fixture) // tamper the built ledger
		chain  bool
		policy Policy
		want   []string // checks that must fail (and only these)
		detail string   // substring of the first failure's detail
	}
	later := func(f *fixture) time.Time { return f.clock.Add(-time.Hour) }
	tests := []tc{
		{
			name: "creator signature byte flipped",
			opts: func(f *fixture) map[int]txOpts { return map[int]txOpts{3: {flipCreatorSig: true}} },
			want: []string{CheckCreatorSignature}, detail: "does not verify",
		},
		{
			name: "endorsement signature byte flipped",
			opts: func(f *fixture) map[int]txOpts { return map[int]txOpts{4: {flipEndorsement: true}} },
			// the flipped endorsement no longer counts, so the recipient's
			// org is missing from the valid endorsers
			want: []string{CheckEndorsements, CheckEndorsePolicy}, detail: "does not verify",
		},
		{
			name: "block signature byte flipped",
			opts: func(f *fixture) map[int]txOpts { return map[int]txOpts{5: {blockOpts: blockOpts{flipSig: true}}} },
			want: []string{CheckBlockSignatures}, detail: "invalid signature",
		},
		{
			name: "endorser from the wrong org",
			opts: func(f *fixture) map[int]txOpts {
				// the distributor's transfer endorsed only by customs
				return map[int]txOpts{7: {endorsers: []*signer{f.peers[mspCust]}}}
			},
			want: []string{CheckEndorsePolicy}, detail: "no endorsement from DistributorMSP",
		},
		{
			name: "endorser claiming an org whose CA did not issue it",
			opts: func(f *fixture) map[int]txOpts {
				forged := f.cas[mspCust].issue(t, "peer0.distributor", mspDist)
				return map[int]txOpts{7: {endorsers: []*signer{forged}}}
			},
			want: []string{CheckEndorsements, CheckEndorsePolicy}, detail: "does not chain",
		},
		{
			name: "endorser from an org outside the channel",
			opts: func(f *fixture) map[int]txOpts {
				other := newCA(t, "EvilMSP").issue(t, "peer0.evil", "EvilMSP")
				return map[int]txOpts{2: {endorsers: []*signer{f.peers[mspMan], f.peers[mspDist], other}}}
			},
			want: []string{CheckEndorsements}, detail: "not a peer organization",
		},
		{
			name: "creator certificate from another org's CA",
			opts: func(f *fixture) map[int]txOpts {
				forged := f.cas[mspDist].issueAttrs(t, "user1", mspMan, manAttrs, roleClient)
				return map[int]txOpts{2: {creator: forged}}
			},
			want: []string{CheckCreatorSignature}, detail: "does not chain",
		},
		{
			name: "write set value does not match the event",
			opts: func(f *fixture) map[int]txOpts {
				return map[int]txOpts{6: {writeValue: func(b []byte) []byte {
					return bytes.Replace(b, []byte(`"RELEASED"`), []byte(`"HELD"`), 1)
				}}}
			},
			want: []string{CheckWriteSet}, detail: "differs",
		},
		{
			name: "write set value is not an event",
			opts: func(f *fixture) map[int]txOpts {
				return map[int]txOpts{6: {writeValue: func(b []byte) []byte { return append(b[:len(b)-1], []byte(`,"extra":1}`)...) }}}
			},
			want: []string{CheckWriteSet}, detail: "not a custody event",
		},
		{
			name: "write set lacks the event key",
			opts: func(f *fixture) map[int]txOpts { return map[int]txOpts{2: {noEventWrite: true}} },
			want: []string{CheckWriteSet}, detail: "no write of event key",
		},
		{
			name: "write set holds another event of the item",
			opts: func(f *fixture) map[int]txOpts {
				return map[int]txOpts{2: {extraWrites: []*kvrwset.KVWrite{{Key: eventKey(testGTIN, testSerial, 9), Value: []byte("{}")}}}}
			},
			want: []string{CheckWriteSet}, detail: "other events",
		},
		{
			name: "write set deletes the event key",
			opts: func(f *fixture) map[int]txOpts {
				return map[int]txOpts{2: {noEventWrite: true, extraWrites: []*kvrwset.KVWrite{{Key: eventKey(testGTIN, testSerial, 2), IsDelete: true}}}}
			},
			want: []string{CheckWriteSet}, detail: "deleted",
		},
		{
			name: "write set of another chaincode",
			opts: func(f *fixture) map[int]txOpts { return map[int]txOpts{2: {namespace: "other"}} },
			want: []string{CheckWriteSet}, detail: "not \"provenance\"",
		},
		{
			name: "block signed by too few ordering nodes",
			opts: func(f *fixture) map[int]txOpts { return map[int]txOpts{8: {blockOpts: blockOpts{signers: 2}}} },
			want: []string{CheckBlockSignatures}, detail: "2 valid of 3 needed",
		},
		{
			name: "data hash mismatch",
			opts: func(f *fixture) map[int]txOpts { return map[int]txOpts{9: {blockOpts: blockOpts{badDataHash: true}}} },
			want: []string{CheckBlockDataHash}, detail: "data hash",
		},
		{
			name:  "data hash mismatch with chain",
			opts:  func(f *fixture) map[int]txOpts { return map[int]txOpts{9: {blockOpts: blockOpts{badDataHash: true}}} },
			chain: true,
			want:  []string{CheckBlockDataHash, CheckHashChain}, detail: "data hash",
		},
		{
			name:  "broken previous-hash chain",
			opts:  func(f *fixture) map[int]txOpts { return map[int]txOpts{6: {blockOpts: blockOpts{badPrevHash: true}}} },
			chain: true,
			want:  []string{CheckHashChain}, detail: "previous hash",
		},
		{
			name: "timestamps backwards",
			opts: func(f *fixture) map[int]txOpts {
				return map[int]txOpts{5: {at: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}}
			},
			// the decision refuses it too: BACKDATED (and the forged hold
			// it did not write leaves the release undecidable)
			want: []string{CheckTimestamps, CheckTransition}, detail: "is before",
		},
		{
			name: "validation code not VALID",
			opts: func(f *fixture) map[int]txOpts {
				return map[int]txOpts{3: {code: peer.TxValidationCode_MVCC_READ_CONFLICT}}
			},
			want: []string{CheckValidationCode, CheckTxInBlock}, detail: "MVCC_READ_CONFLICT",
		},
		{
			name: "event timestamp differs from the transaction's",
			opts: func(f *fixture) map[int]txOpts {
				return map[int]txOpts{4: {eventTimestamp: later(f).Format(time.RFC3339Nano)}}
			},
			want: []string{CheckEventMatchesTx, CheckTransition}, detail: "timestamp",
		},
		{
			name: "transaction ID not derived from nonce and creator",
			opts: func(f *fixture) map[int]txOpts { return map[int]txOpts{4: {otherTxID: true}} },
			want: []string{CheckTransactionID}, detail: "hash(nonce, creator)",
		},
		{
			name: "block signed by a non-consenter",
			opts: func(f *fixture) map[int]txOpts {
				return map[int]txOpts{2: {blockOpts: blockOpts{signers: 2, foreignSigner: true}}}
			},
			want: []string{CheckBlockSignatures}, detail: "not counted",
		},
		{
			name: "history names a transaction the ledger lacks",
			after: func(f *fixture) {
				delete(f.txs, f.events[4].TxID)
			},
			// without the hold's transaction the release cannot be decided
			want: []string{CheckValidationCode, CheckTransition}, detail: "not found",
		},
		{
			name: "history event differs from the ledger's",
			after: func(f *fixture) {
				f.events[2].To = mspCust
			},
			want: []string{CheckWriteSet, CheckTransition}, detail: "differs",
		},
		{
			name: "history reordered",
			after: func(f *fixture) {
				f.events[3].Seq, f.events[4].Seq = f.events[4].Seq, f.events[3].Seq
			},
			want: []string{CheckWriteSet, CheckEventOrder, CheckTransition},
		},
		{
			name: "transaction served from another block",
			after: func(f *fixture) {
				f.txBlock[f.events[5].TxID] = f.txBlock[f.events[6].TxID]
			},
			want: []string{CheckTxInBlock}, detail: "does not hold",
		},
		{
			name: "endorsement signed by a client, not a peer",
			opts: func(f *fixture) map[int]txOpts {
				return map[int]txOpts{7: {endorsers: []*signer{f.users[mspDist], f.peers[mspMan]}}}
			},
			want: []string{CheckEndorsements, CheckEndorsePolicy}, detail: "is a client, not peer",
		},
		{
			name: "endorsements of another proposal",
			opts: func(f *fixture) map[int]txOpts { return map[int]txOpts{3: {otherProposal: true}} },
			want: []string{CheckEndorsements, CheckEndorsePolicy}, detail: "another proposal",
		},
		{
			name: "transaction created by a peer",
			opts: func(f *fixture) map[int]txOpts {
				return map[int]txOpts{2: {creator: f.cas[mspMan].issueAttrs(t, "peer0", mspMan, manAttrs, rolePeer)}}
			},
			want: []string{CheckCreatorSignature}, detail: "is a peer",
		},
		{
			name: "identity with two node roles",
			opts: func(f *fixture) map[int]txOpts {
				return map[int]txOpts{2: {creator: f.cas[mspMan].issueAttrs(t, "both", mspMan, manAttrs, roleClient, rolePeer)}}
			},
			want: []string{CheckCreatorSignature}, detail: "exactly one",
		},
		{
			name: "history leaves an event out",
			after: func(f *fixture) {
				f.events = append(f.events[:4:4], f.events[5:]...)
			},
			want: []string{CheckEventOrder, CheckTransition}, detail: "missing",
		},
		{
			name: "custom policy refuses",
			policy: func(ev domain.CustodyEvent, _ []domain.OrgRole, endorsers []string) (string, error) {
				if ev.Type == domain.EventAccepted && len(endorsers) < 3 {
					return "", errors.New("ACCEPTED needs all three orgs")
				}
				return "ok", nil
			},
			want: []string{CheckEndorsePolicy}, detail: "all three",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, consensusBFT)
			var tamper map[int]txOpts
			if tt.opts != nil {
				tamper = tt.opts(f)
			}
			f.tenEvents(tamper)
			if tt.after != nil {
				tt.after(f)
			}
			rep, err := Item(context.Background(), f, testItem, Options{Chain: tt.chain, Policy: tt.policy})
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK {
				t.Fatal("tampered record verified OK")
			}
			failed := failedChecks(rep)
			for _, c := range tt.want {
				if len(failed[c]) == 0 {
					t.Errorf("check %s did not fail", c)
				}
			}
			for c, steps := range failed {
				if !contains(tt.want, c) {
					t.Errorf("check %s failed unexpectedly: %s: %s", c, steps[0].Subject, steps[0].Detail)
				}
			}
			if tt.detail != "" && len(failed[tt.want[0]]) > 0 && !strings.Contains(failed[tt.want[0]][0].Detail, tt.detail) {
				t.Errorf("%s detail %q does not mention %q", tt.want[0], failed[tt.want[0]][0].Detail, tt.detail)
			}
		})
	}
}

var manAttrs = map[string]string{domain.RoleAttribute: string(domain.RoleManufacturer)}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestItemBFTIdentityFormSignatures(t *testing.T) {
	f := newFixture(t, consensusBFT)
	f.tenEvents(map[int]txOpts{2: {blockOpts: blockOpts{identityForm: true}}, 3: {blockOpts: blockOpts{identityForm: true, signers: 2}}})
	rep, err := Item(context.Background(), f, testItem, Options{})
	if err != nil {
		t.Fatal(err)
	}
	failed := failedChecks(rep)
	if len(failed) != 1 || len(failed[CheckBlockSignatures]) != 1 || failed[CheckBlockSignatures][0].Seq != 3 {
		t.Fatalf("want only seq 3's block signatures to fail, got %v", failed)
	}
}

func TestItemRaftTooFewSigners(t *testing.T) {
	f := newFixture(t, "etcdraft")
	f.tenEvents(map[int]txOpts{4: {blockOpts: blockOpts{signers: -1}}})
	rep, err := Item(context.Background(), f, testItem, Options{})
	if err != nil {
		t.Fatal(err)
	}
	failed := failedChecks(rep)
	if len(failed) != 1 || len(failed[CheckBlockSignatures]) != 1 || !strings.Contains(failed[CheckBlockSignatures][0].Detail, "0 valid of 1") {
		t.Fatalf("want seq 4's block signatures to fail, got %v", failed)
	}
}

func TestItemRaftClientSignedBlock(t *testing.T) {
	f := newFixture(t, "etcdraft")
	f.orderers[0].signer = f.cas[mspOrd].issueRole(t, "ordclient", mspOrd, roleClient)
	f.tenEvents(map[int]txOpts{4: {blockOpts: blockOpts{signers: 1}}})
	rep, err := Item(context.Background(), f, testItem, Options{})
	if err != nil {
		t.Fatal(err)
	}
	failed := failedChecks(rep)
	if len(failed[CheckBlockSignatures]) != 1 || !strings.Contains(failed[CheckBlockSignatures][0].Detail, "is a client, not orderer") {
		t.Fatalf("got %v", failed)
	}
}

func TestItemRaftPeerSignedBlock(t *testing.T) {
	f := newFixture(t, "etcdraft")
	f.tenEvents(map[int]txOpts{4: {blockOpts: blockOpts{signers: -1, foreignSigner: true}}})
	rep, err := Item(context.Background(), f, testItem, Options{})
	if err != nil {
		t.Fatal(err)
	}
	failed := failedChecks(rep)
	if len(failed[CheckBlockSignatures]) != 1 || !strings.Contains(failed[CheckBlockSignatures][0].Detail, "not an orderer organization") {
		t.Fatalf("got %v", failed)
	}
}

func TestItemErrors(t *testing.T) {
	f := newFixture(t, consensusBFT)
	f.tenEvents(nil)
	if _, err := Item(context.Background(), f, "01/09506000134352/21/NOPE", Options{}); domain.CodeOf(err) != domain.CodeNotFound {
		t.Errorf("unknown item: %v", err)
	}
	f.historyErr = errors.New("connection refused")
	if _, err := Item(context.Background(), f, testItem, Options{}); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("unreachable: %v", err)
	}
	f.historyErr = nil
	empty := newFixture(t, consensusBFT)
	if _, err := Item(context.Background(), &itemOnly{empty}, testItem, Options{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("no events: %v", err)
	}
	broken := &failingLedger{fixture: f, fail: "BlockByTxID"}
	if _, err := Item(context.Background(), broken, testItem, Options{}); err == nil || !strings.Contains(err.Error(), "peer down") {
		t.Errorf("block fetch failure: %v", err)
	}
	broken.fail = "TransactionByID"
	if _, err := Item(context.Background(), broken, testItem, Options{}); err == nil {
		t.Error("tx fetch failure not returned")
	}
	broken.fail = "BlockByNumber"
	if _, err := Item(context.Background(), broken, testItem, Options{}); err == nil {
		t.Error("config fetch failure not returned")
	}
	broken.fail = "ChainInfo"
	if _, err := Item(context.Background(), broken, testItem, Options{Chain: true}); err == nil {
		t.Error("chain info failure not returned")
	}
	broken.fail = "OrgRoles"
	if _, err := Item(context.Background(), broken, testItem, Options{}); err == nil {
		t.Error("org roles failure not returned")
	}
}

// itemOnly answers an empty history for the test item.
type itemOnly struct{ *fixture }

func (i *itemOnly) History(context.Context, string, uint64, int) (domain.HistoryPage, error) {
	return domain.HistoryPage{}, nil
}

type failingLedger struct {
	*fixture
	fail string
}

var errPeerDown = errors.New("peer down")

func (l *failingLedger) BlockByTxID(ctx context.Context, id string) (*common.Block, error) {
	if l.fail == "BlockByTxID" {
		return nil, errPeerDown
	}
	return l.fixture.BlockByTxID(ctx, id)
}

func (l *failingLedger) TransactionByID(ctx context.Context, id string) (*peer.ProcessedTransaction, error) {
	if l.fail == "TransactionByID" {
		return nil, errPeerDown
	}
	return l.fixture.TransactionByID(ctx, id)
}

func (l *failingLedger) BlockByNumber(ctx context.Context, n uint64) (*common.Block, error) {
	if l.fail == "BlockByNumber" {
		return nil, errPeerDown
	}
	return l.fixture.BlockByNumber(ctx, n)
}

func (l *failingLedger) ChainInfo(ctx context.Context) (*common.BlockchainInfo, error) {
	if l.fail == "ChainInfo" {
		return nil, errPeerDown
	}
	return l.fixture.ChainInfo(ctx)
}

func (l *failingLedger) OrgRoles(ctx context.Context) ([]domain.OrgRole, error) {
	if l.fail == "OrgRoles" {
		return nil, errPeerDown
	}
	return l.fixture.OrgRoles(ctx)
}

func TestHistoryPaging(t *testing.T) {
	f := newFixture(t, consensusBFT)
	f.add(domain.EventRegistered, "", mspMan, txOpts{})
	for i := 0; i < historyPageSize+5; i++ {
		f.add(domain.EventInspected, "", "", txOpts{})
	}
	rep, err := Item(context.Background(), f, testItem, Options{Concurrency: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK || f.calls["History"] != 2 {
		t.Fatalf("ok %v, history calls %d, failed %v", rep.OK, f.calls["History"], rep.Failed())
	}
}

func TestReportJSON(t *testing.T) {
	f := newFixture(t, consensusBFT)
	f.tenEvents(nil)
	rep, err := Item(context.Background(), f, testItem, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	steps := back["steps"].([]any)
	first := steps[1].(map[string]any)
	for _, k := range []string{"check", "subject", "ok", "seq", "txId", "block"} {
		if _, ok := first[k]; !ok {
			t.Errorf("step JSON lacks %q: %s", k, b[:200])
		}
	}
}

func TestItemCancelled(t *testing.T) {
	f := newFixture(t, consensusBFT)
	f.tenEvents(nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Item(ctx, f, testItem, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// BenchmarkItemFixture is the CPU cost of verifying ten events, without
// network round trips.
func BenchmarkItemFixture(b *testing.B) {
	f := newFixture(b, consensusBFT)
	f.tenEvents(nil)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := Item(ctx, f, testItem, Options{})
		if err != nil || !rep.OK {
			b.Fatal(err, rep.Failed())
		}
	}
}

// lyingHistory answers GetHistory for any ID with the fixture item's
// history, as a modified peer or chaincode would for a counterfeit serial.
type lyingHistory struct{ *fixture }

func (l *lyingHistory) History(ctx context.Context, _ string, fromSeq uint64, limit int) (domain.HistoryPage, error) {
	return l.fixture.History(ctx, testItem, fromSeq, limit)
}

func TestItemBinding(t *testing.T) {
	f := newFixture(t, consensusBFT)
	f.tenEvents(nil)
	// Another spelling of the same item binds to its canonical key.
	rep, err := Item(context.Background(), &lyingHistory{f}, "(01)"+testGTIN+"(21)"+testSerial, Options{})
	if err != nil || !rep.OK || rep.Item != testItem {
		t.Fatalf("same item in element-string form: ok %v item %s err %v failed %v", rep.OK, rep.Item, err, rep.Failed())
	}
	counterfeit := "01/" + testGTIN + "/21/FAKE1"
	rep, err = Item(context.Background(), &lyingHistory{f}, counterfeit, Options{})
	if err != nil {
		t.Fatal(err)
	}
	failed := failedChecks(rep)
	if rep.OK || rep.Item != counterfeit || len(failed) != 1 || len(failed[CheckItemBinding]) != 1 {
		t.Fatalf("counterfeit answered with a genuine history: ok %v item %s failed %v", rep.OK, rep.Item, failed)
	}
	if d := failed[CheckItemBinding][0].Detail; !strings.Contains(d, "asked for "+counterfeit) || !strings.Contains(d, "is of item "+testItem) {
		t.Errorf("detail %q", d)
	}
	if _, err := Item(context.Background(), f, "01/123/21/X", Options{}); domain.CodeOf(err) != domain.CodeInvalidID {
		t.Errorf("malformed ID: %v", err)
	}
}

func TestItemBindingStartsWithRegistration(t *testing.T) {
	f := newFixture(t, consensusBFT)
	f.add(domain.EventInspected, "", "", txOpts{})
	f.add(domain.EventInspected, "", "", txOpts{})
	rep, err := Item(context.Background(), f, testItem, Options{})
	if err != nil {
		t.Fatal(err)
	}
	failed := failedChecks(rep)
	if len(failed[CheckItemBinding]) != 1 || !strings.Contains(failed[CheckItemBinding][0].Detail, "not seq 1 REGISTERED") {
		t.Fatalf("failed %v", failed)
	}
}

func TestItemSubmitter(t *testing.T) {
	tests := []struct {
		name   string
		opts   func(f *fixture) map[int]txOpts
		after  func(f *fixture)
		detail string
	}{
		{
			name: "submitterId is not the signing certificate's",
			opts: func(f *fixture) map[int]txOpts {
				return map[int]txOpts{3: {submitterID: clientID(f.users[mspDist].cert)}}
			},
			detail: "signing certificate's ID",
		},
		{
			name: "certificate without prov.role",
			opts: func(f *fixture) map[int]txOpts {
				return map[int]txOpts{3: {creator: f.cas[mspMan].issueRole(t, "norole", mspMan, roleClient)}}
			},
			detail: "carries no prov.role attribute",
		},
		{
			name: "prov.role differs from the MSP's ledger role",
			opts: func(f *fixture) map[int]txOpts {
				c := f.cas[mspMan].issueAttrs(t, "badrole", mspMan, map[string]string{domain.RoleAttribute: "customs"}, roleClient)
				return map[int]txOpts{3: {creator: c}}
			},
			detail: "says prov.role=customs but ManufacturerMSP's role is manufacturer",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, consensusBFT)
			var tamper map[int]txOpts
			if tt.opts != nil {
				tamper = tt.opts(f)
			}
			f.tenEvents(tamper)
			if tt.after != nil {
				tt.after(f)
			}
			rep, err := Item(context.Background(), f, testItem, Options{})
			if err != nil {
				t.Fatal(err)
			}
			failed := failedChecks(rep)
			extra := 0
			if tt.name == "submitterId is not the signing certificate's" {
				extra = len(failed[CheckTransition]) // the decision records the certificate's ID
			}
			if rep.OK || len(failed) != 1+min(extra, 1) || len(failed[CheckSubmitter]) != 1 {
				t.Fatalf("want one submitter failure, got %v", failed)
			}
			if d := failed[CheckSubmitter][0].Detail; !strings.Contains(d, tt.detail) {
				t.Errorf("detail %q does not mention %q", d, tt.detail)
			}
		})
	}
}

func TestClientIDMatchesCid(t *testing.T) {
	// cid's format for Fabric CA certificates: subject then issuer, most
	// specific RDN first, with OUs and escapes.
	f := newFixture(t, consensusBFT)
	got, _ := base64Decode(clientID(f.users[mspMan].cert))
	want := "x509::CN=user1,OU=client::CN=ca." + mspMan + ",O=" + mspMan
	if got != want {
		t.Errorf("clientID %q, want %q", got, want)
	}
	if v := distinguishedName(&pkix.Name{CommonName: " a,b+c#"}); v != `CN=\ a\,b\+c#` {
		t.Errorf("escape %q", v)
	}
}

func TestItemTransition(t *testing.T) {
	type tc struct {
		name  string
		build func(t *testing.T, f *fixture)
		want  map[string]string // check -> substring of its first failure
	}
	reg := func(f *fixture) { f.add(domain.EventRegistered, "", mspMan, txOpts{}) }
	tests := []tc{
		{
			name: "hold by a distributor",
			build: func(t *testing.T, f *fixture) {
				reg(f)
				f.add(domain.EventHeld, "", mspDist, txOpts{creator: f.users[mspDist]})
			},
			want: map[string]string{CheckTransition: "WRONG_ROLE: hold of item"},
		},
		{
			name: "registration by customs",
			build: func(t *testing.T, f *fixture) {
				f.add(domain.EventRegistered, "", mspCust, txOpts{creator: f.users[mspCust]})
			},
			want: map[string]string{CheckTransition: "WRONG_ROLE: registration"},
		},
		{
			name: "registrant does not own the GTIN's prefix",
			build: func(t *testing.T, f *fixture) {
				f.prefixes["9506000"].Owner = mspDist
				reg(f)
			},
			want: map[string]string{CheckTransition: "registrant ManufacturerMSP does not own the GTIN's company prefix (9506000 ACTIVE by DistributorMSP)"},
		},
		{
			// issue 13 item 2: two colluding orgs forge REGISTERED(M) ->
			// ACCEPTED(D->C) -> DECOMMISSIONED, endorsed by D and C alone.
			name: "two-org forgery",
			build: func(t *testing.T, f *fixture) {
				reg(f)
				f.add(domain.EventAccepted, mspDist, mspCust, txOpts{creator: f.users[mspCust], endorsers: []*signer{f.peers[mspDist], f.peers[mspCust]}})
				f.add(domain.EventDecommissioned, "", "", txOpts{creator: f.users[mspCust], endorsers: []*signer{f.peers[mspDist], f.peers[mspCust]}})
			},
			want: map[string]string{CheckTransition: "INVALID_TRANSITION: item 01/09506000134352/21/SN/0001 is ACTIVE; ACCEPTED needs IN_TRANSIT"},
		},
		{
			name: "accept without the owner's endorsement",
			build: func(t *testing.T, f *fixture) {
				reg(f)
				f.add(domain.EventOffered, mspMan, mspDist, txOpts{})
				f.add(domain.EventAccepted, mspMan, mspDist, txOpts{creator: f.users[mspDist], endorsers: []*signer{f.peers[mspDist], f.peers[mspCust]}})
			},
			want: map[string]string{CheckEndorsePolicy: "no endorsement from ManufacturerMSP"},
		},
		{
			name: "offer that does not write the item key",
			build: func(t *testing.T, f *fixture) {
				reg(f)
				f.add(domain.EventOffered, mspMan, mspDist, txOpts{dropWrite: domain.KeyItem})
			},
			want: map[string]string{CheckWriteSet: "no write of item"},
		},
		{
			name: "hold without its key-level policy",
			build: func(t *testing.T, f *fixture) {
				reg(f)
				f.add(domain.EventHeld, "", mspCust, txOpts{creator: f.users[mspCust], noPolicy: true})
			},
			want: map[string]string{CheckWriteSet: "no key-level policy written"},
		},
		{
			name: "counter set back behind the history",
			build: func(t *testing.T, f *fixture) {
				reg(f)
				f.add(domain.EventOffered, mspMan, mspDist, txOpts{})
				f.counter = 1
			},
			want: map[string]string{CheckEventOrder: "counter names seq 1 as its last event, its history ends at seq 2"},
		},
		{
			name: "counter set ahead of the history",
			build: func(t *testing.T, f *fixture) {
				reg(f)
				f.counter = 6
			},
			want: map[string]string{CheckEventOrder: "counter names seq 6"},
		},
		{
			// chaincode before sealed event keys gave them the parties' AND a majority
			name: "offer whose event key has the earlier event policy",
			build: func(t *testing.T, f *fixture) {
				reg(f)
				f.add(domain.EventOffered, mspMan, mspDist, txOpts{eventPolicy: func(kw domain.KeyWrite) domain.KeyPolicy { return *kw.Earlier }})
			},
			want: map[string]string{},
		},
		{
			name: "offer whose event key its owner alone may rewrite",
			build: func(t *testing.T, f *fixture) {
				reg(f)
				f.add(domain.EventOffered, mspMan, mspDist, txOpts{eventPolicy: func(domain.KeyWrite) domain.KeyPolicy { return domain.KeyPolicy{AllOf: []string{mspMan}} }})
			},
			want: map[string]string{CheckWriteSet: "key-level policy"},
		},
		{
			name: "registration with another key-level policy on the item",
			build: func(t *testing.T, f *fixture) {
				id := domain.ItemID{GTIN: testGTIN, Serial: testSerial}
				f.add(domain.EventRegistered, "", mspMan, txOpts{extraMeta: []*kvrwset.KVMetadataWrite{{Key: domain.HoldKey(id),
					Entries: []*kvrwset.KVMetadataEntry{{Name: validationParameter, Value: policyEnvelope(domain.KeyPolicy{AllOf: []string{mspDist}})}}}}})
			},
			want: map[string]string{CheckWriteSet: "also changes the key-level policy of hold"},
		},
		{
			name: "registration that also writes the item's offer and recall keys",
			build: func(t *testing.T, f *fixture) {
				id := domain.ItemID{GTIN: testGTIN, Serial: testSerial}
				f.add(domain.EventRegistered, "", mspMan, txOpts{extraWrites: []*kvrwset.KVWrite{
					{Key: domain.OfferKey(id, 7), Value: []byte("{}")}, {Key: domain.RecallItemKey(id), Value: []byte("{}")}}})
			},
			want: map[string]string{CheckWriteSet: "also writes offer"},
		},
		{
			// a batch: another item's keys, policies and events in the same
			// transaction are not this item's
			name: "registration in a batch with another item",
			build: func(t *testing.T, f *fixture) {
				other := domain.ItemID{GTIN: testGTIN, Serial: testSerial + "9"}
				f.add(domain.EventRegistered, "", mspMan, txOpts{
					extraWrites: []*kvrwset.KVWrite{{Key: domain.ItemKey(other), Value: []byte("{}")}, {Key: domain.RecallItemKey(other), Value: []byte("{}")},
						{Key: domain.EventKey(other, 1), Value: []byte("{}")}},
					extraMeta: []*kvrwset.KVMetadataWrite{{Key: domain.HoldKey(other),
						Entries: []*kvrwset.KVMetadataEntry{{Name: validationParameter, Value: policyEnvelope(domain.KeyPolicy{AllOf: []string{mspDist}})}}}}})
			},
			want: map[string]string{},
		},
		{
			name: "release that leaves the hold",
			build: func(t *testing.T, f *fixture) {
				reg(f)
				f.add(domain.EventHeld, "", mspCust, txOpts{creator: f.users[mspCust]})
				f.add(domain.EventReleased, mspCust, "", txOpts{creator: f.users[mspCust], dropWrite: domain.KeyHold})
			},
			want: map[string]string{CheckWriteSet: "no write of hold"},
		},
		{
			name: "recall by a non-admin",
			build: func(t *testing.T, f *fixture) {
				reg(f)
				f.add(domain.EventRecalled, mspMan, "", txOpts{reason: "defect"})
			},
			want: map[string]string{CheckTransition: "NOT_ADMIN"},
		},
		{
			name: "offer of a held item",
			build: func(t *testing.T, f *fixture) {
				reg(f)
				f.add(domain.EventHeld, "", mspCust, txOpts{creator: f.users[mspCust]})
				f.add(domain.EventOffered, mspMan, mspDist, txOpts{})
			},
			want: map[string]string{CheckTransition: "ON_HOLD"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, consensusBFT)
			tt.build(t, f)
			rep, err := Item(context.Background(), f, testItem, Options{})
			if err != nil {
				t.Fatal(err)
			}
			failed := failedChecks(rep)
			for c, sub := range tt.want {
				if len(failed[c]) == 0 || !strings.Contains(failed[c][0].Detail, sub) {
					t.Errorf("want %s to fail with %q, got %v", c, sub, failed)
				}
			}
			for c, steps := range failed {
				if _, ok := tt.want[c]; !ok {
					t.Errorf("%s failed unexpectedly: %s: %s", c, steps[0].Subject, steps[0].Detail)
				}
			}
		})
	}
}

func TestItemRecallByAdminVerifies(t *testing.T) {
	f := newFixture(t, consensusBFT)
	admin := f.cas[mspMan].issueAttrs(t, "admin", mspMan, manAttrs, roleAdmin)
	f.add(domain.EventRegistered, "", mspMan, txOpts{})
	f.add(domain.EventRecalled, mspMan, "", txOpts{creator: admin, reason: "seal defect"})
	f.add(domain.EventOffered, mspMan, mspCust, txOpts{}) // a recalled item may go to customs
	rep, err := Item(context.Background(), f, testItem, Options{})
	if err != nil || !rep.OK {
		t.Fatalf("%v %v", err, rep.Failed())
	}
}

func TestTimestampTolerance(t *testing.T) {
	for _, tc := range []struct {
		back time.Duration
		ok   bool
	}{{60 * time.Second, true}, {domain.EventTimeTolerance * time.Second, true}, {domain.EventTimeTolerance*time.Second + time.Second, false}} {
		f := newFixture(t, consensusBFT)
		f.add(domain.EventRegistered, "", mspMan, txOpts{})
		last := f.clock
		f.add(domain.EventOffered, mspMan, mspDist, txOpts{at: last.Add(-tc.back)})
		rep, err := Item(context.Background(), f, testItem, Options{})
		if err != nil {
			t.Fatal(err)
		}
		failed := failedChecks(rep)
		if tc.ok != rep.OK || (!tc.ok && (len(failed[CheckTimestamps]) != 1 || !strings.Contains(failed[CheckTimestamps][0].Detail, "tolerance"))) {
			t.Errorf("%s backwards: ok %v, failed %v", tc.back, rep.OK, failed)
		}
	}
}

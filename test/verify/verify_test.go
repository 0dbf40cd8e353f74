// Package verifytest runs client/verify against a real local Fabric network
// made by scripts/network.sh (PROV_HOME=<repo>/.prov-verify, port base
// 10000): an item with ten custody events from the three roles is verified
// through the gateway, tampered answers from the real ledger are caught, and
// BenchmarkVerifyItem10 measures one verification.
//
// It runs only with PROV_INTEGRATION=1; the network is stopped (state kept)
// when the tests end, or left running with PROV_KEEP_NETWORK=1.
// PROV_CONSENSUS=raft creates an etcdraft network instead of SmartBFT (on a
// PROV_HOME that does not exist yet).
package verifytest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/verify"
	"github.com/provledger/provenance/test/harness"
)

const portBase = 10000

var itemID string

// pn is the package's network (PROV_HOME=<repo>/.prov-verify, port base
// 10000); PROV_CONSENSUS=raft|bft picks the consensus when it is created.
var pn = &harness.PackageNetwork{Home: ".prov-verify", PortBase: portBase, Consensus: os.Getenv("PROV_CONSENSUS"), Shared: true}

func TestMain(m *testing.M) { os.Exit(pn.Main(m)) }

// integration skips tb without PROV_INTEGRATION=1 and runs setup once.
func integration(tb testing.TB) {
	tb.Helper()
	pn.Require(tb, setup)
}

func conn(org, user string) (*harness.Conn, error) { return pn.Conn(org, user) }

func submit(org, user, fn string, args ...string) ([]byte, error) {
	c, err := conn(org, user)
	if err != nil {
		return nil, err
	}
	// Submit waits for the commit on the submitter's own peer only; the next
	// org's peer may be a block behind, so a refusal is retried briefly.
	deadline := time.Now().Add(5 * time.Second)
	for {
		out, err := c.Contract().Submit(fn, client.WithArguments(args...))
		if err == nil {
			return out, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s as %s/%s: %w", fn, org, user, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func withCheckDigit(digits string) string {
	cd, err := domain.CheckDigit(digits)
	if err != nil {
		panic(err)
	}
	return digits + strconv.Itoa(cd)
}

// setup gives one fresh item ten custody events from the three roles.
func setup() error {
	const prefix = "4098765"
	mfrC, err := conn("manufacturer", "user1")
	if err != nil {
		return err
	}
	out, err := mfrC.Contract().Evaluate("GetPrefix", client.WithArguments(prefix))
	var p domain.Prefix
	if err == nil {
		_ = json.Unmarshal(out, &p)
	}
	if p.Status != domain.PrefixActive {
		if p.Status == "" {
			if _, err := submit("manufacturer", "admin", "ClaimPrefix", prefix, "GS1-DE-LIC-VERIFY"); err != nil {
				return err
			}
		}
		if _, err := submit("customs", "admin", "ApprovePrefix", prefix); err != nil {
			return err
		}
	}
	gtin := withCheckDigit("0" + prefix + "00011")
	itemID = "01/" + gtin + "/21/VRF" + strconv.FormatInt(time.Now().UnixNano(), 36)
	ids := js([]string{itemID})
	// Ten custody events (inspections are sightings on keys of their own
	// now, not custody events).
	steps := []struct {
		org, fn string
		args    []string
	}{
		{"manufacturer", "RegisterItems", []string{js([]domain.ItemInput{{ID: itemID, Lot: "L1", Description: "verify test"}})}},
		{"manufacturer", "OfferTransfer", []string{ids, "DistributorMSP"}},
		{"distributor", "AcceptTransfer", []string{ids}},
		{"customs", "HoldItems", []string{ids, "document check"}},
		{"customs", "ReleaseItems", []string{ids}},
		{"distributor", "OfferTransfer", []string{ids, "ManufacturerMSP"}},
		{"manufacturer", "RejectTransfer", []string{ids}},
		{"customs", "HoldItems", []string{ids, "second check"}},
		{"customs", "ReleaseItems", []string{ids}},
		{"distributor", "Decommission", []string{itemID, "dispensed"}},
	}
	for _, s := range steps {
		if _, err := submit(s.org, "user1", s.fn, s.args...); err != nil {
			return err
		}
	}
	return nil
}

func ledger(tb testing.TB) verify.Ledger {
	tb.Helper()
	c, err := conn("distributor", "user1")
	if err != nil {
		tb.Fatal(err)
	}
	return verify.NewGatewayLedger(c.Gateway.GetNetwork(pn.Net.Channel), pn.Net.Chaincode)
}

func TestVerifyRealItem(t *testing.T) {
	integration(t)
	l := ledger(t)
	for _, chain := range []bool{false, true} {
		t.Run(fmt.Sprintf("chain=%v", chain), func(t *testing.T) {
			start := time.Now()
			rep, err := verify.Item(context.Background(), l, itemID, verify.Options{Chain: chain})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("verified %s in %v: %d steps", rep.Item, time.Since(start).Round(time.Microsecond), len(rep.Steps))
			events := map[uint64]bool{}
			for _, s := range rep.Steps {
				if s.Seq > 0 {
					events[s.Seq] = true
				}
				if !s.OK || testing.Verbose() {
					t.Logf("%-5v %-19s %-22s %s", s.OK, s.Check, s.Subject, s.Detail)
				}
			}
			if !rep.OK {
				t.Fatalf("real item failed verification")
			}
			if len(events) != 10 {
				t.Fatalf("%d events verified, want 10", len(events))
			}
		})
	}
}

// tampering serves the real ledger's answers with one change, as a
// compromised peer would.
type tampering struct {
	verify.Ledger
	tx    func(*peer.ProcessedTransaction)
	block func(*common.Block)
	hist  func(*domain.HistoryPage)
	seq   int // which event's transaction/block (1-based)
	txID  string
}

func (t *tampering) History(ctx context.Context, id string, from uint64, limit int) (domain.HistoryPage, error) {
	p, err := t.Ledger.History(ctx, id, from, limit)
	if err == nil {
		if len(p.Events) >= t.seq {
			t.txID = p.Events[t.seq-1].TxID
		}
		if t.hist != nil {
			t.hist(&p)
		}
	}
	return p, err
}

func (t *tampering) TransactionByID(ctx context.Context, id string) (*peer.ProcessedTransaction, error) {
	pt, err := t.Ledger.TransactionByID(ctx, id)
	if err == nil && id == t.txID && t.tx != nil {
		pt = proto.Clone(pt).(*peer.ProcessedTransaction)
		t.tx(pt)
	}
	return pt, err
}

func (t *tampering) BlockByTxID(ctx context.Context, id string) (*common.Block, error) {
	b, err := t.Ledger.BlockByTxID(ctx, id)
	if err == nil && id == t.txID && t.block != nil {
		b = proto.Clone(b).(*common.Block)
		t.block(b)
	}
	return b, err
}

func flipLast(b []byte) []byte {
	c := append([]byte(nil), b...)
	c[len(c)-5] ^= 1
	return c
}

// rewrite re-marshals a transaction after changing its chaincode action payload.
func rewrite(pt *peer.ProcessedTransaction, change func(*peer.ChaincodeActionPayload)) {
	env := pt.TransactionEnvelope
	payload := &common.Payload{}
	_ = proto.Unmarshal(env.Payload, payload)
	tx := &peer.Transaction{}
	_ = proto.Unmarshal(payload.Data, tx)
	cap := &peer.ChaincodeActionPayload{}
	_ = proto.Unmarshal(tx.Actions[0].Payload, cap)
	change(cap)
	tx.Actions[0].Payload, _ = proto.Marshal(cap)
	payload.Data, _ = proto.Marshal(tx)
	env.Payload, _ = proto.Marshal(payload)
}

func TestVerifyRealItemTampered(t *testing.T) {
	integration(t)
	tests := []struct {
		name string
		l    *tampering
		want string
	}{
		{"creator signature byte flipped", &tampering{seq: 3, tx: func(pt *peer.ProcessedTransaction) {
			pt.TransactionEnvelope.Signature = flipLast(pt.TransactionEnvelope.Signature)
		}}, verify.CheckCreatorSignature},
		{"endorsement signature byte flipped", &tampering{seq: 4, tx: func(pt *peer.ProcessedTransaction) {
			rewrite(pt, func(cap *peer.ChaincodeActionPayload) {
				e := cap.Action.Endorsements[0]
				e.Signature = flipLast(e.Signature)
			})
		}}, verify.CheckEndorsements},
		{"endorsements dropped to one org", &tampering{seq: 4, tx: func(pt *peer.ProcessedTransaction) {
			rewrite(pt, func(cap *peer.ChaincodeActionPayload) {
				cap.Action.Endorsements = cap.Action.Endorsements[:1]
			})
		}}, verify.CheckEndorsePolicy},
		{"history event differs from the write set", &tampering{seq: 5, hist: func(p *domain.HistoryPage) {
			p.Events[4].Details = "nothing to see"
		}}, verify.CheckWriteSet},
		{"block signature byte flipped", &tampering{seq: 6, block: func(b *common.Block) {
			md := &common.Metadata{}
			_ = proto.Unmarshal(b.Metadata.Metadata[common.BlockMetadataIndex_SIGNATURES], md)
			md.Signatures[0].Signature = flipLast(md.Signatures[0].Signature)
			b.Metadata.Metadata[common.BlockMetadataIndex_SIGNATURES], _ = proto.Marshal(md)
		}}, verify.CheckBlockSignatures},
		{"block signed by too few ordering nodes", &tampering{seq: 7, block: func(b *common.Block) {
			md := &common.Metadata{}
			_ = proto.Unmarshal(b.Metadata.Metadata[common.BlockMetadataIndex_SIGNATURES], md)
			// below the policy: one of a BFT quorum of three, none for Raft
			keep := 1
			if pn.Net.Consensus == "raft" {
				keep = 0
			}
			md.Signatures = md.Signatures[:keep]
			b.Metadata.Metadata[common.BlockMetadataIndex_SIGNATURES], _ = proto.Marshal(md)
		}}, verify.CheckBlockSignatures},
		{"block data hash", &tampering{seq: 8, block: func(b *common.Block) {
			b.Header.DataHash = flipLast(b.Header.DataHash)
		}}, verify.CheckBlockDataHash},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.l.Ledger = ledger(t)
			rep, err := verify.Item(context.Background(), tt.l, itemID, verify.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK {
				t.Fatal("tampered answer verified OK")
			}
			found := false
			for _, s := range rep.Failed() {
				t.Logf("failed: %s %s: %s", s.Check, s.Subject, s.Detail)
				if s.Check == tt.want && s.Seq == uint64(tt.l.seq) {
					found = true
				}
			}
			if !found {
				t.Errorf("check %s did not fail for seq %d", tt.want, tt.l.seq)
			}
		})
	}
}

// BenchmarkVerifyItem10 verifies the ten-event item through the
// distributor's gateway peer; ms/verify is the figure to report.
func BenchmarkVerifyItem10(b *testing.B) {
	integration(b)
	l := ledger(b)
	ctx := context.Background()
	if _, err := verify.Item(ctx, l, itemID, verify.Options{}); err != nil { // warm connections
		b.Fatal(err)
	}
	for _, chain := range []bool{false, true} {
		b.Run(fmt.Sprintf("chain=%v", chain), func(b *testing.B) {
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				rep, err := verify.Item(ctx, l, itemID, verify.Options{Chain: chain})
				if err != nil {
					b.Fatal(err)
				}
				if !rep.OK {
					b.Fatalf("verification failed: %+v", rep.Failed())
				}
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/verify")
		})
	}
}

// lyingHistory answers every GetHistory with the genuine item's history, as
// a gateway org running a modified peer or chaincode would for a
// counterfeit serial.
type lyingHistory struct{ verify.Ledger }

func (l lyingHistory) History(ctx context.Context, _ string, from uint64, limit int) (domain.HistoryPage, error) {
	return l.Ledger.History(ctx, itemID, from, limit)
}

// A counterfeit serial answered with a genuine item's history fails
// item-binding, naming both items; nothing else fails.
func TestVerifyCounterfeitServedGenuineHistory(t *testing.T) {
	integration(t)
	counterfeit := itemID[:strings.LastIndex(itemID, "/")+1] + "FAKE" + strconv.FormatInt(time.Now().UnixNano(), 36)
	rep, err := verify.Item(context.Background(), lyingHistory{ledger(t)}, counterfeit, verify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK || rep.Item != counterfeit {
		t.Fatalf("counterfeit verified: ok %v item %s", rep.OK, rep.Item)
	}
	failed := rep.Failed()
	for _, s := range failed {
		t.Logf("failed: %s %s: %s", s.Check, s.Subject, s.Detail)
	}
	if len(failed) != 1 || failed[0].Check != verify.CheckItemBinding ||
		!strings.Contains(failed[0].Detail, "asked for "+counterfeit) || !strings.Contains(failed[0].Detail, "is of item "+itemID) {
		t.Fatalf("want only item-binding to fail naming both items")
	}
}

// peers opens a ledger on every peer org's gateway but the distributor's
// (the answering one).
func peers(t *testing.T) []verify.Peer {
	var out []verify.Peer
	for _, org := range []string{"customs", "manufacturer"} {
		c, err := conn(org, "user1")
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, verify.Peer{Name: org, Ledger: verify.NewGatewayLedger(c.Gateway.GetNetwork(pn.Net.Channel), pn.Net.Chaincode)})
	}
	return out
}

// Confirmed through all three organizations' peers on a healthy network;
// a peer that serves a flipped validation flag fails peer-agreement naming
// it.
func TestVerifyPeersAll(t *testing.T) {
	integration(t)
	start := time.Now()
	rep, err := verify.Item(context.Background(), ledger(t), itemID, verify.Options{Self: "distributor", Peers: peers(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("verified through %d peers in %v: %s", len(rep.Trust.Peers), time.Since(start).Round(time.Millisecond), rep.Trust.Summary)
	for _, s := range rep.Steps {
		if s.Check == verify.CheckPeerAgreement || !s.OK {
			t.Logf("%-5v %s %s: %s", s.OK, s.Check, s.Subject, s.Detail)
		}
	}
	if !rep.OK || len(rep.Trust.Peers) != 3 || len(rep.Trust.Unconfirmed) != 0 || !strings.Contains(rep.Trust.Summary, "through 3 peers (distributor, customs, manufacturer)") {
		t.Fatalf("want verified through 3 peers, got ok %v trust %+v", rep.OK, rep.Trust)
	}

	// One peer presents seq 4's block with another validation flag.
	ps := peers(t)
	var seq4 uint64
	for _, s := range rep.Steps {
		if s.Seq == 4 && s.Check == verify.CheckTxInBlock {
			seq4 = s.Block
		}
	}
	ps[0].Ledger = &flagFlipper{Ledger: ps[0].Ledger, block: seq4}
	rep, err = verify.Item(context.Background(), ledger(t), itemID, verify.Options{Self: "distributor", Peers: ps})
	if err != nil {
		t.Fatal(err)
	}
	failed := rep.Failed()
	if rep.OK || len(failed) != 1 || failed[0].Check != verify.CheckPeerAgreement || failed[0].Subject != "customs" ||
		!strings.Contains(failed[0].Detail, fmt.Sprintf("block %d: validation flags", seq4)) {
		t.Fatalf("want peer-agreement of customs to fail, got %+v", failed)
	}
	t.Logf("flipped flag: %s", failed[0].Detail)
}

// flagFlipper serves block n with its first validation flag changed.
type flagFlipper struct {
	verify.Ledger
	block uint64
}

func (f *flagFlipper) BlockByNumber(ctx context.Context, n uint64) (*common.Block, error) {
	b, err := f.Ledger.BlockByNumber(ctx, n)
	if err != nil || n != f.block {
		return b, err
	}
	b = proto.Clone(b).(*common.Block)
	flt := append([]byte(nil), b.Metadata.Metadata[common.BlockMetadataIndex_TRANSACTIONS_FILTER]...)
	flt[0] = byte(peer.TxValidationCode_MVCC_READ_CONFLICT)
	b.Metadata.Metadata[common.BlockMetadataIndex_TRANSACTIONS_FILTER] = flt
	return b, nil
}

package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"

	"github.com/provledger/provenance/chaincode/domain"
)

// historian is the fixture with an (empty) org-role history, as the
// project's chaincode answers GetOrgRolesHistory.
type historian struct {
	*fixture
	changes []domain.RoleSetChange
}

func (h historian) OrgRolesHistory(context.Context) ([]domain.RoleSetChange, error) {
	return h.changes, nil
}

// makeBundle verifies the fixture's item through a Recorder, as prov
// evidence does, and returns the bundle after a write/read round trip.
func makeBundle(t *testing.T, f *fixture, chain bool) *Bundle {
	t.Helper()
	rec := NewRecorder(historian{fixture: f, changes: []domain.RoleSetChange{}})
	before := f.calls["BlockByTxID"]
	// twice, as for two items sharing blocks: the second asks the ledger
	// for its history only
	for i := 0; i < 2; i++ {
		rep, err := Item(context.Background(), rec, testItem, Options{Chain: chain})
		if err != nil || !rep.OK {
			t.Fatalf("online verification: %v %+v", err, rep.Failed())
		}
	}
	if n := f.calls["BlockByTxID"] - before; n != 10 {
		t.Errorf("BlockByTxID asked %d times for two verifications of 10 events, want 10", n)
	}
	b, err := rec.Bundle([]string{testItem}, BundleMeta{
		CreatedAt: time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC), Peers: []string{"ManufacturerMSP (peer0)"}, Chain: chain,
		CreatedBy: &BundleMaker{MSPID: mspCust, Subject: "CN=officer1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return roundTrip(t, b)
}

func roundTrip(t *testing.T, b *Bundle) *Bundle {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteBundle(&buf, b); err != nil {
		t.Fatal(err)
	}
	out, err := ReadBundle(&buf)
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	return out
}

func checkCounts(steps []Step) map[string]int {
	n := map[string]int{}
	for _, s := range steps {
		n[s.Check]++
	}
	return n
}

// TestBundleRoundTrip: a genuine bundle verifies offline with the same
// checks as online, plus the bundle's own three, and holds only the
// blocks verification read.
func TestBundleRoundTrip(t *testing.T) {
	for _, chain := range []bool{false, true} {
		t.Run(fmt.Sprintf("chain=%v", chain), func(t *testing.T) {
			f := newFixture(t, consensusBFT)
			f.tenEvents(nil)
			online, err := Item(context.Background(), historian{fixture: f}, testItem, Options{Chain: chain})
			if err != nil {
				t.Fatal(err)
			}
			b := makeBundle(t, f, chain)
			if b.Format != BundleFormat || len(b.Histories) != 1 || len(b.Histories[0].Events) != 10 {
				t.Fatalf("bundle %s with %d histories", b.Format, len(b.Histories))
			}
			// the config block and the ten event blocks; no more
			if len(b.Blocks) != 11 || b.Blocks[0].Number != 0 {
				t.Errorf("%d blocks, first %d; want 11 from 0", len(b.Blocks), b.Blocks[0].Number)
			}
			if len(b.Roots) != 4 || b.Roots[0].Group != groupApplication || len(b.Roots[0].RootCerts) != 1 {
				t.Errorf("roots %+v", b.Roots)
			}
			if chain != (len(b.ChainInfo) > 0) {
				t.Errorf("chain info recorded %v, want %v", len(b.ChainInfo) > 0, chain)
			}
			reps := VerifyBundle(context.Background(), b, nil, Options{Chain: chain})
			if len(reps) != 1 || !reps[0].OK {
				t.Fatalf("offline: %+v", reps)
			}
			rep := reps[0]
			if rep.GenesisHash == "" || rep.GenesisHash != online.GenesisHash || rep.GenesisHash != b.GenesisHash {
				t.Errorf("genesis hash offline %q, online %q, bundle %q", rep.GenesisHash, online.GenesisHash, b.GenesisHash)
			}
			got, want := checkCounts(rep.Steps), checkCounts(online.Steps)
			want[CheckBundle] = 3
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("offline checks %v, online %v + 3 bundle", got, want)
			}
			if !strings.Contains(rep.Trust.Summary, "made 2026-12-02T08:00:00Z by CustomsMSP (CN=officer1) through ManufacturerMSP (peer0)") {
				t.Errorf("trust %q", rep.Trust.Summary)
			}
			// pinned to the right genesis it still passes
			pin := mustHex(b.GenesisHash)
			if r := VerifyBundle(context.Background(), b, []string{testItem}, Options{GenesisHash: pin}); !r[0].OK || !r[0].Trust.GenesisPinned {
				t.Errorf("pinned: %+v", r[0].Failed())
			}
		})
	}
}

// blockAt decodes bundle block n and says where it is in Blocks.
func blockAt(t *testing.T, b *Bundle, n uint64) (int, *common.Block) {
	t.Helper()
	for i, bb := range b.Blocks {
		if bb.Number == n {
			blk := &common.Block{}
			if err := proto.Unmarshal(bb.Block, blk); err != nil {
				t.Fatal(err)
			}
			return i, blk
		}
	}
	t.Fatalf("block %d not in the bundle", n)
	return 0, nil
}

func putBlock(t *testing.T, b *Bundle, i int, blk *common.Block) {
	t.Helper()
	raw, err := proto.Marshal(blk)
	if err != nil {
		t.Fatal(err)
	}
	b.Blocks[i].Block = raw
}

// TestBundleTampered: the bundle's author is not trusted; each tampering
// fails offline verification naming the check.
func TestBundleTampered(t *testing.T) {
	f := newFixture(t, consensusBFT)
	f.tenEvents(nil)
	genuine := makeBundle(t, f, false)
	other := newCA(t, mspMan) // a CA the attacker controls, named like the manufacturer's
	tests := []struct {
		name   string
		tamper func(b *Bundle)
		pin    bool
		want   []string // checks that must be among the failures
		detail string   // in some failure's detail
	}{
		{"one byte changed in an event's block", func(b *Bundle) {
			ev := b.Histories[0].Events[3]
			i, blk := blockAt(t, b, txBlockOf(t, b, ev.TxID))
			// a byte of the serial inside the transaction, keeping the protobuf valid
			d := blk.Data.Data[0]
			k := bytes.Index(d, []byte("SN/0001"))
			if k < 0 {
				t.Fatal("serial not in the block")
			}
			d[k+3] = '9'
			putBlock(t, b, i, blk)
		}, false, []string{CheckBlockDataHash}, "data hash"},
		{"one event removed", func(b *Bundle) {
			ev := b.Histories[0].Events
			b.Histories[0].Events = append(ev[:4:4], ev[5:]...)
		}, false, []string{CheckEventOrder}, "history position 5 holds seq 6"},
		{"listed root certificate swapped", func(b *Bundle) {
			b.Roots[2].RootCerts[0] = string(other.pem)
		}, false, []string{CheckBundle}, "lists other certificates"},
		{"genesis MSP root swapped (rehashed), unpinned", func(b *Bundle) {
			swapRoot(t, b, other)
		}, false, []string{CheckCreatorSignature, CheckBundle}, "certificate"},
		{"genesis MSP root swapped (rehashed), pinned", func(b *Bundle) {
			swapRoot(t, b, other)
		}, true, []string{CheckChannelConfig}, "not the pinned channel"},
		{"validation flag flipped to invalid", func(b *Bundle) {
			n := txBlockOf(t, b, b.Histories[0].Events[2].TxID)
			i, blk := blockAt(t, b, n)
			blk.Metadata.Metadata[common.BlockMetadataIndex_TRANSACTIONS_FILTER][0] = 11
			putBlock(t, b, i, blk)
		}, false, []string{CheckValidationCode, CheckTxInBlock}, "MVCC_READ_CONFLICT"},
		{"an event's block left out", func(b *Bundle) {
			n := txBlockOf(t, b, b.Histories[0].Events[6].TxID)
			i, _ := blockAt(t, b, n)
			b.Blocks = append(b.Blocks[:i:i], b.Blocks[i+1:]...)
		}, false, []string{CheckValidationCode}, "not in the bundle"},
		{"genesis block left out", func(b *Bundle) {
			b.Blocks = b.Blocks[1:]
		}, false, []string{CheckChannelConfig, CheckBundle}, "block 0"},
		// The company-prefix candidates are asked in parallel: any of them may be the first one missed.
		{"prefix record left out", func(b *Bundle) { b.Prefixes = nil }, false, []string{CheckBundle}, ": the GetPrefix answer for 95060"},
		{"role history left out", func(b *Bundle) { b.OrgRolesHistory = nil }, false, []string{CheckBundle}, "org role history"},
		{"forged role-history entry", func(b *Bundle) {
			b.OrgRolesHistory = []domain.RoleSetChange{{TxID: b.Histories[0].Events[1].TxID, Roles: b.OrgRoles}}
		}, false, []string{CheckOrgRoles}, "does not write the role set"},
		{"genesis hash claim changed", func(b *Bundle) { b.GenesisHash = strings.Repeat("0", 64) }, false, []string{CheckBundle}, "block 0's header hash is"},
		{"block listed under another number", func(b *Bundle) { b.Blocks[3].Number = 99 }, false, []string{CheckBundle}, "holds block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := cloneBundle(t, genuine)
			tt.tamper(b)
			b = roundTrip(t, b)
			var opts Options
			if tt.pin {
				opts.GenesisHash = mustHex(genuine.GenesisHash)
			}
			reps := VerifyBundle(context.Background(), b, []string{testItem}, opts)
			if len(reps) != 1 || reps[0].OK {
				t.Fatalf("tampered bundle verified: %+v", reps)
			}
			failed := reps[0].Failed()
			checks := map[string]bool{}
			detail := false
			for _, s := range failed {
				checks[s.Check] = true
				detail = detail || strings.Contains(s.Detail, tt.detail)
			}
			for _, w := range tt.want {
				if !checks[w] {
					t.Errorf("%s did not fail; failed: %+v", w, failed)
				}
			}
			if !detail {
				t.Errorf("no failure says %q: %+v", tt.detail, failed)
			}
		})
	}
}

// swapRoot replaces the manufacturer's root certificate in the genesis
// block by ca's and recomputes the data hash, as a forger would.
func swapRoot(t *testing.T, b *Bundle, ca *testCA) {
	t.Helper()
	i, blk := blockAt(t, b, 0)
	genuine := f0Root(t, b)
	d := blk.Data.Data[0]
	k := bytes.Index(d, genuine)
	if k < 0 || len(ca.pem) != len(genuine) {
		t.Skipf("root certificate not found or of another length (%d, %d)", len(ca.pem), len(genuine))
	}
	blk.Data.Data[0] = bytes.ReplaceAll(d, genuine, ca.pem)
	blk.Header.DataHash = blockDataHash(blk.Data)
	putBlock(t, b, i, blk)
}

func f0Root(t *testing.T, b *Bundle) []byte {
	for _, r := range b.Roots {
		if r.ConfigBlock == 0 && r.MSPID == mspMan {
			return []byte(r.RootCerts[0])
		}
	}
	t.Fatal("no manufacturer root")
	return nil
}

func txBlockOf(t *testing.T, b *Bundle, txID string) uint64 {
	t.Helper()
	l := NewBundleLedger(b)
	blk, err := l.BlockByTxID(context.Background(), txID)
	if err != nil {
		t.Fatal(err)
	}
	return blk.Header.Number
}

func cloneBundle(t *testing.T, b *Bundle) *Bundle {
	t.Helper()
	raw, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	var c Bundle
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

// TestBundleUnknownItem: an item the bundle does not hold fails, naming it.
func TestBundleUnknownItem(t *testing.T) {
	f := newFixture(t, consensusBFT)
	f.tenEvents(nil)
	b := makeBundle(t, f, false)
	other := "01/" + testGTIN + "/21/OTHER"
	reps := VerifyBundle(context.Background(), b, []string{other}, Options{})
	if reps[0].OK || !strings.Contains(fmt.Sprint(reps[0].Failed()), "history of "+other+": the GetHistory answer: not in the bundle") {
		t.Errorf("%+v", reps[0])
	}
	// a bundle made without --chain cannot answer a chain check
	reps = VerifyBundle(context.Background(), b, nil, Options{Chain: true})
	if reps[0].OK || !strings.Contains(fmt.Sprint(reps[0].Failed()), "chain info (made without --chain)") &&
		!strings.Contains(fmt.Sprint(reps[0].Failed()), "not in the bundle") {
		t.Errorf("chain from a bundle without it: %+v", reps[0].Failed())
	}
}

// TestReadBundle refuses other formats and fields it does not know.
func TestReadBundle(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"format":"prov-evidence/2"}`, `bundle format "prov-evidence/2", this reader knows "prov-evidence/1"`},
		{`{}`, `bundle format ""`},
		{`not json`, "bundle is not JSON"},
		{`{"format":"prov-evidence/1","extra":1}`, `unknown field "extra"`},
		{`{"format":"prov-evidence/1"} {}`, "not JSON"},
	} {
		_, err := ReadBundle(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.in, err, tc.want)
		}
	}
}

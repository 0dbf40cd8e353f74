package trust

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"

	"github.com/provledger/provenance/test/harness"
)

// TestFlippedValidationFlag (attack d): two offers of one item to two orgs
// endorsed before either is submitted land in one block; the loser is
// invalid. Customs' peer is stopped, the loser's byte in the block's
// TRANSACTIONS_FILTER is set to VALID in its block file (metadata is not
// covered by the block hash nor by the orderers' signatures over the
// header), and the peer restarted. Verify through that peer alone cannot
// tell (logged); `prov verify --peers all` must exit 3 naming the peer.
// Cleanup flips the byte back.
func TestFlippedValidationFlag(t *testing.T) {
	integration(t)
	ctx := context.Background()
	m := conn(t, mfr)
	var (
		item        string
		blockNum    uint64
		loserIndex  int
		loserCode   peer.TxValidationCode
		filterBytes []byte
	)
	for attempt := 0; attempt < 4 && item == ""; attempt++ {
		x := register(t, "00006", fmt.Sprintf("FLAG%d", attempt), 1)[0]
		waitPeers(t)
		var txs []*client.Transaction
		for _, to := range []string{dist.MSP, cus.MSP} {
			prop, err := m.Contract().NewProposal("OfferTransfer", clientArgs(js([]string{x}), to)...)
			if err != nil {
				t.Fatal(err)
			}
			tx, err := prop.Endorse()
			if err != nil {
				t.Fatalf("endorse offer to %s: %v", to, harness.Detailed(err))
			}
			txs = append(txs, tx)
		}
		type res struct {
			st  *client.Status
			err error
		}
		out := make(chan res, 2)
		for _, tx := range txs {
			go func(tx *client.Transaction) {
				c, err := tx.Submit()
				if err != nil {
					// SmartBFT may refuse a submit as "request already
					// processed" and order it all the same: the ledger says.
					st, serr := m.StatusOf(tx.TransactionID(), 30*time.Second)
					if serr != nil {
						out <- res{nil, fmt.Errorf("%w (and %v)", err, serr)}
						return
					}
					t.Logf("submit of %s reported %v; on the ledger: %s in block %d", tx.TransactionID(), err, st.Code, st.BlockNumber)
					out <- res{st, nil}
					return
				}
				st, err := c.Status()
				out <- res{st, err}
			}(tx)
		}
		var sts []*client.Status
		for range txs {
			r := <-out
			if r.err != nil {
				t.Fatalf("submit offer: %v", harness.Detailed(r.err))
			}
			sts = append(sts, r.st)
		}
		if sts[0].BlockNumber != sts[1].BlockNumber {
			t.Logf("attempt %d: the offers landed in blocks %d and %d; again", attempt, sts[0].BlockNumber, sts[1].BlockNumber)
			continue
		}
		var loser *client.Status
		for _, st := range sts {
			if st.Code != peer.TxValidationCode_VALID {
				loser = st
			}
		}
		if loser == nil || sts[0].Successful == sts[1].Successful {
			t.Fatalf("double offer of %s: %s and %s; want exactly one VALID", x, sts[0].Code, sts[1].Code)
		}
		blk, err := m.Block(loser.BlockNumber)
		if err != nil {
			t.Fatal(err)
		}
		idx := -1
		for i, raw := range blk.GetData().GetData() {
			if txIDOf(raw) == loser.TransactionID {
				idx = i
			}
		}
		if idx < 0 {
			t.Fatalf("loser %s not in block %d", loser.TransactionID, loser.BlockNumber)
		}
		item, blockNum, loserIndex, loserCode = x, loser.BlockNumber, idx, loser.Code
		filterBytes = blk.GetMetadata().GetMetadata()[common.BlockMetadataIndex_TRANSACTIONS_FILTER]
	}
	if item == "" {
		t.Fatal("the two offers never landed in one block")
	}
	waitPeers(t)
	t.Logf("double offer of %s: loser tx %d of block %d is %s", item, loserIndex, blockNum, loserCode)
	if v := provVerify(t, cus, item, "--peers", "all"); v.Code != 0 {
		t.Errorf("before the flip, prov verify --peers all: %s; want exit 0", v)
	}

	pnode, err := pn.Net.Node("peer0.customs.prov")
	if err != nil {
		t.Fatal(err)
	}
	cfg := harness.Config{Home: pn.Net.Home, PortBase: portBase}
	flip := func(from, to byte) {
		t.Helper()
		if _, err := cfg.Script(ctx, "stop-node", pnode.Name); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := pn.Net.StartNode(ctx, pnode.Name); err != nil {
				t.Fatalf("restart %s: %v", pnode.Name, err)
			}
			waitPeers(t)
		}()
		want := append([]byte(nil), filterBytes...)
		want[loserIndex] = from
		file, off, err := locateFilter(pnode.LedgerDir, blockNum, want)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		raw[off+loserIndex] = to
		if err := os.WriteFile(file, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: byte %d of %s (block %d, TRANSACTIONS_FILTER[%d]) set to %s", pnode.Name, off+loserIndex, filepath.Base(file), blockNum, loserIndex, peer.TxValidationCode(to))
	}
	flip(byte(loserCode), byte(peer.TxValidationCode_VALID))
	t.Cleanup(func() { flip(byte(peer.TxValidationCode_VALID), byte(loserCode)) })

	// The customs peer now serves the loser as VALID.
	c := harness.Connect(t, pn.Net.Home, cus, "user1")
	blk, err := c.Block(blockNum)
	if err != nil {
		t.Fatal(err)
	}
	if got := blk.GetMetadata().GetMetadata()[common.BlockMetadataIndex_TRANSACTIONS_FILTER][loserIndex]; got != byte(peer.TxValidationCode_VALID) {
		t.Fatalf("the flipped peer serves flag %s", peer.TxValidationCode(got))
	}
	single := provVerify(t, cus, item)
	t.Logf("verify through the flipped peer alone: %s (a single peer's flags are its own word)", single)
	all := provVerify(t, cus, item, "--peers", "all")
	// The other orgs' peers disagree with the answering (customs') peer on
	// the block's validation flags: a failed peer-agreement step, and the
	// report names the answering peer.
	agree := false
	for _, f := range all.Failed {
		if strings.HasPrefix(f, "peer-agreement") && strings.Contains(f, "validation flags") {
			agree = true
		}
	}
	if all.Code != 3 || !agree || !strings.Contains(all.Stdout, "peer0.customs.prov") {
		t.Errorf("prov verify --peers all after the flip: %s\nstdout: %s; want exit 3, peer-agreement on the validation flags, customs' peer named", all, all.Stdout)
	} else {
		t.Logf("prov verify --peers all: exit 3 in %s: %v", all.Duration.Round(time.Millisecond), all.Failed)
	}
}

// txIDOf is the channel header's tx ID of an envelope.
func txIDOf(raw []byte) string {
	env := &common.Envelope{}
	pl := &common.Payload{}
	ch := &common.ChannelHeader{}
	if proto.Unmarshal(raw, env) != nil || proto.Unmarshal(env.GetPayload(), pl) != nil ||
		proto.Unmarshal(pl.GetHeader().GetChannelHeader(), ch) != nil {
		return ""
	}
	return ch.GetTxId()
}

// locateFilter finds block n in a peer's block files and returns the file
// and the offset of its TRANSACTIONS_FILTER bytes. A block file is a
// sequence of (uvarint length, serialized block); a serialized block is the
// header (uvarint number, length-prefixed data hash and previous hash), the
// data (uvarint count, length-prefixed envelopes) and the metadata (uvarint
// count, length-prefixed entries) (common/ledger/blkstorage/block_serialization.go).
func locateFilter(ledgerDir string, n uint64, want []byte) (string, int, error) {
	f, start, blk, err := harness.BlockRecord(ledgerDir, n)
	if err != nil {
		return "", 0, err
	}
	_, p := binary.Uvarint(blk)
	skip := func() error { // one length-prefixed field
		m, c := binary.Uvarint(blk[p:])
		if c <= 0 {
			return fmt.Errorf("block %d: bad length at %d", n, p)
		}
		p += c + int(m)
		return nil
	}
	count := func() (int, error) {
		m, c := binary.Uvarint(blk[p:])
		if c <= 0 {
			return 0, fmt.Errorf("block %d: bad count at %d", n, p)
		}
		p += c
		return int(m), nil
	}
	for i := 0; i < 2; i++ { // data hash, previous hash
		if err := skip(); err != nil {
			return "", 0, err
		}
	}
	txs, err := count()
	if err != nil {
		return "", 0, err
	}
	for i := 0; i < txs; i++ {
		if err := skip(); err != nil {
			return "", 0, err
		}
	}
	if _, err := count(); err != nil {
		return "", 0, err
	}
	for i := 0; i < int(common.BlockMetadataIndex_TRANSACTIONS_FILTER); i++ {
		if err := skip(); err != nil {
			return "", 0, err
		}
	}
	m, c := binary.Uvarint(blk[p:])
	p += c
	if int(m) != len(want) || string(blk[p:p+int(m)]) != string(want) {
		return "", 0, fmt.Errorf("block %d's filter in %s is %x, the ledger says %x", n, f, blk[p:p+int(m)], want)
	}
	return f, start + p, nil
}

package faults

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"

	"github.com/provledger/provenance/client/verify"
	"github.com/provledger/provenance/test/harness"
)

// TestLedgerTamper flips one byte of a stopped peer's block file (the
// previous-hash of the block holding an item's first custody event), starts
// the peer again and verifies the item's chain through it: the verify
// package (Options{Chain: true}) and `prov verify --chain` must report the
// broken hash chain, while the same check through an untouched peer passes.
// It runs last in this package: it leaves customs' peer with a forged ledger.
func TestLedgerTamper(t *testing.T) {
	integration(t)
	e := newEnv(t, bft)
	ctx := context.Background()
	id := e.register(1, "TM")[0]
	e.must(e.mfr, "OfferTransfer", js([]string{id}), harness.Distributor.MSP)
	e.must(e.dst, "AcceptTransfer", js([]string{id}))
	harness.WaitSameHeight(t, 20*time.Second, e.peerConns()...)
	hist, err := e.cus.History(id)
	if err != nil || len(hist) == 0 {
		t.Fatalf("history: %v", err)
	}
	blk, err := blockOfTx(e.cus, hist[0].TxID)
	if err != nil {
		t.Fatal(err)
	}
	target := blk.GetHeader().GetNumber()

	// Untampered, the chain verifies.
	rep, err := verify.Item(ctx, verify.NewGatewayLedger(e.cus.Network, harness.Chaincode), id, verify.Options{Chain: true})
	if err != nil || !rep.OK {
		t.Fatalf("before tampering, verify --chain: err %v, report %+v", err, failedSteps(rep))
	}

	pn, err := bft.Node("peer0.customs.prov")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bft.Config().Script(ctx, "stop-node", pn.Name); err != nil {
		t.Fatal(err)
	}
	file, off, err := locateBlock(pn.LedgerDir, target)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pos := off
	if !bytes.HasPrefix(raw[pos:], blk.GetHeader().GetPreviousHash()) {
		t.Fatalf("block %d's previous hash is not at offset %d of %s", target, pos, file)
	}
	raw[pos] ^= 0x01
	if err := os.WriteFile(file, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("flipped bit 0 of byte %d of %s (block %d's previous-hash)", pos, file, target)
	if err := bft.StartNode(ctx, pn.Name); err != nil {
		t.Fatalf("restart tampered peer: %v", err)
	}

	cus := harness.Connect(t, bft.Home, harness.Customs, "user1")
	var tampered verify.Report
	deadline := time.Now().Add(30 * time.Second)
	for {
		tampered, err = verify.Item(ctx, verify.NewGatewayLedger(cus.Network, harness.Chaincode), id, verify.Options{Chain: true})
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond) // the peer is still opening its ledger
	}
	if err != nil {
		t.Fatalf("verify through the tampered peer could not run: %v", err)
	}
	failed := failedSteps(tampered)
	if tampered.OK || len(failed) == 0 {
		t.Fatalf("verify --chain through the tampered peer passed: %+v", tampered)
	}
	if !strings.Contains(strings.ToLower(strings.Join(failed, " ")), "hash") && !strings.Contains(strings.ToLower(strings.Join(failed, " ")), "chain") {
		t.Errorf("failed checks do not name the hash chain: %v", failed)
	}
	// The CLI says so with exit 3.
	cli := harness.CLI{Bin: harness.BuildProv(t), Home: bft.Home, PortBase: bft.PortBase}
	r := cli.Run(t, harness.Customs, "user1", "verify", id, "--chain")
	if r.Code != 3 {
		t.Errorf("prov verify --chain through the tampered peer: want exit 3\n%s", r)
	}
	// Through an untouched peer the same record verifies.
	good, err := verify.Item(ctx, verify.NewGatewayLedger(e.mfr.Network, harness.Chaincode), id, verify.Options{Chain: true})
	if err != nil || !good.OK {
		t.Errorf("through the manufacturer's untouched peer: err %v, failed %v", err, failedSteps(good))
	}
	t.Logf("tamper: block %d previous-hash byte flipped on %s; verify --chain reports %d failed check(s): %s; prov exit %d",
		target, pn.Name, len(failed), short(strings.Join(failed, " | ")), r.Code)
}

func failedSteps(r verify.Report) []string {
	var out []string
	for _, s := range r.Steps {
		if !s.OK {
			out = append(out, fmt.Sprintf("%s (%s): %s", s.Check, s.Subject, s.Detail))
		}
	}
	return out
}

// blockOfTx asks qscc for the block holding txID.
func blockOfTx(c *harness.Conn, txID string) (*common.Block, error) {
	b, err := c.Network.GetContract("qscc").EvaluateTransaction("GetBlockByTxID", harness.Channel, txID)
	if err != nil {
		return nil, harness.Detailed(err)
	}
	blk := &common.Block{}
	return blk, proto.Unmarshal(b, blk)
}

// locateBlock finds block number n in the channel's block files under a
// peer's ledger dir and returns the file and the offset of the block's
// previous-hash bytes. Fabric's block files are a sequence of (uvarint
// length, serialized block); a serialized block starts with its header as
// uvarint number, length-prefixed data hash, length-prefixed previous hash
// (common/ledger/blkstorage/block_serialization.go), not as a protobuf Block.
func locateBlock(ledgerDir string, n uint64) (string, int, error) {
	f, start, blk, err := harness.BlockRecord(ledgerDir, n)
	if err != nil {
		return "", 0, err
	}
	_, a := binary.Uvarint(blk)
	dl, b := binary.Uvarint(blk[a:])
	if b <= 0 {
		return "", 0, fmt.Errorf("%s at %d: bad data hash length", f, start)
	}
	pl, c := binary.Uvarint(blk[a+b+int(dl):])
	if c <= 0 {
		return "", 0, fmt.Errorf("%s at %d: bad previous hash length", f, start)
	}
	if pl == 0 {
		return "", 0, fmt.Errorf("block %d has no previous hash", n)
	}
	return f, start + a + b + int(dl) + c, nil
}

package clitest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/test/harness"
)

// A custody record whose creator signature was forged on one peer's disk:
// `prov verify` through that peer reports the failed check with exit 3,
// through another peer the record verifies. The byte is restored after.
// (test/faults flips a block's previous-hash and checks --chain.)
func TestVerifyForgedSignatureExit3(t *testing.T) {
	integration(t)
	prefix := prefixFor(1)
	ensurePrefix(t, prefix)
	g := gtin(t, prefix, 9)
	x := item(t, g, "FORGE")
	ok(t, "item", "register", x, "-p", "manufacturer")
	var offer batchResult
	okJSON(t, &offer, "transfer", "offer", x, "--to", "distributor", "-p", "manufacturer")
	txID := offer.Transactions[0].TxID
	if r := ok(t, "verify", x, "-p", "customs"); !strings.Contains(r.out, "verified") {
		t.Fatalf("before: %s", r)
	}

	// the offer's envelope signature, as the customs peer stores it
	conn, err := net.Connect("customs", "user1")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := conn.Gateway.GetNetwork(net.Channel).GetContract("qscc").EvaluateTransaction("GetBlockByTxID", net.Channel, txID)
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	var blk common.Block
	if err := proto.Unmarshal(raw, &blk); err != nil {
		t.Fatal(err)
	}
	var sig []byte
	for _, d := range blk.GetData().GetData() {
		var env common.Envelope
		var pl common.Payload
		var ch common.ChannelHeader
		if proto.Unmarshal(d, &env) == nil && proto.Unmarshal(env.GetPayload(), &pl) == nil &&
			proto.Unmarshal(pl.GetHeader().GetChannelHeader(), &ch) == nil && ch.GetTxId() == txID {
			sig = env.GetSignature()
		}
	}
	if len(sig) < 64 {
		t.Fatalf("no signature of %s in block %d", txID, blk.GetHeader().GetNumber())
	}

	peer := peerNode(t, "customs")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	stop := func() {
		if _, err := netConfig().Script(ctx, "stop-node", peer.Name); err != nil {
			t.Fatal(err)
		}
	}
	stop()
	file, off := findBytes(t, peer.LedgerDir, sig)
	flip := func() {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		b[off+len(sig)/2] ^= 0x01
		if err := os.WriteFile(file, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	flip()
	restored := false
	defer func() {
		if !restored {
			stop()
			flip()
			_ = net.StartNode(ctx, peer.Name)
		}
	}()
	if err := net.StartNode(ctx, peer.Name); err != nil {
		t.Fatal(err)
	}

	var r result
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		r = run(t, "verify", x, "-p", "customs", "-o", "json")
		if r.code != 1 || time.Now().After(deadline) {
			break // exit 1 while the peer is still opening its ledger
		}
	}
	var v struct {
		OK      bool
		Reports []struct {
			Steps []struct {
				Check, Subject, Detail string
				OK                     bool
			}
		}
	}
	if r.code != 3 || json.Unmarshal([]byte(r.out), &v) != nil || v.OK {
		t.Fatalf("verify through the forged peer: want exit 3: %s", r)
	}
	var failed []string
	for _, s := range v.Reports[0].Steps {
		if !s.OK {
			failed = append(failed, s.Check+" ("+s.Subject+"): "+s.Detail)
		}
	}
	if !strings.Contains(strings.Join(failed, " "), "creator-signature") {
		t.Errorf("failed checks do not name the creator signature: %v", failed)
	}
	if tr := run(t, "verify", x, "-p", "customs"); tr.code != 3 || !strings.Contains(tr.out, "FAILED") || tr.err != "verification failed\n" {
		t.Errorf("table: %s", tr)
	}
	ok(t, "verify", x, "-p", "distributor") // the untouched peer's copy
	t.Logf("forged creator signature of %s in %s: exit %d, failed: %s", txID[:12], filepath.Base(file), r.code, strings.Join(failed, " | "))

	stop()
	flip()
	if err := net.StartNode(ctx, peer.Name); err != nil {
		t.Fatal(err)
	}
	restored = true
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		if r = run(t, "verify", x, "-p", "customs"); r.code == 0 || time.Now().After(deadline) {
			break
		}
	}
	if r.code != 0 {
		t.Errorf("after restoring the byte: %s", r)
	}
	var it domain.Item
	okJSON(t, &it, "item", "show", x, "-p", "customs")
	waitWhole(t)
}

// findBytes finds needle in one of the peer's block files.
func findBytes(t *testing.T, ledgerDir string, needle []byte) (string, int) {
	t.Helper()
	var file string
	off := -1
	filepath.Walk(ledgerDir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasPrefix(info.Name(), "blockfile_") || off >= 0 {
			return nil
		}
		b, err := os.ReadFile(path)
		if err == nil {
			if i := bytes.Index(b, needle); i >= 0 {
				file, off = path, i
			}
		}
		return nil
	})
	if off < 0 {
		t.Fatalf("signature not found in the block files under %s", ledgerDir)
	}
	return file, off
}

// netConfig manages the running network through scripts/network.sh.
func netConfig() harness.Config {
	return net.Config()
}

package faults

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/verify"
	"github.com/provledger/provenance/test/e2e/provtest"
)

// TestReplaySignedTransaction: an endorsed, signed transaction envelope is
// submitted, committed, then submitted again byte for byte (offline signing:
// Transaction.Bytes and Gateway.NewSignedTransaction). The replay must be
// marked DUPLICATE_TXID and have no effect; re-endorsing the same signed
// proposal is refused too.
func TestReplaySignedTransaction(t *testing.T) {
	provtest.Integration(t)
	e := newEnv(t, bft)
	ids := e.register(1, "RP")
	id := ids[0]
	provtest.WaitSameHeight(t, 20*time.Second, e.peerConns()...)

	// Endorse and sign an offer, keep its bytes, submit it once.
	prop, err := e.mfr.Contract.NewProposal("OfferTransfer", client.WithArguments(js([]string{id}), provtest.Distributor.MSP))
	if err != nil {
		t.Fatal(err)
	}
	propDigest := prop.Digest()
	propSig, err := e.mfr.Signer.Sign(propDigest)
	if err != nil {
		t.Fatal(err)
	}
	propBytes, err := prop.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	signedProp, err := e.mfr.Gateway.NewSignedProposal(propBytes, propSig)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := signedProp.Endorse()
	if err != nil {
		t.Fatalf("endorse: %v", provtest.Detailed(err))
	}
	txSig, err := e.mfr.Signer.Sign(tx.Digest())
	if err != nil {
		t.Fatal(err)
	}
	txBytes, err := tx.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	first, err := e.mfr.Gateway.NewSignedTransaction(txBytes, txSig)
	if err != nil {
		t.Fatal(err)
	}
	h0, _ := e.mfr.Height()
	commit, err := first.Submit()
	if err != nil {
		t.Fatalf("submit: %v", provtest.Detailed(err))
	}
	st, err := commit.Status()
	if err != nil || !st.Successful {
		t.Fatalf("first submission: status %+v, err %v", st, err)
	}
	txID := first.TransactionID()
	provtest.WaitSameHeight(t, 20*time.Second, e.peerConns()...)
	afterFirst := e.mfr.MustItem(t, id)
	hist1, _ := e.mfr.History(id)
	if afterFirst.Status != domain.StatusInTransit {
		t.Fatalf("after the first submission: %+v", afterFirst)
	}

	// Replay the very same signed envelope.
	replay, err := e.mfr.Gateway.NewSignedTransaction(txBytes, txSig)
	if err != nil {
		t.Fatal(err)
	}
	replayCommit, submitErr := replay.Submit()
	var replayStatus *client.Status
	var statusErr error
	if submitErr == nil {
		replayStatus, statusErr = replayCommit.Status()
	}
	// Cut a later block with a marker transaction so the replay, if ordered,
	// is on the ledger before we look.
	marker := e.register(1, "RM")
	provtest.WaitSameHeight(t, 20*time.Second, e.peerConns()...)
	h1, _ := e.mfr.Height()
	var seen []txAt
	for _, x := range txsIn(t, e.mfr, h0, h1) {
		if x.TxID == txID {
			seen = append(seen, x)
		}
	}
	afterReplay := e.mfr.MustItem(t, id)
	hist2, _ := e.mfr.History(id)
	aj, _ := json.Marshal(afterFirst)
	bj, _ := json.Marshal(afterReplay)
	if string(aj) != string(bj) || len(hist1) != len(hist2) {
		t.Errorf("the replay changed the item:\n%s\n%s\nhistory %d -> %d events", aj, bj, len(hist1), len(hist2))
	}
	if len(seen) != 2 || seen[0].Code != peer.TxValidationCode_VALID || seen[1].Code != peer.TxValidationCode_DUPLICATE_TXID {
		t.Errorf("tx %s in blocks: %+v; want VALID once, then DUPLICATE_TXID", txID, seen)
	}

	// Re-endorsing the same signed proposal is refused by the endorser.
	again, err := e.mfr.Gateway.NewSignedProposal(propBytes, propSig)
	if err != nil {
		t.Fatal(err)
	}
	_, reendorseErr := again.Endorse()
	reendorseErr = provtest.Detailed(reendorseErr)
	if reendorseErr == nil || !strings.Contains(reendorseErr.Error(), "duplicate transaction") {
		t.Errorf("re-endorsing a committed proposal: %v; want a duplicate transaction refusal", reendorseErr)
	}
	t.Logf("replay of tx %s: gateway submit error %v; commit status of replay %+v (err %v); ledger entries %+v; "+
		"item unchanged (seq %d, %d events); re-endorse: %s; marker %s",
		txID, submitErr, replayStatus, statusErr, seen, afterReplay.Seq, len(hist2), short(errString(reendorseErr)), marker[0])
}

// skewedProposal builds the proposal for fn as c's user with the channel
// header timestamp moved by skew, signs it, and returns it ready to endorse.
// The transaction ID stays valid: it hashes nonce and creator only.
func skewedProposal(t *testing.T, c *provtest.Conn, skew time.Duration, fn string, args ...string) *client.Proposal {
	t.Helper()
	prop, err := c.Contract.NewProposal(fn, client.WithArguments(args...))
	if err != nil {
		t.Fatal(err)
	}
	b, err := prop.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	pt := &gateway.ProposedTransaction{}
	p := &peer.Proposal{}
	hdr := &common.Header{}
	ch := &common.ChannelHeader{}
	if err := proto.Unmarshal(b, pt); err != nil {
		t.Fatal(err)
	}
	if err := proto.Unmarshal(pt.GetProposal().GetProposalBytes(), p); err != nil {
		t.Fatal(err)
	}
	if err := proto.Unmarshal(p.GetHeader(), hdr); err != nil {
		t.Fatal(err)
	}
	if err := proto.Unmarshal(hdr.GetChannelHeader(), ch); err != nil {
		t.Fatal(err)
	}
	ch.Timestamp = timestamppb.New(time.Now().Add(skew))
	must := func(b []byte, err error) []byte {
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	hdr.ChannelHeader = must(proto.Marshal(ch))
	p.Header = must(proto.Marshal(hdr))
	pt.Proposal.ProposalBytes = must(proto.Marshal(p))
	digest := sha256.Sum256(pt.Proposal.ProposalBytes)
	sig, err := c.Signer.Sign(digest[:])
	if err != nil {
		t.Fatal(err)
	}
	signed, err := c.Gateway.NewSignedProposal(must(proto.Marshal(pt)), sig)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

// TestClientClockSkew documents what a client clock 20 minutes off does.
//
// Fabric 3.1's endorser (core/endorser/msgvalidation.go) and committer do not
// compare a proposal's channel-header timestamp with their own clock; only
// the deliver service (common/deliver/deliver.go validateChannelHeader) refuses
// envelopes more than peer.authentication.timewindow (default 15 min) apart.
// fabric-gateway always stamps timestamppb.Now(), so the test builds the
// proposal with the gateway, rewrites the timestamp and signs it offline.
//
// Measured consequences, asserted here: a transaction stamped 20 min in the
// past or future is endorsed and committed VALID, and the chaincode records
// the client's timestamp (GetTxTimestamp) in the custody event, so an
// item's custody record can run backwards in time; block event requests
// (deliver) from such a client are refused with BAD_REQUEST.
func TestClientClockSkew(t *testing.T) {
	provtest.Integration(t)
	e := newEnv(t, bft)
	id := e.register(1, "CS")[0]
	gln := provtest.GLN("401234500010")
	provtest.WaitSameHeight(t, 20*time.Second, e.peerConns()...)

	type row struct {
		skew    time.Duration
		status  string
		stamped string
	}
	var rows []row
	for _, skew := range []time.Duration{-20 * time.Minute, 20 * time.Minute} {
		prop := skewedProposal(t, e.cus, skew, "RecordInspection", id, gln, "match")
		want := time.Now().Add(skew)
		tx, err := prop.Endorse()
		if err != nil {
			t.Fatalf("skew %s: endorse refused: %v", skew, provtest.Detailed(err))
		}
		commit, err := tx.Submit()
		if err != nil {
			t.Fatalf("skew %s: submit: %v", skew, provtest.Detailed(err))
		}
		st, err := commit.Status()
		if err != nil {
			t.Fatalf("skew %s: status: %v", skew, err)
		}
		if !st.Successful {
			t.Fatalf("skew %s: committed as %s", skew, st.Code)
		}
		provtest.WaitSameHeight(t, 20*time.Second, e.peerConns()...)
		hist, err := e.cus.History(id)
		if err != nil {
			t.Fatal(err)
		}
		last := hist[len(hist)-1]
		ts, err := time.Parse(time.RFC3339Nano, last.Timestamp)
		if err != nil {
			t.Fatalf("event timestamp %q: %v", last.Timestamp, err)
		}
		if last.TxID != st.TransactionID || ts.Sub(want).Abs() > 10*time.Second {
			t.Errorf("skew %s: event %+v; want tx %s stamped near %s", skew, last, st.TransactionID, want.UTC().Format(time.RFC3339))
		}
		rows = append(rows, row{skew, st.Code.String(), last.Timestamp})
	}
	hist, _ := e.cus.History(id)
	backwards := 0
	for i := 1; i < len(hist); i++ {
		if hist[i].Timestamp < hist[i-1].Timestamp {
			backwards++
		}
	}
	// What prov verify makes of a custody record whose time runs backwards.
	rep, err := verify.Item(context.Background(), verify.NewGatewayLedger(e.cus.Network, provtest.Chaincode), id, verify.Options{})
	var failedChecks []string
	for _, s := range rep.Steps {
		if !s.OK {
			failedChecks = append(failedChecks, s.Check+": "+s.Detail)
		}
	}

	// Deliver (block events) with a skewed request timestamp.
	signer := e.cus.Signer
	peerNode, _ := bft.Node("peer0.customs.prov")
	stNow, errNow := deliverFromPeer(context.Background(), peerNode, signer, 0, time.Now())
	stSkew, errSkew := deliverFromPeer(context.Background(), peerNode, signer, 0, time.Now().Add(-20*time.Minute))
	if errNow != nil || stNow != common.Status_SUCCESS {
		t.Errorf("deliver with a correct clock: %s %v", stNow, errNow)
	}
	if errSkew != nil || stSkew != common.Status_BAD_REQUEST {
		t.Errorf("deliver 20 min off: %s %v; want BAD_REQUEST", stSkew, errSkew)
	}
	logLine := ""
	if b, err := os.ReadFile(peerNode.LogFile); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.Contains(l, "apart from current server time") {
				logLine = l
			}
		}
	}
	if logLine == "" {
		t.Errorf("peer log has no 'apart from current server time' line for the skewed deliver request")
	}
	t.Logf("clock skew: proposals stamped -20 min and +20 min: %+v; custody record now runs backwards %d time(s); "+
		"prov verify: OK=%v err=%v failed checks %v; deliver request at now: %s, at -20 min: %s (peer log: %s)",
		rows, backwards, rep.OK, err, failedChecks, stNow, stSkew, short(strings.TrimSpace(logLine)))
	if backwards == 0 {
		t.Errorf("expected the -20 min event to sort before its predecessor")
	}
}

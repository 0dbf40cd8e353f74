package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/verify"
	"github.com/provledger/provenance/test/harness"
)

// TestReplaySignedTransaction: an endorsed, signed transaction envelope is
// submitted, committed, then submitted again byte for byte (offline signing:
// Transaction.Bytes and Gateway.NewSignedTransaction). It must have no second
// effect. On BFT the ordering nodes refuse it outright while they remember
// the request (SmartBFT keeps the last 1000 processed request IDs in memory:
// "request already processed"); if it is ordered anyway, the peers must mark
// it DUPLICATE_TXID. TestRaft/Replay shows the DUPLICATE_TXID path.
// Re-endorsing the same signed proposal is refused too.
func TestReplaySignedTransaction(t *testing.T) {
	integration(t)
	replayCheck(t, bft, false)
}

func replayCheck(t *testing.T, nw *harness.Network, wantInBlock bool) {
	e := newEnv(t, nw)
	ids := e.register(1, "RP")
	id := ids[0]
	harness.WaitSameHeight(t, 20*time.Second, e.peerConns()...)

	// Endorse and sign an offer offline, keep its bytes, submit it once.
	prop, err := e.mfr.Contract().NewProposal("OfferTransfer", client.WithArguments(js([]string{id}), harness.Distributor.MSP))
	if err != nil {
		t.Fatal(err)
	}
	propSig, err := e.mfr.Signer.Sign(prop.Digest())
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
		t.Fatalf("endorse: %v", harness.Detailed(err))
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
		t.Fatalf("submit: %v", harness.Detailed(err))
	}
	st, err := commit.Status()
	if err != nil || !st.Successful {
		t.Fatalf("first submission: status %+v, err %v", st, err)
	}
	txID := first.TransactionID()
	harness.WaitSameHeight(t, 20*time.Second, e.peerConns()...)
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
	replayStart := time.Now()
	replayCommit, submitErr := replay.Submit()
	submitTook := time.Since(replayStart)
	replayStatus := "-"
	if submitErr == nil {
		s, err := replayCommit.Status()
		replayStatus = fmt.Sprintf("%+v err=%v", s, err)
	}
	// Cut a later block with a marker transaction so the replay, if it was
	// ordered, is on the ledger before we look.
	e.register(1, "RM")
	harness.WaitSameHeight(t, 20*time.Second, e.peerConns()...)
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
	if len(seen) == 0 || seen[0].Code != peer.TxValidationCode_VALID {
		t.Fatalf("tx %s in blocks: %+v; want it VALID first", txID, seen)
	}
	how := ""
	switch {
	case len(seen) == 2 && seen[1].Code == peer.TxValidationCode_DUPLICATE_TXID:
		how = fmt.Sprintf("ordered again in block %d and marked DUPLICATE_TXID by the peers", seen[1].Block)
	case len(seen) == 1 && submitErr != nil && !wantInBlock:
		how = fmt.Sprintf("refused by the ordering service in %s (%s)", submitTook.Round(time.Millisecond), short(submitErr.Error()))
	default:
		t.Errorf("tx %s in blocks: %+v (submit error %v); want the replay refused or marked DUPLICATE_TXID", txID, seen, submitErr)
	}

	// Re-endorsing the same signed proposal is refused by the endorser.
	again, err := e.mfr.Gateway.NewSignedProposal(propBytes, propSig)
	if err != nil {
		t.Fatal(err)
	}
	_, reendorseErr := again.Endorse()
	if reendorseErr == nil || !strings.Contains(reendorseErr.Error(), "duplicate transaction") {
		t.Errorf("re-endorsing a committed proposal: %v; want a duplicate transaction refusal", reendorseErr)
	}
	t.Logf("%s replay of tx %s: %s; replay commit status %s; item unchanged (seq %d, %d events); re-endorse refused: %s",
		nw.Consensus, txID[:12], how, replayStatus, afterReplay.Seq, len(hist2), short(firstLine(errString(reendorseErr))))
}

func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "Message:") {
			return strings.TrimSpace(l)
		}
	}
	return s
}

// TestClientClockSkew documents what a client clock off by 20 minutes does.
//
// Fabric 3.1's peer has an auth filter, TimeWindowCheck
// (core/handlers/auth/filter/timewindow.go, enabled in core.yaml
// peer.handlers.authFilters), that refuses a proposal whose channel-header
// timestamp is more than peer.authentication.timewindow (15m) from the
// peer's clock; the deliver service (common/deliver/deliver.go) applies the
// same window to block-event requests. Committers and orderers do not look at
// the timestamp. fabric-gateway always stamps timestamppb.Now(), so the test
// builds the proposal with the gateway, rewrites the timestamp and signs it
// offline (the transaction ID hashes nonce and creator only, so it stays valid).
//
// Asserted: at -20 and +20 min every endorsement is refused with "incorrect
// timestamp" and the ledger does not change; deliver requests are refused with
// BAD_REQUEST. Within the window (-10 min) a custody event earlier than the
// item's last one is refused by the chaincode (BACKDATED) and an inspection
// commits as a sighting outside the custody history, which stays in time
// order and verifies.
func TestClientClockSkew(t *testing.T) {
	integration(t)
	e := newEnv(t, bft)
	id := e.register(1, "CS")[0]
	gln := harness.GLN("401234500010")
	harness.WaitSameHeight(t, 20*time.Second, e.peerConns()...)

	var refusals []string
	for _, skew := range []time.Duration{-20 * time.Minute, 20 * time.Minute} {
		before := e.cus.Snap(t, id)
		prop := e.cus.SkewedProposal(t, skew, "RecordInspection", id, gln, "match")
		_, err := prop.Endorse()
		if err == nil {
			t.Fatalf("skew %s: endorsed", skew)
		}
		if !strings.Contains(err.Error(), "incorrect timestamp") {
			t.Errorf("skew %s: refusal does not name the timestamp: %v", skew, err)
		}
		refusals = append(refusals, fmt.Sprintf("%s: %s", skew, short(firstLine(err.Error()))))
		time.Sleep(300 * time.Millisecond)
		if d := before.Diff(e.cus.Snap(t, id)); d != "" {
			t.Errorf("skew %s changed the ledger: %s", skew, d)
		}
	}

	// Within the window the peer endorses, and the chaincode decides: a
	// custody event (a customs hold) earlier than the item's last event by
	// more than domain.EventTimeTolerance is refused BACKDATED and changes
	// nothing; an inspection is a sighting on a key of its own, outside the
	// custody history, so it commits with the client's time and the history
	// cannot run backwards.
	skew := -10 * time.Minute
	before := e.cus.Snap(t, id)
	histBefore, err := e.cus.History(id)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.cus.SkewedProposal(t, skew, "HoldItems", `["`+id+`"]`, "backdated hold").Endorse()
	if domain.CodeOf(err) != domain.CodeBackdated {
		t.Fatalf("skew %s: hold endorsed or refused otherwise: %v", skew, err)
	}
	if d := before.Diff(e.cus.Snap(t, id)); d != "" {
		t.Errorf("the refused backdated hold changed the ledger: %s", d)
	}
	tx, err := e.cus.SkewedProposal(t, skew, "RecordInspection", id, gln, "match").Endorse()
	if err != nil {
		t.Fatalf("skew %s: inspection refused: %v", skew, err)
	}
	commit, err := tx.Submit()
	if err != nil {
		t.Fatalf("skew %s: submit: %v", skew, err)
	}
	st, err := commit.Status()
	if err != nil || !st.Successful {
		t.Fatalf("skew %s: status %+v %v", skew, st, err)
	}
	harness.WaitSameHeight(t, 20*time.Second, e.peerConns()...)
	hist, err := e.cus.History(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != len(histBefore) {
		t.Errorf("the backdated sighting entered the custody history: %d events, %d before", len(hist), len(histBefore))
	}
	last := hist[len(hist)-1]
	backwards := 0
	for i := 1; i < len(hist); i++ {
		if hist[i].Timestamp < hist[i-1].Timestamp {
			backwards++
		}
	}
	if backwards != 0 {
		t.Errorf("the custody history runs backwards %d time(s)", backwards)
	}
	rep, verr := verify.Item(context.Background(), verify.NewGatewayLedger(e.cus.Network, harness.Chaincode), id, verify.Options{})
	var failedChecks []string
	for _, s := range rep.Steps {
		if !s.OK {
			failedChecks = append(failedChecks, s.Check+": "+s.Detail)
		}
	}
	if verr != nil || !rep.OK {
		t.Errorf("verify after the backdated attempts: OK=%v err %v failed %v", rep.OK, verr, failedChecks)
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
				logLine = l[max(0, strings.Index(l, "envelope timestamp")):]
			}
		}
	}
	if logLine == "" {
		t.Errorf("peer log has no 'apart from current server time' line for the skewed deliver request")
	}
	t.Logf("clock skew: endorsement refused at %v; at -10 min a hold is BACKDATED, a sighting commits %s, last custody event %s, history backwards %d time(s); "+
		"prov verify OK=%v (err %v) failed checks %v; deliver at now: %s, at -20 min: %s (peer: %s)",
		refusals, st.Code, last.Timestamp, backwards, rep.OK, verr, failedChecks, stNow, stSkew, short(strings.TrimSpace(logLine)))
}

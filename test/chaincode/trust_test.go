package chaincodetest

// Custody rules under infiltration (issue 13), on the live network: an
// inspection never conflicts with a shipment, a backdated custody event is
// refused, recalls are an admin's act that can be withdrawn and let the item
// go back to its brand, an expired offer is cancelled without the
// recipient's peer, and a majority cancels an offer or lifts a hold whose
// customs org is down.

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/provledger/provenance/chaincode/domain"
)

func history(t *testing.T, id string) []domain.CustodyEvent {
	t.Helper()
	var h domain.HistoryPage
	if err := evaluate(cust, "user1", &h, "GetHistory", id, "", ""); err != nil {
		t.Fatal(err)
	}
	return h.Events
}

func propose(t *testing.T, org string, kind domain.ProposalKind, subject string, endorsers ...string) domain.Proposal {
	t.Helper()
	out, st, err := submitWithPeers(org, "admin", "Propose", []string{string(kind), subject, ""}, endorsers)
	if err != nil || !st.Successful {
		t.Fatalf("Propose %s %s by %s: %v %+v", kind, subject, org, err, st)
	}
	var p domain.Proposal
	if err := jsonUnmarshal(out, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestInspectionSpamDuringOffer: sightings on their own keys never make a
// 200-item offer fail, however many land while it is endorsed and ordered.
func TestInspectionSpamDuringOffer(t *testing.T) {
	integration(t)
	g := gtin(t, "00011")
	ids := make([]string, 200)
	for i := range ids {
		ids[i] = fmt.Sprintf("01/%s/21/SPAM-%s-%03d", g, runTag, i)
	}
	register(t, ids...)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var inspectFail []string
	stop := make(chan struct{})
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c, err := contract(cust, "user1")
			if err != nil {
				t.Error(err)
				return
			}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				_, commit, err := c.SubmitAsync("RecordInspection", client.WithArguments(ids[(w*67+i*13)%len(ids)], "0614141000005", "suspect"))
				if err == nil {
					var st *client.Status
					if st, err = commit.Status(); err == nil && !st.Successful {
						err = fmt.Errorf("%s", st.Code)
					}
				}
				if err != nil {
					mu.Lock()
					inspectFail = append(inspectFail, err.Error())
					mu.Unlock()
				}
			}
		}(w)
	}
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	_, st, err := submitWith(mfr, "user1", "OfferTransfer", []string{js(ids), distMSP}, nil)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("offer: %v", err)
	}
	if st.Code != peer.TxValidationCode_VALID {
		t.Fatalf("200-item offer during inspection spam: %s, want VALID (0 conflicts)", st.Code)
	}
	var page domain.SightingPage
	if err := evaluate(dist, "user1", &page, "GetSightings", ids[0], "500", ""); err != nil {
		t.Fatal(err)
	}
	t.Logf("200-item offer VALID in %v during inspection spam; %d inspection failures %v; item 0 has %d sightings",
		time.Since(start).Round(time.Millisecond), len(inspectFail), inspectFail, len(page.Sightings))
	if it := item(t, ids[199]); it.Status != domain.StatusInTransit || it.Seq != 2 {
		t.Fatalf("item = %+v", it)
	}
}

// skewed builds a proposal whose timestamp is the client's clock plus skew
// and signs it as org/user.
func skewed(t *testing.T, org, user string, skew time.Duration, fn string, args ...string) *client.Proposal {
	t.Helper()
	conn, err := pn.Conn(org, user)
	if err != nil {
		t.Fatal(err)
	}
	prop, err := conn.Contract().NewProposal(fn, client.WithArguments(args...))
	if err != nil {
		t.Fatal(err)
	}
	must := func(b []byte, err error) []byte {
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pt, p, hdr, ch := &gateway.ProposedTransaction{}, &peer.Proposal{}, &common.Header{}, &common.ChannelHeader{}
	for _, step := range []error{
		proto.Unmarshal(must(prop.Bytes()), pt), proto.Unmarshal(pt.GetProposal().GetProposalBytes(), p),
		proto.Unmarshal(p.GetHeader(), hdr), proto.Unmarshal(hdr.GetChannelHeader(), ch),
	} {
		if step != nil {
			t.Fatal(step)
		}
	}
	ch.Timestamp = timestamppb.New(time.Now().Add(skew))
	hdr.ChannelHeader = must(proto.Marshal(ch))
	p.Header = must(proto.Marshal(hdr))
	pt.Proposal.ProposalBytes = must(proto.Marshal(p))
	digest := sha256.Sum256(pt.Proposal.ProposalBytes)
	sign, err := pn.Net.Sign(org, user)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := sign(digest[:])
	if err != nil {
		t.Fatal(err)
	}
	signed, err := conn.Gateway.NewSignedProposal(must(proto.Marshal(pt)), sig)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

// TestBackdatedEventRefused: the peers accept a client clock 5 minutes
// behind, the chaincode refuses a custody event that much before the item's
// last one (BACKDATED); nothing changes. A sighting so stamped is recorded
// but is no custody event.
func TestBackdatedEventRefused(t *testing.T) {
	integration(t)
	x := "01/" + gtin(t, "00012") + "/21/BACK-" + runTag
	register(t, x)
	before := item(t, x)
	_, err := skewed(t, cust, "user1", -5*time.Minute, "HoldItems", x, "backdated").Endorse()
	if domain.CodeOf(err) != domain.CodeBackdated || !strings.Contains(err.Error(), x) {
		t.Fatalf("backdated hold: %v, want BACKDATED naming %s", err, x)
	}
	t.Logf("refused: %s", firstLine(err.Error()))
	if after := item(t, x); after.Seq != before.Seq || after.Hold != nil {
		t.Fatalf("item changed: %+v", after)
	}
	tx, err := skewed(t, dist, "user1", -5*time.Minute, "RecordInspection", x, "0614141000005", "mismatch").Endorse()
	if err != nil {
		t.Fatalf("backdated sighting: %v", err)
	}
	commit, err := tx.Submit()
	if err != nil {
		t.Fatal(err)
	}
	if st, err := commit.Status(); err != nil || !st.Successful {
		t.Fatalf("sighting: %+v %v", st, err)
	}
	if h := history(t, x); len(h) != 1 {
		t.Fatalf("history %+v: a sighting must not enter it", h)
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// TestRecallGoverned: a plain user cannot recall; the admin recalls an item
// the distributor holds, which may still go back to its brand, and then
// withdraws the recall.
func TestRecallGoverned(t *testing.T) {
	integration(t)
	g := gtin(t, "00013")
	x := "01/" + g + "/21/RC-" + runTag
	register(t, x)
	for _, step := range [][]string{{mfr, "OfferTransfer", x, distMSP}, {dist, "AcceptTransfer", x}} {
		if _, err := submit(step[0], "user1", step[1], step[2:]...); err != nil {
			t.Fatal(err)
		}
	}
	refusedCode(t, domain.CodeNotAdmin, mfr, "user1", "RecallItem", x, "contaminated")
	refusedCode(t, domain.CodeNotAdmin, mfr, "user1", "RecallLot", g, "", "contaminated")
	if it := item(t, x); it.Recall != nil || it.Seq != 3 {
		t.Fatalf("item changed: %+v", it)
	}
	if _, err := submit(mfr, "admin", "RecallItem", x, "contaminated"); err != nil {
		t.Fatal(err)
	}
	// Back to its brand.
	if _, err := submit(dist, "user1", "OfferTransfer", x, mfrMSP); err != nil {
		t.Fatal(err)
	}
	if _, err := submit(mfr, "user1", "AcceptTransfer", x); err != nil {
		t.Fatal(err)
	}
	if it := item(t, x); it.Owner != mfrMSP || it.Recall == nil {
		t.Fatalf("returned item = %+v", it)
	}
	refusedCode(t, domain.CodeNotAdmin, mfr, "user1", "WithdrawRecall", x)
	if _, err := submit(mfr, "admin", "WithdrawRecall", x); err != nil {
		t.Fatal(err)
	}
	if it := item(t, x); it.Recall != nil {
		t.Fatalf("recall still on: %+v", it.Recall)
	}
	h := history(t, x)
	if ev := h[len(h)-1]; ev.Type != domain.EventRecallWithdrawn {
		t.Fatalf("last event %+v", ev)
	}
}

// TestOfferExpiryOwnerCancel: before expiry the owner's cancel needs the
// recipient's peer (the offer key); after it, the owner cancels with the
// manufacturer's and customs' peers only, and the recipient can no longer
// accept.
func TestOfferExpiryOwnerCancel(t *testing.T) {
	integration(t)
	x := "01/" + gtin(t, "00014") + "/21/EXP-" + runTag
	register(t, x)
	if _, err := submit(mfr, "user1", "OfferTransferExpiring", js([]string{x}), distMSP, "3s"); err != nil {
		t.Fatal(err)
	}
	expectCode(t, peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE, mfr, "user1", "CancelTransfer", []string{x}, mfrMSP, custMSP)
	time.Sleep(4 * time.Second)
	refusedCode(t, domain.CodeInvalidTransition, dist, "user1", "AcceptTransfer", x)
	expectCode(t, peer.TxValidationCode_VALID, mfr, "user1", "CancelTransfer", []string{x}, mfrMSP, custMSP)
	h := history(t, x)
	if ev := h[len(h)-1]; ev.Type != domain.EventCancelled || !strings.HasPrefix(ev.Details, "offer expired at") {
		t.Fatalf("last event %+v", ev)
	}
	if it := item(t, x); it.Status != domain.StatusActive || it.Owner != mfrMSP {
		t.Fatalf("item = %+v", it)
	}
}

// TestMajorityCancel: an offer the recipient ignores is cancelled before its
// expiry by a majority vote, without the recipient's peer.
func TestMajorityCancel(t *testing.T) {
	integration(t)
	x := "01/" + gtin(t, "00015") + "/21/MC-" + runTag
	register(t, x)
	if _, err := submit(mfr, "user1", "OfferTransfer", x, distMSP); err != nil {
		t.Fatal(err)
	}
	p := propose(t, mfr, domain.KindCancelOffer, x, mfrMSP, custMSP)
	expectCode(t, peer.TxValidationCode_VALID, cust, "admin", "ApproveProposal", []string{p.ID}, mfrMSP, custMSP)
	h := history(t, x)
	if ev := h[len(h)-1]; ev.Type != domain.EventCancelled || ev.Details != "majority vote "+p.ID {
		t.Fatalf("last event %+v", ev)
	}
	if it := item(t, x); it.Status != domain.StatusActive {
		t.Fatalf("item = %+v", it)
	}
}

// TestMajorityReleaseCustomsDown: the customs org's peer is stopped (by its
// PID file); manufacturer and distributor release its hold by a majority
// vote; the peer is restarted after.
func TestMajorityReleaseCustomsDown(t *testing.T) {
	integration(t)
	x := "01/" + gtin(t, "00016") + "/21/MR-" + runTag
	register(t, x)
	if _, err := submit(cust, "user1", "HoldItems", x, "suspected counterfeit"); err != nil {
		t.Fatal(err)
	}
	const victim = "peer0.customs.prov"
	if err := pn.Net.Kill(victim); err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		if err := pn.Net.StartNode(ctx, victim); err != nil {
			t.Errorf("restart %s: %v", victim, err)
		}
	}()
	p := propose(t, mfr, domain.KindReleaseHold, x, mfrMSP, distMSP)
	out, st, err := submitWithPeers(dist, "admin", "ApproveProposal", []string{p.ID}, []string{mfrMSP, distMSP})
	if err != nil || st.Code != peer.TxValidationCode_VALID {
		t.Fatalf("majority release while customs is down: %v %+v", err, st)
	}
	var got domain.Proposal
	_ = jsonUnmarshal(out, &got)
	if got.Status != domain.ProposalApproved {
		t.Fatalf("proposal = %+v", got)
	}
	var it domain.Item
	if err := evaluate(dist, "user1", &it, "GetItem", x); err != nil || it.Hold != nil {
		t.Fatalf("hold still on: %+v %v", it.Hold, err)
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// submitWithPeers is submitWith that waits only for the endorsing orgs'
// peers to have the block (another org's peer may be down).
func submitWithPeers(org, user, fn string, args []string, endorsers []string) ([]byte, *client.Status, error) {
	c, err := contract(org, user)
	if err != nil {
		return nil, nil, err
	}
	prop, err := c.NewProposal(fn, client.WithArguments(args...), client.WithEndorsingOrganizations(endorsers...))
	if err != nil {
		return nil, nil, err
	}
	tx, err := prop.Endorse()
	if err != nil {
		return nil, nil, fmt.Errorf("%s as %s/%s: %w", fn, org, user, err)
	}
	commit, err := tx.Submit()
	if err != nil {
		return nil, nil, err
	}
	st, err := commit.Status()
	if err != nil {
		return nil, nil, err
	}
	dirs := map[string]string{mfrMSP: mfr, distMSP: dist, custMSP: cust}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, e := range endorsers {
		nd, err := pn.Net.Node("peer0." + dirs[e] + ".prov")
		if err != nil {
			return nil, nil, err
		}
		if err := pn.Net.WaitHeight(ctx, st.BlockNumber+1, nd); err != nil {
			return nil, nil, err
		}
	}
	return tx.Result(), st, nil
}

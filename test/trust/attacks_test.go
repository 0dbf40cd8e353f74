package trust

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/verify"
	"github.com/provledger/provenance/test/harness"
)

// The verify checks (client/verify Check*) an attack may fail on. A history
// of another item fails item-binding; one rewritten to name the asked-for
// item fails write-set (its transactions wrote the other item's keys).
var (
	bindingChecks = []string{verify.CheckItemBinding}
	rewriteChecks = []string{verify.CheckItemBinding, verify.CheckWriteSet}
	// Replaying the custody decision over the earlier events: the event is
	// not the decision's, the submitter may not act, the endorsers do not
	// satisfy the decision's endorsement, the write set lacks its writes.
	replayChecks = []string{verify.CheckTransition, verify.CheckSubmitter, verify.CheckEndorsePolicy, verify.CheckWriteSet}
)

// TestLyingGatewayCounterfeit (attack a): customs' chaincode server answers
// GetHistory and GetItem of a counterfeit serial with a genuine item's
// record; `prov verify <counterfeit>` through customs must exit 3 on the
// binding check, plainly substituted or with the item fields rewritten.
func TestLyingGatewayCounterfeit(t *testing.T) {
	integration(t)
	ids := register(t, "00001", "GEN", 1)
	genuine := ids[0]
	counterfeit := harness.Key(gtin("00001"), "FAKE-"+runTag)
	waitPeers(t)
	honest := conn(t, mfr)
	before := snapshot(t, honest, genuine, counterfeit)
	if v := provVerify(t, cus, genuine); v.Code != 0 {
		t.Fatalf("the genuine item does not verify before the attack: %s", v)
	}

	liesFile := filepath.Join(pn.Net.Home, "trust", "lies-"+t.Name()+".json")
	if err := os.MkdirAll(filepath.Dir(liesFile), 0o755); err != nil {
		t.Fatal(err)
	}
	writeLies := func(rewrite bool) {
		b, _ := json.Marshal(map[string]any{
			"history": map[string]string{counterfeit: genuine},
			"item":    map[string]string{counterfeit: genuine},
			"rewrite": rewrite,
		})
		if err := os.WriteFile(liesFile, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeLies(false)
	infiltrate(t, liesFile, cus)

	// The lie is in place: customs' peer answers for the counterfeit.
	var it domain.Item
	b, err := conn(t, cus).Evaluate("GetItem", counterfeit)
	if err != nil || json.Unmarshal(b, &it) != nil || it.ID != genuine {
		t.Fatalf("lying GetItem of %s through customs: %s %v; want %s's record", counterfeit, b, err, genuine)
	}

	wantVerifyFails(t, provVerify(t, cus, counterfeit), "counterfeit answered with the genuine history", bindingChecks...)
	writeLies(true)
	wantVerifyFails(t, provVerify(t, cus, counterfeit), "counterfeit answered with the genuine history rewritten to its ID", rewriteChecks...)

	// Through an honest org the counterfeit is unknown (exit 1, NOT_FOUND on
	// its report line) and the genuine item verifies.
	if v := provVerify(t, mfr, counterfeit); v.Code != 1 || !strings.Contains(v.Stdout, string(domain.CodeNotFound)+": ") {
		t.Errorf("prov verify of the counterfeit through the manufacturer: %s; want exit 1 NOT_FOUND", v)
	}
	if v := provVerify(t, mfr, genuine); v.Code != 0 {
		t.Errorf("the genuine item through the manufacturer: %s; want exit 0", v)
	}
	assertUnchanged(t, "the lying gateway", before, snapshot(t, honest, genuine, counterfeit))
}

// TestColludingMajority (attack b): Distributor and Customs, a MAJORITY of
// the three peer orgs, both run evilcc and endorse each other's forgeries.
func TestColludingMajority(t *testing.T) {
	integration(t)
	ids := register(t, "00002", "MAJ", 6)
	tailItem, moved, untouched, appendItem, rewound, ahead := ids[0], ids[1], ids[2], ids[3], ids[4], ids[5]
	brandSerial := harness.Key(gtin("00002"), "FORGED-"+runTag)
	// A genuine tail on the manufacturer's item: offered to customs, which
	// rejects it (the last event is customs', the owner the manufacturer).
	if err := conn(t, mfr).SubmitResolved("OfferTransfer", js([]string{tailItem, rewound}), cus.MSP); err != nil {
		t.Fatal(err)
	}
	waitPeers(t)
	if err := conn(t, cus).SubmitResolved("RejectTransfer", js([]string{tailItem, rewound})); err != nil {
		t.Fatal(err)
	}
	waitPeers(t)
	honest := conn(t, mfr)
	hist, err := honest.History(tailItem)
	if err != nil || len(hist) == 0 {
		t.Fatalf("history of %s: %v", tailItem, err)
	}
	last := hist[len(hist)-1]
	all := []string{tailItem, moved, untouched, appendItem}
	before := snapshot(t, honest, all...)
	infiltrate(t, "", dist, cus)
	d := conn(t, dist)
	pair := []string{dist.MSP, cus.MSP}
	valid := []peer.TxValidationCode{peer.TxValidationCode_VALID}
	validOrEPF := []peer.TxValidationCode{peer.TxValidationCode_VALID, peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE}
	epf := []peer.TxValidationCode{peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE}

	t.Run("ForgedHistory", func(t *testing.T) {
		// REGISTERED(Manufacturer) -> ACCEPTED(Distributor->Customs) ->
		// DECOMMISSIONED, every key new: MAJORITY is all the peers ask, so
		// nothing on the network can refuse it; verify must.
		it := domain.Item{ID: brandSerial, Manufacturer: mfr.MSP, Owner: mfr.MSP, Status: domain.StatusActive, Seq: 1}
		it.GTIN, it.Serial = splitID(t, brandSerial)
		mustForge(t, d, valid, "forged REGISTERED", append(forgedEvent(t, brandSerial, 1, domain.EventRegistered, "", mfr.MSP, ""), forgedItem(t, it)), pair...)
		it.Owner, it.Seq = cus.MSP, 2
		mustForge(t, d, valid, "forged ACCEPTED", append(forgedEvent(t, brandSerial, 2, domain.EventAccepted, dist.MSP, cus.MSP, ""), forgedItem(t, it)), pair...)
		it.Status, it.Seq, it.Reason = domain.StatusDecommissioned, 3, "dispensed"
		mustForge(t, d, valid, "forged DECOMMISSIONED", append(forgedEvent(t, brandSerial, 3, domain.EventDecommissioned, "", "", "dispensed"), forgedItem(t, it)), pair...)
		waitPeers(t)
		// Verified through the honest manufacturer's peer.
		wantVerifyFails(t, provVerify(t, mfr, brandSerial), "forged brand serial", replayChecks...)
		wantAuditVerifyFailed(t, brandSerial, replayChecks...)
	})

	t.Run("OverwriteLastEvent", func(t *testing.T) {
		// Rewrite customs' REJECTED (the last event) as a decommission
		// naming no owner. Event keys are sealed: no endorsement rewrites one.
		mustForge(t, d, epf, "overwrite of the last event", forgedEvent(t, tailItem, last.Seq, domain.EventDecommissioned, "", "", "destroyed"), pair...)
		waitPeers(t)
	})

	t.Run("AppendEvents", func(t *testing.T) {
		// Append a decommission of the manufacturer's item (From "" so that
		// the event itself names no owner to ask).
		code := mustForge(t, d, validOrEPF, "appended DECOMMISSIONED", forgedEvent(t, appendItem, 2, domain.EventDecommissioned, "", "", "destroyed"), pair...)
		waitPeers(t)
		if code == peer.TxValidationCode_VALID {
			wantVerifyFails(t, provVerify(t, mfr, appendItem), "appended events", replayChecks...)
		}
	})

	t.Run("MoveItemTheyDoNotOwn", func(t *testing.T) {
		it := domain.Item{ID: moved, Manufacturer: mfr.MSP, Owner: dist.MSP, Status: domain.StatusActive, Seq: 2}
		it.GTIN, it.Serial = splitID(t, moved)
		mustForge(t, d, epf, "item key rewritten to the distributor", append(forgedEvent(t, moved, 2, domain.EventAccepted, mfr.MSP, dist.MSP, ""), forgedItem(t, it)), pair...)
		g, s := splitID(t, moved)
		mustForge(t, d, epf, "item key's policy removed", []op{{Op: "ep", Key: &ckey{"item", []string{g, s}}}}, pair...)
		mustForge(t, d, epf, "item key deleted", []op{{Op: "del", Key: &ckey{"item", []string{g, s}}}}, pair...)
	})

	t.Run("CounterSetBack", func(t *testing.T) {
		// The counter key has no key-level policy (every custody act, by
		// whichever org, advances it), so the two can set it back one event:
		// the owner's next act is then decided as if customs' REJECTED (seq 3)
		// were not there, and its event is written under seq 3. Event keys are
		// sealed, so that write can never commit: the owner's act is refused
		// and the history stays the genuine one (before sealing, the owner's
		// own offer, endorsed by the owner and customs, overwrote it VALID).
		hist, err := honest.History(rewound)
		if err != nil || len(hist) != 3 {
			t.Fatalf("history of %s: %d events, %v; want 3", rewound, len(hist), err)
		}
		prev, tail := hist[1], hist[2]
		mustForge(t, d, valid, "counter set back one event", []op{forgedCounter(t, rewound, prev.Seq, prev.Timestamp)}, pair...)
		waitPeers(t)
		// Readers do not take the counter's word for where the history ends:
		// GetHistories (audits, verify's prefetch) still returns customs'
		// REJECTED, and verify fails the item, whose counter disagrees.
		wantHistories(t, rewound, 3)
		wantVerifyFails(t, provVerify(t, mfr, rewound), "counter set back", verify.CheckEventOrder)
		wantAuditVerifyFailed(t, rewound, verify.CheckEventOrder)
		st, err := submitWith(conn(t, mfr), "OfferTransfer", []string{js([]string{rewound}), dist.MSP})
		switch {
		case err != nil:
			t.Logf("the owner's offer after the rewrite is refused: %v", err)
		case st.Code != peer.TxValidationCode_VALID:
			t.Logf("the owner's offer after the rewrite committed %s", st.Code)
		}
		waitPeers(t)
		now, herr := honest.History(rewound)
		if herr != nil || len(now) != 3 {
			t.Fatalf("history of %s after the owner's offer: %d events, %v; want the 3 genuine ones", rewound, len(now), herr)
		}
		if now[2].TxID != tail.TxID {
			t.Errorf("the owner's offer after the counter was set back overwrote seq %d (%s by %s, tx %.12s) with %s (tx %.12s)",
				tail.Seq, tail.Type, tail.SubmitterMSP, tail.TxID, now[2].Type, now[2].TxID)
			wantVerifyFails(t, provVerify(t, mfr, rewound), "an overwritten event", verify.CheckEventOrder, verify.CheckTransition)
			return
		}
		if err == nil && st.Code == peer.TxValidationCode_VALID {
			t.Errorf("the owner's offer after the counter was set back committed VALID without overwriting seq %d", tail.Seq)
		}
		// Through prov the refusal says what happened and what to do.
		if r := cli(t).Run(t, mfr, "user1", "transfer", "offer", rewound, "--to", "distributor"); r.Code != 1 || !strings.Contains(r.Stderr, "prov item repair-counter sets it right") {
			t.Errorf("prov transfer offer after the counter was set back: %s; want exit 1 naming the repair", r)
		}
		// The repair: the owner asks for the counter to be set from the
		// sealed event keys (a majority endorses it: here the colluders'
		// peers, whose chaincode runs the genuine functions); the item then
		// verifies and moves again.
		r := cli(t).Run(t, mfr, "user1", "item", "repair-counter", rewound)
		if r.Code != 0 || !strings.Contains(r.Stdout, "set to seq 3") {
			t.Fatalf("prov item repair-counter %s: %s", rewound, r)
		}
		waitPeers(t)
		if again := cli(t).Run(t, mfr, "user1", "item", "repair-counter", rewound); again.Code != 1 || !strings.Contains(again.Stderr, "already names its last event") {
			t.Errorf("a second repair: %s; want exit 1, nothing to repair", again)
		}
		if v := provVerify(t, mfr, rewound); v.Code != 0 {
			t.Errorf("after the repair: %s; want exit 0", v)
		}
		if err := conn(t, mfr).SubmitResolved("OfferTransfer", js([]string{rewound}), dist.MSP); err != nil {
			t.Fatalf("the owner's offer after the repair: %v", err)
		}
		waitPeers(t)
		if v := provVerify(t, mfr, rewound); v.Code != 0 {
			t.Errorf("after the repair and an offer: %s; want exit 0", v)
		}
	})

	t.Run("CounterSetAhead", func(t *testing.T) {
		// Set the counter five events ahead: the owner's next act is written
		// under seq 7 while seq 2..6 do not exist. A reader that stops at
		// the first missing event would never show it (nor would verify):
		// the history must show the gap, and verify must fail the item.
		hist, err := honest.History(ahead)
		if err != nil || len(hist) != 1 {
			t.Fatalf("history of %s: %d events, %v; want 1", ahead, len(hist), err)
		}
		mustForge(t, d, valid, "counter set five events ahead", []op{forgedCounter(t, ahead, 6, hist[0].Timestamp)}, pair...)
		waitPeers(t)
		wantVerifyFails(t, provVerify(t, mfr, ahead), "counter set ahead", verify.CheckEventOrder)
		if err := conn(t, mfr).SubmitResolved("ReportStolenItems", js([]string{ahead}), "lorry broken into"); err != nil {
			t.Fatalf("the owner's theft report after the counter was set ahead: %v", err)
		}
		waitPeers(t)
		now, err := honest.History(ahead)
		if err != nil || len(now) != 2 || now[1].Seq != 7 || now[1].Type != domain.EventStolen {
			t.Errorf("history of %s after the theft report: %v %v; want REGISTERED and STOLEN at seq 7", ahead, now, err)
		}
		wantHistories(t, ahead, 2)
		wantVerifyFails(t, provVerify(t, mfr, ahead), "an event after a gap", verify.CheckEventOrder)
		wantAuditVerifyFailed(t, ahead, verify.CheckEventOrder, verify.CheckTransition)
	})

	waitPeers(t)
	after := snapshot(t, honest, all...)
	// What the two may not touch: the moved and untouched items, and the
	// tail item's record (owner, status; its seq is the counter's).
	assertUnchanged(t, "the colluding majority", map[string]record{moved: before[moved], untouched: before[untouched]}, after)
	for _, id := range []string{tailItem, appendItem} {
		if a, b := itemSansSeq(t, before[id].Item), itemSansSeq(t, after[id].Item); a != b {
			t.Errorf("the item record of %s changed: %s -> %s", id, a, b)
		}
	}
	if v := provVerify(t, mfr, untouched); v.Code != 0 {
		t.Errorf("an item whose keys were not touched: %s; want exit 0", v)
	}
}

// wantHistories asserts that GetHistories through the honest manufacturer's
// peer answers id with n events (or null: the reader then pages GetHistory).
func wantHistories(t *testing.T, id string, n int) {
	t.Helper()
	b, err := conn(t, mfr).Evaluate("GetHistories", js([]string{id}), "")
	if err != nil {
		t.Fatalf("GetHistories %s: %v", id, err)
	}
	var pages []*domain.HistoryPage
	if err := json.Unmarshal(b, &pages); err != nil || len(pages) != 1 {
		t.Fatalf("GetHistories %s: %s %v", id, b, err)
	}
	if pages[0] != nil && len(pages[0].Events) != n {
		t.Errorf("GetHistories %s: %d events (next %d); want %d", id, len(pages[0].Events), pages[0].NextSeq, n)
	}
}

// itemSansSeq is GetItem's JSON without seq (the counter key's value).
func itemSansSeq(t *testing.T, s string) string {
	var it domain.Item
	if err := json.Unmarshal([]byte(s), &it); err != nil {
		return s
	}
	// Seq and LastEventAt are read from the counter and event keys, which
	// the appended (and refused by verify) events change; the record is the rest.
	it.Seq, it.LastEventAt = 0, ""
	return js(it)
}

// TestOneInfiltratedOrg (attack c): only the distributor runs evilcc. Its
// endorsement alone never meets the chaincode-level MAJORITY, and an honest
// peer refuses to endorse Forge.
func TestOneInfiltratedOrg(t *testing.T) {
	integration(t)
	ids := register(t, "00003", "ONE", 1)
	x := ids[0]
	brandSerial := harness.Key(gtin("00003"), "FORGED1-"+runTag)
	waitPeers(t)
	honest := conn(t, mfr)
	before := snapshot(t, honest, x, brandSerial)
	infiltrate(t, "", dist)
	d := conn(t, dist)
	epf := []peer.TxValidationCode{peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE}

	it := domain.Item{ID: brandSerial, Manufacturer: mfr.MSP, Owner: dist.MSP, Status: domain.StatusActive, Seq: 1}
	it.GTIN, it.Serial = splitID(t, brandSerial)
	mustForge(t, d, epf, "forged registration, distributor alone", append(forgedEvent(t, brandSerial, 1, domain.EventRegistered, "", mfr.MSP, ""), forgedItem(t, it)), dist.MSP)
	mustForge(t, d, epf, "appended event, distributor alone", forgedEvent(t, x, 2, domain.EventDecommissioned, "", "", "destroyed"), dist.MSP)

	// With an honest second endorser the proposal never gets endorsed.
	_, _, err := forge(t, d, forgedEvent(t, x, 2, domain.EventDecommissioned, "", "", "destroyed"), dist.MSP, cus.MSP)
	if err == nil || !isEndorseRefusal(err) {
		t.Errorf("Forge endorsed by the distributor and honest customs: %v; want an endorsement refusal", err)
	} else {
		t.Logf("Forge with honest customs as second endorser refused at endorsement: %.200s", err)
	}
	waitPeers(t)
	assertUnchanged(t, "one infiltrated org", before, snapshot(t, honest, x, brandSerial))
	if v := provVerify(t, mfr, x); v.Code != 0 {
		t.Errorf("%s after the attempts: %s; want exit 0", x, v)
	}
}

// TestBackdatedEvent (attack e): proposals stamped 10 minutes in the past
// (inside the peers' 15-minute window) on an item whose last event is newer.
// A custody event (customs' hold of the manufacturer's item) is refused by
// the chaincode with BACKDATED and writes nothing; a backdated inspection is
// a sighting on a key of its own, outside the custody history, so the item
// still verifies.
func TestBackdatedEvent(t *testing.T) {
	integration(t)
	x := register(t, "00004", "BACK", 1)[0]
	waitPeers(t)
	c := conn(t, cus)
	honest := conn(t, mfr)
	before := snapshot(t, honest, x)

	prop := c.SkewedProposal(t, -10*time.Minute, "HoldItems", js([]string{x}), "backdated hold")
	_, err := prop.Endorse()
	if err == nil {
		t.Fatalf("a hold of %s stamped 10 minutes before its registration was endorsed; want BACKDATED", x)
	}
	if code := domain.CodeOf(err); code != domain.Code("BACKDATED") {
		t.Errorf("backdated hold refused with code %q, want BACKDATED: %v", code, err)
	} else {
		t.Logf("backdated hold refused: %.300s", err)
	}
	time.Sleep(300 * time.Millisecond)
	assertUnchanged(t, "the backdated hold", before, snapshot(t, honest, x))

	// A backdated inspection: recorded (any member may report a sighting,
	// with its own time), but the custody record does not change.
	insp := c.SkewedProposal(t, -10*time.Minute, "RecordInspection", x, harness.GLN("401234500010"), "suspect")
	tx, err := insp.Endorse()
	if err == nil {
		var commit *client.Commit
		if commit, err = tx.Submit(); err == nil {
			var st *client.Status
			if st, err = commit.Status(); err == nil {
				t.Logf("backdated inspection committed %s (a sighting)", st.Code)
			}
		}
	} else {
		t.Logf("backdated inspection refused: %s", domain.CodeOf(err))
	}
	waitPeers(t)
	assertUnchanged(t, "the backdated inspection", before, snapshot(t, honest, x))
	if v := provVerify(t, mfr, x); v.Code != 0 {
		t.Errorf("%s after a backdated inspection: %s; want exit 0 (the item is not poisoned)", x, v)
	}
}

// TestInspectionSpam (attack f): a 200-item offer endorsed, then 20
// inspections of its items committed before it is submitted: the offer still
// commits VALID (inspections write keys no custody transaction reads).
func TestInspectionSpam(t *testing.T) {
	integration(t)
	ids := register(t, "00005", "SPAM", 200)
	waitPeers(t)
	m := conn(t, mfr)
	prop, err := m.Contract().NewProposal("OfferTransfer", clientArgs(js(ids), dist.MSP)...)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := prop.Endorse()
	if err != nil {
		t.Fatalf("endorse the 200-item offer: %v", harness.Detailed(err))
	}
	c := conn(t, cus)
	gln := harness.GLN("401234500010")
	spamStart := time.Now()
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		go func(id string) { errs <- c.SubmitResolved("RecordInspection", id, gln, "suspect") }(ids[i*10])
	}
	conflicts := 0
	for i := 0; i < 20; i++ {
		if err := <-errs; err != nil {
			t.Errorf("inspection: %v", err)
			if strings.Contains(err.Error(), "MVCC") {
				conflicts++
			}
		}
	}
	spam := time.Since(spamStart)
	submitStart := time.Now()
	commit, err := tx.Submit()
	if err != nil {
		t.Fatalf("submit the offer: %v", harness.Detailed(err))
	}
	st, err := commit.Status()
	if err != nil {
		t.Fatal(err)
	}
	if st.Code != peer.TxValidationCode_VALID {
		conflicts++
		t.Errorf("the 200-item offer after 20 inspections of its items: %s, want VALID (inspections must not touch keys custody transactions read)", st.Code)
	}
	t.Logf("20 inspections committed in %s; 200-item offer %s in block %d (%s); %d conflicts",
		spam.Round(time.Millisecond), st.Code, st.BlockNumber, time.Since(submitStart).Round(time.Millisecond), conflicts)
	waitPeers(t)
	if st.Code == peer.TxValidationCode_VALID {
		var it domain.Item
		b, _ := conn(t, dist).Evaluate("GetItem", ids[0])
		if json.Unmarshal(b, &it) != nil || it.Status != domain.StatusInTransit || it.OfferedTo != dist.MSP {
			t.Errorf("after the offer %s is %s", ids[0], b)
		}
	}
}

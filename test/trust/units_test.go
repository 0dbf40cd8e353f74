package trust

import (
	"fmt"
	"testing"

	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/test/harness"
)

// TestUnitsNonOwner (issue 17): a case of the manufacturer's items, packed by
// the manufacturer, which owns the case. The distributor (genuine chaincode)
// is refused moving the case, moving an item inside it and unpacking it.
// Then the distributor and customs, a MAJORITY, run evilcc and endorse each
// other's writes: the owner's own transactions run as if the manufacturer
// had submitted them (Impersonate: every check passes, the write set is the
// genuine one) and hand-made write sets (Forge). Every one must end
// ENDORSEMENT_POLICY_FAILURE: the case's item key is the owner's, a packed
// item's item key and packing key its packer's. Case, items, histories and
// contents stay the same as every org's peer reads them.
func TestUnitsNonOwner(t *testing.T) {
	integration(t)
	ids := register(t, "00006", "UNIT", 3)
	inside, loose := ids[0], ids[2]
	box := trustSSCC(6)
	m := conn(t, mfr)
	if err := m.SubmitResolved("PackUnit", box, js(ids[:2])); err != nil {
		t.Fatalf("pack: %v", err)
	}
	waitPeers(t)

	// Genuine chaincode: refused at endorsement, nothing submitted.
	d := conn(t, dist)
	for _, c := range []struct {
		what  string
		codes []domain.Code
		fn    string
		args  []string
	}{
		{"offer of the manufacturer's case", []domain.Code{domain.CodeNotOwner}, "OfferTransfer", []string{box, cus.MSP}},
		{"offer of an item inside the case", []domain.Code{domain.CodePacked, domain.CodeNotOwner}, "OfferTransfer", []string{inside, cus.MSP}},
		{"unpack of the manufacturer's case", []domain.Code{domain.CodeNotOwner}, "UnpackUnit", []string{box, ""}},
		{"unpack of one item of the case", []domain.Code{domain.CodeNotOwner}, "UnpackUnit", []string{box, js([]string{inside})}},
		{"packing into the manufacturer's case", []domain.Code{domain.CodeNotOwner}, "PackUnit", []string{box, js([]string{loose})}},
	} {
		_, err := d.Submit(c.fn, c.args...)
		got := domain.CodeOf(err)
		ok := false
		for _, w := range c.codes {
			ok = ok || got == w
		}
		if !ok {
			t.Errorf("distributor's %s (genuine chaincode): %v (code %q), want one of %v", c.what, err, got, c.codes)
		} else {
			t.Logf("distributor's %s refused: %s", c.what, got)
		}
	}

	subjects := []string{box, inside, ids[1], loose}
	peers := []*harness.Conn{m, d, conn(t, cus)}
	before := unitSnapshots(t, peers, box, subjects)
	caseRec, itemRec := *m.MustItem(t, box), *m.MustItem(t, inside)
	if caseRec.Owner != mfr.MSP || caseRec.Contents != 2 || len(itemRec.Containers) != 1 || itemRec.Containers[0] != box {
		t.Fatalf("before the attack: case %+v, item %+v", caseRec, itemRec)
	}

	infiltrate(t, "", dist, cus)
	d = conn(t, dist)
	pair := []string{dist.MSP, cus.MSP}
	epf := []peer.TxValidationCode{peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE}
	signer, err := harness.LoadSigner(pn.Net.Home, mfr, "user1")
	if err != nil {
		t.Fatal(err)
	}
	owner := string(signer.ID.Credentials())
	// impersonated runs the manufacturer's own transaction fn in the
	// colluders' chaincode (the genuine checks pass: they see the owner).
	impersonated := func(t *testing.T, what string, fn string, args ...string) {
		t.Helper()
		st, err := submitWith(d, "Impersonate", append([]string{mfr.MSP, owner, fn}, args...), pair...)
		if err != nil {
			t.Fatalf("%s: endorsement by %v refused: %v", what, pair, err)
		}
		if st.Code != peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE {
			t.Errorf("%s endorsed by %v: tx %.12s %s, want ENDORSEMENT_POLICY_FAILURE", what, pair, st.TransactionID, st.Code)
			return
		}
		t.Logf("%s endorsed by %v: tx %.12s %s", what, pair, st.TransactionID, st.Code)
	}
	bg, bs := splitID(t, box)
	ig, is := splitID(t, inside)
	packedKey := &ckey{domain.ObjPacked, []string{ig, is}}
	indexKey := &ckey{domain.IdxUnitContent, []string{bs, ig, is}}

	t.Run("MoveUnit", func(t *testing.T) {
		impersonated(t, "the owner's offer of the case to the distributor", "OfferTransfer", box, dist.MSP)
		taken := caseRec
		taken.Owner, taken.Seq = dist.MSP, caseRec.Seq+1
		mustForge(t, d, epf, "case's item key rewritten to the distributor",
			append(forgedEvent(t, box, taken.Seq, domain.EventAccepted, mfr.MSP, dist.MSP, ""), forgedItem(t, taken)), pair...)
		mustForge(t, d, epf, "case's key-level policy set to the distributor", []op{{Op: "ep", Key: &ckey{"item", []string{bg, bs}}, Orgs: []string{dist.MSP}}}, pair...)
	})

	t.Run("MovePackedItem", func(t *testing.T) {
		// The offer the genuine chaincode would write for a loose item.
		offered := itemRec
		offered.Containers, offered.Owner = nil, mfr.MSP
		offered.Status, offered.OfferedTo, offered.Seq, offered.OfferSeq = domain.StatusInTransit, dist.MSP, itemRec.Seq+1, itemRec.Seq+1
		mustForge(t, d, epf, "offer of the packed item to the distributor",
			append(forgedEvent(t, inside, offered.Seq, domain.EventOffered, mfr.MSP, dist.MSP, ""), forgedItem(t, offered)), pair...)
		// Taken out of the case and given to the distributor in one step.
		taken := itemRec
		taken.Containers, taken.Owner, taken.Seq = nil, dist.MSP, itemRec.Seq+1
		mustForge(t, d, epf, "packed item freed and rewritten to the distributor",
			append(forgedEvent(t, inside, taken.Seq, domain.EventAccepted, mfr.MSP, dist.MSP, ""), forgedItem(t, taken),
				op{Op: "del", Key: packedKey}, op{Op: "del", Key: indexKey}), pair...)
	})

	t.Run("UnpackOthersUnit", func(t *testing.T) {
		impersonated(t, "the owner's unpack of the whole case", "UnpackUnit", box, "")
		impersonated(t, "the owner's unpack of one item", "UnpackUnit", box, js([]string{inside}))
		// Only the packing key and index entry (the case's key untouched).
		mustForge(t, d, epf, "packing key and index entry deleted", []op{{Op: "del", Key: packedKey}, {Op: "del", Key: indexKey}}, pair...)
	})

	waitPeers(t)
	after := unitSnapshots(t, peers, box, subjects)
	for i, p := range peers {
		assertUnchanged(t, fmt.Sprintf("the colluders' unit attacks, read through %s's peer,", p.Org.Dir), before[i], after[i])
	}
	if v := provVerify(t, mfr, inside); v.Code != 0 {
		t.Errorf("the packed item after the attempts: %s; want exit 0", v)
	}
}

// trustSSCC builds an SSCC under this run's prefix (extension digit 1, 9-digit
// serial reference, check digit), canonical "00/{sscc}".
func trustSSCC(ref int) string {
	body := fmt.Sprintf("1%s%09d", prefix, ref)
	d, _ := domain.CheckDigit(body)
	return fmt.Sprintf("00/%s%d", body, d)
}

// unitSnapshots reads ids (items and history) and the unit's contents
// through each peer.
func unitSnapshots(t *testing.T, peers []*harness.Conn, unit string, ids []string) []map[string]record {
	t.Helper()
	var out []map[string]record
	for _, p := range peers {
		s := snapshot(t, p, ids...)
		r := record{}
		if b, err := p.Evaluate("GetUnitContents", unit, "100", ""); err != nil {
			r.Item = "error " + string(domain.CodeOf(err))
		} else {
			r.Item = string(b)
		}
		s["contents of "+unit] = r
		out = append(out, s)
	}
	return out
}

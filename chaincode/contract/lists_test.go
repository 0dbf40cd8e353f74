package contract_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
)

// listAll pages through ListItems (pageSize size) and returns the item IDs.
func (f *fixture) listAll(by, value, size string) []string {
	f.t.Helper()
	var ids []string
	bookmark := ""
	for n := 0; n < 50; n++ {
		var page domain.ItemPage
		f.decode(f.h.Evaluate(nil, "ListItems", by, value, size, bookmark), &page)
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
		if bookmark = page.Bookmark; bookmark == "" {
			return ids
		}
	}
	f.t.Fatalf("ListItems %s %s: pagination does not end", by, value)
	return nil
}

func (f *fixture) count(by, value string) int {
	f.t.Helper()
	var c domain.ItemCount
	f.decode(f.h.Evaluate(nil, "CountItems", by, value, ""), &c)
	if c.Bookmark != "" {
		f.t.Fatalf("CountItems %s %s: bookmark %q for a small index", by, value, c.Bookmark)
	}
	return c.Count
}

func sameIDs(got []string, want ...string) bool {
	g, w := append([]string(nil), got...), append([]string(nil), want...)
	sort.Strings(g)
	sort.Strings(w)
	return strings.Join(g, ",") == strings.Join(w, ",")
}

// TestRoleViews: the offered-to, held and recalled lists follow every
// change (written and deleted by the custody transactions), page, count,
// and list each recalled item once, under its broadest recall.
func TestRoleViews(t *testing.T) {
	f := ready(t)
	g1, g2 := gtin(t, prefix, "00011"), gtin(t, prefix, "00012")
	a, b, c, d, e, x := itemID(g1, "A"), itemID(g1, "B"), itemID(g1, "C"), itemID(g1, "D"), itemID(g1, "E"), itemID(g2, "X")
	in := []domain.ItemInput{{ID: a, Lot: "L1"}, {ID: b, Lot: "L1"}, {ID: c, Lot: "L1"}, {ID: d, Lot: "L1"}, {ID: e, Lot: "L2"}, {ID: x}}
	f.ok(f.h.Submit(f.user(mfr), "RegisterItems", mustJSON(t, in)))

	f.ok(f.h.Submit(f.user(mfr), "OfferTransfer", mustJSON(t, []string{a, b}), dist))
	if got := f.listAll("offered-to", dist, "1"); !sameIDs(got, a, b) {
		t.Fatalf("offered to %s: %v", dist, got)
	}
	if n := f.count("offered-to", dist); n != 2 {
		t.Fatalf("count offered to %s = %d", dist, n)
	}
	if got := f.listAll("offered-to", cust, ""); len(got) != 0 {
		t.Fatalf("offered to %s: %v", cust, got)
	}
	f.ok(f.h.Submit(f.user(dist), "AcceptTransfer", mustJSON(t, []string{a})))
	f.ok(f.h.Submit(f.user(mfr), "CancelTransfer", mustJSON(t, []string{b})))
	if got := f.listAll("offered-to", dist, ""); len(got) != 0 {
		t.Fatalf("offered to %s after accept and cancel: %v", dist, got)
	}
	for _, s := range []string{"A", "B"} {
		if k, _ := domain.CompositeKey(domain.IdxOfferedTo, dist, g1, s); f.h.Stub.State(k) != nil {
			t.Fatalf("offer index entry of %s left behind", s)
		}
	}

	f.ok(f.h.Submit(f.user(cust), "HoldItems", mustJSON(t, []string{c, d}), "papers"))
	if got := f.listAll("held", cust, "1"); !sameIDs(got, c, d) {
		t.Fatalf("held by %s: %v", cust, got)
	}
	f.ok(f.h.Submit(f.user(cust), "ReleaseItems", mustJSON(t, []string{d})))
	if got := f.listAll("held", "", ""); !sameIDs(got, c) {
		t.Fatalf("held by anyone after a release: %v", got)
	}
	if f.h.Stub.State(domain.HeldIndexKey(cust, domain.ItemID{GTIN: g1, Serial: "D"})) != nil {
		t.Fatal("hold index entry of D left behind")
	}

	// Recalls: an item recall inside a recalled lot is listed once.
	f.ok(f.h.Submit(f.admin(mfr), "RecallItem", a, "seal"))
	f.ok(f.h.Submit(f.admin(mfr), "RecallItem", e, "seal"))
	f.ok(f.h.Submit(f.admin(mfr), "RecallLot", g1, "L1", "contamination"))
	f.ok(f.h.Submit(f.admin(mfr), "RecallLot", g2, "", "withdrawn"))
	for _, size := range []string{"1", "2", "3", "500"} {
		if got := f.listAll("recalled", "", size); len(got) != 6 || !sameIDs(got, a, b, c, d, e, x) {
			t.Fatalf("recalled (page %s): %v", size, got)
		}
	}
	if n := f.count("recalled", ""); n != 6 {
		t.Fatalf("count recalled = %d", n)
	}
	if n := f.count("lot", g1+"/L1"); n != 4 {
		t.Fatalf("count lot L1 = %d", n)
	}
	var rp domain.RecallPage
	f.decode(f.h.Evaluate(nil, "ListRecalls", "", ""), &rp)
	var targets []string
	for _, r := range rp.Recalls {
		targets = append(targets, r.Target+"="+r.Recall.Scope)
	}
	want := []string{"01/" + g1 + "/10/L1=lot", "01/" + g1 + "/21/A=item", "01/" + g1 + "/21/E=item", "01/" + g2 + "=gtin"}
	if strings.Join(targets, " ") != strings.Join(want, " ") {
		t.Fatalf("ListRecalls = %v, want %v", targets, want)
	}
	var page domain.RecallPage
	f.decode(f.h.Evaluate(nil, "ListRecalls", "3", ""), &page)
	if len(page.Recalls) != 3 || page.Bookmark == "" {
		t.Fatalf("ListRecalls page of 3: %d, bookmark %q", len(page.Recalls), page.Bookmark)
	}
	f.decode(f.h.Evaluate(nil, "ListRecalls", "3", page.Bookmark), &page)
	if len(page.Recalls) != 1 || page.Bookmark != "" {
		t.Fatalf("ListRecalls second page: %+v", page)
	}

	// Bookmarks of another query are refused.
	var ip domain.ItemPage
	f.decode(f.h.Evaluate(nil, "ListItems", "owner", mfr, "1", ""), &ip)
	for _, bad := range [][]string{{"held", cust, "1", ip.Bookmark}, {"recalled", "", "1", ip.Bookmark},
		{"recalled", "", "1", `{"recall":"x"}`}, {"recalled", "x", "", ""}, {"offered-to", "", "", ""}} {
		if err := f.h.Evaluate(nil, "ListItems", bad...).Err(); domain.CodeOf(err) != domain.CodeInvalidArgument {
			t.Fatalf("ListItems %q: %v", bad, err)
		}
	}
}

// TestRoleViewsHostileIndex: index keys carry no key-level policy, so a
// colluding majority could write any entry. Planted entries (an item not
// offered, not held, owned by another org, or not registered at all) never
// show up: every listed item is re-checked against its own record. A single
// hostile org cannot write one through the genuine chaincode at all.
func TestRoleViewsHostileIndex(t *testing.T) {
	f := ready(t)
	g := gtin(t, prefix, "00021")
	a, b := itemID(g, "A"), itemID(g, "B")
	f.register(a, b)
	f.ok(f.h.Submit(f.user(mfr), "OfferTransfer", mustJSON(t, []string{b}), cust))

	// The genuine chaincode writes no entry for a distributor's attempt to
	// offer the manufacturer's item to itself or to customs.
	f.refused(domain.CodeNotOwner, a, f.user(dist), "OfferTransfer", mustJSON(t, []string{a}), cust)
	f.refused(domain.CodeWrongRole, "", f.user(dist), "HoldItems", mustJSON(t, []string{a}), "fake hold")

	// What a colluding majority could commit: entries the records contradict.
	plant := func(obj string, attrs ...string) { f.h.Stub.SetCommitted(compositeKey(t, obj, attrs...), []byte{0}) }
	plant(domain.IdxOfferedTo, dist, g, "A")     // A is not offered
	plant(domain.IdxOfferedTo, dist, g, "B")     // B is offered to customs
	plant(domain.IdxOfferedTo, dist, g, "GHOST") // not registered
	plant(domain.IdxHeld, cust, g, "A")          // not held
	plant(domain.IdxOwner, dist, g, "A")         // owned by the manufacturer
	plant(domain.IdxStatus, "STOLEN", g, "A")    // ACTIVE
	plant(domain.IdxGTIN, g, "L9", "A")          // lot is empty
	for _, q := range [][2]string{{"offered-to", dist}, {"held", cust}, {"held", ""}, {"owner", dist}, {"status", "STOLEN"}, {"lot", g + "/L9"}, {"recalled", ""}} {
		if got := f.listAll(q[0], q[1], ""); len(got) != 0 {
			t.Errorf("ListItems %s %q lists planted entries: %v", q[0], q[1], got)
		}
		if n := f.count(q[0], q[1]); n != 0 {
			t.Errorf("CountItems %s %q counts planted entries: %d", q[0], q[1], n)
		}
	}
	if got := f.listAll("offered-to", cust, ""); !sameIDs(got, b) {
		t.Fatalf("offered to customs: %v", got)
	}
	// A planted recall-index position cannot reach outside the recall range.
	if err := f.h.Evaluate(nil, "ListItems", "recalled", "", "1", fmt.Sprintf(`{"recall":%q}`, "\x00owner~item\x00")).Err(); domain.CodeOf(err) != domain.CodeInvalidArgument {
		t.Fatalf("foreign recalled bookmark: %v", err)
	}
}

// TestLastEventTime (issue 16 bug): a hold writes no item key, so the item's
// updatedAt stays at its registration while seq moves on; lastEventAt is the
// time of event seq.
func TestLastEventTime(t *testing.T) {
	f := ready(t)
	a := itemID(gtin(t, prefix, "00031"), "A")
	f.register(a)
	f.h.Now = f.h.Now.Add(time.Hour)
	f.ok(f.h.Submit(f.user(cust), "HoldItems", mustJSON(t, []string{a}), "papers"))
	it := f.item(a)
	ev := f.history(a)
	if it.Seq != 2 || it.LastEventAt != ev[1].Timestamp || it.UpdatedAt != ev[0].Timestamp || it.LastEventAt == it.UpdatedAt {
		t.Fatalf("seq %d lastEventAt %q updatedAt %q; events at %q, %q", it.Seq, it.LastEventAt, it.UpdatedAt, ev[0].Timestamp, ev[1].Timestamp)
	}
	if stored := f.h.Stub.State(domain.ItemKey(domain.ItemID{GTIN: it.GTIN, Serial: it.Serial})); strings.Contains(string(stored), "lastEventAt") {
		t.Fatalf("lastEventAt stored on the item key: %s", stored)
	}
}

// TestEventCarriesTimeAndSubmitter: the custody chaincode event names the
// transaction's time and submitting org; a lot recall's keeps its scope.
func TestEventCarriesTimeAndSubmitter(t *testing.T) {
	f := ready(t)
	g := gtin(t, prefix, "00041")
	f.register(itemID(g, "A"))
	ev := f.lastEvent()
	if ev.SubmitterMSP != mfr || ev.Timestamp == "" || len(ev.Items) != 1 {
		t.Fatalf("registration event %+v", ev)
	}
	f.ok(f.h.Submit(f.admin(mfr), "RecallLot", g, "L1", "contamination"))
	ev = f.lastEvent()
	if ev.Type != domain.EventRecalled || ev.Scope != "01/"+g+"/10/L1" || ev.SubmitterMSP != mfr || ev.Timestamp == "" {
		t.Fatalf("lot recall event %+v", ev)
	}
}

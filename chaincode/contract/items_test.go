package contract_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
)

const gs1Example = "09506000134352" // GS1's example GTIN, under prefix 9506000

func TestRegisterItemsSpellings(t *testing.T) {
	f := ready(t)
	in := []domain.ItemInput{
		{ID: "https://id.gs1.org/01/09506000134352/10/LOT1/21/ABC", Description: "Paracetamol 500 mg"},
		{ID: "(01)09506000134352(10)L2(21)XYZ", Expiry: "271231"},
		{ID: "urn:epc:id:sgtin:9506000.013435.S1", Lot: "LOT1"},
		{ID: "01/09506000134352/21/S2"},
		{ID: "https://example.com/01/9506000134352/21/A%2FB?17=261231"},
	}
	r := f.ok(f.h.Submit(f.user(mfr), "RegisterItems", mustJSON(t, in)))
	var keys []string
	f.decode(r, &keys)
	want := []string{itemID(gs1Example, "ABC"), itemID(gs1Example, "XYZ"), itemID(gs1Example, "S1"), itemID(gs1Example, "S2"), itemID(gs1Example, "A/B")}
	if !equalJSON(t, keys, want) {
		t.Fatalf("keys = %v", keys)
	}
	ev := f.lastEvent()
	if ev.Type != domain.EventRegistered || !equalJSON(t, ev.Items, want) || ev.TxID != r.TxID {
		t.Fatalf("chaincode event = %+v", ev)
	}

	it := f.item(itemID(gs1Example, "ABC"))
	if it.ID != want[0] || it.GTIN != gs1Example || it.Serial != "ABC" || it.Lot != "LOT1" || it.Description != "Paracetamol 500 mg" ||
		it.Manufacturer != mfr || it.Owner != mfr || it.Status != domain.StatusActive || it.Seq != 1 ||
		it.UpdatedTx != r.TxID || !strings.HasPrefix(it.UpdatedAt, "2026-01-01T00:00:") || !strings.HasSuffix(it.UpdatedAt, "Z") || it.Hold != nil || it.Recall != nil {
		t.Fatalf("item = %+v", it)
	}
	if it := f.item(itemID(gs1Example, "XYZ")); it.Lot != "L2" || it.Expiry != "271231" {
		t.Fatalf("element string item = %+v", it)
	}
	if it := f.item(itemID(gs1Example, "A/B")); it.Expiry != "261231" {
		t.Fatalf("digital link item = %+v", it)
	}
	// Any spelling reads the same item.
	if it := f.item("urn:epc:id:sgtin:9506000.013435.ABC"); it.ID != want[0] {
		t.Fatalf("EPC read = %+v", it)
	}

	// Key-level policy: the owner's peers.
	if got := f.sbeOrgs(compositeKey(t, "item", gs1Example, "ABC")); !equalJSON(t, got, []string{mfr}) {
		t.Fatalf("item SBE = %v", got)
	}
	// The event key is sealed when it is created: no endorsement, not even
	// of every org, satisfies its key-level policy, so it is written once.
	if got := f.keyPolicy(compositeKey(t, "event", gs1Example, "ABC", "0000000001")); !got.Sealed || got.SatisfiedBy([]string{mfr, dist, cust}) {
		t.Fatalf("event key policy = %s, want sealed", got)
	}
	// New keys without a key-level policy: counter, indexes.
	for _, k := range []string{
		compositeKey(t, "seq", gs1Example, "ABC"),
		compositeKey(t, "owner~item", mfr, gs1Example, "ABC"),
		compositeKey(t, "gtin~item", gs1Example, "LOT1", "ABC"),
		compositeKey(t, "status~item", "ACTIVE", gs1Example, "ABC"),
	} {
		if f.h.Stub.State(k) == nil {
			t.Fatalf("key %q not written", k)
		}
		if f.h.Stub.ValidationParameter(k) != nil {
			t.Fatalf("key %q has a key-level policy", k)
		}
	}
	h := f.history(itemID(gs1Example, "ABC"))
	if len(h) != 1 || h[0].Type != domain.EventRegistered || h[0].Seq != 1 || h[0].To != mfr ||
		h[0].SubmitterMSP != mfr || h[0].SubmitterID != f.user(mfr).ID() || h[0].TxID != r.TxID || h[0].Timestamp != it.UpdatedAt {
		t.Fatalf("history = %+v", h)
	}
}

func TestRegisterItemsRefusals(t *testing.T) {
	f := newFixture(t)
	f.initRoles(fourRoles)
	f.activatePrefix(mfr, prefix, dist, cust)
	f.activatePrefix(mfr2, rival, dist, cust)
	g := gtin(t, prefix, "00001")
	one := func(in ...domain.ItemInput) string { return mustJSON(t, in) }

	f.refused(domain.CodeInvalidArgument, "JSON array", f.user(mfr), "RegisterItems", "{")
	f.refused(domain.CodeInvalidArgument, "JSON array", f.user(mfr), "RegisterItems", `[{"id":"x","colour":"red"}]`)
	f.refused(domain.CodeInvalidArgument, "no items", f.user(mfr), "RegisterItems", "[]")
	big := make([]domain.ItemInput, domain.MaxBatch+1)
	for i := range big {
		big[i] = domain.ItemInput{ID: itemID(g, fmt.Sprint(i))}
	}
	f.refused(domain.CodeBatchTooLarge, "1001", f.user(mfr), "RegisterItems", mustJSON(t, big))
	// An invalid item anywhere refuses the batch, naming it.
	bad := g[:13] + fmt.Sprint((int(g[13]-'0')+1)%10)
	f.refused(domain.CodeInvalidID, "entry 2", f.user(mfr), "RegisterItems", one(domain.ItemInput{ID: itemID(g, "A")}, domain.ItemInput{ID: itemID(bad, "B")}))
	f.refused(domain.CodeInvalidID, "serial", f.user(mfr), "RegisterItems", one(domain.ItemInput{ID: itemID(g, "A")}, domain.ItemInput{ID: itemID(g, "bad serial")}))
	f.refused(domain.CodeInvalidID, "lot", f.user(mfr), "RegisterItems", one(domain.ItemInput{ID: itemID(g, "A"), Lot: "lot with space"}))
	f.refused(domain.CodeInvalidID, "expiry", f.user(mfr), "RegisterItems", one(domain.ItemInput{ID: itemID(g, "A"), Expiry: "261340"}))
	f.refused(domain.CodeInvalidArgument, "differs", f.user(mfr), "RegisterItems", one(domain.ItemInput{ID: "(01)" + g + "(10)L1(21)A", Lot: "L2"}))
	f.refused(domain.CodeInvalidArgument, "differs", f.user(mfr), "RegisterItems", one(domain.ItemInput{ID: "(01)" + g + "(17)261231(21)A", Expiry: "261130"}))
	f.refused(domain.CodeInvalidArgument, "description", f.user(mfr), "RegisterItems", one(domain.ItemInput{ID: itemID(g, "A"), Description: strings.Repeat("d", domain.MaxDescription+1)}))
	f.refused(domain.CodeAlreadyExists, "entries 1 and 3", f.user(mfr), "RegisterItems", one(
		domain.ItemInput{ID: itemID(g, "A")}, domain.ItemInput{ID: itemID(g, "B")}, domain.ItemInput{ID: "(01)" + g + "(21)A"}))

	// Prefixes: none active, or another org's.
	unclaimed := gtin(t, "9530000", "00001")
	msg := f.refused(domain.CodePrefixNotActive, "953000000001", f.user(mfr), "RegisterItems", one(domain.ItemInput{ID: itemID(g, "A")}, domain.ItemInput{ID: itemID(unclaimed, "A")}))
	if !strings.Contains(msg, "953000") {
		t.Fatalf("message does not list the candidates: %s", msg)
	}
	rg := gtin(t, rival, "00001")
	f.refused(domain.CodePrefixNotActive, "company prefix "+rival+" is owned by "+mfr2, f.user(mfr), "RegisterItems", one(domain.ItemInput{ID: itemID(rg, "A")}))
	f.refused(domain.CodePrefixNotActive, "owned by "+mfr, f.user(mfr2), "RegisterItems", one(domain.ItemInput{ID: itemID(g, "A")}))

	f.register(itemID(g, "A"))
	f.refused(domain.CodeAlreadyExists, itemID(g, "A")+" is already registered (by "+mfr, f.user(mfr), "RegisterItems", one(domain.ItemInput{ID: itemID(g, "B")}, domain.ItemInput{ID: itemID(g, "A")}))
	// The rival registers under its own prefix.
	var keys []string
	f.decode(f.ok(f.h.Submit(f.user(mfr2), "RegisterItems", one(domain.ItemInput{ID: itemID(rg, "A")}))), &keys)
}

func TestRegisterFullBatch(t *testing.T) {
	f := ready(t)
	in := make([]domain.ItemInput, domain.MaxBatch)
	for i := range in {
		in[i] = domain.ItemInput{ID: itemID(gtin(t, prefix, fmt.Sprintf("%05d", i%7)), fmt.Sprintf("SN%06d", i)), Lot: fmt.Sprintf("L%d", i%3)}
	}
	var keys []string
	f.decode(f.ok(f.h.Submit(f.user(mfr), "RegisterItems", mustJSON(t, in))), &keys)
	if len(keys) != domain.MaxBatch || len(f.lastEvent().Items) != domain.MaxBatch {
		t.Fatalf("%d keys", len(keys))
	}
	var page domain.ItemPage
	f.decode(f.h.Evaluate(nil, "ListItems", "owner", mfr, "500", ""), &page)
	if len(page.Items) != 500 || page.Bookmark == "" {
		t.Fatalf("page: %d items, bookmark %q", len(page.Items), page.Bookmark)
	}
}

func TestGetItemsAndQueries(t *testing.T) {
	f := ready(t)
	g1, g2 := gtin(t, prefix, "00001"), gtin(t, prefix, "00002")
	var in []domain.ItemInput
	for i := 0; i < 5; i++ {
		in = append(in, domain.ItemInput{ID: itemID(g1, fmt.Sprint("S", i)), Lot: "L1"})
	}
	in = append(in, domain.ItemInput{ID: itemID(g1, "T"), Lot: "L2"}, domain.ItemInput{ID: itemID(g2, "U")})
	f.ok(f.h.Submit(f.user(mfr), "RegisterItems", mustJSON(t, in)))
	f.ok(f.h.Submit(f.user(mfr), "OfferTransfer", mustJSON(t, []string{itemID(g1, "T")}), dist))

	// GetItems: input order, null where unknown; a single ID works too.
	var items []*domain.Item
	f.decode(f.h.Evaluate(nil, "GetItems", mustJSON(t, []string{itemID(g2, "U"), itemID(g2, "nope"), itemID(g1, "S0")})), &items)
	if len(items) != 3 || items[0].ID != itemID(g2, "U") || items[1] != nil || items[2].ID != itemID(g1, "S0") {
		t.Fatalf("GetItems = %+v", items)
	}
	f.decode(f.h.Evaluate(nil, "GetItems", itemID(g2, "U")), &items)
	if len(items) != 1 || items[0] == nil {
		t.Fatalf("GetItems single = %+v", items)
	}
	for _, bad := range []string{"[", "[]", `["` + itemID(g2, "U") + `","` + itemID(g2, "U") + `"]`} {
		if err := f.h.Evaluate(nil, "GetItems", bad).Err(); domain.CodeOf(err) != domain.CodeInvalidArgument {
			t.Fatalf("GetItems %s: %v", bad, err)
		}
	}
	if err := f.h.Evaluate(nil, "GetItem", itemID(g2, "nope")).Err(); domain.CodeOf(err) != domain.CodeNotFound {
		t.Fatalf("GetItem unknown: %v", err)
	}
	if err := f.h.Evaluate(nil, "GetItem", "garbage").Err(); domain.CodeOf(err) != domain.CodeInvalidID {
		t.Fatalf("GetItem garbage: %v", err)
	}

	list := f.listAll
	if got := list("owner", mfr, "2"); len(got) != 7 {
		t.Fatalf("by owner: %v", got)
	}
	if got := list("gtin", g1, "4"); len(got) != 6 {
		t.Fatalf("by gtin: %v", got)
	}
	if got := list("gtin", g2[1:], ""); len(got) != 1 { // GTIN-13 spelling
		t.Fatalf("by gtin-13: %v", got)
	}
	if got := list("lot", g1+"/L1", "3"); len(got) != 5 {
		t.Fatalf("by lot: %v", got)
	}
	if got := list("status", "IN_TRANSIT", ""); strings.Join(got, ",") != itemID(g1, "T") {
		t.Fatalf("by status: %v", got)
	}
	if got := list("status", "ACTIVE", "100"); len(got) != 6 {
		t.Fatalf("by status ACTIVE: %v", got)
	}
	// A bookmark from another query is refused, not followed.
	var page domain.ItemPage
	f.decode(f.h.Evaluate(nil, "ListItems", "owner", mfr, "2", ""), &page)
	if err := f.h.Evaluate(nil, "ListItems", "status", "ACTIVE", "2", page.Bookmark).Err(); domain.CodeOf(err) != domain.CodeInvalidArgument {
		t.Fatalf("foreign bookmark: %v", err)
	}
	if err := f.h.Evaluate(nil, "ListPrefixes", "", "2", page.Bookmark).Err(); domain.CodeOf(err) != domain.CodeInvalidArgument {
		t.Fatalf("foreign bookmark for prefixes: %v", err)
	}
	if got := list("owner", dist, ""); len(got) != 0 {
		t.Fatalf("by owner dist: %v", got)
	}
	for _, bad := range [][]string{{"colour", "red", "", ""}, {"owner", "", "", ""}, {"gtin", "123", "", ""},
		{"lot", g1, "", ""}, {"lot", g1 + "/bad lot", "", ""}, {"lot", "1/L1", "", ""}, {"status", "LOST", "", ""}, {"owner", mfr, "-1", ""}} {
		err := f.h.Evaluate(nil, "ListItems", bad...).Err()
		if c := domain.CodeOf(err); c != domain.CodeInvalidArgument && c != domain.CodeInvalidID {
			t.Fatalf("ListItems %v: %v", bad, err)
		}
	}
}

func TestHistoryPaging(t *testing.T) {
	f := ready(t)
	id := itemID(gtin(t, prefix, "00001"), "H")
	f.register(id)
	for i := 0; i < 4; i++ { // 1 registration + 8 events = 9
		f.ok(f.h.Submit(f.user(mfr), "OfferTransfer", id, dist))
		f.ok(f.h.Submit(f.user(mfr), "CancelTransfer", id))
	}
	var p domain.HistoryPage
	f.decode(f.h.Evaluate(nil, "GetHistory", id, "", "4"), &p)
	if len(p.Events) != 4 || p.Events[0].Seq != 1 || p.Events[3].Seq != 4 || p.NextSeq != 5 {
		t.Fatalf("page 1: %d events, next %d", len(p.Events), p.NextSeq)
	}
	f.decode(f.h.Evaluate(nil, "GetHistory", id, "5", "4"), &p)
	if len(p.Events) != 4 || p.Events[0].Type != domain.EventCancelled || p.Events[1].Type != domain.EventOffered || p.NextSeq != 9 {
		t.Fatalf("page 2: %+v", p)
	}
	f.decode(f.h.Evaluate(nil, "GetHistory", id, "9", "4"), &p)
	if len(p.Events) != 1 || p.Events[0].Type != domain.EventCancelled || p.NextSeq != 0 {
		t.Fatalf("page 3: %+v", p)
	}
	f.decode(f.h.Evaluate(nil, "GetHistory", id, "5", "5"), &p)
	if len(p.Events) != 5 || p.NextSeq != 0 {
		t.Fatalf("exact last page: %d events, next %d", len(p.Events), p.NextSeq)
	}
	f.decode(f.h.Evaluate(nil, "GetHistory", id, "0", ""), &p)
	if len(p.Events) != 9 || p.NextSeq != 0 {
		t.Fatalf("whole history: %d", len(p.Events))
	}
	f.decode(f.h.Evaluate(nil, "GetHistory", id, "50", ""), &p)
	if len(p.Events) != 0 || p.Events == nil {
		t.Fatalf("beyond the end: %+v", p)
	}
	for _, bad := range [][]string{{id, "x", ""}, {id, "", "0"}, {id, "", "501"}, {"bad", "", ""}} {
		err := f.h.Evaluate(nil, "GetHistory", bad...).Err()
		if c := domain.CodeOf(err); c != domain.CodeInvalidArgument && c != domain.CodeInvalidID {
			t.Fatalf("GetHistory %v: %v", bad, err)
		}
	}
	if err := f.h.Evaluate(nil, "GetHistory", itemID(gtin(t, prefix, "00001"), "none"), "", "").Err(); domain.CodeOf(err) != domain.CodeNotFound {
		t.Fatalf("GetHistory unknown: %v", err)
	}
}

// TestHistoryUnderRewrittenCounter: the counter key has no key-level
// policy, so a colluding majority can rewrite it; the history readers do
// not take its word for where the history ends. Set back, every event still
// shows (GetHistories leaves the item to GetHistory); set ahead, an event
// written after the gap shows behind it. LastSeq reports the counter.
func TestHistoryUnderRewrittenCounter(t *testing.T) {
	f := ready(t)
	g := gtin(t, prefix, "00001")
	id := itemID(g, "CTR")
	f.register(id)
	f.ok(f.h.Submit(f.user(mfr), "OfferTransfer", id, dist))
	f.ok(f.h.Submit(f.user(mfr), "CancelTransfer", id)) // 3 events
	key := compositeKey(t, "seq", g, "CTR")
	read := func(limit string) (domain.HistoryPage, *domain.HistoryPage) {
		var one domain.HistoryPage
		f.decode(f.h.Evaluate(nil, "GetHistory", id, "", limit), &one)
		var pages []*domain.HistoryPage
		f.decode(f.h.Evaluate(nil, "GetHistories", mustJSON(t, []string{id}), limit), &pages)
		return one, pages[0]
	}
	if one, many := read(""); len(one.Events) != 3 || one.LastSeq != 3 || one.NextSeq != 0 || many == nil || mustJSON(t, *many) != mustJSON(t, one) {
		t.Fatalf("genuine counter: %+v / %+v", one, many)
	}

	f.h.Stub.SetCommitted(key, domain.EncodeCounter(1, ""))
	for _, limit := range []string{"", "2", "3"} {
		one, many := read(limit)
		switch limit {
		case "":
			if len(one.Events) != 3 || one.LastSeq != 1 || one.NextSeq != 0 || many != nil {
				t.Errorf("counter set back, limit %q: %d events, last %d, next %d; GetHistories %+v (want null: GetHistory reads on)", limit, len(one.Events), one.LastSeq, one.NextSeq, many)
			}
		case "2": // a full page, and the event after it exists
			if len(one.Events) != 2 || one.NextSeq != 3 || many != nil {
				t.Errorf("counter set back, limit %q: %+v; GetHistories %+v", limit, one, many)
			}
		case "3":
			if len(one.Events) != 3 || one.NextSeq != 0 {
				t.Errorf("counter set back, limit %q: %+v", limit, one)
			}
		}
	}

	// Set back, the owner's next act would land on seq 2 (sealed on a real
	// peer); RepairCounter sets the counter to the last event key that
	// exists, by anyone with a role, once.
	// An org without a role on the ledger may not write the counter
	// (refused checks that nothing was written).
	f.refused(domain.CodeUnknownOrg, "has no role on the ledger", f.user(other), "RepairCounter", id)
	var rep domain.CounterRepair
	f.decode(f.h.Submit(f.user(cust), "RepairCounter", id), &rep)
	if rep.Was != "1" || rep.Seq != 3 || rep.ByMSP != cust || string(f.h.Stub.State(key)) != string(domain.EncodeCounter(3, rep.At)) || rep.At == "" {
		t.Errorf("repair: %+v, counter %q", rep, f.h.Stub.State(key))
	}
	if err := f.h.Submit(f.user(dist), "RepairCounter", id).Err(); domain.CodeOf(err) != domain.CodeInvalidArgument || !strings.Contains(err.Error(), "already names its last event (seq 3") {
		t.Errorf("repair of a right counter: %v", err)
	}
	if err := f.h.Submit(f.user(mfr), "RepairCounter", itemID(g, "none")).Err(); domain.CodeOf(err) != domain.CodeNotFound {
		t.Errorf("repair of an unregistered item: %v", err)
	}
	if one, _ := read(""); one.LastSeq != 3 {
		t.Errorf("after the repair: last %d", one.LastSeq)
	}

	f.h.Stub.SetCommitted(key, domain.EncodeCounter(6, ""))
	f.ok(f.h.Submit(f.user(mfr), "ReportStolen", id)) // written under seq 7
	one, many := read("")
	seqs := func(p domain.HistoryPage) (out []uint64) {
		for _, ev := range p.Events {
			out = append(out, ev.Seq)
		}
		return out
	}
	if got := fmt.Sprint(seqs(one)); got != "[1 2 3 7]" || one.LastSeq != 7 || many == nil || fmt.Sprint(seqs(*many)) != got {
		t.Errorf("counter set ahead, then an act: GetHistory %s (last %d), GetHistories %+v; want [1 2 3 7]", got, one.LastSeq, many)
	}
}

// TestGetHistories: each item's first page as GetHistory gives it, in input
// order, null for an unregistered item.
func TestGetHistories(t *testing.T) {
	f := ready(t)
	g := gtin(t, prefix, "00001")
	long, short, none := itemID(g, "HL"), itemID(g, "HS"), itemID(g, "none")
	f.register(long)
	f.register(short)
	for i := 0; i < 3; i++ { // 1 registration + 6 events = 7
		f.ok(f.h.Submit(f.user(mfr), "OfferTransfer", long, dist))
		f.ok(f.h.Submit(f.user(mfr), "CancelTransfer", long))
	}
	for _, limit := range []string{"4", "7", ""} {
		var pages []*domain.HistoryPage
		f.decode(f.h.Evaluate(nil, "GetHistories", mustJSON(t, []string{short, none, long}), limit), &pages)
		if len(pages) != 3 || pages[1] != nil || pages[0] == nil || pages[2] == nil {
			t.Fatalf("limit %q: %+v", limit, pages)
		}
		for i, id := range []string{short, "", long} {
			if id == "" {
				continue
			}
			var one domain.HistoryPage
			f.decode(f.h.Evaluate(nil, "GetHistory", id, "", limit), &one)
			if got, want := mustJSON(t, pages[i]), mustJSON(t, one); got != want {
				t.Errorf("limit %q, %s:\n got %s\nwant %s (GetHistory)", limit, id, got, want)
			}
		}
	}
	for _, bad := range [][]string{{"[]", ""}, {mustJSON(t, []string{long}), "0"}, {mustJSON(t, []string{long}), "501"}, {mustJSON(t, []string{"bad"}), ""},
		{mustJSON(t, []string{long, long}), ""}} {
		err := f.h.Evaluate(nil, "GetHistories", bad...).Err()
		if c := domain.CodeOf(err); c != domain.CodeInvalidArgument && c != domain.CodeInvalidID {
			t.Fatalf("GetHistories %v: %v", bad, err)
		}
	}
}

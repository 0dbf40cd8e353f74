package domain

import (
	"strings"
	"testing"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
)

const (
	tM = "ManufacturerMSP"
	tD = "DistributorMSP"
	tC = "CustomsMSP"
	t0 = "2026-12-02T04:00:00Z"
)

var tID = ItemID{GTIN: "09506000134352", Serial: "S1"}

func actor(msp string, role Role, admin bool) Actor {
	return Actor{MSP: msp, ID: "x509::" + msp, Name: "user1", Role: role, Admin: admin}
}

var (
	mfr      = actor(tM, RoleManufacturer, false)
	mfrAdmin = actor(tM, RoleManufacturer, true)
	dist     = actor(tD, RoleDistributor, false)
	cust     = actor(tC, RoleCustoms, false)
)

func item(owner string, st Status, offeredTo string) *Item {
	return &Item{ID: tID.Key(), GTIN: tID.GTIN, Serial: tID.Serial, Manufacturer: tM, Owner: owner, Status: st, OfferedTo: offeredTo, Seq: 1}
}

func st(it *Item) CustodyState {
	return CustodyState{ID: tID, Item: it, Seq: 1, LastEventAt: t0}
}

func req(a Act, who Actor) Request {
	return Request{Act: a, Actor: who, Roles: testRoles, TxID: "tx2", Now: "2026-12-02T04:01:00Z", Brand: tM}
}

func inTransit(exp string) CustodyState {
	it := item(tM, StatusInTransit, tD)
	it.OfferSeq = 1
	s := st(it)
	s.Offer = &Offer{Item: tID.Key(), Seq: 1, From: tM, To: tD, TxID: "tx1", At: t0, ExpiresAt: exp}
	return s
}

// TestDecideTable is the custody decision table, without a shim.
func TestDecideTable(t *testing.T) {
	held := st(item(tM, StatusActive, ""))
	held.Hold = &Hold{By: tC, Reason: "check", TxID: "tx0", At: t0}
	recalled := st(item(tM, StatusActive, ""))
	recalled.Recalls = []Recall{{Scope: RecallScopeGTIN, By: tM, Reason: "bad"}}
	itemRecalled := st(item(tM, StatusActive, ""))
	itemRecalled.Recalls = []Recall{{Scope: RecallScopeItem, By: tM, Reason: "bad"}}
	distOwned := st(item(tD, StatusActive, ""))
	distOwned.Recalls = recalled.Recalls
	const later = "2026-12-02T05:00:00Z"
	with := func(r Request, f func(*Request)) Request { f(&r); return r }

	cases := []struct {
		name  string
		s     CustodyState
		r     Request
		code  Code   // refusal, "" = allowed
		msg   string // refusal text part, or event details part
		ev    EventType
		keys  []KeyKind // written key kinds (index omitted)
		allOf string    // endorsement AND part
	}{
		{"offer", st(item(tM, StatusActive, "")), with(req(ActOffer, mfr), func(r *Request) { r.To = tD; r.OfferTTL = 60 }), "", "expires=2026-12-02T04:02:00Z", EventOffered, []KeyKind{KeyItem, KeyOffer, KeyEvent, KeyCounter}, tM},
		{"offer not owner", st(item(tM, StatusActive, "")), with(req(ActOffer, dist), func(r *Request) { r.To = tC }), CodeNotOwner, "held by ManufacturerMSP", "", nil, ""},
		{"offer to self", st(item(tM, StatusActive, "")), with(req(ActOffer, mfr), func(r *Request) { r.To = tM }), CodeSelfTransfer, tID.Key(), "", nil, ""},
		{"offer unknown org", st(item(tM, StatusActive, "")), with(req(ActOffer, mfr), func(r *Request) { r.To = "X" }), CodeUnknownOrg, tID.Key(), "", nil, ""},
		{"offer in transit", inTransit(later), with(req(ActOffer, mfr), func(r *Request) { r.To = tD }), CodeInvalidTransition, "IN_TRANSIT", "", nil, ""},
		{"offer held", held, with(req(ActOffer, mfr), func(r *Request) { r.To = tD }), CodeOnHold, "on hold by CustomsMSP", "", nil, ""},
		{"offer recalled", recalled, with(req(ActOffer, mfr), func(r *Request) { r.To = tD }), CodeRecalled, "brand owner ManufacturerMSP", "", nil, ""},
		{"recalled to customs", recalled, with(req(ActOffer, mfr), func(r *Request) { r.To = tC }), "", "", EventOffered, []KeyKind{KeyItem, KeyOffer, KeyEvent, KeyCounter}, tM},
		{"recalled back to brand", distOwned, with(req(ActOffer, dist), func(r *Request) { r.To = tM }), "", "", EventOffered, []KeyKind{KeyItem, KeyOffer, KeyEvent, KeyCounter}, tD},
		{"backdated", st(item(tM, StatusActive, "")), with(req(ActOffer, mfr), func(r *Request) { r.To = tD; r.Now = "2026-12-02T03:57:59Z" }), CodeBackdated, "before its last custody event", "", nil, ""},
		{"within tolerance", st(item(tM, StatusActive, "")), with(req(ActOffer, mfr), func(r *Request) { r.To = tD; r.Now = "2026-12-02T03:58:00Z" }), "", "", EventOffered, []KeyKind{KeyItem, KeyOffer, KeyEvent, KeyCounter}, tM},
		{"accept", inTransit(later), req(ActAccept, dist), "", "", EventAccepted, []KeyKind{KeyItem, KeyOffer, KeyEvent, KeyCounter}, tD + "," + tM},
		{"accept not recipient", inTransit(later), req(ActAccept, cust), CodeNotRecipient, "offered to DistributorMSP, not CustomsMSP", "", nil, ""},
		{"accept expired", inTransit("2026-12-02T04:00:30Z"), req(ActAccept, dist), CodeInvalidTransition, "expired", "", nil, ""},
		{"reject expired ok", inTransit("2026-12-02T04:00:30Z"), req(ActReject, dist), "", "", EventRejected, []KeyKind{KeyItem, KeyOffer, KeyEvent, KeyCounter}, tD + "," + tM},
		{"cancel before expiry needs recipient", inTransit(later), req(ActCancel, mfr), "", "", EventCancelled, []KeyKind{KeyItem, KeyOffer, KeyEvent, KeyCounter}, tD + "," + tM},
		{"cancel after expiry", inTransit("2026-12-02T04:00:30Z"), req(ActCancel, mfr), "", "offer expired at", EventCancelled, []KeyKind{KeyItem, KeyEvent, KeyCounter}, tM},
		{"cancel by majority", inTransit(later), with(req(ActCancel, cust), func(r *Request) { r.Authority = ByMajority; r.Vote = "P7" }), "", "majority vote P7", EventCancelled, []KeyKind{KeyItem, KeyEvent, KeyCounter}, tM},
		{"cancel not owner", inTransit(later), req(ActCancel, dist), CodeNotOwner, "held by", "", nil, ""},
		{"stolen in transit", inTransit(later), req(ActReportStolen, mfr), "", "", EventStolen, []KeyKind{KeyItem, KeyEvent, KeyCounter}, tM},
		{"stolen held", held, req(ActReportStolen, mfr), CodeOnHold, "on hold", "", nil, ""},
		{"decommission", st(item(tM, StatusActive, "")), with(req(ActDecommission, mfr), func(r *Request) { r.Reason = ReasonDestroyed }), "", "destroyed", EventDecommissioned, []KeyKind{KeyItem, KeyEvent, KeyCounter}, tM},
		{"decommission bad reason", st(item(tM, StatusActive, "")), with(req(ActDecommission, mfr), func(r *Request) { r.Reason = "lost" }), CodeInvalidArgument, "lost", "", nil, ""},
		{"hold", st(item(tM, StatusActive, "")), with(req(ActHold, cust), func(r *Request) { r.Reason = "check" }), "", "check", EventHeld, []KeyKind{KeyHold, KeyEvent, KeyCounter}, ""},
		{"hold by distributor", st(item(tM, StatusActive, "")), with(req(ActHold, dist), func(r *Request) { r.Reason = "x" }), CodeWrongRole, "customs role", "", nil, ""},
		{"hold twice", held, with(req(ActHold, cust), func(r *Request) { r.Reason = "x" }), CodeOnHold, "already on hold", "", nil, ""},
		{"release", held, req(ActRelease, cust), "", "", EventReleased, []KeyKind{KeyHold, KeyEvent, KeyCounter}, ""},
		{"release by majority", held, with(req(ActRelease, dist), func(r *Request) { r.Authority = ByMajority; r.Vote = "P1" }), "", "majority vote P1", EventReleased, []KeyKind{KeyHold, KeyEvent, KeyCounter}, ""},
		{"release other customs", held, req(ActRelease, actor("Customs2MSP", RoleCustoms, false)), CodeNotOwner, "placed by CustomsMSP", "", nil, ""},
		{"release not held", st(item(tM, StatusActive, "")), req(ActRelease, cust), CodeInvalidTransition, "not on hold", "", nil, ""},
		{"recall item plain user", st(item(tD, StatusActive, "")), with(req(ActRecallItem, mfr), func(r *Request) { r.Reason = "bad" }), CodeNotAdmin, "needs an admin of ManufacturerMSP", "", nil, ""},
		{"recall item admin", st(item(tD, StatusActive, "")), with(req(ActRecallItem, mfrAdmin), func(r *Request) { r.Reason = "bad" }), "", "bad", EventRecalled, []KeyKind{KeyRecall, KeyEvent, KeyCounter}, ""},
		{"recall not brand", st(item(tD, StatusActive, "")), with(req(ActRecallItem, actor(tD, RoleDistributor, true)), func(r *Request) { r.Reason = "bad" }), CodeNotOwner, "owned by ManufacturerMSP", "", nil, ""},
		{"recall no prefix", st(item(tD, StatusActive, "")), with(req(ActRecallItem, mfrAdmin), func(r *Request) { r.Reason = "bad"; r.Brand = "" }), CodePrefixNotActive, "no active company prefix", "", nil, ""},
		{"recall twice", itemRecalled, with(req(ActRecallItem, mfrAdmin), func(r *Request) { r.Reason = "bad" }), CodeAlreadyExists, "already recalled", "", nil, ""},
		{"withdraw", itemRecalled, req(ActWithdrawRecall, mfrAdmin), "", "", EventRecallWithdrawn, []KeyKind{KeyRecall, KeyEvent, KeyCounter}, ""},
		{"withdraw plain user", itemRecalled, req(ActWithdrawRecall, mfr), CodeNotAdmin, "needs an admin", "", nil, ""},
		{"withdraw other org", itemRecalled, req(ActWithdrawRecall, actor(tD, RoleDistributor, true)), CodeNotOwner, "issued by ManufacturerMSP", "", nil, ""},
		{"withdraw by majority", itemRecalled, with(req(ActWithdrawRecall, dist), func(r *Request) { r.Authority = ByMajority; r.Vote = "P2" }), "", "majority vote P2", EventRecallWithdrawn, []KeyKind{KeyRecall, KeyEvent, KeyCounter}, ""},
		{"majority offer refused", st(item(tM, StatusActive, "")), with(req(ActOffer, dist), func(r *Request) { r.Authority = ByMajority; r.To = tD }), CodeInvalidArgument, "majority", "", nil, ""},
		{"not registered", CustodyState{ID: tID}, req(ActAccept, dist), CodeNotFound, "not registered", "", nil, ""},
		{"register", CustodyState{ID: tID}, with(req(ActRegister, mfr), func(r *Request) { r.New = &Item{GTIN: tID.GTIN, Serial: tID.Serial} }), "", "", EventRegistered, []KeyKind{KeyItem, KeyEvent, KeyCounter}, ""},
		{"register twice", st(item(tM, StatusActive, "")), with(req(ActRegister, mfr), func(r *Request) { r.New = &Item{GTIN: tID.GTIN, Serial: tID.Serial} }), CodeAlreadyExists, "already registered (by ManufacturerMSP)", "", nil, ""},
	}
	for _, tc := range cases {
		d, err := Decide(tc.s, tc.r)
		if tc.code != "" {
			if err == nil {
				t.Errorf("%s: allowed, want %s", tc.name, tc.code)
				continue
			}
			if err.Code != tc.code || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("%s: %v, want %s containing %q", tc.name, err, tc.code, tc.msg)
			}
			if tc.code != CodeSelfTransfer && tc.code != CodeUnknownOrg && tc.code != CodeInvalidArgument && !strings.Contains(err.Error(), tID.Key()) {
				t.Errorf("%s: %v does not name the item", tc.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: refused: %v", tc.name, err)
			continue
		}
		if d.Event.Type != tc.ev || d.Event.Item != tID.Key() || d.Event.TxID != tc.r.TxID || d.Event.Timestamp != tc.r.Now ||
			d.Event.SubmitterMSP != tc.r.Actor.MSP || !strings.Contains(d.Event.Details, tc.msg) {
			t.Errorf("%s: event %+v", tc.name, d.Event)
		}
		var kinds []KeyKind
		for _, w := range d.Writes {
			if w.Kind != KeyIndex {
				kinds = append(kinds, w.Kind)
			}
			if w.Kind == KeyEvent && (w.Policy == nil || !w.SetPolicy) {
				t.Errorf("%s: event key without a key-level policy", tc.name)
			}
		}
		if strings.Join(kindsS(kinds), ",") != strings.Join(kindsS(tc.keys), ",") {
			t.Errorf("%s: writes %v, want %v", tc.name, kinds, tc.keys)
		}
		if got := strings.Join(d.Endorsement.AllOf, ","); got != tc.allOf || !d.Endorsement.Majority || d.Endorsement.Threshold != 2 {
			t.Errorf("%s: endorsement %s, want AND(%s) + majority", tc.name, d.Endorsement, tc.allOf)
		}
		// The decision agrees with the policy verify derives from the event alone.
		if ex := ExpectedEndorsers(d.Event, testRoles); strings.Join(ex.AllOf, ",") != tc.allOf {
			t.Errorf("%s: ExpectedEndorsers %s, Decide %s", tc.name, ex, d.Endorsement)
		}
	}
}

func kindsS(k []KeyKind) []string {
	out := make([]string, len(k))
	for i, x := range k {
		out[i] = string(x)
	}
	return out
}

// TestDecideOfferLifecycle replays offer -> accept through After and checks
// the records and key-level policies the decisions write.
func TestDecideOfferLifecycle(t *testing.T) {
	s := st(item(tM, StatusActive, ""))
	r := req(ActOffer, mfr)
	r.To = tD
	d, err := Decide(s, r)
	if err != nil {
		t.Fatal(err)
	}
	if d.Item.Status != StatusInTransit || d.Item.OfferedTo != tD || d.Item.OfferSeq != 2 || d.Offer.Seq != 2 ||
		d.Offer.ExpiresAt != "2026-12-09T04:01:00Z" {
		t.Fatalf("offer: item %+v offer %+v", d.Item, d.Offer)
	}
	for _, w := range d.Writes {
		switch w.Kind {
		case KeyItem:
			if w.SetPolicy || strings.Join(w.Policy.AllOf, ",") != tM {
				t.Errorf("offer rewrites the item key's policy: %+v", w.Policy)
			}
		case KeyOffer:
			if w.Key != OfferKey(tID, 2) || !w.SetPolicy || strings.Join(w.Policy.AllOf, ",") != tD {
				t.Errorf("offer key %q policy %+v", w.Key, w.Policy)
			}
		}
	}
	s = s.After(d)
	if s.Seq != 2 || s.Offer == nil || s.Item.OfferSeq != 2 {
		t.Fatalf("after offer: %+v", s)
	}
	r = req(ActAccept, dist)
	r.Now = "2026-12-02T04:02:00Z"
	d, err = Decide(s, r)
	if err != nil {
		t.Fatal(err)
	}
	if d.Item.Owner != tD || d.Offer.Outcome != EventAccepted || d.Event.Seq != 3 {
		t.Fatalf("accept: %+v %+v", d.Item, d.Offer)
	}
	for _, w := range d.Writes {
		if w.Kind == KeyItem && (!w.SetPolicy || strings.Join(w.Policy.AllOf, ",") != tD) {
			t.Errorf("accept item policy %+v", w.Policy)
		}
		if w.Kind == KeyEvent && (!w.SetPolicy || !w.Policy.Sealed || w.Policy.SatisfiedBy([]string{tD, tM, tC})) {
			t.Errorf("accepted event policy %s, want sealed (no endorsement rewrites it)", w.Policy)
		}
		// What chaincode before sealed events set, still accepted by verify.
		if w.Kind == KeyEvent && (w.Earlier == nil || strings.Join(w.Earlier.AllOf, ",") != tD+","+tM || !w.Earlier.AndMajority || w.Earlier.SatisfiedBy([]string{tD, tC}) || !w.Earlier.SatisfiedBy([]string{tD, tM})) {
			t.Errorf("accepted event's earlier policy %v, want both parties and a majority", w.Earlier)
		}
	}
	s = s.After(d)
	if s.Offer != nil || s.Item.Owner != tD || s.LastEventAt != r.Now {
		t.Fatalf("after accept: %+v", s)
	}
}

func TestEncodedAndMajority(t *testing.T) {
	maj := majorityOf(testRoles)
	for _, tc := range []struct {
		all  []string
		want string
	}{
		{[]string{tM}, "AND(ManufacturerMSP.peer) AND 1 of (CustomsMSP, DistributorMSP)"},
		{[]string{tM, tD}, "AND(DistributorMSP.peer, ManufacturerMSP.peer)"},
		{[]string{"OtherMSP"}, "AND(OtherMSP.peer) AND 2 of (CustomsMSP, DistributorMSP, ManufacturerMSP)"},
	} {
		p := KeyPolicy{AllOf: tc.all, Orgs: maj.Orgs, Threshold: maj.Threshold, AndMajority: true}
		e := p.Encoded()
		if e.String() != tc.want {
			t.Errorf("%v: encoded %s, want %s", tc.all, e, tc.want)
		}
		// Same meaning, whoever endorses.
		for _, set := range [][]string{{tM}, {tD}, {tM, tD}, {tM, tC}, {tD, tC}, {tM, tD, tC}, {"OtherMSP", tC}, {"OtherMSP", tC, tD}} {
			if p.SatisfiedBy(set) != e.SatisfiedBy(set) {
				t.Errorf("%v by %v: %v vs encoded %v", tc.all, set, p.SatisfiedBy(set), e.SatisfiedBy(set))
			}
		}
	}
}

func TestHoldAndRecallPolicies(t *testing.T) {
	p := HoldPolicy(tC, testRoles)
	for _, tc := range []struct {
		e  []string
		ok bool
	}{{[]string{tC}, true}, {[]string{tM, tD}, true}, {[]string{tM}, false}, {nil, false}} {
		if p.SatisfiedBy(tc.e) != tc.ok {
			t.Errorf("hold policy %s by %v: want %v", p, tc.e, tc.ok)
		}
	}
	if p.String() != "AND(CustomsMSP.peer) OR 2 of (CustomsMSP, DistributorMSP, ManufacturerMSP)" {
		t.Errorf("String %q", p)
	}
	r := req(ActRecallItem, mfrAdmin)
	r.Reason = "contaminated"
	d, err := DecideScopeRecall(tID.GTIN, "L1", nil, false, r)
	if err != nil || d.Recall.Scope != RecallScopeLot || d.Write.Key != RecallLotKey(tID.GTIN, "L1") || !d.Write.SetPolicy {
		t.Fatalf("lot recall: %+v %v", d, err)
	}
	r.Actor = mfr
	if _, err := DecideScopeRecall(tID.GTIN, "", nil, false, r); err == nil || err.Code != CodeNotAdmin || !strings.Contains(err.Error(), "01/"+tID.GTIN) {
		t.Errorf("plain-user GTIN recall: %v", err)
	}
	r.Actor = dist
	if _, err := DecideScopeRecall(tID.GTIN, "", &Recall{By: tM}, true, r); err == nil || err.Code != CodeNotOwner {
		t.Errorf("withdraw by another org: %v", err)
	}
	r.Authority = ByMajority
	if d, err := DecideScopeRecall(tID.GTIN, "", &Recall{By: tM}, true, r); err != nil || !d.Write.Delete || !d.Endorsement.SatisfiedBy([]string{tD, tC}) {
		t.Errorf("majority withdraw: %+v %v", d, err)
	}
}

func TestKeysMatchShim(t *testing.T) {
	for _, tc := range []struct {
		got  string
		obj  string
		attr []string
	}{
		{ItemKey(tID), "item", []string{tID.GTIN, tID.Serial}},
		{CounterKey(tID), "seq", []string{tID.GTIN, tID.Serial}},
		{EventKey(tID, 7), "event", []string{tID.GTIN, tID.Serial, "0000000007"}},
		{HoldKey(tID), "hold", []string{tID.GTIN, tID.Serial}},
		{RecallGTINKey(tID.GTIN), "recall", []string{tID.GTIN}},
		{RecallLotKey(tID.GTIN, "L/1"), "recall", []string{tID.GTIN, "10", "L/1"}},
		{RecallItemKey(tID), "recall", []string{tID.GTIN, "21", tID.Serial}},
		{OfferKey(tID, 12), "offer", []string{tID.GTIN, tID.Serial, "0000000012"}},
	} {
		want, err := shim.CreateCompositeKey(tc.obj, tc.attr)
		if err != nil || tc.got != want {
			t.Errorf("%s%v: %q, shim %q (%v)", tc.obj, tc.attr, tc.got, want, err)
		}
		obj, attrs, err := SplitCompositeKey(tc.got)
		if err != nil || obj != tc.obj || strings.Join(attrs, "|") != strings.Join(tc.attr, "|") {
			t.Errorf("split %q: %s %v %v", tc.got, obj, attrs, err)
		}
	}
	if _, err := CompositeKey("x", "a\x00b"); err == nil {
		t.Error("U+0000 in an attribute accepted")
	}
	if _, err := CompositeKey("x", "a\U0010FFFF"); err == nil {
		t.Error("U+10FFFF in an attribute accepted")
	}
	if _, _, err := SplitCompositeKey("item"); err == nil {
		t.Error("simple key split")
	}
	sk, err := SightingKey(tID, 5, "ab")
	want, _ := shim.CreateCompositeKey("sighting", []string{tID.GTIN, tID.Serial, "00000000000000000005", "ab"})
	if err != nil || sk != want {
		t.Errorf("sighting key %q", sk)
	}
}

func TestParseItemKey(t *testing.T) {
	id, err := ParseItemKey("01/09506000134352/21/A/1")
	if err != nil || id != (ItemID{GTIN: "09506000134352", Serial: "A/1"}) {
		t.Fatalf("%+v %v", id, err)
	}
	for _, bad := range []string{"01/9506000134352/21/A", "01/09506000134353/21/A", "01/09506000134352/10/L/21/A",
		" 01/09506000134352/21/A", "01/09506000134352/21/", "(01)09506000134352(21)A", "01/09506000134352/21/A B"} {
		if _, err := ParseItemKey(bad); err == nil || CodeOf(err) != CodeInvalidID {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestTimestamps(t *testing.T) {
	for _, s := range []string{"1970-01-01T00:00:00Z", "2026-12-02T04:05:06.123456789Z", "2024-02-29T23:59:59.5Z", "2261-12-31T23:59:59.999999999Z"} {
		ns, err := ParseTimestamp(s)
		if err != nil || FormatTimestamp(ns) != s {
			t.Errorf("%s -> %d %v -> %s", s, ns, err, FormatTimestamp(ns))
		}
	}
	if ns, _ := ParseTimestamp("2026-12-02T04:05:06Z"); ns != 1796184306*nanosPerSecond {
		t.Errorf("unix %d", ns/nanosPerSecond)
	}
	for _, bad := range []string{"", "2026-12-02T04:05:06+01:00", "2026-02-29T00:00:00Z", "2026-12-02T24:00:00Z", "2026-12-02T04:05:06.Z",
		"2026-12-02T04:05:06.1234567890Z", "+026-12-02T04:05:06Z", "2026-12-02 04:05:06Z"} {
		if _, err := ParseTimestamp(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	for in, want := range map[string]int64{"": DefaultOfferTTL, "30": 30, "30s": 30, "10m": 600, "2h": 7200, "7d": 604800} {
		if got, err := ParseOfferTTL(in); err != nil || got != want {
			t.Errorf("ParseOfferTTL(%q) = %d %v", in, got, err)
		}
	}
	for _, bad := range []string{"0", "-5", "+5", "91d", "1.5h", "abc", "5w"} {
		if _, err := ParseOfferTTL(bad); err == nil || CodeOf(err) != CodeInvalidArgument {
			t.Errorf("ParseOfferTTL(%q): %v", bad, err)
		}
	}
}

func TestCodesList(t *testing.T) {
	seen := map[Code]bool{}
	for _, c := range Codes() {
		if seen[c] || CodeOf(Errorf(c, "x")) != c || CodeOf(errString(string(c)+": x")) != c {
			t.Errorf("code %s", c)
		}
		seen[c] = true
	}
	if CodeOf(errString("NOT_A_CODE: x")) != "" {
		t.Error("unknown code recognized")
	}
}

type errString string

func (e errString) Error() string { return string(e) }

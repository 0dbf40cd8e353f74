package domain

import (
	"strings"
	"testing"
)

func TestSettled(t *testing.T) {
	id := ItemID{GTIN: "09506000134352", Serial: "A"}
	item := func(owner string, st Status, to string) *Item {
		return &Item{ID: id.Key(), GTIN: id.GTIN, Serial: id.Serial, Manufacturer: "M", Owner: owner, Status: st, OfferedTo: to, Seq: 2}
	}
	hold := &Hold{By: "C", Reason: "x"}
	tests := []struct {
		act  Act
		me   string
		to   string
		it   *Item
		want string // "" means the act still has work to do
	}{
		{ActOffer, "M", "D", item("M", StatusInTransit, "D"), "already offered to D"},
		{ActOffer, "M", "C", item("M", StatusInTransit, "D"), ""}, // to someone else: Decide refuses
		{ActOffer, "M", "D", item("M", StatusActive, ""), ""},
		{ActAccept, "D", "", item("D", StatusActive, ""), "already held by D (ACTIVE)"},
		{ActAccept, "D", "", item("M", StatusInTransit, "D"), ""},
		{ActReject, "D", "", item("M", StatusActive, ""), "no longer offered to D (ACTIVE, held by M)"},
		{ActReject, "D", "", item("M", StatusInTransit, "D"), ""},
		{ActCancel, "M", "", item("M", StatusActive, ""), "not offered (already cancelled or rejected)"},
		{ActCancel, "M", "", item("D", StatusActive, ""), ""},
		{ActReportStolen, "M", "", item("M", StatusStolen, ""), "already reported stolen"},
		{ActDecommission, "M", "", item("M", StatusDecommissioned, ""), "already decommissioned ()"},
		{ActDecommission, "D", "", item("M", StatusDecommissioned, ""), ""},
		{ActRelease, "C", "", item("M", StatusActive, ""), "not on hold"},
		{ActHold, "C", "", item("M", StatusActive, ""), ""},
		{ActOffer, "M", "D", nil, ""},
	}
	for _, tt := range tests {
		s := CustodyState{ID: id}
		if tt.it != nil {
			s = StateOf(id, tt.it)
		}
		if got := Settled(s, Request{Act: tt.act, Actor: Actor{MSP: tt.me}, To: tt.to}); got != tt.want {
			t.Errorf("%s by %s of %+v: %q, want %q", tt.act, tt.me, tt.it, got, tt.want)
		}
	}
	held := item("M", StatusActive, "")
	held.Hold, held.Recall = hold, &Recall{Scope: RecallScopeItem, By: "M"}
	s := StateOf(id, held)
	if s.Item.Hold != nil || s.Hold != hold || s.ItemRecall() == nil || s.Seq != 2 {
		t.Errorf("StateOf keeps overlays apart: %+v", s)
	}
	if Settled(s, Request{Act: ActHold, Actor: Actor{MSP: "C"}}) != "already on hold by C" ||
		Settled(s, Request{Act: ActRecallItem, Actor: Actor{MSP: "M"}}) != "already recalled by M" {
		t.Error("hold/recall settled")
	}
}

func TestDecideNote(t *testing.T) {
	id := ItemID{GTIN: "09506000134352", Serial: "A"}
	s := CustodyState{ID: id, Seq: 1, Item: &Item{ID: id.Key(), Owner: "M", Manufacturer: "M", Status: StatusActive, Seq: 1}}
	r := Request{Act: ActReportStolen, Actor: Actor{MSP: "M", ID: "x"}, TxID: "t", Now: "2026-12-02T07:00:00Z", Note: "POL-1"}
	d, err := Decide(s, r)
	if err != nil || d.Event.Note != "POL-1" || !strings.Contains(string(d.Writes[len(d.Writes)-2].Value), `"note":"POL-1"`) {
		t.Fatalf("note on the event: %+v %v", d, err)
	}
	r.Note = ""
	if d, _ := Decide(s, r); strings.Contains(string(d.Writes[len(d.Writes)-2].Value), "note") {
		t.Error("no note: the event's bytes are the old ones")
	}
	r.Note = strings.Repeat("x", MaxNoteLen+1)
	if _, err := Decide(s, r); err == nil || err.Code != CodeInvalidArgument {
		t.Errorf("long note: %v", err)
	}
}

func TestParseItemInput(t *testing.T) {
	for in, want := range map[ItemInput]string{
		{ID: "01/09506000134352/21/A", Expiry: "261231"}:                                   "",
		{ID: "01/09506000134352/21/A", Expiry: "261340"}:                                   "INVALID_ID: item 01/09506000134352/21/A: ",
		{ID: "(01)09506000134352(17)261231(21)A", Expiry: "270101"}:                        "INVALID_ARGUMENT: item 01/09506000134352/21/A: expiry \"261231\" in the ID differs",
		{ID: "01/09506000134353/21/A"}:                                                     "INVALID_ID: item \"01/09506000134353/21/A\": ",
		{ID: "01/09506000134352/21/A", Description: strings.Repeat("d", MaxDescription+1)}: "INVALID_ARGUMENT: item 01/09506000134352/21/A: description is",
	} {
		_, err := ParseItemInput(in)
		if (want == "") != (err == nil) || (err != nil && !strings.HasPrefix(err.Error(), want)) {
			t.Errorf("%+v: %v, want %q", in, err, want)
		}
	}
}

package domain

import (
	"strings"
	"testing"
)

// 106141412345678908 is GS1's example SSCC: extension 1, company prefix
// 0614141, serial reference 234567890, check digit 8.
const exSSCC = "106141412345678908"

func TestParseSSCC(t *testing.T) {
	for _, s := range []string{
		exSSCC, "00/" + exSSCC, "(00)" + exSSCC, " " + exSSCC + "\r\n",
		"https://id.gs1.org/00/" + exSSCC, "http://example.com/gs1/00/" + exSSCC + "?linkType=all#x",
		"urn:epc:id:sscc:0614141.1234567890", "URN:EPC:ID:SSCC:0614141.1234567890",
		"urn:epc:id:sscc:061414123456.17890",
	} {
		got, err := ParseSSCC(s)
		if err != nil || got != exSSCC {
			t.Errorf("ParseSSCC(%q) = %q, %v", s, got, err)
		}
		id, err := ParseCustodyID(s)
		if err != nil || !id.IsUnit() || id.Key() != "00/"+exSSCC || id.SSCC() != exSSCC {
			t.Errorf("ParseCustodyID(%q) = %+v, %v", s, id, err)
		}
	}
	for s, want := range map[string]string{
		"":                                   "empty",
		"106141412345678909":                 "check digit 9 should be 8",
		"10614141234567890":                  "has 17 digits; want 18",
		"(00)10614141234567890X":             "non-digit character",
		"00/" + exSSCC + "/x":                "non-digit character",
		"https://id.gs1.org/00/":             "empty",
		"https://id.gs1.org//00/" + exSSCC:   "empty path segment",
		"https://bad host/00/" + exSSCC:      "host",
		"urn:epc:id:sscc:0614141":            "two dot-separated parts",
		"urn:epc:id:sscc:0614141.123456789":  "make 16 digits; want 17",
		"urn:epc:id:sscc:06141.123456789012": "company prefix",
		"urn:epc:id:sgtin:0614141.812345.1":  "not an SSCC",
		"pallet-7":                           "unknown format",
	} {
		_, err := ParseSSCC(s)
		if err == nil || CodeOf(err) != CodeInvalidID || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseSSCC(%q) = %v, want INVALID_ID naming %q", s, err, want)
		}
	}
	// Items still parse as items through ParseCustodyID.
	if id, err := ParseCustodyID("01/09506000134352/21/S1"); err != nil || id.IsUnit() {
		t.Fatalf("item through ParseCustodyID: %+v, %v", id, err)
	}
	if uri, err := SSCCEPCURI(exSSCC, 7); err != nil || uri != "urn:epc:id:sscc:0614141.1234567890" {
		t.Fatalf("SSCCEPCURI = %q, %v", uri, err)
	}
	if c := SSCCPrefixCandidates(exSSCC); len(c) != 7 || c[0] != "061414123456" || c[6] != "061414" {
		t.Fatalf("candidates = %v", c)
	}
	if UnitID(exSSCC).Key() != "00/"+exSSCC || ItemKey(UnitID(exSSCC)) != "\x00item\x0000\x00"+exSSCC+"\x00" {
		t.Fatal("unit keys")
	}
}

func FuzzParseSSCC(f *testing.F) {
	for _, s := range []string{exSSCC, "(00)" + exSSCC, "https://id.gs1.org/00/" + exSSCC, "urn:epc:id:sscc:0614141.1234567890",
		"00/" + exSSCC, "106141412345678909", "urn:epc:id:sscc:0614141.123456789"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseSSCC(s)
		if err != nil {
			if CodeOf(err) != CodeInvalidID || !strings.HasPrefix(err.Error(), "INVALID_ID: ") || len(err.Error()) > 1200 {
				t.Fatalf("%q: refusal %q", s, err)
			}
			return
		}
		if err := CheckSSCC(got); err != nil {
			t.Fatalf("%q -> %q does not check: %v", s, got, err)
		}
		for _, back := range []string{got, "00/" + got, "(00)" + got, "https://x.example/00/" + got} {
			if b, err := ParseSSCC(back); err != nil || b != got {
				t.Fatalf("%q -> %q -> %q, %v", s, back, b, err)
			}
		}
		for l := MinCompanyPrefixLen; l <= MaxCompanyPrefixLen; l++ {
			uri, err := SSCCEPCURI(got, l)
			if err != nil {
				t.Fatal(err)
			}
			if b, err := ParseSSCC(uri); err != nil || b != got {
				t.Fatalf("%q -> EPC %q -> %q, %v", s, uri, b, err)
			}
		}
		if id, err := ParseCustodyID(s); err != nil || id.SSCC() != got {
			t.Fatalf("%q: ParseCustodyID = %+v, %v", s, id, err)
		}
	})
}

func unitState(sscc, owner string, contents, depth int) CustodyState {
	id := UnitID(sscc)
	return CustodyState{ID: id, Seq: 2, LastEventAt: t0, Item: &Item{ID: id.Key(), GTIN: UnitAI, Serial: sscc,
		Manufacturer: tM, Owner: owner, Status: StatusActive, Contents: contents, Depth: depth, Seq: 2}}
}

// TestDecideUnits is the pack / unpack table, without a shim.
func TestDecideUnits(t *testing.T) {
	r := req(ActPack, mfr)
	loose := st(item(tM, StatusActive, ""))
	loose.Item.Lot = "L1"

	// Creation by the prefix owner, then fill, then the content.
	ds, err := DecidePack(CustodyState{ID: UnitID(exSSCC)}, []CustodyState{loose}, r)
	if err != nil || len(ds) != 3 {
		t.Fatalf("pack into a new unit: %v, %d decisions", err, len(ds))
	}
	if ds[0].Event.Type != EventRegistered || ds[1].Event.Type != EventPacked || ds[1].Event.Seq != 2 ||
		ds[1].Item.Contents != 1 || ds[1].Item.Seq != 2 || ds[1].Item.Depth != 1 || strings.Join(ds[1].Item.Lots, ",") != "01/"+tID.GTIN+"/10/L1" {
		t.Fatalf("unit decisions: %+v / %+v", ds[0].Event, ds[1].Item)
	}
	c := ds[2]
	if c.Event.Type != EventPacked || c.Event.Unit != "00/"+exSSCC || c.Event.UnitSeq != 2 || c.ItemWritten || c.Packed == nil {
		t.Fatalf("content decision: %+v", c)
	}
	var kinds []string
	for _, w := range c.Writes {
		kinds = append(kinds, string(w.Kind))
	}
	// Each content: its packing key (new, policy set), the contents index, its event and counter; never its item key.
	if strings.Join(kinds, ",") != "packed,index,event,seq" {
		t.Fatalf("content writes = %v", kinds)
	}
	if p := c.Writes[0].Policy; !c.Writes[0].SetPolicy || strings.Join(p.AllOf, ",") != tM || !p.AndMajority {
		t.Fatalf("packing policy = %+v", p)
	}
	if c.Endorsement.String() != majorityOf(testRoles).String() {
		t.Fatalf("content endorsement = %v", c.Endorsement)
	}

	held := loose
	held.Hold = &Hold{By: tC, Reason: "check"}
	packed := loose
	packed.Packed = &Packing{Unit: "00/" + exSSCC, UnitSeq: 2, Owner: tM}
	unit := unitState(exSSCC, tM, 1, 1)
	distUnit := unitState(exSSCC, tD, 1, 1)
	heldUnit := unitState(exSSCC, tM, 1, 1)
	heldUnit.Hold = &Hold{By: tC, Reason: "x-ray"}
	deep := unitState("106141412345678915", tM, 1, MaxUnitDepth)
	other := "106141412345678922"
	for name, tc := range map[string]struct {
		unit     CustodyState
		contents []CustodyState
		r        Request
		unpack   bool
		code     Code
		want     string
	}{
		"new unit, not prefix owner": {CustodyState{ID: UnitID(exSSCC)}, []CustodyState{loose}, func() Request { x := r; x.Brand = tD; return x }(), false, CodePrefixNotActive, "owned by " + tD},
		"unit of another org":        {distUnit, []CustodyState{loose}, r, false, CodeNotOwner, "held by " + tD},
		"content of another org":     {unit, []CustodyState{st(item(tD, StatusActive, ""))}, r, false, CodeNotOwner, "held by " + tD},
		"content in transit":         {unit, []CustodyState{st(item(tM, StatusInTransit, tD))}, r, false, CodeInvalidTransition, "PACKED needs ACTIVE"},
		"content held":               {unit, []CustodyState{held}, r, false, CodeOnHold, "check"},
		"content already packed":     {unit, []CustodyState{packed}, r, false, CodePacked, "packed in unit"},
		"held unit":                  {heldUnit, []CustodyState{loose}, r, false, CodeOnHold, "x-ray"},
		"too deep":                   {unitState(other, tM, 0, 0), []CustodyState{deep}, r, false, CodeInvalidArgument, "levels deep"},
		"itself":                     {unit, []CustodyState{unit}, r, false, CodeInvalidArgument, "itself"},
		"not a unit":                 {loose, []CustodyState{loose}, r, false, CodeInvalidArgument, "not a logistic unit"},
		"unpack by non-owner":        {unit, []CustodyState{packed}, req(ActUnpack, dist), true, CodeNotOwner, "held by " + tM},
		"unpack of loose":            {unit, []CustodyState{loose}, req(ActUnpack, mfr), true, CodeInvalidTransition, "not packed in unit"},
		"unpack more than held":      {unit, []CustodyState{packed, loose}, req(ActUnpack, mfr), true, CodeInvalidArgument, "holds 1, not 2"},
	} {
		var err *Error
		if tc.unpack {
			_, err = DecideUnpack(tc.unit, tc.contents, tc.r)
		} else {
			_, err = DecidePack(tc.unit, tc.contents, tc.r)
		}
		if err == nil || err.Code != tc.code || !strings.Contains(err.Msg, tc.want) {
			t.Errorf("%s: %v, want %s naming %q", name, err, tc.code, tc.want)
		}
	}

	// A packed item refuses every move of its own; release and recall stay.
	for _, a := range []Act{ActOffer, ActReportStolen, ActDecommission, ActHold, ActHandOver} {
		x := req(a, mfr)
		x.To, x.Reason, x.From, x.Authority = tD, "r", tM, ""
		if _, err := Decide(packed, x); err == nil || err.Code != CodePacked {
			t.Errorf("%s of a packed item: %v", a, err)
		}
	}
	if _, err := Decide(packed, req(ActRecallItem, mfrAdmin)); err != nil && err.Code == CodePacked {
		t.Errorf("recall of a packed item refused as packed: %v", err)
	}

	// Unpack by the new owner: the item key goes to it, needing the packer's
	// endorsement (item and packing keys) and the unit owner's (unit key).
	distUnit.Item.Contents = 1
	dpacked := packed
	ds, err = DecideUnpack(distUnit, []CustodyState{dpacked}, req(ActUnpack, dist))
	if err != nil {
		t.Fatal(err)
	}
	u, c := ds[0], ds[1]
	if u.Item.Contents != 0 || u.Item.Depth != 0 || u.Item.Seq != u.Event.Seq || u.Event.Type != EventUnpacked {
		t.Fatalf("emptied unit = %+v", u.Item)
	}
	if !c.ItemWritten || c.Item.Owner != tD || c.Packed != nil || c.Event.From != tM || c.Event.To != tD || c.Event.Unit != "00/"+exSSCC {
		t.Fatalf("unpacked content = %+v", c)
	}
	if got := strings.Join(c.Endorsement.AllOf, ","); got != tM {
		t.Fatalf("content endorsement = %v", c.Endorsement)
	}
	if got := strings.Join(u.Endorsement.AllOf, ","); got != tD {
		t.Fatalf("unit endorsement = %v", u.Endorsement)
	}
	after := dpacked.After(c)
	if after.Packed != nil || after.Item.Owner != tD {
		t.Fatalf("state after unpack = %+v", after)
	}
}

func TestUnitEventCount(t *testing.T) {
	for _, c := range []struct {
		ev CustodyEvent
		n  int
		ok bool
	}{
		{CustodyEvent{Type: EventPacked, Details: "1000 added"}, 1000, true},
		{CustodyEvent{Type: EventUnpacked, Details: "5 removed"}, 5, true},
		{CustodyEvent{Type: EventUnpacked, Details: "5 added"}, 0, false},
		{CustodyEvent{Type: EventPacked, Details: "0 added"}, 0, false},
		{CustodyEvent{Type: EventPacked, Details: "007 added"}, 0, false},
		{CustodyEvent{Type: EventPacked, Details: "-3 added"}, 0, false},
		{CustodyEvent{Type: EventPacked, Details: "x added"}, 0, false},
		{CustodyEvent{Type: EventPacked, Unit: "00/" + exSSCC}, 0, false}, // a content's PACKED
		{CustodyEvent{Type: EventOffered, Details: "3 added"}, 0, false},
	} {
		if n, ok := UnitEventCount(c.ev); n != c.n || ok != c.ok {
			t.Errorf("UnitEventCount(%s %q unit %q) = %d, %v; want %d, %v", c.ev.Type, c.ev.Details, c.ev.Unit, n, ok, c.n, c.ok)
		}
	}
}

package epcis

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/epcis/epcistest"
)

// 106141412345678908 is GS1's example SSCC.
const (
	unitSSCC = "106141412345678908"
	unitKey  = "00/" + unitSSCC
	unitDL   = "https://id.gs1.org/00/" + unitSSCC
	key2     = "01/09506000134352/21/S2"
)

// unitStory: two items packed into a case in one transaction, the case
// shipped and received, one item unpacked by the new owner.
func unitStory() []ItemRecord {
	ev := func(item string, seq uint64, typ domain.EventType, from, to, by, tx string, sec int, details string) domain.CustodyEvent {
		return domain.CustodyEvent{Item: item, Seq: seq, Type: typ, From: from, To: to, SubmitterMSP: by,
			SubmitterID: "x509::CN=user1::CN=ca", TxID: tx, Timestamp: at(sec), Details: details}
	}
	packed := func(item string, seq, unitSeq uint64, typ domain.EventType, from, to, by, tx string, sec int) domain.CustodyEvent {
		e := ev(item, seq, typ, from, to, by, tx, sec, "")
		e.Unit, e.UnitSeq = unitKey, unitSeq
		return e
	}
	item := func(k string, events ...domain.CustodyEvent) ItemRecord {
		id, _ := domain.ParseIdentifier(k)
		return ItemRecord{Key: k, Events: events, Item: &domain.Item{ID: k, GTIN: id.GTIN, Serial: id.Serial, Manufacturer: mfr, Owner: dist, Status: domain.StatusActive}}
	}
	return []ItemRecord{
		{Key: unitKey, Item: &domain.Item{ID: unitKey, GTIN: domain.UnitAI, Serial: unitSSCC, Manufacturer: mfr, Owner: dist, Status: domain.StatusActive, Contents: 1},
			Events: []domain.CustodyEvent{
				ev(unitKey, 1, domain.EventRegistered, "", mfr, mfr, "txp", 10, "logistic unit"),
				ev(unitKey, 2, domain.EventPacked, "", "", mfr, "txp", 10, "2 added"),
				ev(unitKey, 3, domain.EventOffered, mfr, dist, mfr, "txo", 20, "expires=2026-12-09T07:00:20Z"),
				ev(unitKey, 4, domain.EventAccepted, mfr, dist, dist, "txa", 30, ""),
				ev(unitKey, 5, domain.EventUnpacked, "", "", dist, "txu", 40, "1 removed"),
			}},
		item(key, ev(key, 1, domain.EventRegistered, "", mfr, mfr, "txr", 1, ""),
			packed(key, 2, 2, domain.EventPacked, mfr, "", mfr, "txp", 10),
			packed(key, 3, 5, domain.EventUnpacked, mfr, dist, dist, "txu", 40)),
		item(key2, ev(key2, 1, domain.EventRegistered, "", mfr, mfr, "txr", 1, ""),
			packed(key2, 2, 2, domain.EventPacked, mfr, "", mfr, "txp", 10)),
	}
}

func TestExportAggregation(t *testing.T) {
	doc, err := Export(unitStory(), Parties{mfr: party}, time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	evs := doc.EPCISBody.EventList
	var aggs []Event
	var shipping *Event
	for i, ev := range evs {
		switch {
		case ev.Type == aggregation:
			aggs = append(aggs, ev)
		case ev.BizStep == "shipping":
			shipping = &evs[i]
		}
	}
	// One packing (the unit's own PACKED and both items') and one unpacking.
	if len(aggs) != 2 {
		t.Fatalf("%d AggregationEvents, want 2: %+v", len(aggs), aggs)
	}
	pack, unpack := aggs[0], aggs[1]
	if pack.Action != ActionAdd || pack.BizStep != "packing" || pack.ParentID != unitDL || pack.Seq != 2 || pack.TxID != "txp" || pack.Details != "2 added" ||
		strings.Join(pack.ChildEPCs, " ") != "https://id.gs1.org/01/09506000134352/21/S1 https://id.gs1.org/01/09506000134352/21/S2" || len(pack.EPCList) != 0 {
		t.Errorf("packing = %+v", pack)
	}
	if unpack.Action != ActionDelete || unpack.BizStep != "unpacking" || unpack.ParentID != unitDL || unpack.Seq != 5 ||
		strings.Join(unpack.ChildEPCs, " ") != "https://id.gs1.org/01/09506000134352/21/S1" {
		t.Errorf("unpacking = %+v", unpack)
	}
	// The unit ships and is received by its SSCC.
	if shipping == nil || strings.Join(shipping.EPCList, " ") != unitDL || shipping.Seq != 3 {
		t.Errorf("shipping of the unit = %+v", shipping)
	}
	// A unit exported alone: its packing without children.
	doc, err = Export(unitStory()[:1], nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range doc.EPCISBody.EventList {
		if ev.Type == aggregation && (ev.ParentID != unitDL || len(ev.ChildEPCs) != 0) {
			t.Errorf("unit alone: %+v", ev)
		}
	}

	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	// Import: the packing is refused with its reason, the rest planned.
	_, refused, err := Plan(b, Parties{mfr: party})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range refused {
		if strings.Contains(r.Reason, "packing is not imported") && strings.Contains(r.Reason, unitDL) {
			n++
		}
	}
	if n != 2 {
		t.Errorf("refusals %v: want both AggregationEvents refused naming the unit", refused)
	}
}

// The document with units validates against GS1's published schema.
func TestExportAggregationValidatesAgainstGS1Schema(t *testing.T) {
	if os.Getenv("PROV_OFFLINE") == "1" {
		t.Skip("PROV_OFFLINE=1: GS1's schema cannot be fetched")
	}
	sch, err := epcistest.Validator()
	if err != nil {
		t.Fatalf("GS1's EPCIS 2.0 schema: %v (PROV_OFFLINE=1 skips this test)", err)
	}
	doc, err := Export(unitStory(), Parties{mfr: party}, time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(doc, "", "  ")
	if err := epcistest.Validate(sch, b); err != nil {
		t.Fatalf("export with units does not validate: %v\n%s", err, b)
	}
	// The schema checks aggregation: an action outside ADD/OBSERVE/DELETE fails.
	bad := strings.Replace(string(b), `"action": "DELETE"`, `"action": "REMOVE"`, 1)
	if err := epcistest.Validate(sch, []byte(bad)); err == nil {
		t.Fatal("AggregationEvent with action REMOVE validated")
	}
	voc, err := epcistest.Vocabulary()
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{"packing", "unpacking"} {
		if !voc["bizStep"][st] {
			t.Errorf("bizStep %s is not CBV 2.0", st)
		}
	}
}

package epcis

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/epcis/epcistest"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
)

const (
	key   = "01/09506000134352/21/S1"
	mfr   = "ManufacturerMSP"
	dist  = "DistributorMSP"
	cust  = "CustomsMSP"
	t0    = "2026-12-02T07:00:00.123456789Z"
	gln   = "9506000000015"
	party = "9506000000008"
)

func at(sec int) string {
	t, _ := time.Parse(time.RFC3339Nano, t0)
	return t.Add(time.Duration(sec) * time.Second).Format(time.RFC3339Nano)
}

// story: register, ship, receive, hold, (sighting), release, recall, decommission.
func story() ItemRecord {
	ev := func(seq uint64, typ domain.EventType, from, to, by, details string) domain.CustodyEvent {
		return domain.CustodyEvent{Item: key, Seq: seq, Type: typ, From: from, To: to, SubmitterMSP: by,
			SubmitterID: "x509::CN=user1::CN=ca", TxID: "tx" + string(rune('a'+seq)), Timestamp: at(int(seq) * 10), Details: details}
	}
	return ItemRecord{
		Key:  key,
		Item: &domain.Item{ID: key, GTIN: "09506000134352", Serial: "S1", Lot: "L42", Expiry: "271130", Manufacturer: mfr, Owner: dist, Status: domain.StatusDecommissioned, Seq: 7},
		Events: []domain.CustodyEvent{
			ev(1, domain.EventRegistered, "", mfr, mfr, ""),
			ev(2, domain.EventOffered, mfr, dist, mfr, "expires=2026-12-09T07:00:20Z"),
			ev(3, domain.EventAccepted, mfr, dist, dist, ""),
			ev(4, domain.EventHeld, "", cust, cust, "documents missing"),
			ev(5, domain.EventReleased, cust, "", cust, ""),
			ev(6, domain.EventRecalled, mfr, "", mfr, "seal defect"),
			ev(7, domain.EventDecommissioned, dist, "", dist, "dispensed"),
		},
		Sightings: []domain.Sighting{{Item: key, ReporterMSP: cust, GLN: gln, Result: "match", Note: "photo 7", TxID: "txs", At: at(45)}},
	}
}

func exportStory(t *testing.T) (*Document, []byte) {
	t.Helper()
	doc, err := Export([]ItemRecord{story()}, Parties{mfr: party}, time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return doc, b
}

func TestExportMapsTheStory(t *testing.T) {
	doc, _ := exportStory(t)
	evs := doc.EPCISBody.EventList
	type want struct{ action, step, disp, custody string }
	wants := []want{
		{"ADD", "commissioning", "active", "REGISTERED"},
		{"OBSERVE", "shipping", "in_transit", "OFFERED"},
		{"OBSERVE", "receiving", "active", "ACCEPTED"},
		{"OBSERVE", "holding", "sellable_not_accessible", "HELD"},
		{"OBSERVE", "inspecting", "", SightingEvent},
		{"OBSERVE", "holding", "active", "RELEASED"},
		{"OBSERVE", "holding", "recalled", "RECALLED"},
		{"DELETE", "dispensing", "dispensed", "DECOMMISSIONED"},
	}
	if len(evs) != len(wants) {
		t.Fatalf("%d events, want %d", len(evs), len(wants))
	}
	for i, w := range wants {
		e := evs[i]
		if e.Action != w.action || e.BizStep != w.step || e.Disposition != w.disp || e.CustodyEvent != w.custody {
			t.Errorf("event %d: %s %s %s %s, want %+v", i+1, e.Action, e.BizStep, e.Disposition, e.CustodyEvent, w)
		}
		if len(e.EPCList) != 1 || e.EPCList[0] != "https://id.gs1.org/01/09506000134352/21/S1" {
			t.Errorf("event %d epcList %v", i+1, e.EPCList)
		}
		if e.EventTimeZoneOffset != "+00:00" || !strings.HasSuffix(e.EventTime, "Z") || len(e.EventTime) != len("2026-12-02T07:00:10.123Z") {
			t.Errorf("event %d time %s %s", i+1, e.EventTime, e.EventTimeZoneOffset)
		}
		h, _ := HashOf(&e)
		if e.EventID != h || !strings.HasPrefix(h, "ni:///sha-256;") || !strings.HasSuffix(h, "?ver=CBV2.0") {
			t.Errorf("event %d eventID %s, hash %s", i+1, e.EventID, h)
		}
	}
	if evs[0].ILMD == nil || evs[0].ILMD.Lot != "L42" || evs[0].ILMD.Expiry != "2027-11-30" {
		t.Errorf("ILMD %+v", evs[0].ILMD)
	}
	if s := evs[1].SourceList; len(s) != 1 || s[0].Type != "owning_party" || s[0].Source != "https://id.gs1.org/417/"+party {
		t.Errorf("source %+v (party map names the manufacturer)", s)
	}
	if d := evs[1].DestinationList; len(d) != 1 || d[0].Destination != "urn:provledger:msp:"+dist {
		t.Errorf("destination %+v (no GLN for the distributor: our URN)", d)
	}
	if evs[4].ReadPoint == nil || evs[4].ReadPoint.ID != "https://id.gs1.org/414/"+gln || evs[4].Result != "match" {
		t.Errorf("sighting %+v", evs[4])
	}
	if evs[1].TxID != "txc" || evs[1].Seq != 2 {
		t.Errorf("extension fields %s %d", evs[1].TxID, evs[1].Seq)
	}
	seen := map[string]bool{}
	for _, e := range evs {
		if seen[e.EventID] {
			t.Errorf("duplicate eventID %s", e.EventID)
		}
		seen[e.EventID] = true
	}
}

func TestEventHashChangesWithTheEvent(t *testing.T) {
	doc, _ := exportStory(t)
	e := doc.EPCISBody.EventList[1]
	h0, _ := HashOf(&e)
	e.DestinationList = []Destination{{Type: "owning_party", Destination: "urn:provledger:msp:" + cust}}
	if h1, _ := HashOf(&e); h1 == h0 {
		t.Fatal("changing the destination kept the hash")
	}
	e = doc.EPCISBody.EventList[1]
	e.EventTime = strings.Replace(e.EventTime, "Z", "+00:00", 1)
	if h2, _ := HashOf(&e); h2 != h0 {
		t.Fatal("the same instant spelled with +00:00 changed the hash")
	}
}

// The exported document validates against GS1's published schema, fetched
// from the npm registry (never a copy in git), and uses CBV values only.
func TestExportValidatesAgainstGS1Schema(t *testing.T) {
	if os.Getenv("PROV_OFFLINE") == "1" {
		t.Skip("PROV_OFFLINE=1: GS1's schema cannot be fetched")
	}
	sch, err := epcistest.Validator()
	if err != nil {
		t.Fatalf("GS1's EPCIS 2.0 schema: %v (PROV_OFFLINE=1 skips this test)", err)
	}
	_, b := exportStory(t)
	if err := epcistest.Validate(sch, b); err != nil {
		t.Fatalf("export does not validate: %v\n%s", err, b)
	}
	// The schema does refuse: a bare word outside the CBV, a bad time offset.
	bad := strings.Replace(string(b), `"bizStep": "shipping"`, `"bizStep": "recalling"`, 1)
	if err := epcistest.Validate(sch, []byte(bad)); err == nil {
		t.Fatal("bizStep recalling (not in CBV 2.0) validated")
	}
	bad = strings.Replace(string(b), `"eventTimeZoneOffset": "+00:00"`, `"eventTimeZoneOffset": "UTC"`, 1)
	if err := epcistest.Validate(sch, []byte(bad)); err == nil {
		t.Fatal("eventTimeZoneOffset UTC validated")
	}
	// Logistic units: AggregationEvents (packing, unpacking) and an SSCC
	// shipped; the schema checks them (an action outside ADD/OBSERVE/DELETE fails).
	units, err := Export(unitStory(), Parties{mfr: party}, time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	ub, _ := json.MarshalIndent(units, "", "  ")
	if err := epcistest.Validate(sch, ub); err != nil {
		t.Fatalf("export with units does not validate: %v\n%s", err, ub)
	}
	bad = strings.Replace(string(ub), `"action": "DELETE"`, `"action": "REMOVE"`, 1)
	if err := epcistest.Validate(sch, []byte(bad)); err == nil {
		t.Fatal("AggregationEvent with action REMOVE validated")
	}
	voc, err := epcistest.Vocabulary()
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{"commissioning", "shipping", "receiving", "void_shipping", "holding", "inspecting", "other", "decommissioning", "destroying", "dispensing", "retail_selling", "packing", "unpacking"} {
		if !voc["bizStep"][st] {
			t.Errorf("bizStep %s is not CBV 2.0", st)
		}
	}
	for _, d := range []string{"active", "in_transit", "sellable_not_accessible", "recalled", "stolen", "destroyed", "dispensed", "retail_sold", "inactive"} {
		if !voc["disposition"][d] {
			t.Errorf("disposition %s is not CBV 2.0", d)
		}
	}
	for _, r := range domain.DecommissionReasons() {
		if st, d := decommissionVocab(r); !voc["bizStep"][st] || !voc["disposition"][d] {
			t.Errorf("decommission reason %s maps to %s/%s", r, st, d)
		}
	}
	if !voc["source-dest-type"][ownerType] {
		t.Error("owning_party is not CBV 2.0")
	}
}

func TestPlanReadsTheExportBack(t *testing.T) {
	_, b := exportStory(t)
	steps, refused, err := Plan(b, Parties{mfr: party})
	if err != nil || len(refused) != 0 {
		t.Fatalf("plan: %v %v", err, refused)
	}
	type want struct {
		act   Act
		actor string
		seq   uint64
	}
	wants := []want{{ActSighting, cust, 0}, {ActRegister, mfr, 1}, {ActOffer, mfr, 2}, {ActAccept, dist, 3}, {ActHold, cust, 4}, {ActRelease, cust, 5}, {ActRecall, mfr, 6}, {ActDecommission, dist, 7}}
	if len(steps) != len(wants) {
		t.Fatalf("%d steps: %+v", len(steps), steps)
	}
	for i, w := range wants {
		s := steps[i]
		if s.Act != w.act || s.Actor != w.actor || s.Seq != w.seq || s.Item != key {
			t.Errorf("step %d: %+v, want %+v", i, s, w)
		}
	}
	if s := steps[1]; s.Lot != "L42" || s.Expiry != "271130" {
		t.Errorf("register lot/expiry %q %q", s.Lot, s.Expiry)
	}
	if s := steps[2]; s.To != dist {
		t.Errorf("offer to %q", s.To)
	}
	if steps[4].Reason != "documents missing" || steps[6].Reason != "seal defect" || steps[7].Reason != "dispensed" {
		t.Errorf("reasons %q %q %q", steps[4].Reason, steps[6].Reason, steps[7].Reason)
	}
	if s := steps[0]; s.GLN != gln || s.Result != "match" || s.Note != "photo 7" {
		t.Errorf("sighting %+v", s)
	}
}

// A document from another system: no prov: fields, EPC URIs, CBV URNs.
func TestPlanForeignDocument(t *testing.T) {
	doc := `{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-12-01T00:00:00Z",
	"epcisBody":{"eventList":[
	 {"type":"ObjectEvent","eventTime":"2026-12-01T10:00:00+01:00","eventTimeZoneOffset":"+01:00","epcList":["urn:epc:id:sgtin:9506000.013435.A1","urn:epc:id:sgtin:9506000.013435.A2"],"action":"ADD","bizStep":"urn:epcglobal:cbv:bizstep:commissioning","ilmd":{"cbvmda:lotNumber":"L7","cbvmda:itemExpirationDate":"2028-01-31"}},
	 {"type":"ObjectEvent","eventTime":"2026-12-01T11:00:00+01:00","eventTimeZoneOffset":"+01:00","epcList":["urn:epc:id:sgtin:9506000.013435.A1"],"action":"OBSERVE","bizStep":"shipping","disposition":"in_transit",
	  "sourceList":[{"type":"owning_party","source":"urn:epc:id:pgln:9506000.00000"}],"destinationList":[{"type":"owning_party","destination":"urn:provledger:msp:DistributorMSP"}]},
	 {"type":"ObjectEvent","eventTime":"2026-12-01T12:00:00+01:00","eventTimeZoneOffset":"+01:00","epcList":["urn:epc:id:sgtin:9506000.013435.A1"],"action":"OBSERVE","bizStep":"packing"},
	 {"type":"AggregationEvent","eventTime":"2026-12-01T12:00:00+01:00","eventTimeZoneOffset":"+01:00","action":"ADD"},
	 {"type":"ObjectEvent","eventTime":"2026-12-01T12:00:00+01:00","eventTimeZoneOffset":"+01:00","epcList":["urn:epc:id:sgtin:9506000.013435.A2"],"action":"OBSERVE","bizStep":"shipping",
	  "sourceList":[{"type":"owning_party","source":"urn:epc:id:pgln:9506000.00001"}],"destinationList":[{"type":"owning_party","destination":"urn:provledger:msp:DistributorMSP"}]},
	 {"type":"ObjectEvent","eventID":"ni:///sha-256;00?ver=CBV2.0","eventTime":"2026-12-01T12:00:00+01:00","eventTimeZoneOffset":"+01:00","epcList":["urn:epc:id:sgtin:9506000.013435.A2"],"action":"OBSERVE","bizStep":"receiving",
	  "sourceList":[{"type":"owning_party","source":"urn:epc:id:pgln:9506000.00000"}],"destinationList":[{"type":"owning_party","destination":"urn:provledger:msp:DistributorMSP"}]},
	 {"type":"ObjectEvent","eventTime":"2026-12-01T12:00:00+01:00","eventTimeZoneOffset":"+01:00","epcList":["https://id.gs1.org/01/09506000134353/21/X"],"action":"DELETE","bizStep":"destroying","disposition":"destroyed"}
	]}}`
	steps, refused, err := Plan([]byte(doc), Parties{mfr: party})
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 3 {
		t.Fatalf("steps %+v", steps)
	}
	a1 := "01/09506000134352/21/A1"
	if s := steps[0]; s.Item != a1 || s.Act != ActRegister || s.Seq != 1 || s.Lot != "L7" || s.Expiry != "280131" || s.Actor != "" {
		t.Errorf("register %+v", s)
	}
	if s := steps[1]; s.Item != a1 || s.Act != ActOffer || s.Seq != 2 || s.Actor != mfr || s.To != dist {
		t.Errorf("offer %+v", s)
	}
	if s := steps[2]; s.Item != "01/09506000134352/21/A2" || s.Act != ActRegister {
		t.Errorf("register A2 %+v", s)
	}
	wantRefused := map[int]string{
		3: `bizStep "packing"`,
		4: "only ObjectEvents",
		5: "9506000000015 is not in the party map",
		6: "eventID is not the event's hash",
		7: "check digit",
	}
	if len(refused) != len(wantRefused) {
		t.Fatalf("refused %v", refused)
	}
	for _, r := range refused {
		if !strings.Contains(r.Reason, wantRefused[r.Index]) || r.EventID == "" {
			t.Errorf("refusal %s, want %q", r, wantRefused[r.Index])
		}
	}
}

// fakeLedger is a tiny shared ledger: item sequence, manufacturer, refusals.
type fakeLedger struct {
	items   map[string]*domain.Item
	recalls []domain.RecallEntry // lot and GTIN recalls in force
	refuse  map[string]string    // item -> refusal message on any custody act
	sightgs map[string][]domain.Sighting
}

func (f *fakeLedger) as(msp string) *ledgertest.Fake {
	l := ledgertest.New(msp)
	l.On("GetItems", func(a []string) (any, error) {
		var keys []string
		_ = json.Unmarshal([]byte(a[0]), &keys)
		out := make([]*domain.Item, len(keys))
		for i, k := range keys {
			out[i] = f.items[k]
		}
		return out, nil
	})
	l.On("RegisterItems", func(a []string) (any, error) {
		var in []domain.ItemInput
		_ = json.Unmarshal([]byte(a[0]), &in)
		for _, x := range in {
			if f.items[x.ID] != nil {
				return nil, domain.Errorf(domain.CodeAlreadyExists, "%s exists", x.ID)
			}
		}
		for _, x := range in {
			f.items[x.ID] = &domain.Item{ID: x.ID, Lot: x.Lot, Expiry: x.Expiry, Manufacturer: msp, Owner: msp, Seq: 1}
		}
		return []string{}, nil
	})
	act := func(a []string) (any, error) {
		var keys []string
		if json.Unmarshal([]byte(a[0]), &keys) != nil {
			keys = []string{a[0]}
		}
		for _, k := range keys {
			if m := f.refuse[k]; m != "" {
				return nil, domain.Errorf(domain.CodeInvalidTransition, "%s", m)
			}
		}
		for _, k := range keys {
			f.items[k].Seq++
		}
		return []string{}, nil
	}
	for _, fn := range []string{"OfferTransfer", "AcceptTransfer", "HoldItems", "ReleaseItems", "RecallItem", "Decommission"} {
		l.On(fn, act)
	}
	l.On("GetSightings", func(a []string) (any, error) {
		return domain.SightingPage{Sightings: f.sightgs[a[0]]}, nil
	})
	l.On("ListRecalls", func(a []string) (any, error) {
		return domain.RecallPage{Recalls: append([]domain.RecallEntry{}, f.recalls...)}, nil
	})
	l.On("RecallLot", func(a []string) (any, error) {
		scope, target := domain.RecallScopeLot, "01/"+a[0]+"/10/"+a[1]
		if a[1] == "" {
			scope, target = domain.RecallScopeGTIN, "01/"+a[0]
		}
		for _, e := range f.recalls {
			if e.Target == target {
				return nil, domain.Errorf(domain.CodeAlreadyExists, "%s is already recalled", target)
			}
		}
		rc := domain.Recall{Scope: scope, By: msp, Reason: a[2]}
		f.recalls = append(f.recalls, domain.RecallEntry{Target: target, Recall: rc})
		return rc, nil
	})
	l.On("RecordSighting", func(a []string) (any, error) {
		f.sightgs[a[0]] = append(f.sightgs[a[0]], domain.Sighting{Item: a[0], ReporterMSP: msp, GLN: a[1], Result: a[2], Note: a[3]})
		return domain.Sighting{}, nil
	})
	return l
}

func TestApplyPerOrganizationRunsAndIdempotence(t *testing.T) {
	_, b := exportStory(t)
	steps, refused, err := Plan(b, Parties{mfr: party})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeLedger{items: map[string]*domain.Item{}, refuse: map[string]string{}, sightgs: map[string][]domain.Sighting{}}
	ctx := context.Background()
	run := func(msp string) *Import {
		t.Helper()
		res, err := Apply(ctx, f.as(msp), steps, refused)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	r := run(mfr)
	if len(r.Applied) != 2 || r.Applied[0].Act != ActRegister || r.Applied[1].Act != ActOffer || len(r.Transactions) != 2 {
		t.Fatalf("manufacturer run 1 applied %+v", r.Applied)
	}
	if len(r.Left) != 6 || r.Left[0].Signer != dist || r.Left[0].Act != ActAccept {
		t.Fatalf("left %+v", r.Left)
	}
	if r = run(mfr); len(r.Applied) != 0 || len(r.Already) != 2 {
		t.Fatalf("re-run applied %+v, already %d", r.Applied, len(r.Already))
	}
	run(dist)    // accept; then decommission waits for the recall
	run(cust)    // hold, release, sighting
	r = run(mfr) // recall
	if len(r.Applied) != 1 || r.Applied[0].Act != ActRecall {
		t.Fatalf("manufacturer run 2 applied %+v", r.Applied)
	}
	r = run(dist)
	if len(r.Applied) != 1 || r.Applied[0].Act != ActDecommission || len(r.Left) != 0 {
		t.Fatalf("distributor run 2 applied %+v left %+v", r.Applied, r.Left)
	}
	if it := f.items[key]; it.Seq != 7 || it.Lot != "L42" || it.Expiry != "271130" {
		t.Fatalf("item %+v", it)
	}
	if r = run(cust); len(r.Applied) != 0 || len(f.sightgs[key]) != 1 {
		t.Fatalf("customs re-run applied %+v, %d sightings", r.Applied, len(f.sightgs[key]))
	}
}

func TestApplyRefusalNamesTheEvent(t *testing.T) {
	_, b := exportStory(t)
	steps, _, _ := Plan(b, Parties{mfr: party})
	other := "01/09506000134352/21/S2"
	for _, s := range steps {
		if s.Act == ActRegister || s.Act == ActOffer {
			s.Item = other
			s.Index += 100
			steps = append(steps, s)
		}
	}
	f := &fakeLedger{items: map[string]*domain.Item{}, refuse: map[string]string{key: "item is on hold"}, sightgs: map[string][]domain.Sighting{}}
	r, err := Apply(context.Background(), f.as(mfr), steps, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Refused) != 1 || r.Refused[0].Index != 2 || !strings.Contains(r.Refused[0].Reason, "INVALID_TRANSITION: item is on hold") || !strings.HasPrefix(r.Refused[0].EventID, "ni:///sha-256;") {
		t.Fatalf("refused %+v", r.Refused)
	}
	if f.items[other].Seq != 2 {
		t.Fatalf("the other item's offer (batched with the refused one) was not retried alone: seq %d", f.items[other].Seq)
	}
	// A ledger that registered the item under another manufacturer.
	f = &fakeLedger{items: map[string]*domain.Item{key: {ID: key, Manufacturer: "RivalMSP", Seq: 1}}, sightgs: map[string][]domain.Sighting{}}
	r, _ = Apply(context.Background(), f.as(mfr), steps[:3], nil)
	if len(r.Refused) != 1 || !strings.Contains(r.Refused[0].Reason, "registered by RivalMSP") {
		t.Fatalf("refused %+v", r.Refused)
	}
}

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

// Collect reads a unit's history but asks no sightings of it (the chaincode
// refuses an SSCC there: sightings are of items).
func TestCollectUnit(t *testing.T) {
	recs := unitStory()
	f := ledgertest.New(mfr).Items(*recs[0].Item, *recs[1].Item)
	f.On("GetHistory", func(args []string) (any, error) {
		for _, r := range recs {
			if r.Key == args[0] {
				return domain.HistoryPage{Events: r.Events}, nil
			}
		}
		return nil, domain.Errorf(domain.CodeNotFound, "%s", args[0])
	})
	f.On("GetSightings", func(args []string) (any, error) {
		if _, err := domain.ParseIdentifier(args[0]); err != nil {
			return nil, domain.Errorf(domain.CodeInvalidID, "%v", err)
		}
		return domain.SightingPage{}, nil
	})
	got, err := Collect(context.Background(), f, []string{unitKey, key})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got[0].Events) != 5 || len(got[1].Events) != 3 {
		t.Fatalf("collected %+v", got)
	}
	if calls := f.CallsTo("GetSightings"); len(calls) != 1 || calls[0].Args[0] != key {
		t.Errorf("GetSightings calls %+v, want one, of the item", calls)
	}
}

const lotTarget = "01/09506000134352/10/L42"

// recallsInForce: a lot recall and a GTIN recall that cover the story's
// item, another lot's recall and an item recall (neither exported as a
// class event).
func recallsInForce() []domain.RecallEntry {
	rc := func(scope, reason string, sec int) domain.Recall {
		return domain.Recall{Scope: scope, By: mfr, Reason: reason, TxID: "rc-" + reason, At: at(sec)}
	}
	return []domain.RecallEntry{
		{Target: "01/09506000134352", Recall: rc(domain.RecallScopeGTIN, "label misprint", 90)},
		{Target: lotTarget, Recall: rc(domain.RecallScopeLot, "seal defect", 80)},
		{Target: "01/09506000134352/10/L43", Recall: rc(domain.RecallScopeLot, "other lot", 70)},
		{Target: key, Recall: rc(domain.RecallScopeItem, "item", 60)},
	}
}

func exportWithRecalls(t *testing.T) (*Document, []byte) {
	t.Helper()
	doc, err := ExportWithRecalls([]ItemRecord{story()}, recallsInForce(), Parties{mfr: party}, time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return doc, b
}

// Lot and GTIN recalls in force that cover an exported item follow the
// items' events as class-level events, by time; the schema accepts them.
func TestExportClassRecalls(t *testing.T) {
	doc, b := exportWithRecalls(t)
	evs := doc.EPCISBody.EventList
	if len(evs) != 10 {
		t.Fatalf("%d events, want the story's 8 and 2 class recalls:\n%s", len(evs), b)
	}
	for i, w := range []struct{ class, reason, time string }{
		{"https://id.gs1.org/01/09506000134352/10/L42", "seal defect", "2026-12-02T07:01:20.123Z"},
		{"https://id.gs1.org/01/09506000134352", "label misprint", "2026-12-02T07:01:30.123Z"},
	} {
		e := evs[8+i]
		if e.Type != "ObjectEvent" || len(e.EPCList) != 0 || len(e.QuantityList) != 1 || e.QuantityList[0].EPCClass != w.class || e.QuantityList[0].Quantity != nil ||
			e.Action != "OBSERVE" || e.BizStep != "holding" || e.Disposition != "recalled" || e.CustodyEvent != "RECALLED" ||
			e.Submitter != mfr || e.Details != w.reason || e.TxID != "rc-"+w.reason || e.EventTime != w.time || e.EventTimeZoneOffset != "+00:00" {
			t.Errorf("class event %d: %+v", i+1, e)
		}
		if h, err := HashOf(&e); err != nil || h != e.EventID {
			t.Errorf("class event %d eventID %s, hash %s (%v)", i+1, e.EventID, h, err)
		}
	}
	if evs[8].EventID == evs[9].EventID {
		t.Error("the two class events share an eventID")
	}
	// A lot with characters a URI path escapes.
	if got := ClassDL("09506000134352", "A/B%1"); got != "https://id.gs1.org/01/09506000134352/10/A%2FB%251" {
		t.Errorf("ClassDL %s", got)
	}
	if g, l, err := ParseEPCClass(ClassDL("09506000134352", "A/B%1")); err != nil || g != "09506000134352" || l != "A/B%1" {
		t.Errorf("ParseEPCClass of ClassDL: %s %q %v", g, l, err)
	}
	// No item of the GTIN exported: no class event.
	other := story()
	other.Item.GTIN, other.Item.Lot = "09506000134369", "L42"
	d2, err := ExportWithRecalls([]ItemRecord{other}, recallsInForce(), nil, time.Now())
	if err != nil || len(d2.EPCISBody.EventList) != 8 {
		t.Fatalf("export of another GTIN's item: %d events (%v)", len(d2.EPCISBody.EventList), err)
	}
	if os.Getenv("PROV_OFFLINE") == "1" {
		t.Skip("PROV_OFFLINE=1: GS1's schema cannot be fetched")
	}
	sch, err := epcistest.Validator()
	if err != nil {
		t.Fatalf("GS1's EPCIS 2.0 schema: %v (PROV_OFFLINE=1 skips this test)", err)
	}
	if err := epcistest.Validate(sch, b); err != nil {
		t.Fatalf("export with class recalls does not validate: %v\n%s", err, b)
	}
	// The schema does check the class event: a quantityList element needs
	// its epcClass.
	bad := strings.Replace(string(b), `"epcClass": "https://id.gs1.org/01/09506000134352"`, `"class": "https://id.gs1.org/01/09506000134352"`, 1)
	if bad == string(b) {
		t.Fatal("no GTIN class in the document")
	}
	if err := epcistest.Validate(sch, []byte(bad)); err == nil {
		t.Fatal("a quantityList element without epcClass validated")
	}
}

// The export's class recalls plan back as ActRecallLot steps, signed by
// the issuer; a foreign document's class events are read from LGTIN URNs,
// SGTIN patterns and Digital Links, and anything else class-level is
// refused by event number, naming what is wrong.
func TestPlanClassRecalls(t *testing.T) {
	_, b := exportWithRecalls(t)
	steps, refused, err := Plan(b, Parties{mfr: party})
	if err != nil || len(refused) != 0 {
		t.Fatalf("plan: %v %v", err, refused)
	}
	var cls []Step
	for _, s := range steps {
		if s.Act == ActRecallLot {
			cls = append(cls, s)
		}
	}
	if len(cls) != 2 || len(steps) != 10 {
		t.Fatalf("%d steps, class steps %+v", len(steps), cls)
	}
	// sorted by Item: "01/{gtin}" before "01/{gtin}/10/L42"
	if s := cls[0]; s.Item != "01/09506000134352" || s.GTIN != "09506000134352" || s.Lot != "" || s.Reason != "label misprint" || s.Actor != mfr || s.Index != 10 || s.Seq != 0 {
		t.Errorf("GTIN recall step %+v", s)
	}
	if s := cls[1]; s.Item != lotTarget || s.Lot != "L42" || s.Reason != "seal defect" || s.Actor != mfr || s.Index != 9 {
		t.Errorf("lot recall step %+v", s)
	}

	ev := func(fields string) string {
		return `{"type":"ObjectEvent","eventTime":"2026-12-01T10:00:00Z","eventTimeZoneOffset":"+00:00",` + fields + `}`
	}
	doc := `{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-12-01T00:00:00Z",
	"epcisBody":{"eventList":[` + strings.Join([]string{
		ev(`"quantityList":[{"epcClass":"urn:epc:class:lgtin:9506000.013435.L%2F7","quantity":200,"uom":"EA"}],"action":"OBSERVE","bizStep":"urn:epcglobal:cbv:bizstep:holding","disposition":"urn:epcglobal:cbv:disp:recalled"`),
		ev(`"quantityList":[{"epcClass":"urn:epc:idpat:sgtin:9506000.013435.*"},{"epcClass":"https://example.com/01/09506000134352/10/L8?x=1"}],"action":"OBSERVE","bizStep":"holding","disposition":"recalled","prov:details":"contamination"`),
		ev(`"quantityList":[{"epcClass":"urn:epc:class:lgtin:9506000.013435.L7"}],"action":"OBSERVE","bizStep":"shipping","disposition":"in_transit"`),
		ev(`"quantityList":[{"epcClass":"https://id.gs1.org/01/09506000134352/21/S1"}],"action":"OBSERVE","bizStep":"holding","disposition":"recalled"`),
		ev(`"epcList":["https://id.gs1.org/01/09506000134352/21/S1"],"quantityList":[{"epcClass":"https://id.gs1.org/01/09506000134352/10/L7"}],"action":"OBSERVE","bizStep":"holding","disposition":"recalled"`),
		ev(`"quantityList":[{"epcClass":"https://id.gs1.org/01/09506000134352/10/L7"}],"action":"OBSERVE","bizStep":"holding","disposition":"active","prov:custodyEvent":"RECALL_WITHDRAWN"`),
		ev(`"quantityList":[{"epcClass":"urn:epc:class:lgtin:950600.013435.L7"}],"action":"OBSERVE","bizStep":"holding","disposition":"recalled"`),
		ev(`"quantityList":[{"epcClass":"urn:epc:idpat:sgtin:9506000.013435.S1"}],"action":"OBSERVE","bizStep":"holding","disposition":"recalled"`),
		ev(`"action":"OBSERVE","bizStep":"holding","disposition":"recalled"`),
	}, ",") + `]}}`
	steps, refused, err = Plan([]byte(doc), nil)
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		index             int
		item, lot, reason string
	}
	wants := []want{
		{2, "01/09506000134352", "", "contamination"},
		{1, "01/09506000134352/10/L/7", "L/7", "EPCIS holding recalled"},
		{2, "01/09506000134352/10/L8", "L8", "contamination"},
	}
	if len(steps) != len(wants) {
		t.Fatalf("steps %+v", steps)
	}
	for i, w := range wants {
		s := steps[i]
		if s.Act != ActRecallLot || s.Index != w.index || s.Item != w.item || s.GTIN != "09506000134352" || s.Lot != w.lot || s.Reason != w.reason || s.Actor != "" || s.EventID == "" {
			t.Errorf("step %d %+v, want %+v", i, s, w)
		}
	}
	wantRefused := map[int]string{
		3: "act offer: only a recall of a lot or GTIN",
		4: "names one item (AI 21 serial), not a class: put it in epcList",
		5: "epcList and quantityList together",
		6: "withdrawing a lot or GTIN recall is not imported",
		7: "quantityList element 1: epcClass urn:epc:class:lgtin:950600.013435.L7: company prefix and indicator/item reference must be 13 digits together",
		8: "only the pattern of every serial of a GTIN",
		9: "neither epcList nor quantityList",
	}
	if len(refused) != len(wantRefused) {
		t.Fatalf("refused %v", refused)
	}
	for _, r := range refused {
		if !strings.Contains(r.Reason, wantRefused[r.Index]) {
			t.Errorf("refusal %s, want %q", r, wantRefused[r.Index])
		}
	}
}

// A lot recall waits until every item of the lot that the document names
// has no step left (whichever organization signs it), is applied once by
// its issuer, and counts as Already on a re-run.
func TestApplyClassRecall(t *testing.T) {
	_, b := exportWithRecalls(t)
	steps, refused, err := Plan(b, Parties{mfr: party})
	if err != nil || len(refused) != 0 {
		t.Fatal(err, refused)
	}
	f := &fakeLedger{items: map[string]*domain.Item{}, refuse: map[string]string{}, sightgs: map[string][]domain.Sighting{}}
	ctx := context.Background()
	run := func(msp string) *Import {
		t.Helper()
		res, err := Apply(ctx, f.as(msp), steps, refused)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Refused) != 0 {
			t.Fatalf("%s: refused %+v", msp, res.Refused)
		}
		return res
	}
	classLeft := func(r *Import) (n int, waiting []int) {
		for _, p := range r.Left {
			if p.Act == ActRecallLot {
				n++
				waiting = append(waiting, p.Waiting)
			}
		}
		return n, waiting
	}
	r := run(mfr)
	if n, w := classLeft(r); n != 2 || w[0] == 0 || w[1] == 0 || len(f.recalls) != 0 {
		t.Fatalf("manufacturer run 1: class recalls left %d waiting for %v, %d applied; want both waiting for the item's accept", n, w, len(f.recalls))
	}
	for _, msp := range []string{dist, cust, mfr, dist} {
		run(msp)
	}
	if f.items[key].Seq != 7 || len(f.recalls) != 0 {
		t.Fatalf("item at %d, %d class recalls applied before the last manufacturer run", f.items[key].Seq, len(f.recalls))
	}
	r = run(mfr)
	if len(r.Applied) != 2 || r.Applied[0].Act != ActRecallLot || r.Applied[1].Act != ActRecallLot || len(r.Left) != 0 || len(r.Transactions) != 2 {
		t.Fatalf("manufacturer's last run applied %+v left %+v", r.Applied, r.Left)
	}
	got := map[string]string{}
	for _, e := range f.recalls {
		got[e.Target] = e.Recall.Scope + " by " + e.Recall.By + ": " + e.Recall.Reason
	}
	if want := map[string]string{lotTarget: "lot by " + mfr + ": seal defect", "01/09506000134352": "gtin by " + mfr + ": label misprint"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("recalls on the ledger %v, want %v", got, want)
	}
	for _, msp := range []string{mfr, dist, cust} {
		if r = run(msp); len(r.Applied) != 0 || len(r.Left) != 0 {
			t.Fatalf("re-run as %s applied %+v left %+v", msp, r.Applied, r.Left)
		}
	}
	if n := len(r.Already); n != 10 {
		t.Fatalf("customs re-run: %d already, want all 10 steps", n)
	}
	// In force by another organization: refused, naming it.
	f.recalls[0].Recall.By = "RivalMSP"
	res, err := Apply(ctx, f.as(mfr), steps, refused)
	if err != nil || len(res.Refused) != 1 || !strings.Contains(res.Refused[0].Reason, "recalled by RivalMSP on this ledger") {
		t.Fatalf("refused %+v (%v)", res.Refused, err)
	}
}

// The event hash reads an EPC class as its Digital Link: the same recall
// with an LGTIN class URN or with the lot's Digital Link hashes alike, and
// another lot does not.
func TestEventHashOfClasses(t *testing.T) {
	doc := func(class string) []byte {
		return []byte(`{"type":"ObjectEvent","eventTime":"2026-12-01T10:00:00Z","eventTimeZoneOffset":"+00:00","quantityList":[{"epcClass":"` + class + `"}],"action":"OBSERVE","bizStep":"holding","disposition":"recalled"}`)
	}
	h := func(class string) string {
		t.Helper()
		s, err := EventHash(doc(class), nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if a, b := h("urn:epc:class:lgtin:9506000.013435.L%2F7"), h("https://id.gs1.org/01/09506000134352/10/L%2F7"); a != b {
		t.Errorf("LGTIN URN %s, Digital Link %s", a, b)
	}
	if a, b := h("urn:epc:idpat:sgtin:9506000.013435.*"), h("https://id.gs1.org/01/09506000134352"); a != b {
		t.Errorf("SGTIN pattern %s, Digital Link %s", a, b)
	}
	if a, b := h("urn:epc:class:lgtin:9506000.013435.L7"), h("https://id.gs1.org/01/09506000134352/10/L8"); a == b {
		t.Error("two lots hash alike")
	}
}

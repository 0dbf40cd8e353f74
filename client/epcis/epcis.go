// Package epcis maps the ledger's custody records to GS1 EPCIS 2.0 JSON-LD
// documents and back: Export builds a document from items, their custody
// events and sightings; Plan reads a document into the custody acts that
// `prov import epcis` submits. EventHash is CBV 2.0's canonical event hash
// (the eventID of every exported event).
package epcis

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
)

// Namespace is our JSON-LD namespace for the extension fields (prefix
// "prov"); PartyURN prefixes the party ID of an MSP that the party map does
// not name.
const (
	Namespace   = "urn:provledger:epcis:"
	PartyURN    = "urn:provledger:msp:"
	ContextURL  = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
	DLBase      = "https://id.gs1.org"
	cbvMDA      = "urn:epcglobal:cbv:mda:"
	timeLayout  = "2006-01-02T15:04:05.000Z07:00"
	schemaVer   = "2.0"
	ownerType   = "owning_party"
	objectEvent = "ObjectEvent"
	aggregation = "AggregationEvent"
)

// Action values.
const (
	ActionAdd     = "ADD"
	ActionObserve = "OBSERVE"
	ActionDelete  = "DELETE"
)

// Document is an EPCISDocument. Field order is the output order.
type Document struct {
	Context       []any  `json:"@context"`
	Type          string `json:"type"`
	SchemaVersion string `json:"schemaVersion"`
	CreationDate  string `json:"creationDate"`
	EPCISBody     Body   `json:"epcisBody"`
}

// Body holds the event list.
type Body struct {
	EventList []Event `json:"eventList"`
}

// Event is an ObjectEvent as we write and read it: the standard fields, then
// our extension fields (prov:...).
type Event struct {
	Type                string        `json:"type"`
	EventID             string        `json:"eventID,omitempty"`
	EventTime           string        `json:"eventTime"`
	EventTimeZoneOffset string        `json:"eventTimeZoneOffset"`
	EPCList             []string      `json:"epcList,omitempty"`
	ParentID            string        `json:"parentID,omitempty"`     // AggregationEvent: the unit (SSCC Digital Link)
	ChildEPCs           []string      `json:"childEPCs,omitempty"`    // AggregationEvent: what is packed or unpacked
	QuantityList        []Quantity    `json:"quantityList,omitempty"` // class-level events: a lot or GTIN recall
	Action              string        `json:"action"`
	BizStep             string        `json:"bizStep,omitempty"`
	Disposition         string        `json:"disposition,omitempty"`
	ReadPoint           *Location     `json:"readPoint,omitempty"`
	BizLocation         *Location     `json:"bizLocation,omitempty"`
	SourceList          []Source      `json:"sourceList,omitempty"`
	DestinationList     []Destination `json:"destinationList,omitempty"`
	ILMD                *ILMD         `json:"ilmd,omitempty"`

	// Extensions in our namespace: the ledger's own record of the event.
	TxID         string `json:"prov:txId,omitempty"`
	Seq          uint64 `json:"prov:seq,omitempty"`
	CustodyEvent string `json:"prov:custodyEvent,omitempty"` // domain.EventType, or SIGHTING
	Submitter    string `json:"prov:submitterMsp,omitempty"`
	Details      string `json:"prov:details,omitempty"`
	Result       string `json:"prov:inspectionResult,omitempty"`
	Note         string `json:"prov:note,omitempty"`
}

// Quantity is one quantityList element: a class of items (a lot, or a
// whole GTIN) and, optionally, how much of it.
type Quantity struct {
	EPCClass string   `json:"epcClass"`
	Quantity *float64 `json:"quantity,omitempty"`
	UOM      string   `json:"uom,omitempty"`
}

// Location is a readPoint or bizLocation.
type Location struct {
	ID string `json:"id"`
}

// Source and Destination put type first: both published event-hash
// implementations hash these elements' keys in that order.
type Source struct {
	Type   string `json:"type"`
	Source string `json:"source"`
}

// Destination is one destinationList element.
type Destination struct {
	Type        string `json:"type"`
	Destination string `json:"destination"`
}

// ILMD carries the lot and expiry (CBV master data attributes).
type ILMD struct {
	Lot    string `json:"cbvmda:lotNumber,omitempty"`
	Expiry string `json:"cbvmda:itemExpirationDate,omitempty"` // xsd:date
}

// SightingEvent marks an exported sighting (inspection) in prov:custodyEvent.
const SightingEvent = "SIGHTING"

// Context is the document's @context: GS1's, then our namespace.
func Context() []any {
	return []any{ContextURL, map[string]string{"prov": Namespace}}
}

// Parties maps MSP IDs to party IDs (GS1 party GLNs) and back. MSPs it does
// not name get PartyURN+MSP.
type Parties map[string]string

// ParseParties reads a party map: a JSON object {"ManufacturerMSP":
// "9506000000008", ...} of MSP ID to party GLN.
func ParseParties(b []byte) (Parties, error) {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, domain.Errorf(domain.CodeInvalidArgument, "party map must be a JSON object of MSP ID to GLN: %v", err)
	}
	p := Parties{}
	seen := map[string]string{}
	for msp, gln := range m {
		g, err := domain.ParseGLN(gln)
		if err != nil {
			return nil, domain.Errorf(domain.CodeInvalidArgument, "party map: GLN of %s: %v", msp, err)
		}
		if other, dup := seen[g]; dup {
			return nil, domain.Errorf(domain.CodeInvalidArgument, "party map: GLN %s names both %s and %s", g, other, msp)
		}
		seen[g] = msp
		p[msp] = g
	}
	return p, nil
}

// LoadParties reads the party map file; "" gives the empty map.
func LoadParties(path string) (Parties, error) {
	if path == "" {
		return Parties{}, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseParties(b)
}

// PartyID is the owning_party ID of an MSP.
func (p Parties) PartyID(msp string) string {
	if g, ok := p[msp]; ok {
		return DLBase + "/417/" + g
	}
	return PartyURN + msp
}

// MSP reads a party ID back to an MSP ID.
func (p Parties) MSP(party string) (string, error) {
	if strings.HasPrefix(party, PartyURN) && len(party) > len(PartyURN) {
		return party[len(PartyURN):], nil
	}
	if dl, ok := CanonicalDL(party); ok && strings.HasPrefix(dl, DLBase+"/417/") {
		g := strings.TrimPrefix(dl, DLBase+"/417/")
		keys := make([]string, 0, len(p))
		for msp := range p {
			keys = append(keys, msp)
		}
		sort.Strings(keys)
		for _, msp := range keys {
			if p[msp] == g {
				return msp, nil
			}
		}
		return "", fmt.Errorf("party %s: GLN %s is not in the party map", party, g)
	}
	return "", fmt.Errorf("party %s is neither %s<MSP> nor a party GLN (https://id.gs1.org/417/...)", party, PartyURN)
}

// ItemRecord is what Export needs of one item: its state, its custody
// events in sequence order, and its sightings.
type ItemRecord struct {
	Item      *domain.Item // nil for an unregistered ID (sightings only)
	Key       string       // canonical key
	Events    []domain.CustodyEvent
	Sightings []domain.Sighting
}

// Export builds the document of the records, in their order; each item's
// custody events and sightings are merged by time (custody events keep
// their sequence order).
func Export(recs []ItemRecord, parties Parties, created time.Time) (*Document, error) {
	return ExportWithRecalls(recs, nil, parties, created)
}

// ExportWithRecalls is Export that also writes the lot and GTIN recalls in
// force (ListRecalls' entries) that cover an exported item: one class-level
// ObjectEvent each (see classRecallEvents), after the items' events, by
// time then scope.
func ExportWithRecalls(recs []ItemRecord, recalls []domain.RecallEntry, parties Parties, created time.Time) (*Document, error) {
	doc := &Document{Context: Context(), Type: "EPCISDocument", SchemaVersion: schemaVer,
		CreationDate: created.UTC().Format(timeLayout), EPCISBody: Body{EventList: []Event{}}}
	for _, r := range recs {
		evs, err := itemEvents(r, parties)
		if err != nil {
			return nil, err
		}
		doc.EPCISBody.EventList = append(doc.EPCISBody.EventList, evs...)
	}
	doc.EPCISBody.EventList = mergeAggregations(doc.EPCISBody.EventList)
	doc.EPCISBody.EventList = append(doc.EPCISBody.EventList, classRecallEvents(recs, recalls)...)
	for i := range doc.EPCISBody.EventList {
		ev := &doc.EPCISBody.EventList[i]
		h, err := HashOf(ev)
		if err != nil {
			return nil, err
		}
		ev.EventID = h
	}
	return doc, nil
}

func itemEvents(r ItemRecord, parties Parties) ([]Event, error) {
	id, err := domain.ParseCustodyID(r.Key)
	if err != nil {
		return nil, err
	}
	epc := epcOf(id.ItemID)
	var out []Event
	sg := r.Sightings
	for _, ce := range r.Events {
		for len(sg) > 0 && sg[0].At < ce.Timestamp {
			out = append(out, sightingEvent(epc, sg[0]))
			sg = sg[1:]
		}
		ev, err := custodyEvent(epc, r.Item, ce, parties)
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	for _, s := range sg {
		out = append(out, sightingEvent(epc, s))
	}
	return out, nil
}

// eventTime writes a ledger timestamp (RFC 3339, nanoseconds) at the
// millisecond precision the event hash keeps, in UTC.
func eventTime(ts string) string {
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return ts
	}
	return t.UTC().Format(timeLayout)
}

func base(epc, ts string) Event {
	return Event{Type: objectEvent, EventTime: eventTime(ts), EventTimeZoneOffset: "+00:00", EPCList: []string{epc}}
}

func sightingEvent(epc string, s domain.Sighting) Event {
	ev := base(epc, s.At)
	ev.Action, ev.BizStep = ActionObserve, "inspecting"
	ev.ReadPoint = &Location{ID: DLBase + "/414/" + s.GLN}
	ev.TxID, ev.CustodyEvent, ev.Submitter, ev.Result, ev.Note = s.TxID, SightingEvent, s.ReporterMSP, s.Result, s.Note
	return ev
}

// Mapping of our custody events to CBV 2.0 (see README "EPCIS").
func custodyEvent(epc string, it *domain.Item, ce domain.CustodyEvent, parties Parties) (Event, error) {
	ev := base(epc, ce.Timestamp)
	ev.TxID, ev.Seq, ev.CustodyEvent, ev.Submitter, ev.Details = ce.TxID, ce.Seq, string(ce.Type), ce.SubmitterMSP, ce.Details
	ev.Action = ActionObserve
	ownerParties := func() {
		ev.SourceList = []Source{{Type: ownerType, Source: parties.PartyID(ce.From)}}
		ev.DestinationList = []Destination{{Type: ownerType, Destination: parties.PartyID(ce.To)}}
	}
	switch ce.Type {
	case domain.EventRegistered:
		ev.Action, ev.BizStep, ev.Disposition = ActionAdd, "commissioning", "active"
		if it != nil && (it.Lot != "" || it.Expiry != "") {
			ev.ILMD = &ILMD{Lot: it.Lot, Expiry: expiryDate(it.Expiry)}
		}
	case domain.EventOffered:
		ev.BizStep, ev.Disposition = "shipping", "in_transit"
		ownerParties()
	case domain.EventAccepted, domain.EventHandedOver:
		ev.BizStep, ev.Disposition = "receiving", "active"
		ownerParties()
	case domain.EventRejected, domain.EventCancelled:
		ev.BizStep, ev.Disposition = "void_shipping", "active"
		ownerParties()
	case domain.EventHeld:
		ev.BizStep, ev.Disposition = "holding", "sellable_not_accessible"
	case domain.EventReleased, domain.EventRecallWithdrawn:
		ev.BizStep, ev.Disposition = "holding", "active"
	case domain.EventRecalled:
		ev.BizStep, ev.Disposition = "holding", "recalled"
	case domain.EventStolen:
		ev.BizStep, ev.Disposition = "other", "stolen"
	case domain.EventInspected:
		ev.BizStep = "inspecting"
	case domain.EventDecommissioned:
		ev.Action = ActionDelete
		ev.BizStep, ev.Disposition = decommissionVocab(ce.Details)
	case domain.EventPacked, domain.EventUnpacked:
		return aggregationOf(epc, ce)
	default:
		return Event{}, fmt.Errorf("custody event %s of %s (seq %d) has no EPCIS mapping", ce.Type, ce.Item, ce.Seq)
	}
	return ev, nil
}

// decommissionVocab maps a decommission reason to bizStep and disposition.
func decommissionVocab(reason string) (string, string) {
	switch reason {
	case domain.ReasonDispensed:
		return "dispensing", "dispensed"
	case "destroyed":
		return "destroying", "destroyed"
	case "retail_sold":
		return "retail_selling", "retail_sold"
	}
	return "decommissioning", "inactive" // exported, or any later reason
}

// expiryDate spells GS1 AI 17 (YYMMDD, 20YY as domain reads it; day 00 =
// end of month) as xsd:date.
func expiryDate(yymmdd string) string {
	if len(yymmdd) != 6 {
		return ""
	}
	y, _ := strconv.Atoi(yymmdd[0:2])
	m, _ := strconv.Atoi(yymmdd[2:4])
	d, _ := strconv.Atoi(yymmdd[4:6])
	if d == 0 {
		d = time.Date(2000+y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	}
	return fmt.Sprintf("%04d-%02d-%02d", 2000+y, m, d)
}

// expiryAI17 reads an xsd:date back to YYMMDD.
func expiryAI17(date string) (string, error) {
	t, err := time.Parse("2006-01-02", date)
	if err != nil || t.Year() < 2000 || t.Year() > 2099 {
		return "", fmt.Errorf("itemExpirationDate %q is not a date YYYY-MM-DD in 2000-2099", date)
	}
	return t.Format("060102"), nil
}

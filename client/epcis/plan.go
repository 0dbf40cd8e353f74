package epcis

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/provledger/provenance/chaincode/domain"
)

// Act names what an imported event does on the ledger.
type Act string

// Imported acts (custody acts are domain's; a sighting is RecordSighting).
const (
	ActRegister       = Act(domain.ActRegister)
	ActOffer          = Act(domain.ActOffer)
	ActAccept         = Act(domain.ActAccept)
	ActReject         = Act(domain.ActReject)
	ActCancel         = Act(domain.ActCancel)
	ActHold           = Act(domain.ActHold)
	ActRelease        = Act(domain.ActRelease)
	ActRecall         = Act(domain.ActRecallItem)
	ActWithdrawRecall = Act(domain.ActWithdrawRecall)
	ActStolen         = Act(domain.ActReportStolen)
	ActDecommission   = Act(domain.ActDecommission)
	ActSighting       = Act("sighting")
	// ActRecallLot is a class-level recall: RecallLot of a lot, or of a
	// whole GTIN when the step has no Lot (Item names the scope,
	// "01/{gtin}/10/{lot}" or "01/{gtin}").
	ActRecallLot = Act("recall-lot")
)

// Step is one item's part of one imported event.
type Step struct {
	Index   int    // 1-based position in eventList
	EventID string // the event's eventID, else its computed hash
	Item    string // canonical key; for ActRecallLot the scope 01/{gtin}[/10/{lot}]
	GTIN    string // ActRecallLot only
	Seq     uint64 // place in the item's custody record (0: a sighting)
	Act     Act
	Actor   string // MSP that must sign; "" = the importer
	To      string // offer recipient MSP
	Lot     string
	Expiry  string // YYMMDD
	Reason  string // hold, recall, decommission reason
	GLN     string
	Result  string
	Note    string
}

// Refusal is an event that cannot be imported, and why.
type Refusal struct {
	Index   int    `json:"index"`
	EventID string `json:"eventID"`
	Reason  string `json:"reason"`
}

func (r Refusal) String() string {
	return fmt.Sprintf("event %d (%s): %s", r.Index, r.EventID, r.Reason)
}

type rawDoc struct {
	Context   json.RawMessage `json:"@context"`
	Type      string          `json:"type"`
	EPCISBody struct {
		EventList []json.RawMessage `json:"eventList"`
	} `json:"epcisBody"`
}

// Plan reads an EPCIS 2.0 document into import steps, each item's custody
// steps in sequence order. An event is refused whole (nothing of it is
// imported) when it cannot be mapped.
func Plan(doc []byte, parties Parties) ([]Step, []Refusal, error) {
	var d rawDoc
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, nil, domain.Errorf(domain.CodeInvalidArgument, "not an EPCIS JSON document: %v", err)
	}
	if d.Type != "EPCISDocument" {
		return nil, nil, domain.Errorf(domain.CodeInvalidArgument, "document type is %q, want EPCISDocument", d.Type)
	}
	prefixes := ContextPrefixes(d.Context)
	var steps []Step
	var refused []Refusal
	ordinal := map[string]uint64{} // custody steps seen per item (documents without prov:seq)
	for i, raw := range d.EPCISBody.EventList {
		idx := i + 1
		hash, herr := EventHash(raw, prefixes)
		var ev Event
		err := json.Unmarshal(raw, &ev)
		id := ev.EventID
		if id == "" {
			id = hash
		}
		refuse := func(format string, args ...any) {
			refused = append(refused, Refusal{Index: idx, EventID: id, Reason: fmt.Sprintf(format, args...)})
		}
		switch {
		case err != nil:
			refuse("unreadable event: %v", err)
			continue
		case herr != nil:
			refuse("%v", herr)
			continue
		case strings.HasPrefix(ev.EventID, "ni:///sha-256;") && ev.EventID != hash:
			refuse("eventID is not the event's hash (%s): the event was altered or hashed differently", hash)
			continue
		case ev.Type == aggregation:
			refuse("%s %s of %q: only ObjectEvents are imported; packing is not imported, pack and unpack on the ledger (prov unit pack|unpack)", ev.Type, ev.Action, ev.ParentID)
			continue
		case ev.Type != objectEvent:
			refuse("%s: only ObjectEvents are imported", ev.Type)
			continue
		case len(ev.QuantityList) > 0:
			cs, why := classSteps(&ev, parties)
			if why != "" {
				refuse("%s", why)
				continue
			}
			for _, s := range cs {
				s.Index, s.EventID = idx, id
				steps = append(steps, s)
			}
			continue
		case len(ev.EPCList) == 0:
			refuse("neither epcList nor quantityList: no item or class to apply the event to")
			continue
		}
		proto, why := stepOf(&ev, parties)
		if why != "" {
			refuse("%s", why)
			continue
		}
		var items []string
		bad := ""
		for _, e := range ev.EPCList {
			ident, err := domain.ParseIdentifier(e)
			if err != nil {
				bad = fmt.Sprintf("EPC %s: %v", e, err)
				break
			}
			items = append(items, ident.Key())
		}
		if bad != "" {
			refuse("%s", bad)
			continue
		}
		if ev.Seq != 0 && len(items) != 1 {
			refuse("prov:seq given for %d EPCs", len(items))
			continue
		}
		for _, it := range items {
			s := proto
			s.Index, s.EventID, s.Item = idx, id, it
			if s.Act != ActSighting {
				ordinal[it]++
				s.Seq = ordinal[it]
				if ev.Seq != 0 {
					s.Seq = ev.Seq
				}
			}
			steps = append(steps, s)
		}
	}
	sort.SliceStable(steps, func(a, b int) bool {
		if steps[a].Item != steps[b].Item {
			return steps[a].Item < steps[b].Item
		}
		return steps[a].Seq < steps[b].Seq
	})
	return steps, refused, nil
}

// stepOf maps an event to its act (without the item); why says why not.
func stepOf(ev *Event, parties Parties) (Step, string) {
	s := Step{Actor: ev.Submitter}
	act, why := actOf(ev)
	if why != "" {
		return s, why
	}
	s.Act = act
	party := func(list string, id string) (string, string) {
		if id == "" {
			return "", fmt.Sprintf("%s event without an owning_party %s", ev.BizStep, list)
		}
		msp, err := parties.MSP(id)
		if err != nil {
			return "", err.Error()
		}
		return msp, ""
	}
	var src, dst string
	for _, x := range ev.SourceList {
		if x.Type == ownerType || x.Type == "https://ref.gs1.org/cbv/SDT-owning_party" {
			src = x.Source
		}
	}
	for _, x := range ev.DestinationList {
		if x.Type == ownerType || x.Type == "https://ref.gs1.org/cbv/SDT-owning_party" {
			dst = x.Destination
		}
	}
	switch act {
	case ActRegister:
		if ev.ILMD != nil {
			s.Lot = ev.ILMD.Lot
			if ev.ILMD.Expiry != "" {
				e, err := expiryAI17(ev.ILMD.Expiry)
				if err != nil {
					return s, err.Error()
				}
				s.Expiry = e
			}
		}
	case ActOffer, ActCancel:
		from, why := party("source", src)
		if why != "" {
			return s, why
		}
		to, why := party("destination", dst)
		if why != "" {
			return s, why
		}
		s.Actor, s.To = from, to
	case ActAccept, ActReject:
		if _, why := party("source", src); why != "" {
			return s, why
		}
		to, why := party("destination", dst)
		if why != "" {
			return s, why
		}
		s.Actor = to
	case ActHold, ActRecall:
		s.Reason = ev.Details
		if s.Reason == "" {
			s.Reason = "EPCIS " + ev.BizStep + " " + ev.Disposition
		}
	case ActDecommission:
		s.Reason = ev.Details
		if s.Reason == "" {
			switch ev.Disposition {
			case "dispensed", "destroyed", "retail_sold":
				s.Reason = ev.Disposition
			default:
				return s, fmt.Sprintf("decommissioning with disposition %q names no reason we record (%s)", ev.Disposition, strings.Join(domain.DecommissionReasons(), ", "))
			}
		}
		if err := domain.ValidateDecommissionReason(s.Reason); err != nil {
			return s, err.Error()
		}
	case ActSighting:
		if ev.ReadPoint == nil {
			return s, "inspection without a readPoint (the GLN where it was seen)"
		}
		dl, ok := CanonicalDL(ev.ReadPoint.ID)
		if !ok || !strings.HasPrefix(dl, DLBase+"/414/") {
			return s, fmt.Sprintf("readPoint %s is not a GLN", ev.ReadPoint.ID)
		}
		s.GLN = strings.SplitN(strings.TrimPrefix(dl, DLBase+"/414/"), "/", 2)[0]
		s.Result, s.Note = ev.Result, ev.Note
		if s.Result == "" {
			switch ev.Disposition {
			case "conformant":
				s.Result = "match"
			case "non_conformant", "mismatch_instance", "mismatch_class", "mismatch_quantity":
				s.Result = "mismatch"
			default:
				return s, fmt.Sprintf("inspection with disposition %q and no prov:inspectionResult: no result to record", ev.Disposition)
			}
		}
	}
	return s, ""
}

// actOf reads the act: our own exports name it (prov:custodyEvent); other
// documents by action, bizStep and disposition.
func actOf(ev *Event) (Act, string) {
	if ev.CustodyEvent != "" {
		switch ev.CustodyEvent {
		case string(domain.EventRegistered):
			return ActRegister, ""
		case string(domain.EventOffered):
			return ActOffer, ""
		case string(domain.EventAccepted):
			return ActAccept, ""
		case string(domain.EventRejected):
			return ActReject, ""
		case string(domain.EventCancelled):
			return ActCancel, ""
		case string(domain.EventHeld):
			return ActHold, ""
		case string(domain.EventReleased):
			return ActRelease, ""
		case string(domain.EventRecalled):
			return ActRecall, ""
		case string(domain.EventRecallWithdrawn):
			return ActWithdrawRecall, ""
		case string(domain.EventStolen):
			return ActStolen, ""
		case string(domain.EventDecommissioned):
			return ActDecommission, ""
		case string(domain.EventInspected), SightingEvent:
			return ActSighting, ""
		case string(domain.EventHandedOver):
			return "", "HANDED_OVER follows a majority vote that removed an organization: not reproducible by an import"
		}
		return "", fmt.Sprintf("prov:custodyEvent %q is unknown", ev.CustodyEvent)
	}
	step := bareWord(ev.BizStep, "BizStep-", "bizstep:")
	disp := bareWord(ev.Disposition, "Disp-", "disp:")
	ev.BizStep, ev.Disposition = step, disp
	switch {
	case ev.Action == ActionAdd && step == "commissioning":
		return ActRegister, ""
	case ev.Action == ActionDelete || step == "decommissioning" || step == "destroying" || step == "dispensing" || step == "retail_selling":
		return ActDecommission, ""
	case step == "shipping":
		return ActOffer, ""
	case step == "receiving":
		return ActAccept, ""
	case step == "void_shipping":
		return ActReject, ""
	case step == "inspecting":
		return ActSighting, ""
	case disp == "stolen":
		return ActStolen, ""
	case step == "holding" && disp == "recalled":
		return ActRecall, ""
	case step == "holding" && (disp == "sellable_not_accessible" || disp == "non_sellable_other" || disp == "unavailable"):
		return ActHold, ""
	case step == "holding" && (disp == "active" || disp == "sellable_accessible"):
		return ActRelease, ""
	}
	return "", fmt.Sprintf("action %s, bizStep %q, disposition %q: no custody act maps to it", ev.Action, step, disp)
}

// bareWord reads a CBV value spelled as bare word, Web URI or URN.
func bareWord(v, web, urn string) string {
	v = strings.TrimPrefix(v, "https://ref.gs1.org/cbv/"+web)
	return strings.TrimPrefix(v, "urn:epcglobal:cbv:"+urn)
}

// classSteps maps a class-level event (quantityList): only a recall
// (holding/recalled, or our prov:custodyEvent RECALLED) of lots or GTINs is
// imported, one ActRecallLot per quantityList element; why names what
// else the event is.
func classSteps(ev *Event, parties Parties) ([]Step, string) {
	if len(ev.EPCList) > 0 {
		return nil, fmt.Sprintf("epcList and quantityList together (%d EPCs, %d classes): not imported; give the items and the classes in separate events", len(ev.EPCList), len(ev.QuantityList))
	}
	act, why := actOf(ev)
	if why != "" {
		return nil, "class-level event (quantityList): " + why
	}
	if act != ActRecall {
		what := string(act)
		if act == ActWithdrawRecall {
			what += " (withdrawing a lot or GTIN recall is not imported: prov item recall --withdraw --gtin G [--lot L])"
		}
		return nil, fmt.Sprintf("class-level event (quantityList) with act %s: only a recall of a lot or GTIN (bizStep holding, disposition recalled) is imported from class-level events", what)
	}
	proto, why := stepOf(ev, parties)
	if why != "" {
		return nil, "class-level event (quantityList): " + why
	}
	proto.Act = ActRecallLot
	var out []Step
	seen := map[string]bool{}
	for i, q := range ev.QuantityList {
		g, lot, err := ParseEPCClass(q.EPCClass)
		if err != nil {
			return nil, fmt.Sprintf("quantityList element %d: epcClass %v", i+1, err)
		}
		s := proto
		s.GTIN, s.Lot, s.Item = g, lot, scopeTarget(g, lot)
		if seen[s.Item] {
			continue
		}
		seen[s.Item] = true
		out = append(out, s)
	}
	return out, ""
}

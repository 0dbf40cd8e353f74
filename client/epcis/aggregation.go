package epcis

import (
	"fmt"

	"github.com/provledger/provenance/chaincode/domain"
)

// Logistic units (SSCC) in EPCIS: a unit's own events are ObjectEvents on
// its SSCC Digital Link (https://id.gs1.org/00/{sscc}: commissioned,
// shipped, received, held ... as one EPC), and packing and unpacking are
// AggregationEvents: action ADD (bizStep packing) or DELETE (unpacking),
// parentID the unit, childEPCs what went in or out.
//
// The ledger records one packing as the unit's own PACKED ("N added") and
// each content's PACKED naming the unit and that event; Export writes one
// AggregationEvent per packing transaction and unit, with the children of
// the exported records (a unit exported without its contents gives an
// event without childEPCs). Its prov:seq is the unit's event sequence.

// epcOf is an item's or unit's Digital Link.
func epcOf(id domain.ItemID) string {
	if id.IsUnit() {
		return DLBase + "/" + domain.UnitAI + "/" + id.Serial
	}
	return domain.Identifier{ItemID: id}.DigitalLink(DLBase)
}

// aggregationOf maps a PACKED or UNPACKED of the item or unit epc: a
// content's (ce.Unit names its unit) or the unit's own.
func aggregationOf(epc string, ce domain.CustodyEvent) (Event, error) {
	ev := Event{Type: aggregation, EventTime: eventTime(ce.Timestamp), EventTimeZoneOffset: "+00:00",
		TxID: ce.TxID, Seq: ce.Seq, CustodyEvent: string(ce.Type), Submitter: ce.SubmitterMSP, Details: ce.Details}
	ev.Action, ev.BizStep = ActionAdd, "packing"
	if ce.Type == domain.EventUnpacked {
		ev.Action, ev.BizStep = ActionDelete, "unpacking"
	}
	if ce.Unit == "" {
		ev.ParentID = epc
		return ev, nil
	}
	unit, err := domain.ParseSSCC(ce.Unit)
	if err != nil {
		return Event{}, fmt.Errorf("custody event %s of %s (seq %d) names unit %q: %v", ce.Type, ce.Item, ce.Seq, ce.Unit, err)
	}
	ev.ParentID, ev.ChildEPCs, ev.Seq = epcOf(domain.UnitID(unit)), []string{epc}, ce.UnitSeq
	return ev, nil
}

// mergeAggregations joins the AggregationEvents of one packing (same unit,
// action, transaction and unit event) into the first of them: children in
// record order, the unit's own details ("N added").
func mergeAggregations(evs []Event) []Event {
	type key struct {
		parent, action, tx string
		seq                uint64
	}
	first := map[key]int{}
	out := evs[:0]
	for _, ev := range evs {
		if ev.Type != aggregation {
			out = append(out, ev)
			continue
		}
		k := key{ev.ParentID, ev.Action, ev.TxID, ev.Seq}
		i, ok := first[k]
		if !ok {
			first[k] = len(out)
			out = append(out, ev)
			continue
		}
		out[i].ChildEPCs = append(out[i].ChildEPCs, ev.ChildEPCs...)
		if out[i].Details == "" {
			out[i].Details = ev.Details
		}
	}
	return out
}

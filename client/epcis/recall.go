package epcis

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
)

// Class-level recalls. A lot recall (RecallLot with a lot) or a GTIN recall
// (RecallLot without one) is one recall key on the ledger, not an event of
// each item, so it is exported as one class-level ObjectEvent: no epcList, a
// quantityList with one element whose epcClass is the lot's or GTIN's GS1
// Digital Link (https://id.gs1.org/01/{gtin}/10/{lot}, or .../01/{gtin}),
// no quantity (the recall covers the whole class); action OBSERVE, bizStep
// holding, disposition recalled (as an item recall), eventTime the recall
// transaction's time, prov:txId, prov:submitterMsp (the issuer),
// prov:custodyEvent RECALLED and the reason in prov:details.
//
// Only recalls in force are exported: a withdrawal deletes the recall key,
// and the ledger answers no history of it, so a withdrawn lot recall leaves
// nothing to export (the document then shows the lot as not recalled, which
// is its state).

// ClassDL is the Digital Link of a lot (lot != "") or of a whole GTIN.
func ClassDL(gtin, lot string) string { return domain.ClassDigitalLink(DLBase, gtin, lot) }

// scopeTarget is the recall scope's name on the ledger: "01/{gtin}" or
// "01/{gtin}/10/{lot}" (ListRecalls' Target, WithdrawRecall's scope).
func scopeTarget(gtin, lot string) string {
	if lot == "" {
		return "01/" + gtin
	}
	return "01/" + gtin + "/10/" + lot
}

// splitTarget reads a lot or GTIN recall's target back; ok is false for
// anything else (an item's).
func splitTarget(target string) (gtin, lot string, ok bool) {
	rest, ok := strings.CutPrefix(target, "01/")
	if !ok {
		return "", "", false
	}
	g, l, hasLot := strings.Cut(rest, "/")
	if len(g) != 14 {
		return "", "", false
	}
	if !hasLot {
		return g, "", true
	}
	l, ok = strings.CutPrefix(l, "10/")
	return g, l, ok && l != ""
}

// classRecallEvents are the events of the lot and GTIN recalls that cover
// an item of recs, sorted by time, then scope.
func classRecallEvents(recs []ItemRecord, recalls []domain.RecallEntry) []Event {
	covered := map[string]bool{}
	for _, r := range recs {
		it := r.Item
		if it == nil || it.GTIN == "" {
			continue // a sighting only, or a logistic unit
		}
		covered[scopeTarget(it.GTIN, "")] = true
		if it.Lot != "" {
			covered[scopeTarget(it.GTIN, it.Lot)] = true
		}
	}
	var out []Event
	seen := map[string]bool{}
	for _, e := range recalls {
		if e.Recall.Scope != domain.RecallScopeLot && e.Recall.Scope != domain.RecallScopeGTIN {
			continue
		}
		if !covered[e.Target] || seen[e.Target] {
			continue
		}
		g, l, ok := splitTarget(e.Target)
		if !ok || (l == "") != (e.Recall.Scope == domain.RecallScopeGTIN) {
			continue
		}
		seen[e.Target] = true
		rc := e.Recall
		out = append(out, Event{Type: objectEvent, EventTime: eventTime(rc.At), EventTimeZoneOffset: "+00:00",
			QuantityList: []Quantity{{EPCClass: ClassDL(g, l)}}, Action: ActionObserve, BizStep: "holding", Disposition: "recalled",
			TxID: rc.TxID, CustodyEvent: string(domain.EventRecalled), Submitter: rc.By, Details: rc.Reason})
	}
	sort.SliceStable(out, func(a, b int) bool {
		if out[a].EventTime != out[b].EventTime {
			return out[a].EventTime < out[b].EventTime
		}
		return out[a].QuantityList[0].EPCClass < out[b].QuantityList[0].EPCClass
	})
	return out
}

// ParseEPCClass reads a class-level epcClass that names a lot or a whole
// GTIN: a GS1 Digital Link (any host) /01/{gtin}/10/{lot} or /01/{gtin}, an
// LGTIN class URN urn:epc:class:lgtin:{prefix}.{indicator+itemref}.{lot}, or
// an SGTIN pattern urn:epc:idpat:sgtin:{prefix}.{indicator+itemref}.* (every
// serial of the GTIN). The error says what is wrong.
func ParseEPCClass(v string) (gtin, lot string, err error) {
	switch {
	case strings.HasPrefix(v, "urn:epc:class:lgtin:"):
		p := strings.SplitN(strings.TrimPrefix(v, "urn:epc:class:lgtin:"), ".", 3)
		if len(p) != 3 || p[2] == "" {
			return "", "", fmt.Errorf("%s: want urn:epc:class:lgtin:{company prefix}.{indicator and item reference}.{lot}", v)
		}
		if lot, err = url.PathUnescape(p[2]); err != nil {
			return "", "", fmt.Errorf("%s: lot: %v", v, err)
		}
		gtin, err = urnGTIN(v, p[0], p[1])
	case strings.HasPrefix(v, "urn:epc:idpat:sgtin:"):
		p := strings.Split(strings.TrimPrefix(v, "urn:epc:idpat:sgtin:"), ".")
		if len(p) != 3 || p[2] != "*" {
			return "", "", fmt.Errorf("%s: only the pattern of every serial of a GTIN ({company prefix}.{indicator and item reference}.*) names a class we recall", v)
		}
		gtin, err = urnGTIN(v, p[0], p[1])
	case strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "http://"):
		gtin, lot, err = dlClass(v)
	default:
		return "", "", fmt.Errorf("%s: not a lot or GTIN class (a GS1 Digital Link .../01/{gtin}[/10/{lot}], urn:epc:class:lgtin: or urn:epc:idpat:sgtin:)", v)
	}
	if err != nil {
		return "", "", err
	}
	if lot != "" {
		if err := domain.ValidateLot(lot); err != nil {
			return "", "", fmt.Errorf("%s: %v", v, err)
		}
	}
	return gtin, lot, nil
}

func urnGTIN(v, prefix, ref string) (string, error) {
	if len(prefix) < 6 || len(ref) < 1 || len(prefix)+len(ref) != 13 || strings.Trim(prefix+ref, "0123456789") != "" {
		return "", fmt.Errorf("%s: company prefix and indicator/item reference must be 13 digits together", v)
	}
	g, ok := withCheck(ref[:1] + prefix + ref[1:])
	if !ok {
		return "", fmt.Errorf("%s: not a GTIN", v)
	}
	return g, nil
}

func dlClass(v string) (gtin, lot string, err error) {
	u, err := url.Parse(v)
	if err != nil {
		return "", "", fmt.Errorf("%s: %v", v, err)
	}
	segs := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	i := 0
	for i < len(segs) && segs[i] != "01" {
		i++
	}
	if i+1 >= len(segs) {
		return "", "", fmt.Errorf("%s: no GTIN (/01/{gtin}) in the Digital Link", v)
	}
	if gtin, err = domain.ParseGTIN(segs[i+1]); err != nil {
		return "", "", fmt.Errorf("%s: %v", v, err)
	}
	rest := segs[i+2:]
	switch {
	case len(rest) == 0:
		return gtin, "", nil
	case len(rest) == 2 && rest[0] == "10":
		if lot, err = url.PathUnescape(rest[1]); err != nil {
			return "", "", fmt.Errorf("%s: lot: %v", v, err)
		}
		return gtin, lot, nil
	case len(rest) >= 2 && (rest[0] == "21" || len(rest) == 4 && rest[2] == "21"):
		return "", "", fmt.Errorf("%s names one item (AI 21 serial), not a class: put it in epcList", v)
	}
	return "", "", fmt.Errorf("%s: want /01/{gtin} or /01/{gtin}/10/{lot}", v)
}

// Recalls pages through ListRecalls: every recall in force (item, lot and
// GTIN scope).
func Recalls(ctx context.Context, l gateway.Ledger) ([]domain.RecallEntry, error) {
	var out []domain.RecallEntry
	bm := ""
	for {
		b, err := l.Evaluate(ctx, "ListRecalls", strconv.Itoa(domain.MaxPageSize), bm)
		if err != nil {
			return nil, err
		}
		var p domain.RecallPage
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, fmt.Errorf("ListRecalls returned unreadable JSON: %w", err)
		}
		out = append(out, p.Recalls...)
		if p.Bookmark == "" || len(p.Recalls) == 0 {
			return out, nil
		}
		bm = p.Bookmark
	}
}

package verify

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/provledger/provenance/chaincode/domain"
)

// Logistic units in verification. A unit's own chain is verified like an
// item's, with its own acts replayed (creation, fill, empty: unitAct), and
// each of its PACKED / UNPACKED events checked against the contents its
// transaction packs or unpacks (checkUnitContents). An item (or unit) that
// travelled inside units has each unit verified as part of its chain of
// custody: while packed, the custody changes happen on the unit's keys
// (followContainers).

// subjectOf reads a canonical item or unit key ("01/{gtin}/21/{serial}",
// "00/{sscc}").
func subjectOf(key string) (domain.ItemID, error) {
	if id, err := domain.ParseItemKey(key); err == nil {
		return id, nil
	}
	if strings.HasPrefix(key, domain.UnitAI+"/") {
		if sscc, err := domain.ParseSSCC(key); err == nil && domain.UnitID(sscc).Key() == key {
			return domain.UnitID(sscc), nil
		}
	}
	return domain.ItemID{}, fmt.Errorf("%q is not a canonical item or unit key", key)
}

// prefixCandidates are the company prefixes the item's GTIN or the unit's
// SSCC may carry, longest first.
func prefixCandidates(id domain.ItemID) []string {
	if id.IsUnit() {
		return domain.SSCCPrefixCandidates(id.Serial)
	}
	return domain.CompanyPrefixCandidates(id.GTIN)
}

// unitAct is the act that made a unit's own event: its creation, and the
// PACKED / UNPACKED that count contents in and out (a unit packed into
// another unit has a PACKED naming that unit: ActPack, as for items).
func unitAct(act domain.Act, ev domain.CustodyEvent) domain.Act {
	switch {
	case act == domain.ActRegister:
		return domain.ActCreateUnit
	case act == domain.ActPack && ev.Unit == "":
		return domain.ActFill
	case act == domain.ActUnpack && ev.Unit == "":
		return domain.ActEmpty
	}
	return act
}

// unitRequest fills a fill or empty act: the count from the event, the
// depth and lots the unit record the same transaction wrote (what a
// verifier cannot rebuild from the unit's history alone; the count is
// checked against the contents by checkUnitContents).
func (r *run) unitRequest(req *domain.Request, ev domain.CustodyEvent, t *endorserTx, id domain.ItemID) {
	req.Count, _ = domain.UnitEventCount(ev)
	if req.Act != domain.ActFill {
		return
	}
	if w := t.write(r.l.ChaincodeName(), domain.ItemKey(id)); w != nil && !w.GetIsDelete() {
		var u domain.Item
		if strictJSON(w.GetValue(), &u) == nil {
			req.Depth, req.Lots = u.Depth, u.Lots
		}
	}
}

// checkUnitContents checks each PACKED / UNPACKED event of the unit's own
// against its transaction: the write set holds exactly the counted number
// of content events of the same type naming this unit and this event, each
// with its packing key written (PACKED, naming the unit, event and
// transaction) or deleted (UNPACKED), and its unit~content entry.
func (r *run) checkUnitContents(id domain.ItemID, events []domain.CustodyEvent) {
	key, ns := id.Key(), r.l.ChaincodeName()
	for _, ev := range events {
		if ev.Unit != "" || (ev.Type != domain.EventPacked && ev.Type != domain.EventUnpacked) {
			continue
		}
		s := Step{Check: CheckUnitContents, Subject: fmt.Sprintf("seq %d %s", ev.Seq, ev.Type), Seq: ev.Seq, TxID: ev.TxID}
		n, countOK := domain.UnitEventCount(ev)
		e := r.txs[ev.TxID]
		if e == nil || e.parsed == nil {
			s.Detail = fmt.Sprintf("transaction %s unavailable", ev.TxID)
			r.add(s)
			continue
		}
		kv := e.parsed.kvSet(ns)
		writes, _ := e.parsed.writeIndex(kv)
		var problems []string
		if !countOK {
			problems = append(problems, fmt.Sprintf("details %q count no contents", ev.Details))
		}
		found := 0
		for _, w := range kv.GetWrites() {
			obj, attrs, err := domain.SplitCompositeKey(w.GetKey())
			if err != nil || obj != domain.ObjEvent || len(attrs) != 3 || w.GetIsDelete() {
				continue
			}
			var ce domain.CustodyEvent
			if strictJSON(w.GetValue(), &ce) != nil || ce.Unit != key || ce.UnitSeq != ev.Seq {
				continue
			}
			found++
			cid, err := subjectOf(ce.Item)
			switch {
			case err != nil:
				problems = append(problems, fmt.Sprintf("content event names %q: %v", ce.Item, err))
				continue
			case w.GetKey() != domain.EventKey(cid, ce.Seq):
				problems = append(problems, fmt.Sprintf("%s's event seq %d is written under %s", ce.Item, ce.Seq, printableKey(w.GetKey())))
			case ce.Type != ev.Type || ce.TxID != ev.TxID:
				problems = append(problems, fmt.Sprintf("%s's event seq %d is %s of tx %.12s", ce.Item, ce.Seq, ce.Type, ce.TxID))
			}
			if p := packingWrite(writes[domain.PackedKey(cid)], ev, key); p != "" {
				problems = append(problems, ce.Item+": "+p)
			}
			if ix := writes[domain.UnitContentKey(id, cid)]; ix == nil || ix.GetIsDelete() != (ev.Type == domain.EventUnpacked) {
				problems = append(problems, ce.Item+": its unit~content entry is not "+map[bool]string{true: "deleted", false: "written"}[ev.Type == domain.EventUnpacked])
			}
		}
		if countOK && found != n {
			problems = append(problems, fmt.Sprintf("the event counts %d, the transaction %s %d contents", n, strings.ToLower(string(ev.Type)), found))
		}
		if len(problems) > 3 {
			problems = append(problems[:3], fmt.Sprintf("and %d more", len(problems)-3))
		}
		s.OK = len(problems) == 0
		if s.OK {
			s.Detail = fmt.Sprintf("%d contents %s in the same transaction, with their packing keys", found, strings.ToLower(string(ev.Type)))
		} else {
			s.Detail = strings.Join(problems, "; ")
		}
		r.add(s)
	}
}

// packingWrite checks a content's packing key write against its unit's
// event: written naming the unit, event and transaction on PACKED, deleted
// on UNPACKED. It returns the problem, "" when none.
func packingWrite(w interface {
	GetIsDelete() bool
	GetValue() []byte
}, ev domain.CustodyEvent, unit string) string {
	if w == nil {
		return "no write of its packing key"
	}
	if ev.Type == domain.EventUnpacked {
		if !w.GetIsDelete() {
			return "its packing key is written, not deleted"
		}
		return ""
	}
	var p domain.Packing
	if w.GetIsDelete() || strictJSON(w.GetValue(), &p) != nil {
		return "its packing key is not written"
	}
	if p.Unit != unit || p.UnitSeq != ev.Seq || p.TxID != ev.TxID {
		return fmt.Sprintf("its packing key names unit %s seq %d tx %.12s", p.Unit, p.UnitSeq, p.TxID)
	}
	return ""
}

// followContainers verifies every unit the item's history says it was
// packed into (its steps added with the subject "unit 00/{sscc}: ...") and
// checks that each of the item's PACKED / UNPACKED events is matched by the
// unit's own event of that sequence, of the same type and transaction: the
// unit's custody changes in between are the item's.
func (r *run) followContainers(key string, events []domain.CustodyEvent) error {
	var units []string
	seen := map[string]bool{}
	for _, sp := range domain.UnitSpans(events) {
		if !seen[sp.Unit] {
			seen[sp.Unit] = true
			units = append(units, sp.Unit)
		}
	}
	for _, u := range units {
		fail := func(detail string) {
			r.add(Step{Check: CheckContainer, Subject: "unit " + u, Detail: detail})
		}
		within := append(append([]string(nil), r.opts.within...), key)
		if i := indexOf(within, u); i >= 0 {
			fail(fmt.Sprintf("unit %s contains itself: %s", u, strings.Join(append(within[i:], u), " in ")))
			continue
		}
		if len(within) > domain.MaxUnitDepth {
			fail(fmt.Sprintf("nested deeper than %d units: %s", domain.MaxUnitDepth, strings.Join(append(within, u), " in ")))
			continue
		}
		sub := r.opts
		sub.within = within
		rep, uevents, err := item(r.ctx, r.l, u, sub)
		if err != nil {
			if errors.Is(err, ErrNotFound) || domain.CodeOf(err) == domain.CodeNotFound || domain.CodeOf(err) == domain.CodeInvalidID {
				fail(fmt.Sprintf("the unit's chain cannot be read: %v", err))
				continue
			}
			return fmt.Errorf("unit %s: %w", u, err)
		}
		for _, s := range rep.Steps {
			s.Subject = "unit " + u + ": " + s.Subject
			r.add(s)
		}
		bySeq := make(map[uint64]domain.CustodyEvent, len(uevents))
		for _, ue := range uevents {
			bySeq[ue.Seq] = ue
		}
		for _, ev := range events {
			if ev.Unit != u || (ev.Type != domain.EventPacked && ev.Type != domain.EventUnpacked) {
				continue
			}
			s := Step{Check: CheckContainer, Subject: fmt.Sprintf("seq %d %s", ev.Seq, ev.Type), Seq: ev.Seq, TxID: ev.TxID}
			ue, ok := bySeq[ev.UnitSeq]
			switch {
			case !ok:
				s.Detail = fmt.Sprintf("unit %s has no event seq %d: its %s event is missing", u, ev.UnitSeq, ev.Type)
			case ue.Type != ev.Type || ue.Unit != "" || ue.TxID != ev.TxID:
				s.Detail = fmt.Sprintf("unit %s's seq %d is %s of tx %.12s, not the %s of this transaction %.12s", u, ev.UnitSeq, ue.Type, ue.TxID, ev.Type, ev.TxID)
			default:
				s.OK = true
				s.Detail = fmt.Sprintf("unit %s's seq %d %s (%s), same transaction", u, ue.Seq, ue.Type, ue.Details)
			}
			r.add(s)
		}
	}
	return nil
}

// sameTx lists the other sequences of the history made by ev's transaction.
func (r *run) sameTx(ev domain.CustodyEvent) []uint64 {
	var out []uint64
	for _, seq := range r.txSeqs[ev.TxID] {
		if seq != ev.Seq {
			out = append(out, seq)
		}
	}
	return out
}

// txDecision is what ev's transaction must write of the subject: the
// replay's decision, or, when the transaction made several of its events
// (a unit's creation and first PACKED), their decisions merged in sequence
// order (the last write of a key wins; a key-level policy set by an earlier
// one stays set). nil when one of them was refused (reported by transition).
func (r *run) txDecision(ev domain.CustodyEvent, sameTx []uint64) *domain.Decision {
	x := r.expect[ev.Seq]
	if x == nil || x.decision == nil || len(sameTx) == 0 {
		if x == nil {
			return nil
		}
		return x.decision
	}
	seqs := append([]uint64{ev.Seq}, sameTx...)
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	merged := &domain.Decision{}
	at := map[string]int{}
	for _, seq := range seqs {
		y := r.expect[seq]
		if y == nil || y.decision == nil {
			return nil
		}
		for _, kw := range y.decision.Writes {
			i, ok := at[kw.Key]
			if !ok {
				at[kw.Key] = len(merged.Writes)
				merged.Writes = append(merged.Writes, kw)
				continue
			}
			prev := merged.Writes[i]
			if !kw.SetPolicy && prev.SetPolicy {
				kw.SetPolicy, kw.Policy = true, prev.Policy
			}
			merged.Writes[i] = kw
		}
	}
	return merged
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

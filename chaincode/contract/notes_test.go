package contract_test

import (
	"strings"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
)

// The multi-item stolen, decommission, reject, cancel and recall acts keep
// the submitter's note (or reason) on each event; a bad note writes nothing.
func TestNotesOnEvents(t *testing.T) {
	f := ready(t)
	g := gtin(t, prefix, "00001")
	a, b, c, d, e, x := itemID(g, "A"), itemID(g, "B"), itemID(g, "C"), itemID(g, "D"), itemID(g, "E"), itemID(g, "X")
	f.register(a, b, c, d, e, x)

	before := f.snapshot()
	f.refused(domain.CodeInvalidArgument, "note is 513 bytes", f.user(mfr), "ReportStolenItems", mustJSON(t, []string{a}), strings.Repeat("n", domain.MaxNoteLen+1))
	f.refused(domain.CodeInvalidArgument, "note contains a control character", f.user(mfr), "RejectTransferWithNote", mustJSON(t, []string{a}), "a\nb")
	f.refused(domain.CodeInvalidArgument, "decommission reason \"lost\"", f.user(mfr), "DecommissionItems", mustJSON(t, []string{a}), "lost", "")
	f.refused(domain.CodeNotOwner, "item "+x, f.user(dist), "ReportStolenItems", mustJSON(t, []string{x}), "")
	if f.snapshot() != before {
		t.Fatal("a refusal wrote state")
	}

	f.ok(f.h.Submit(f.user(mfr), "ReportStolenItems", mustJSON(t, []string{a, b}), "police ref 2026/4711"))
	for _, id := range []string{a, b} {
		if ev := f.history(id)[1]; ev.Type != domain.EventStolen || ev.Note != "police ref 2026/4711" || ev.Details != "" {
			t.Fatalf("stolen event of %s = %+v", id, ev)
		}
	}
	f.ok(f.h.Submit(f.user(mfr), "DecommissionItems", mustJSON(t, []string{c}), "destroyed", "crushed at site 4"))
	if ev := f.history(c)[1]; ev.Details != "destroyed" || ev.Note != "crushed at site 4" || f.item(c).Reason != "destroyed" {
		t.Fatalf("decommission event = %+v", ev)
	}
	f.ok(f.h.Submit(f.user(mfr), "OfferTransfer", mustJSON(t, []string{d, e}), dist))
	f.ok(f.h.Submit(f.user(dist), "RejectTransferWithNote", mustJSON(t, []string{d}), "damaged seal"))
	f.ok(f.h.Submit(f.user(mfr), "CancelTransferWithNote", mustJSON(t, []string{e}), "wrong address"))
	if ev := f.history(d)[2]; ev.Type != domain.EventRejected || ev.Note != "damaged seal" {
		t.Fatalf("reject event = %+v", ev)
	}
	if ev := f.history(e)[2]; ev.Type != domain.EventCancelled || ev.Note != "wrong address" {
		t.Fatalf("cancel event = %+v", ev)
	}
	// Without a note the event has none (old shape, old bytes).
	f.ok(f.h.Submit(f.user(mfr), "ReportStolenItems", mustJSON(t, []string{d}), ""))
	if ev := f.history(d)[3]; ev.Note != "" {
		t.Fatalf("empty note = %+v", ev)
	}
	f.refused(domain.CodeNotAdmin, "", f.user(mfr), "RecallItems", mustJSON(t, []string{x}), "seal defect")
	f.ok(f.h.Submit(f.admin(mfr), "RecallItems", mustJSON(t, []string{x, e}), "seal defect"))
	if it := f.item(x); it.Recall == nil || it.Recall.Reason != "seal defect" {
		t.Fatalf("recalled = %+v", it)
	}
}

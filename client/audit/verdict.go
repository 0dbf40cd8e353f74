// Package audit judges a list of presented items (a customs declaration, or
// items selected by owner, GTIN or lot) against the ledger: for every line a
// verdict and its reasons, with the ledger evidence (transaction IDs, block
// numbers) of every finding. It is prov audit's logic, kept out of the
// command so that a verification service can run the same audit.
//
// The rules are pure (Judge); Run reads the ledger in large batches
// (GetItems, ListSightings per GTIN, GetPrefix per GTIN) and, with
// Options.Verify, verifies each item's custody record.
package audit

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/verify"
)

// Verdict is the judgement of one line.
type Verdict string

// Verdicts, most serious first: a line's verdict is its most serious
// finding (Severity order); every finding is listed with its reason.
const (
	InvalidID        Verdict = "INVALID_ID"      // the identifier does not parse (check digit, length, ...)
	VerifyFailed     Verdict = "VERIFY_FAILED"   // the custody record fails a verification check (named)
	OutOfOrder       Verdict = "OUT_OF_ORDER"    // custody event times run backwards in block order
	LikelyClone      Verdict = "LIKELY_CLONE"    // sighted at two locations travel cannot explain, or declared twice
	UnknownSerial    Verdict = "UNKNOWN_SERIAL"  // not registered (product without data)
	NotPresented     Verdict = "NOT_PRESENTED"   // selected on the ledger but absent from the declaration (data without product)
	BrandMismatch    Verdict = "BRAND_MISMATCH"  // registered by an org that does not own the GTIN's active prefix
	Stolen           Verdict = "STOLEN"          // reported stolen by its owner
	Decommissioned   Verdict = "DECOMMISSIONED"  // decommissioned, yet presented
	Recalled         Verdict = "RECALLED"        // item, lot or GTIN recall in force
	OnHold           Verdict = "ON_HOLD"         // a customs hold in force
	WrongPresenter   Verdict = "WRONG_PRESENTER" // presented by an org that neither holds it nor is its recipient
	TransitOverdue   Verdict = "TRANSIT_OVERDUE" // in transit longer than the threshold
	Unverified       Verdict = "UNVERIFIED"      // --verify could not run for it (named error)
	Genuine          Verdict = "GENUINE"         // nothing found
	defaultNoVerdict Verdict = ""
)

// Severity lists the verdicts in the order that picks a line's verdict.
var Severity = []Verdict{InvalidID, VerifyFailed, OutOfOrder, LikelyClone, UnknownSerial, NotPresented, BrandMismatch,
	Stolen, Decommissioned, Recalled, OnHold, WrongPresenter, TransitOverdue, Unverified, Genuine}

// Suspect tells whether a verdict is a finding (everything but GENUINE).
func (v Verdict) Suspect() bool { return v != Genuine && v != defaultNoVerdict }

func rank(v Verdict) int {
	for i, s := range Severity {
		if s == v {
			return i
		}
	}
	return len(Severity)
}

// Finding is one reason behind a verdict, with its ledger evidence.
type Finding struct {
	Verdict Verdict `json:"verdict"`
	Reason  string  `json:"reason"`
	TxID    string  `json:"txId,omitempty"`
	// Block is the block holding TxID, when looked up (BlockKnown).
	Block      uint64 `json:"block,omitempty"`
	BlockKnown bool   `json:"blockKnown,omitempty"`
	At         string `json:"at,omitempty"` // ledger time of the evidence
}

// Entry is one presented line.
type Entry struct {
	Line      int    // 1-based line of the declaration; 0 when selected from the ledger
	Input     string // the ID as written
	Presenter string // MSP presenting it ("" when unknown)
	Err       error  // the row itself is malformed (idfile)
	// Undeclared marks an item of the ledger selection (--owner, --gtin,
	// --lot) that the declaration does not list.
	Undeclared bool
}

// Thresholds are the rules' tunable limits.
type Thresholds struct {
	// TransitMax: an item IN_TRANSIT for longer is TRANSIT_OVERDUE.
	TransitMax time.Duration
	// CloneWindow: two sightings of one serial at different locations
	// within it are LIKELY_CLONE (unless coordinates show the trip is
	// possible at MaxSpeedKmh).
	CloneWindow time.Duration
	// Coords are optional GLN coordinates; MaxSpeedKmh the fastest
	// plausible travel between two located GLNs.
	Coords      map[string]LatLon
	MaxSpeedKmh float64
}

// DefaultThresholds are prov audit's flag defaults.
func DefaultThresholds() Thresholds {
	return Thresholds{TransitMax: 14 * 24 * time.Hour, CloneWindow: 24 * time.Hour, MaxSpeedKmh: 900}
}

// LatLon is a GLN's position in degrees.
type LatLon struct{ Lat, Lon float64 }

// Facts are what the ledger says about one line's item.
type Facts struct {
	Key  string       // canonical key ("" when the ID does not parse)
	Item *domain.Item // nil: not registered
	// BrandOwner owns the GTIN's active company prefix ("" when none).
	BrandOwner string
	// Sightings of this serial, any order.
	Sightings []domain.Sighting
	// DuplicateOf lists the other declaration lines presenting this item.
	DuplicateOf []int
	// Report is the custody-record verification (nil: not verified);
	// VerifyErr says why it could not run.
	Report    *verify.Report
	VerifyErr error
	// Events is the custody history when it was read (for event order).
	Events []domain.CustodyEvent
}

// Result is the judgement of one line.
type Result struct {
	Line      int       `json:"line"`
	Input     string    `json:"input"`
	Item      string    `json:"item,omitempty"`
	Presenter string    `json:"presenter,omitempty"`
	Verdict   Verdict   `json:"verdict"`
	Status    string    `json:"status,omitempty"` // the item's status line (StatusNote)
	Owner     string    `json:"owner,omitempty"`
	Verified  bool      `json:"verified"` // custody record verified (--verify), every check passed
	Findings  []Finding `json:"findings"`
}

// Reasons joins the findings' reasons.
func (r Result) Reasons() string {
	var out []string
	for _, f := range r.Findings {
		if f.Verdict != Genuine {
			out = append(out, f.Reason)
		}
	}
	return strings.Join(out, "; ")
}

// Judge applies every rule to one line. now is the audit's clock (for the
// transit threshold).
func Judge(e Entry, f Facts, th Thresholds, now time.Time) Result {
	r := Result{Line: e.Line, Input: e.Input, Item: f.Key, Presenter: e.Presenter}
	add := func(v Verdict, reason, tx, at string) {
		r.Findings = append(r.Findings, Finding{Verdict: v, Reason: reason, TxID: tx, At: at})
	}
	if e.Err != nil {
		add(InvalidID, e.Err.Error(), "", "")
		return finish(r)
	}
	if e.Line > 0 && len(f.DuplicateOf) > 0 {
		add(LikelyClone, "declared more than once: also on "+lines(f.DuplicateOf), "", "")
	}
	for _, c := range Clones(f.Sightings, th) {
		add(LikelyClone, c.Reason, c.TxID, c.At)
	}
	it := f.Item
	if it == nil {
		if f.BrandOwner == "" {
			add(UnknownSerial, "not registered, and no organization holds the GTIN's company prefix (product without data)", "", "")
		} else {
			add(UnknownSerial, "not registered (GTIN's company prefix is "+f.BrandOwner+"'s): product without data", "", "")
		}
		return finish(r)
	}
	r.Owner, r.Status = it.Owner, StatusNote(it)
	if e.Undeclared {
		add(NotPresented, "on the ledger in the selection but not in the declaration (data without product)", it.UpdatedTx, it.UpdatedAt)
	}
	if f.BrandOwner != it.Manufacturer {
		why := "no organization holds the GTIN's company prefix now"
		if f.BrandOwner != "" {
			why = "the GTIN's active company prefix is " + f.BrandOwner + "'s"
		}
		add(BrandMismatch, "registered by "+it.Manufacturer+", but "+why, "", "")
	}
	switch it.Status {
	case domain.StatusStolen:
		add(Stolen, "reported stolen by "+it.Owner+" since "+it.UpdatedAt, it.UpdatedTx, it.UpdatedAt)
	case domain.StatusDecommissioned:
		add(Decommissioned, "decommissioned ("+it.Reason+") since "+it.UpdatedAt+", yet presented", it.UpdatedTx, it.UpdatedAt)
	}
	if rc := it.Recall; rc != nil {
		add(Recalled, fmt.Sprintf("%s recall by %s since %s: %s", rc.Scope, rc.By, rc.At, rc.Reason), rc.TxID, rc.At)
	}
	if h := it.Hold; h != nil {
		add(OnHold, fmt.Sprintf("held by %s since %s: %s", h.By, h.At, h.Reason), h.TxID, h.At)
	}
	if p := e.Presenter; p != "" && p != it.Owner && (it.Status != domain.StatusInTransit || it.OfferedTo != p) {
		add(WrongPresenter, fmt.Sprintf("presented by %s, held by %s", p, holder(it)), it.UpdatedTx, it.UpdatedAt)
	}
	if it.Status == domain.StatusInTransit {
		since, tx := it.UpdatedAt, it.UpdatedTx
		if it.Offer != nil {
			since, tx = it.Offer.At, it.Offer.TxID
		}
		if t, err := parseTime(since); err == nil && th.TransitMax > 0 && now.Sub(t) > th.TransitMax {
			add(TransitOverdue, fmt.Sprintf("in transit from %s to %s since %s (%s, threshold %s)", it.Owner, it.OfferedTo, since,
				now.Sub(t).Round(time.Second), th.TransitMax), tx, since)
		}
	}
	judgeVerification(&r, f)
	return finish(r)
}

func judgeVerification(r *Result, f Facts) {
	add := func(v Verdict, reason, tx, at string) {
		r.Findings = append(r.Findings, Finding{Verdict: v, Reason: reason, TxID: tx, At: at})
	}
	for _, b := range Backwards(f.Events) {
		add(OutOfOrder, b.Reason, b.TxID, b.At)
	}
	if f.VerifyErr != nil {
		add(Unverified, "verification could not run: "+f.VerifyErr.Error(), "", "")
	}
	if rep := f.Report; rep != nil {
		r.Verified = rep.OK
		for _, s := range rep.Failed() {
			v := VerifyFailed
			if s.Check == verify.CheckTimestamps {
				v = OutOfOrder
			}
			reason := "check " + s.Check + " failed on " + s.Subject
			if s.Detail != "" {
				reason += ": " + s.Detail
			}
			add(v, reason, s.TxID, "")
		}
	}
}

func finish(r Result) Result {
	sort.SliceStable(r.Findings, func(i, j int) bool { return rank(r.Findings[i].Verdict) < rank(r.Findings[j].Verdict) })
	r.Verdict = Genuine
	if len(r.Findings) > 0 {
		r.Verdict = r.Findings[0].Verdict
	}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	return r
}

func holder(it *domain.Item) string {
	if it.Status == domain.StatusInTransit && it.OfferedTo != "" {
		return it.Owner + " (in transit to " + it.OfferedTo + ")"
	}
	return it.Owner
}

func lines(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = fmt.Sprintf("line %d", n)
	}
	return strings.Join(s, ", ")
}

// StatusNote is an item's status as a person should read it next to a
// verification result: "ACTIVE", "STOLEN since ...", "IN_TRANSIT to X
// since ...", plus a recall or hold in force ("ACTIVE, RECALLED (lot) since
// ..., ON HOLD by CustomsMSP since ...").
func StatusNote(it *domain.Item) string {
	var parts []string
	switch it.Status {
	case domain.StatusActive:
		parts = append(parts, "ACTIVE")
	case domain.StatusInTransit:
		parts = append(parts, fmt.Sprintf("IN_TRANSIT to %s since %s", it.OfferedTo, it.UpdatedAt))
	case domain.StatusDecommissioned:
		parts = append(parts, fmt.Sprintf("DECOMMISSIONED (%s) since %s", it.Reason, it.UpdatedAt))
	default:
		parts = append(parts, fmt.Sprintf("%s since %s", it.Status, it.UpdatedAt))
	}
	if rc := it.Recall; rc != nil {
		parts = append(parts, fmt.Sprintf("RECALLED (%s) since %s", rc.Scope, rc.At))
	}
	if h := it.Hold; h != nil {
		parts = append(parts, fmt.Sprintf("ON HOLD by %s since %s", h.By, h.At))
	}
	return strings.Join(parts, ", ")
}

// Alarming tells whether an item's status should stop a person who reads
// "verified": anything but ACTIVE or IN_TRANSIT without recall or hold.
func Alarming(it *domain.Item) bool {
	return (it.Status != domain.StatusActive && it.Status != domain.StatusInTransit) || it.Recall != nil || it.Hold != nil
}

func parseTime(s string) (time.Time, error) {
	ns, err := domain.ParseTimestamp(s)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(0, ns).UTC(), nil
}

// Evidence is a finding's reason with the transaction that shows it.
type Evidence struct {
	Reason string
	TxID   string
	At     string
}

// Clones applies the clone rule to one serial's sightings: two sightings at
// different GLNs whose times are at most th.CloneWindow apart. When both
// GLNs have coordinates, the pair counts only if covering the great-circle
// distance in that time needs more than th.MaxSpeedKmh. A GLN names a
// location as its reporter claims it: the verdict rests on the reporting
// organizations' word (they are named), not on cryptographic proof.
func Clones(ss []domain.Sighting, th Thresholds) []Evidence {
	if len(ss) < 2 || th.CloneWindow <= 0 {
		return nil
	}
	type sg struct {
		s  domain.Sighting
		at time.Time
	}
	var list []sg
	for _, s := range ss {
		if t, err := parseTime(s.At); err == nil {
			list = append(list, sg{s, t})
		}
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].at.Before(list[j].at) })
	var out []Evidence
	seen := map[string]bool{}
	for j := 1; j < len(list); j++ {
		b := list[j]
		for i := j - 1; i >= 0 && b.at.Sub(list[i].at) <= th.CloneWindow; i-- {
			a := list[i]
			if a.s.GLN == b.s.GLN {
				continue
			}
			dt := b.at.Sub(a.at)
			how := "different locations"
			ca, okA := th.Coords[a.s.GLN]
			cb, okB := th.Coords[b.s.GLN]
			if okA && okB {
				km := distanceKm(ca, cb)
				if dt > 0 && km/dt.Hours() <= th.MaxSpeedKmh {
					continue
				}
				how = fmt.Sprintf("%.0f km apart", km)
			}
			pair := a.s.TxID + "|" + b.s.TxID
			if seen[pair] {
				continue
			}
			seen[pair] = true
			out = append(out, Evidence{
				Reason: fmt.Sprintf("sighted at GLN %s by %s (%s) and at GLN %s by %s (%s), %s within %s (window %s)",
					a.s.GLN, a.s.ReporterMSP, a.s.At, b.s.GLN, b.s.ReporterMSP, b.s.At, how, dt.Round(time.Second), th.CloneWindow),
				TxID: b.s.TxID, At: b.s.At,
			})
			break // one pair per later sighting is evidence enough
		}
	}
	return out
}

func distanceKm(a, b LatLon) float64 {
	const r = 6371.0
	rad := func(d float64) float64 { return d * math.Pi / 180 }
	dLat, dLon := rad(b.Lat-a.Lat), rad(b.Lon-a.Lon)
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(rad(a.Lat))*math.Cos(rad(b.Lat))*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}

// Backwards lists custody events whose time is earlier than the event
// before them in sequence (block) order. The chaincode tolerates up to
// domain.EventTimeTolerance of honest clock drift, so such a history can be
// valid; beyond the tolerance verification fails its timestamps check.
func Backwards(events []domain.CustodyEvent) []Evidence {
	var out []Evidence
	var prev int64
	var prevEv domain.CustodyEvent
	for i, ev := range events {
		t, err := domain.ParseTimestamp(ev.Timestamp)
		if err != nil {
			continue
		}
		if i > 0 && t < prev {
			out = append(out, Evidence{
				Reason: fmt.Sprintf("event %d %s at %s is earlier than event %d %s at %s", ev.Seq, ev.Type, ev.Timestamp,
					prevEv.Seq, prevEv.Type, prevEv.Timestamp),
				TxID: ev.TxID, At: ev.Timestamp,
			})
		}
		prev, prevEv = t, ev
	}
	return out
}

package audit

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/verify"
)

const (
	gtin = "09506000134352"
	mfr  = "ManufacturerMSP"
	dist = "DistributorMSP"
	cust = "CustomsMSP"
)

var now = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

func key(serial string) string { return "01/" + gtin + "/21/" + serial }

func ts(d time.Duration) string { return domain.FormatTimestamp(now.Add(d).UnixNano()) }

func item(serial string, mod func(*domain.Item)) *domain.Item {
	it := &domain.Item{ID: key(serial), GTIN: gtin, Serial: serial, Manufacturer: mfr, Owner: dist,
		Status: domain.StatusActive, Seq: 2, UpdatedTx: "tx-" + serial, UpdatedAt: ts(-48 * time.Hour)}
	if mod != nil {
		mod(it)
	}
	return it
}

func sighting(serial, gln, by string, at time.Duration, tx string) domain.Sighting {
	return domain.Sighting{Item: key(serial), ReporterMSP: by, GLN: gln, Result: "suspect", TxID: tx, At: ts(at)}
}

const (
	glnA = "0614141000005"
	glnB = "0614141000012"
)

// TestJudge: one row per verdict rule, with the reason it must give and
// the evidence transaction.
func TestJudge(t *testing.T) {
	th := DefaultThresholds()
	th.TransitMax = 72 * time.Hour
	e := func(serial, presenter string) Entry { return Entry{Line: 7, Input: key(serial), Presenter: presenter} }
	facts := func(it *domain.Item) Facts { return Facts{Key: it.ID, Item: it, BrandOwner: mfr} }
	cases := []struct {
		name    string
		entry   Entry
		facts   Facts
		th      *Thresholds
		verdict Verdict
		reason  string // in the verdict's finding
		tx      string
		others  []Verdict // further findings, in severity order
	}{
		{"genuine", e("A", dist), facts(item("A", nil)), nil, Genuine, "", "", nil},
		{"invalid", Entry{Line: 3, Input: "01/09506000134353/21/X", Err: errors.New("INVALID_ID: check digit 3 should be 2")}, Facts{}, nil, InvalidID, "check digit", "", nil},
		{"unknown serial", e("Z", dist), Facts{Key: key("Z"), BrandOwner: mfr}, nil, UnknownSerial, "not registered (GTIN's company prefix is ManufacturerMSP's)", "", nil},
		{"unknown product", e("Z", dist), Facts{Key: key("Z")}, nil, UnknownSerial, "no organization holds the GTIN's company prefix", "", nil},
		{"not presented", Entry{Input: key("A"), Undeclared: true}, facts(item("A", nil)), nil, NotPresented, "not in the declaration", "tx-A", nil},
		{"brand mismatch", e("A", dist), Facts{Key: key("A"), Item: item("A", nil), BrandOwner: "RivalMSP"}, nil, BrandMismatch, "registered by ManufacturerMSP, but the GTIN's active company prefix is RivalMSP's", "", nil},
		{"stolen", e("A", dist), facts(item("A", func(i *domain.Item) { i.Status = domain.StatusStolen; i.UpdatedTx = "tx-stolen" })), nil, Stolen, "reported stolen by DistributorMSP since", "tx-stolen", nil},
		{"decommissioned", e("A", dist), facts(item("A", func(i *domain.Item) { i.Status = domain.StatusDecommissioned; i.Reason = "dispensed" })), nil, Decommissioned, "decommissioned (dispensed)", "tx-A", nil},
		{"recalled", e("A", dist), facts(item("A", func(i *domain.Item) {
			i.Recall = &domain.Recall{Scope: "lot", By: mfr, Reason: "contamination", TxID: "tx-recall", At: ts(-time.Hour)}
		})), nil, Recalled, "lot recall by ManufacturerMSP", "tx-recall", nil},
		{"on hold", e("A", dist), facts(item("A", func(i *domain.Item) {
			i.Hold = &domain.Hold{By: cust, Reason: "papers", TxID: "tx-hold", At: ts(-time.Hour)}
		})), nil, OnHold, "held by CustomsMSP", "tx-hold", nil},
		{"wrong presenter", e("A", cust), facts(item("A", nil)), nil, WrongPresenter, "presented by CustomsMSP, held by DistributorMSP", "tx-A", nil},
		{"recipient presents", e("A", cust), facts(item("A", func(i *domain.Item) {
			i.Status, i.OfferedTo = domain.StatusInTransit, cust
			i.Offer = &domain.Offer{TxID: "tx-offer", At: ts(-time.Hour)}
		})), nil, Genuine, "", "", nil},
		{"transit overdue", e("A", ""), facts(item("A", func(i *domain.Item) {
			i.Status, i.OfferedTo = domain.StatusInTransit, cust
			i.Offer = &domain.Offer{TxID: "tx-offer", At: ts(-100 * time.Hour)}
		})), nil, TransitOverdue, "in transit from DistributorMSP to CustomsMSP since", "tx-offer", nil},
		{"transit within threshold", e("A", ""), facts(item("A", func(i *domain.Item) {
			i.Status, i.OfferedTo = domain.StatusInTransit, cust
			i.Offer = &domain.Offer{TxID: "tx-offer", At: ts(-10 * time.Hour)}
		})), nil, Genuine, "", "", nil},
		{"clone by sightings", e("A", dist), func() Facts {
			f := facts(item("A", nil))
			f.Sightings = []domain.Sighting{sighting("A", glnA, cust, -3*time.Hour, "s1"), sighting("A", glnB, dist, -1*time.Hour, "s2")}
			return f
		}(), nil, LikelyClone, "sighted at GLN 0614141000005 by CustomsMSP", "s2", nil},
		{"same GLN is no clone", e("A", dist), func() Facts {
			f := facts(item("A", nil))
			f.Sightings = []domain.Sighting{sighting("A", glnA, cust, -3*time.Hour, "s1"), sighting("A", glnA, dist, -1*time.Hour, "s2")}
			return f
		}(), nil, Genuine, "", "", nil},
		{"outside the window is no clone", e("A", dist), func() Facts {
			f := facts(item("A", nil))
			f.Sightings = []domain.Sighting{sighting("A", glnA, cust, -50*time.Hour, "s1"), sighting("A", glnB, dist, -1*time.Hour, "s2")}
			return f
		}(), nil, Genuine, "", "", nil},
		{"located GLNs close enough", e("A", dist), func() Facts {
			f := facts(item("A", nil))
			f.Sightings = []domain.Sighting{sighting("A", glnA, cust, -3*time.Hour, "s1"), sighting("A", glnB, dist, -1*time.Hour, "s2")}
			return f
		}(), &Thresholds{CloneWindow: 24 * time.Hour, MaxSpeedKmh: 900, Coords: map[string]LatLon{glnA: {50.85, 4.35}, glnB: {51.22, 4.40}}}, Genuine, "", "", nil},
		{"located GLNs too far", e("A", dist), func() Facts {
			f := facts(item("A", nil))
			f.Sightings = []domain.Sighting{sighting("A", glnA, cust, -3*time.Hour, "s1"), sighting("A", glnB, dist, -1*time.Hour, "s2")}
			return f
		}(), &Thresholds{CloneWindow: 24 * time.Hour, MaxSpeedKmh: 900, Coords: map[string]LatLon{glnA: {50.85, 4.35}, glnB: {-33.87, 151.21}}}, LikelyClone, "km apart", "s2", nil},
		{"unregistered clone", e("Z", dist), Facts{Key: key("Z"), BrandOwner: mfr,
			Sightings: []domain.Sighting{sighting("Z", glnA, cust, -3*time.Hour, "s1"), sighting("Z", glnB, cust, -2*time.Hour, "s2")}},
			nil, LikelyClone, "by CustomsMSP", "s2", []Verdict{UnknownSerial}},
		{"declared twice", e("A", dist), Facts{Key: key("A"), Item: item("A", nil), BrandOwner: mfr, DuplicateOf: []int{9}}, nil, LikelyClone, "also on line 9", "", nil},
		{"stolen and held: stolen first", e("A", dist), facts(item("A", func(i *domain.Item) {
			i.Status = domain.StatusStolen
			i.Hold = &domain.Hold{By: cust, Reason: "r", TxID: "tx-hold", At: ts(-time.Hour)}
		})), nil, Stolen, "reported stolen", "tx-A", []Verdict{OnHold}},
		{"verification failed", e("A", dist), func() Facts {
			f := facts(item("A", nil))
			f.Report = &verify.Report{Steps: []verify.Step{{Check: verify.CheckEndorsements, Subject: "seq 2 OFFERED", Detail: "bad signature", TxID: "tx-bad"}, {Check: verify.CheckWriteSet, OK: true}}}
			return f
		}(), nil, VerifyFailed, "check endorsements failed on seq 2 OFFERED: bad signature", "tx-bad", nil},
		{"timestamps check failed", e("A", dist), func() Facts {
			f := facts(item("A", nil))
			f.Report = &verify.Report{Steps: []verify.Step{{Check: verify.CheckTimestamps, Subject: "record", Detail: "seq 3 is 10m0s before seq 2", TxID: "tx-3"}}}
			return f
		}(), nil, OutOfOrder, "check timestamps failed", "tx-3", nil},
		{"events backwards within tolerance", e("A", dist), func() Facts {
			f := facts(item("A", nil))
			f.Report = &verify.Report{OK: true}
			f.Events = []domain.CustodyEvent{{Seq: 1, Type: domain.EventRegistered, Timestamp: ts(-time.Hour), TxID: "t1"},
				{Seq: 2, Type: domain.EventOffered, Timestamp: ts(-time.Hour - time.Minute), TxID: "t2"}}
			return f
		}(), nil, OutOfOrder, "event 2 OFFERED at", "t2", nil},
		{"unverified", e("A", dist), func() Facts {
			f := facts(item("A", nil))
			f.VerifyErr = errors.New("peer down")
			return f
		}(), nil, Unverified, "verification could not run: peer down", "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			use := th
			if c.th != nil {
				use = *c.th
			}
			r := Judge(c.entry, c.facts, use, now)
			if r.Verdict != c.verdict {
				t.Fatalf("verdict %s, want %s (findings %+v)", r.Verdict, c.verdict, r.Findings)
			}
			if r.Line != c.entry.Line {
				t.Errorf("line %d", r.Line)
			}
			if c.verdict == Genuine {
				if len(r.Findings) != 0 {
					t.Errorf("genuine with findings %+v", r.Findings)
				}
				return
			}
			f := r.Findings[0]
			if !strings.Contains(f.Reason, c.reason) || f.TxID != c.tx {
				t.Errorf("finding %+v, want reason with %q and tx %q", f, c.reason, c.tx)
			}
			var rest []Verdict
			for _, g := range r.Findings[1:] {
				rest = append(rest, g.Verdict)
			}
			if fmt.Sprint(rest) != fmt.Sprint(c.others) {
				t.Errorf("further findings %v, want %v", rest, c.others)
			}
		})
	}
}

func TestStatusNote(t *testing.T) {
	it := item("A", func(i *domain.Item) {
		i.Status = domain.StatusStolen
		i.Recall = &domain.Recall{Scope: "item", At: "2026-12-01T00:00:00Z"}
	})
	if got := StatusNote(it); got != "STOLEN since "+it.UpdatedAt+", RECALLED (item) since 2026-12-01T00:00:00Z" || !Alarming(it) {
		t.Errorf("note %q", got)
	}
	if a := item("B", nil); StatusNote(a) != "ACTIVE" || Alarming(a) {
		t.Errorf("active: %q", StatusNote(a))
	}
}

// fakeQ answers GetItems, GetPrefix, ListSightings and ListItems from maps
// and counts calls.
type fakeQ struct {
	items     map[string]*domain.Item
	prefixes  map[string]*domain.Prefix
	sightings []domain.Sighting
	listed    []domain.Item
	calls     map[string]int
	maxIDs    int
	mu        sync.Mutex
}

func (q *fakeQ) Evaluate(_ context.Context, fn string, args ...string) ([]byte, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.calls[fn]++
	switch fn {
	case "GetItems":
		var ids []string
		_ = json.Unmarshal([]byte(args[0]), &ids)
		if len(ids) > domain.MaxBatch {
			return nil, domain.Errorf(domain.CodeBatchTooLarge, "too many")
		}
		q.maxIDs = max(q.maxIDs, len(ids))
		out := make([]*domain.Item, len(ids))
		for i, id := range ids {
			out[i] = q.items[id]
		}
		return json.Marshal(out)
	case "GetPrefix":
		if p, ok := q.prefixes[args[0]]; ok {
			return json.Marshal(p)
		}
		return nil, domain.Errorf(domain.CodeNotFound, "prefix %s was never claimed", args[0])
	case "ListSightings":
		var page domain.SightingPage
		for _, s := range q.sightings {
			if strings.Contains(s.Item, "/"+args[0]+"/") {
				page.Sightings = append(page.Sightings, s)
			}
		}
		return json.Marshal(page)
	case "ListItems":
		return json.Marshal(domain.ItemPage{Items: q.listed})
	}
	return nil, fmt.Errorf("unexpected %s", fn)
}

// TestRun: a declaration of 2,500 lines costs three GetItems calls, one
// ListSightings per GTIN and the GTIN's prefix candidates; line numbers,
// duplicates, selection and counts come out right.
func TestRun(t *testing.T) {
	q := &fakeQ{items: map[string]*domain.Item{}, calls: map[string]int{},
		prefixes: map[string]*domain.Prefix{"9506000": {Prefix: "9506000", Owner: mfr, Status: domain.PrefixActive}}}
	var entries []Entry
	for i := 0; i < 2500; i++ {
		s := fmt.Sprintf("S%d", i)
		q.items[key(s)] = item(s, nil)
		entries = append(entries, Entry{Line: i + 2, Input: key(s), Presenter: dist})
	}
	q.items[key("S5")].Status = domain.StatusStolen
	entries = append(entries,
		Entry{Line: 3000, Input: "01/09506000134353/21/X", Err: errors.New("INVALID_ID: check digit")},
		Entry{Line: 3001, Input: key("NEW"), Presenter: dist},
		Entry{Line: 3002, Input: "(01)09506000134352(21)S7", Presenter: dist}) // S7 again, another spelling
	q.listed = []domain.Item{*item("S1", nil), *item("EXTRA", nil)}
	q.items[key("EXTRA")] = item("EXTRA", nil)
	rep, err := Run(context.Background(), q, entries, Options{Thresholds: DefaultThresholds(), Now: now, Selection: []string{key("S1"), key("EXTRA")}})
	if err != nil {
		t.Fatal(err)
	}
	if q.calls["GetItems"] != 3 || q.maxIDs != domain.MaxBatch || q.calls["ListSightings"] != 1 || q.calls["GetPrefix"] != len(domain.CompanyPrefixCandidates(gtin)) {
		t.Errorf("calls %v (largest GetItems %d)", q.calls, q.maxIDs)
	}
	byLine := map[int]Result{}
	for _, r := range rep.Results {
		byLine[r.Line] = r
	}
	want := map[int]Verdict{2: Genuine, 7: Stolen, 9: LikelyClone, 3000: InvalidID, 3001: UnknownSerial, 3002: LikelyClone}
	for l, v := range want {
		if byLine[l].Verdict != v {
			t.Errorf("line %d: %s, want %s (%s)", l, byLine[l].Verdict, v, byLine[l].Reasons())
		}
	}
	if r := byLine[3002]; !strings.Contains(r.Reasons(), "also on line 9") || r.Item != key("S7") {
		t.Errorf("line 3002: %+v", r)
	}
	last := rep.Results[len(rep.Results)-1]
	if last.Line != 0 || last.Item != key("EXTRA") || last.Verdict != NotPresented || len(rep.Results) != len(entries)+1 {
		t.Errorf("selection: last %+v, %d results", last, len(rep.Results))
	}
	counts := map[Verdict]int{}
	for _, c := range rep.Counts {
		counts[c.Verdict] = c.Lines
	}
	if counts[Genuine] != 2498 || counts[LikelyClone] != 2 || counts[Stolen] != 1 || counts[NotPresented] != 1 || !rep.Suspect {
		t.Errorf("counts %v", rep.Counts)
	}
}

// TestRunBlocks: every finding's transaction gets its block.
func TestRunBlocks(t *testing.T) {
	q := &fakeQ{items: map[string]*domain.Item{key("A"): item("A", func(i *domain.Item) { i.Status = domain.StatusStolen })}, calls: map[string]int{},
		prefixes: map[string]*domain.Prefix{"9506000": {Prefix: "9506000", Owner: mfr, Status: domain.PrefixActive}}}
	var asked atomic.Int32
	rep, err := Run(context.Background(), q, []Entry{{Line: 1, Input: key("A")}, {Line: 2, Input: key("A")}}, Options{Now: now, Thresholds: DefaultThresholds(),
		BlockOf: func(_ context.Context, tx string) (uint64, error) { asked.Add(1); return 42, nil }})
	if err != nil {
		t.Fatal(err)
	}
	f := rep.Results[0].Findings
	if asked.Load() != 1 || len(f) != 2 || f[1].Verdict != Stolen || !f[1].BlockKnown || f[1].Block != 42 || f[1].TxID != "tx-A" {
		t.Errorf("asked %d, findings %+v", asked.Load(), f)
	}
}

// TestHTMLSelfContained: the page names every finding's transaction and
// block and loads nothing from elsewhere.
func TestHTMLSelfContained(t *testing.T) {
	rep := &Report{Generated: "2026-12-02T12:00:00Z", Source: "decl.csv", Suspect: true, Thresholds: describe(DefaultThresholds()),
		Counts: []Count{{Stolen, 1}, {Genuine, 1}},
		Results: []Result{
			{Line: 4, Item: key("A"), Verdict: Stolen, Status: "STOLEN since x", Findings: []Finding{{Verdict: Stolen, Reason: "reported stolen <b>", TxID: "abc123", Block: 17, BlockKnown: true}}},
			{Line: 5, Item: key("B"), Verdict: Genuine, Status: "ACTIVE", Findings: []Finding{}},
		}}
	var b bytes.Buffer
	if err := WriteHTML(&b, rep); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{"abc123", "<td>17</td>", "reported stolen &lt;b&gt;", key("B"), "decl.csv", "STOLEN"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, bad := range []string{"http:", "https:", "src=", "<script", "<link", "url(", "@import"} {
		if strings.Contains(strings.ToLower(page), bad) {
			t.Errorf("page has external or active content %q", bad)
		}
	}
	var c bytes.Buffer
	if err := WriteCSV(&c, rep); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&c).ReadAll()
	if err != nil || len(recs) != 3 || recs[1][0] != "4" || recs[1][4] != "STOLEN" || recs[1][9] != "abc123@17" {
		t.Errorf("csv %v %v", recs, err)
	}
}

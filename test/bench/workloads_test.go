package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/audit"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/verify"
)

// The suite's workloads beyond registration and single-item custody
// (BenchmarkSuite runs them in this order).

// openLoop offers single items at 70 % of the closed loop's peak (the
// custody phase's offer tx/s) for about ten seconds.
func (s *suite) openLoop(peak float64) {
	if peak <= 0 {
		s.b.Log("open loop skipped: it needs the custody workload's closed-loop peak")
		return
	}
	rate := 0.7 * peak
	n := min(max(int(rate*10), 100), 400)
	ids := s.ids("O", n)
	s.setup(s.mfr, nil, ids)
	s.add(s.open("offer-open", s.mfr, rate, n, func(i int) (string, []string) {
		return "OfferTransfer", []string{mustJSON(s.b, []string{ids[i]}), "DistributorMSP"}
	}))
}

// lone times single-item offers one after the other (one client, the
// network otherwise idle but for the machine's other load): a lone
// submit's latency, ours and the reference's.
func (s *suite) lone() {
	const n = 20
	ids := s.ids("L", n)
	s.setup(s.mfr, s.refM, ids)
	s.add(
		s.phase("offer-lone", "provenance", s.mfr, 1, n, 1, func(i int) (string, []string) {
			return "OfferTransfer", []string{mustJSON(s.b, []string{ids[i]}), "DistributorMSP"}
		}),
		s.phase("offer-lone", refName, s.refM, 1, n, 1, func(i int) (string, []string) {
			return "Offer", []string{ids[i], "DistributorMSP"}
		}),
	)
}

// batches offers loose items 10, 100 and 1,000 per transaction, ours and
// the reference's (one read, one write per item).
func (s *suite) batches() {
	sizes := []struct{ per, tx, workers int }{{10, 30, 4}, {100, 6, 2}, {1000, 1, 1}}
	total := 0
	for _, z := range sizes {
		total += z.per * z.tx
	}
	ids := s.ids("B", total)
	s.setup(s.mfr, s.refM, ids)
	s.loose = ids
	next := ids
	for _, z := range sizes {
		mine := next[:z.per*z.tx]
		next = next[z.per*z.tx:]
		chunk := func(i int) string { return mustJSON(s.b, mine[i*z.per:(i+1)*z.per]) }
		name := fmt.Sprintf("offer-%d", z.per)
		s.add(
			s.phase(name, "provenance", s.mfr, z.workers, z.tx, z.per, func(i int) (string, []string) {
				return "OfferTransfer", []string{chunk(i), "DistributorMSP"}
			}),
			s.phase(name, refName, s.refM, z.workers, z.tx, z.per, func(i int) (string, []string) {
				return "OfferBatch", []string{chunk(i), "DistributorMSP"}
			}),
		)
	}
}

// sscc is a unit ID under benchPrefix: extension digit 1, the prefix,
// a 9-digit serial reference, check digit.
func (s *suite) sscc(ref int) string {
	body := fmt.Sprintf("1%s%09d", benchPrefix, ref)
	d, err := domain.CheckDigit(body)
	if err != nil {
		s.b.Fatal(err)
	}
	return fmt.Sprintf("00/%s%d", body, d)
}

// units packs n units of 10 items and n of 1,000, then offers and accepts
// each unit (one subject per transaction, whatever it holds); the
// reference moves n single items with the same clients. The cost of a move
// must not grow with the contents: the unit ratio table compares 1,000
// inside with 10 inside.
func (s *suite) units(n int) {
	base := int(time.Now().Unix()%1_000_000) * 100
	sizes := []int{10, 1000}
	units := map[int][]string{}
	contents := map[int][]string{}
	var all []string
	for k, per := range sizes {
		contents[per] = s.ids(fmt.Sprintf("U%d-", per), n*per)
		all = append(all, contents[per]...)
		for i := 0; i < n; i++ {
			units[per] = append(units[per], s.sscc(base+k*n+i))
		}
	}
	refIDs := s.ids("UR", n)
	s.setup(s.mfr, nil, all)
	if _, err := s.refM.Submit(context.Background(), "Register", mustJSON(s.b, refIDs)); err != nil {
		s.b.Fatalf("register in %s: %v", refName, err)
	}
	// Packing is setup (its cost is the registration's: new keys only):
	// each unit filled setupBatch items per transaction (a unit can be
	// refilled), for the reason setupBatch gives, one client per unit.
	t0 := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for _, per := range sizes {
		for u := 0; u < n; u++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				mine := contents[per][u*per : (u+1)*per]
				for lo := 0; lo < per; lo += setupBatch {
					c := mine[lo:min(per, lo+setupBatch)]
					// The unit's previous fill committed on the manufacturer's
					// peer; the others may be a block behind (endorsements
					// differ): ask again shortly.
					var err error
					for try := 0; try < 20; try++ {
						if _, err = s.mfr.Submit(context.Background(), "PackUnit", units[per][u], mustJSON(s.b, c)); err == nil ||
							!strings.Contains(err.Error(), "do not match") {
							break
						}
						time.Sleep(250 * time.Millisecond)
					}
					if err != nil {
						errs <- fmt.Errorf("pack %s: %w", units[per][u], err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		s.b.Fatal(err)
	}
	s.b.Logf("packed %d units of 10 and %d of 1,000 items in %v", n, n, time.Since(t0).Round(time.Millisecond))
	waitPeers(s.b, s.nw)
	for _, per := range sizes {
		r := s.phase(fmt.Sprintf("unit-offer-%d", per), "provenance", s.mfr, n, n, 1, func(i int) (string, []string) {
			return "OfferTransfer", []string{mustJSON(s.b, []string{units[per][i]}), "DistributorMSP"}
		})
		r.Ref = "unit-offer"
		s.add(r)
	}
	s.add(s.phase("unit-offer", refName, s.refM, n, n, 1, func(i int) (string, []string) {
		return "Offer", []string{refIDs[i], "DistributorMSP"}
	}))
	waitPeers(s.b, s.nw)
	for _, per := range sizes {
		r := s.phase(fmt.Sprintf("unit-accept-%d", per), "provenance", s.dist, n, n, 1, func(i int) (string, []string) {
			return "AcceptTransfer", []string{mustJSON(s.b, []string{units[per][i]})}
		})
		r.Ref = "unit-accept"
		s.add(r)
	}
	s.add(s.phase("unit-accept", refName, s.refD, n, n, 1, func(i int) (string, []string) {
		return "Accept", []string{refIDs[i]}
	}))
}

// items are the run's items for the read workloads: the custody phases'
// (ACTIVE with the distributor), else 600 new ones.
func (s *suite) items() []string {
	if len(s.pool) == 0 {
		s.poolOwner = "ManufacturerMSP"
		s.pool = s.ids("Q", 600)
		s.setup(s.mfr, nil, s.pool)
	}
	return s.pool
}

// history reads items' custody histories: one GetHistory page per item
// from the closed loop's clients, and GetHistories of 100 items at a time.
func (s *suite) history() {
	ids := s.items()
	ctx := context.Background()
	s.add(s.queries("history", s.conc, len(ids), func(i int) (int, error) {
		out, err := s.dist.Evaluate(ctx, "GetHistory", ids[i], "1", "100")
		if err != nil {
			return 0, err
		}
		var p domain.HistoryPage
		if err := json.Unmarshal(out, &p); err != nil || len(p.Events) == 0 {
			return 0, fmt.Errorf("history of %s: %d events (%v)", ids[i], len(p.Events), err)
		}
		return len(p.Events), nil
	}))
	const per = 100
	chunks := max(1, len(ids)/per)
	s.add(s.queries("histories-100", 4, 4*chunks, func(i int) (int, error) {
		c := ids[(i%chunks)*per : min(len(ids), (i%chunks+1)*per)]
		out, err := s.dist.Evaluate(ctx, "GetHistories", mustJSON(s.b, c), "100")
		if err != nil {
			return 0, err
		}
		var pages []*domain.HistoryPage
		if err := json.Unmarshal(out, &pages); err != nil || len(pages) != len(c) {
			return 0, fmt.Errorf("GetHistories: %d pages for %d items (%v)", len(pages), len(c), err)
		}
		n := 0
		for _, p := range pages {
			if p == nil {
				return 0, fmt.Errorf("GetHistories: an item without history")
			}
			n += len(p.Events)
		}
		return n, nil
	}))
}

// list walks ListItems by the run's GTIN in pages of 100 (one client
// following the bookmarks, at most 30 pages), then asks for those pages
// again from 8 clients.
func (s *suite) list() {
	s.items()
	ctx := context.Background()
	const maxPages = 30
	bookmarks := []string{""}
	page := func(bm string) (domain.ItemPage, error) {
		var p domain.ItemPage
		out, err := s.dist.Evaluate(ctx, "ListItems", "gtin", s.gtin, "100", bm)
		if err == nil {
			err = json.Unmarshal(out, &p)
		}
		if err == nil && len(p.Items) == 0 {
			err = fmt.Errorf("ListItems gtin %s: an empty page", s.gtin)
		}
		return p, err
	}
	s.add(s.measure(newResult("list-walk", "provenance", "query", 1, 0, 0), func(c *collector) {
		for len(bookmarks) <= maxPages {
			t := time.Now()
			p, err := page(bookmarks[len(bookmarks)-1])
			c.query(time.Since(t), len(p.Items), err)
			c.r.Tx++
			if err != nil || p.Bookmark == "" {
				return
			}
			bookmarks = append(bookmarks, p.Bookmark)
		}
	}))
	s.add(s.queries("list-pages", 8, 4*len(bookmarks), func(i int) (int, error) {
		p, err := page(bookmarks[i%len(bookmarks)])
		return len(p.Items), err
	}))
}

// verify verifies items as `prov verify` does (client/verify over the
// distributor's gateway, a fresh cache per verification as in a new prov
// process; the connection is reused), from 4 clients.
func (s *suite) verify() {
	ids := s.items()
	ctx := context.Background()
	n := min(len(ids), 40)
	s.add(s.queries("verify", 4, n, func(i int) (int, error) {
		rep, err := verify.NewOnline(s.dist, gateway.Timeouts{}).Verify(ctx, ids[i], verify.OnlineOptions{})
		if err != nil {
			return 0, err
		}
		if !rep.OK {
			return 0, fmt.Errorf("verify %s: failed steps %+v", ids[i], rep.Failed())
		}
		return 1, nil
	}))
}

// audit runs a status audit (prov audit's client/audit, 4 parallel
// queries, as customs) of every loose item of the run, presented by its
// holder or recipient, twice; then an audit --verify of 100 of them, once.
func (s *suite) audit() {
	pool := s.items()
	ids := append(append([]string{}, pool...), s.loose...)
	cus := connect(s.b, s.nw, "customs")
	ctx := context.Background()
	entries := func(ids []string) []audit.Entry {
		out := make([]audit.Entry, len(ids))
		for i, id := range ids {
			p := "DistributorMSP" // the loose items' recipient
			if i < len(pool) {
				p = s.poolOwner
			}
			out[i] = audit.Entry{Line: i + 1, Input: id, Presenter: p}
		}
		return out
	}
	opts := audit.Options{Thresholds: audit.Thresholds{TransitMax: 14 * 24 * time.Hour, CloneWindow: 24 * time.Hour, MaxSpeedKmh: 900},
		Concurrency: 4}
	run := func(ids []string, o audit.Options) (int, error) {
		o.Now = time.Now()
		rep, err := audit.Run(ctx, cus, entries(ids), o)
		if err != nil {
			return 0, err
		}
		if len(rep.Results) != len(ids) {
			return 0, fmt.Errorf("audit: %d results for %d items", len(rep.Results), len(ids))
		}
		if rep.Suspect {
			return 0, fmt.Errorf("audit: suspect lines %+v", rep.Counts)
		}
		if o.Verify != nil {
			for _, r := range rep.Results {
				if !r.Verified {
					return 0, fmt.Errorf("audit --verify: line %d not verified", r.Line)
				}
			}
		}
		return len(ids), nil
	}
	s.add(s.queries(fmt.Sprintf("audit-%d", len(ids)), 1, 2, func(int) (int, error) { return run(ids, opts) }))

	few := ids[:min(100, len(ids))]
	s.add(s.queries(fmt.Sprintf("audit-verify-%d", len(few)), 1, 1, func(int) (int, error) {
		v := verify.NewOnline(cus, gateway.Timeouts{})
		o := opts
		o.Verify = func(ctx context.Context, key string) (*verify.Report, error) {
			return v.Verify(ctx, key, verify.OnlineOptions{})
		}
		o.History = func(ctx context.Context, key string) ([]domain.CustodyEvent, error) {
			return verify.ReadHistory(ctx, v.Ledger(), key)
		}
		o.Prefetch = func(ctx context.Context, keys []string) {
			verify.PrefetchHistories(ctx, v.Ledger(), keys, 4)
		}
		return run(few, o)
	}))
}

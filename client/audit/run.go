package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/verify"
)

// Querier evaluates chaincode queries (gateway.Ledger is one).
type Querier interface {
	Evaluate(ctx context.Context, fn string, args ...string) ([]byte, error)
}

// Options of a run.
type Options struct {
	Thresholds
	// Now is the audit's clock (transit threshold, report time).
	Now time.Time
	// Concurrency bounds parallel ledger calls and verifications; 0 means 4.
	Concurrency int
	// MaxSightings bounds the sightings read per GTIN (a member can record
	// any number); 0 means 20000. A cut-off list is a report warning.
	MaxSightings int
	// Verify verifies one item's custody record; nil audits statuses only.
	Verify func(ctx context.Context, key string) (*verify.Report, error)
	// History reads an item's custody events (event order); nil skips it.
	History func(ctx context.Context, key string) ([]domain.CustodyEvent, error)
	// Prefetch, when set, is called once with every registered item's key
	// before Verify and History run (to read their histories in batches).
	Prefetch func(ctx context.Context, keys []string)
	// BlockOf finds the block of a finding's transaction; nil leaves block
	// numbers out.
	BlockOf func(ctx context.Context, txID string) (uint64, error)
	// Selection are canonical keys selected on the ledger (by owner, GTIN or
	// lot). With a declaration, the selected items it does not list are
	// NOT_PRESENTED lines; without one, they are the audit.
	Selection []string
}

// Count is the number of lines with one verdict.
type Count struct {
	Verdict Verdict `json:"verdict"`
	Lines   int     `json:"lines"`
}

// Report is an audit's outcome.
type Report struct {
	Generated  string   `json:"generated"`
	Source     string   `json:"source,omitempty"`
	Verified   bool     `json:"verified"` // custody records verified (--verify)
	Thresholds []string `json:"thresholds"`
	Suspect    bool     `json:"suspect"` // any line's verdict is not GENUINE
	Counts     []Count  `json:"counts"`
	Results    []Result `json:"results"`
	Warnings   []string `json:"warnings,omitempty"`
}

// Run audits the entries (declaration lines in order; Options.Selection
// adds ledger items).
func Run(ctx context.Context, q Querier, entries []Entry, opts Options) (*Report, error) {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.MaxSightings <= 0 {
		opts.MaxSightings = 20000
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now().UTC()
	}
	entries = withSelection(entries, opts.Selection)
	keys := make([]string, len(entries))
	byKey := map[string][]int{} // key -> declaration lines
	var unique []string
	gtins := map[string]bool{}
	for i := range entries {
		e := &entries[i]
		if e.Err != nil {
			continue
		}
		id, err := domain.ParseIdentifier(e.Input)
		if err != nil {
			e.Err = err
			continue
		}
		keys[i] = id.Key()
		if _, ok := byKey[keys[i]]; !ok {
			unique = append(unique, keys[i])
		}
		byKey[keys[i]] = append(byKey[keys[i]], e.Line)
		gtins[id.GTIN] = true
	}
	rep := &Report{Generated: opts.Now.Format(time.RFC3339), Verified: opts.Verify != nil, Thresholds: describe(opts.Thresholds)}
	// Statuses, brand owners and sightings are independent reads: at
	// once, so that one item's check costs one round trip of them, not three.
	gl := sortedKeys(gtins)
	var (
		items     map[string]*domain.Item
		brands    map[string]string
		sightings map[string][]domain.Sighting
		warns     []string
	)
	reads := []func(context.Context) error{
		func(ctx context.Context) (err error) { items, err = Items(ctx, q, unique, opts.Concurrency); return },
		func(ctx context.Context) (err error) { brands, err = brandOwners(ctx, q, gl); return },
		func(ctx context.Context) (err error) {
			sightings, warns, err = listSightings(ctx, q, gl, opts.MaxSightings)
			return
		},
	}
	if err := parallel(ctx, len(reads), len(reads), func(ctx context.Context, i int) error { return reads[i](ctx) }); err != nil {
		return nil, err
	}
	rep.Warnings = append(rep.Warnings, warns...)
	facts := make(map[string]*Facts, len(unique))
	for _, k := range unique {
		id, _ := domain.ParseItemKey(k)
		facts[k] = &Facts{Key: k, Item: items[k], BrandOwner: brands[id.GTIN], Sightings: sightings[k]}
	}
	if err := verifyAll(ctx, facts, unique, opts); err != nil {
		return nil, err
	}
	for i, e := range entries {
		f := Facts{}
		if keys[i] != "" {
			f = *facts[keys[i]]
			for _, l := range byKey[keys[i]] {
				if l != e.Line && l > 0 {
					f.DuplicateOf = append(f.DuplicateOf, l)
				}
			}
		}
		rep.Results = append(rep.Results, Judge(e, f, opts.Thresholds, opts.Now))
	}
	if opts.BlockOf != nil {
		if err := fillBlocks(ctx, rep.Results, opts); err != nil {
			rep.Warnings = append(rep.Warnings, err.Error())
		}
	}
	counts := map[Verdict]int{}
	for _, r := range rep.Results {
		counts[r.Verdict]++
		rep.Suspect = rep.Suspect || r.Verdict.Suspect()
	}
	for _, v := range Severity {
		if counts[v] > 0 {
			rep.Counts = append(rep.Counts, Count{Verdict: v, Lines: counts[v]})
		}
	}
	if rep.Results == nil {
		rep.Results = []Result{}
	}
	return rep, nil
}

// withSelection appends the selected items the declaration does not list
// (marked Undeclared), or makes the selection the audit when there is no
// declaration.
func withSelection(entries []Entry, sel []string) []Entry {
	if len(sel) == 0 {
		return entries
	}
	declared := map[string]bool{}
	for _, e := range entries {
		if id, err := domain.ParseIdentifier(e.Input); err == nil && e.Err == nil {
			declared[id.Key()] = true
		}
	}
	hasDecl := len(entries) > 0
	for _, k := range sel {
		if !declared[k] {
			entries = append(entries, Entry{Input: k, Undeclared: hasDecl})
			declared[k] = true
		}
	}
	return entries
}

func describe(th Thresholds) []string {
	out := []string{
		"transit: at most " + th.TransitMax.String(),
		"clone: two sightings at different GLNs within " + th.CloneWindow.String(),
	}
	if len(th.Coords) > 0 {
		out[1] += fmt.Sprintf(" (GLNs with coordinates: only when faster than %.0f km/h; %d GLNs located)", th.MaxSpeedKmh, len(th.Coords))
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Items reads the items' records (canonical keys) with GetItems,
// domain.MaxBatch IDs per call, calls in parallel; unregistered ones are
// absent.
func Items(ctx context.Context, q Querier, keys []string, conc int) (map[string]*domain.Item, error) {
	out := make(map[string]*domain.Item, len(keys))
	var mu sync.Mutex
	var chunks [][]string
	for lo := 0; lo < len(keys); lo += domain.MaxBatch {
		chunks = append(chunks, keys[lo:min(lo+domain.MaxBatch, len(keys))])
	}
	err := parallel(ctx, len(chunks), conc, func(ctx context.Context, i int) error {
		arg, _ := json.Marshal(chunks[i])
		b, err := q.Evaluate(ctx, "GetItems", string(arg))
		if err != nil {
			return fmt.Errorf("GetItems: %w", err)
		}
		var got []*domain.Item
		if err := json.Unmarshal(b, &got); err != nil || len(got) != len(chunks[i]) {
			return fmt.Errorf("GetItems: %d answers for %d IDs (%v)", len(got), len(chunks[i]), err)
		}
		mu.Lock()
		defer mu.Unlock()
		for j, it := range got {
			// An answer for another item than asked is not believed.
			if it != nil && it.ID != chunks[i][j] {
				return fmt.Errorf("GetItems answered %s for %s", it.ID, chunks[i][j])
			}
			out[chunks[i][j]] = it
		}
		return nil
	})
	return out, err
}

// brandOwners maps each GTIN to the owner of its active company prefix.
func brandOwners(ctx context.Context, q Querier, gtins []string) (map[string]string, error) {
	type job struct{ gtin, prefix string }
	var jobs []job
	for _, g := range gtins {
		for _, c := range domain.CompanyPrefixCandidates(g) {
			jobs = append(jobs, job{g, c})
		}
	}
	found := make([]*domain.Prefix, len(jobs))
	err := parallel(ctx, len(jobs), 8, func(ctx context.Context, i int) error {
		b, err := q.Evaluate(ctx, "GetPrefix", jobs[i].prefix)
		if err != nil {
			switch domain.CodeOf(err) {
			case domain.CodeNotFound, domain.CodeInvalidID, domain.CodeInvalidArgument:
				return nil
			}
			return fmt.Errorf("GetPrefix %s: %w", jobs[i].prefix, err)
		}
		var p domain.Prefix
		if err := json.Unmarshal(b, &p); err != nil {
			return fmt.Errorf("GetPrefix %s: %w", jobs[i].prefix, err)
		}
		found[i] = &p
		return nil
	})
	out := map[string]string{}
	for i, p := range found {
		if p != nil && p.Status == domain.PrefixActive && p.Prefix == jobs[i].prefix && out[jobs[i].gtin] == "" {
			out[jobs[i].gtin] = p.Owner
		}
	}
	return out, err
}

// listSightings reads every sighting of the GTINs (ListSightings), at most
// max per GTIN, grouped by item key.
func listSightings(ctx context.Context, q Querier, gtins []string, max int) (map[string][]domain.Sighting, []string, error) {
	per := make([][]domain.Sighting, len(gtins))
	cut := make([]bool, len(gtins))
	err := parallel(ctx, len(gtins), 4, func(ctx context.Context, i int) error {
		bm := ""
		for {
			b, err := q.Evaluate(ctx, "ListSightings", gtins[i], fmt.Sprint(domain.MaxPageSize), bm)
			if err != nil {
				return fmt.Errorf("ListSightings %s: %w", gtins[i], err)
			}
			var page domain.SightingPage
			if err := json.Unmarshal(b, &page); err != nil {
				return fmt.Errorf("ListSightings %s: %w", gtins[i], err)
			}
			per[i] = append(per[i], page.Sightings...)
			if page.Bookmark == "" || len(page.Sightings) == 0 {
				return nil
			}
			if len(per[i]) >= max {
				cut[i] = true
				return nil
			}
			bm = page.Bookmark
		}
	})
	out := map[string][]domain.Sighting{}
	var warns []string
	for i, ss := range per {
		if cut[i] {
			warns = append(warns, fmt.Sprintf("GTIN %s: more than %d sightings, only the first %d (by serial) were read", gtins[i], max, len(ss)))
		}
		for _, s := range ss {
			out[s.Item] = append(out[s.Item], s)
		}
	}
	return out, warns, err
}

// verifyAll verifies every registered item (Options.Verify) and reads its
// history (Options.History), in parallel.
func verifyAll(ctx context.Context, facts map[string]*Facts, keys []string, opts Options) error {
	if opts.Verify == nil && opts.History == nil {
		return nil
	}
	var reg []*Facts
	var regKeys []string
	for _, k := range keys {
		if facts[k].Item != nil {
			reg = append(reg, facts[k])
			regKeys = append(regKeys, k)
		}
	}
	if opts.Prefetch != nil {
		opts.Prefetch(ctx, regKeys)
	}
	return parallel(ctx, len(reg), opts.Concurrency, func(ctx context.Context, i int) error {
		f := reg[i]
		if opts.History != nil {
			evs, err := opts.History(ctx, f.Key)
			if err != nil {
				f.VerifyErr = err
				return nil
			}
			f.Events = evs
		}
		if opts.Verify != nil {
			f.Report, f.VerifyErr = opts.Verify(ctx, f.Key)
		}
		return nil
	})
}

// fillBlocks looks up the block of every suspect finding's transaction.
func fillBlocks(ctx context.Context, results []Result, opts Options) error {
	blocks := map[string]uint64{}
	var txs []string
	for _, r := range results {
		for _, f := range r.Findings {
			if _, ok := blocks[f.TxID]; f.TxID != "" && !ok {
				blocks[f.TxID] = 0
				txs = append(txs, f.TxID)
			}
		}
	}
	got := make([]uint64, len(txs))
	ok := make([]bool, len(txs))
	var firstErr error
	var mu sync.Mutex
	_ = parallel(ctx, len(txs), opts.Concurrency, func(ctx context.Context, i int) error {
		n, err := opts.BlockOf(ctx, txs[i])
		if err != nil {
			mu.Lock()
			if firstErr == nil {
				firstErr = fmt.Errorf("block of transaction %s: %w", txs[i], err)
			}
			mu.Unlock()
			return nil
		}
		got[i], ok[i] = n, true
		return nil
	})
	idx := map[string]int{}
	for i, t := range txs {
		idx[t] = i
	}
	for ri := range results {
		for fi := range results[ri].Findings {
			f := &results[ri].Findings[fi]
			if i, has := idx[f.TxID]; has && ok[i] {
				f.Block, f.BlockKnown = got[i], true
			}
		}
	}
	return firstErr
}

// parallel runs fn(0..n-1) with at most conc at once; the first error
// cancels the rest and is returned.
func parallel(ctx context.Context, n, conc int, fn func(context.Context, int) error) error {
	if n == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, max(conc, 1))
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for i := 0; i < n; i++ {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(ctx, i); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		}(i)
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return first
}

// Select lists the canonical keys of the items ListItems finds by owner,
// gtin or lot (value gtin/lot).
func Select(ctx context.Context, q Querier, by, value string) ([]string, error) {
	var out []string
	bm := ""
	for {
		b, err := q.Evaluate(ctx, "ListItems", by, value, fmt.Sprint(domain.MaxPageSize), bm)
		if err != nil {
			return nil, fmt.Errorf("ListItems %s %s: %w", by, value, err)
		}
		var page domain.ItemPage
		if err := json.Unmarshal(b, &page); err != nil {
			return nil, fmt.Errorf("ListItems %s %s: %w", by, value, err)
		}
		for _, it := range page.Items {
			out = append(out, it.ID)
		}
		if page.Bookmark == "" || len(page.Items) == 0 {
			return out, nil
		}
		bm = page.Bookmark
	}
}

package audit

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/test/harness"
)

// BenchmarkAudit prints the issue 15 figures (it asserts no timing). It
// builds a manufacturer's ledger once per process: PROV_AUDIT_BENCH_N
// items (default 10,000) registered in transactions of 1,000, offered to
// the distributor in transactions of 200 (prov's batch for offers) and
// accepted in transactions of 200, every setup submission resolved by its
// commit status (SmartBFT may refuse an ordered transaction, fabric#4415).
// Then, through the built prov process as customs, each iteration times: a
// status audit of the whole declaration, the same audit with --verify
// (every custody record verified against the blocks), and one item's
// status check (prov audit of one ID), 50 runs, p50/p95. Run with
//
//	PROV_INTEGRATION=1 PROV_TEST_PORT_OFFSET=1000 go test -run '^$' -bench Audit -benchtime 1x -timeout 60m ./test/audit/
//
// PROV_AUDIT_BENCH_REUSE=1 keeps the built ledger's IDs in PROV_HOME and
// reuses them on the next run against the same network (when every item is
// still ACTIVE with the distributor); PROV_AUDIT_BENCH_PROFILE=DIR writes a
// CPU profile of each timed prov process into DIR (PROV_CPUPROFILE).
func BenchmarkAudit(b *testing.B) {
	integration(b)
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("PROV_AUDIT_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	ids := benchLedger(b, n)
	decl := writeFile(b, "declaration.txt", strings.Join(ids, "\n")+"\n")
	profDir := os.Getenv("PROV_AUDIT_BENCH_PROFILE")
	profile := func(name string) {
		if profDir != "" {
			b.Setenv("PROV_CPUPROFILE", filepath.Join(profDir, name+".pprof"))
		}
	}
	const singles = 50
	long := cli(b)
	long.Timeout = 30 * time.Minute // the loaded machine's full verification

	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		stamp("auditing")
		profile("status")
		status := long.Run(b, cus, "", "audit", "--file", decl, "--presenter", "distributor", "-o", "json")
		if status.Code != 0 {
			b.Fatalf("status audit: want exit 0 (all genuine):\n%.2000s", status.String())
		}
		if a := decodeAudit(b, status); len(a.Results) != n {
			b.Fatalf("status audit: %d results for %d items", len(a.Results), n)
		}
		stamp("status audit " + status.Duration.Round(time.Millisecond).String())
		profile("verify")
		full := long.Run(b, cus, "", "audit", "--file", decl, "--presenter", "distributor", "--verify", "-o", "json")
		if full.Code != 0 {
			b.Fatalf("verified audit: want exit 0:\n%.2000s", full.String())
		}
		verified := 0
		for _, r := range decodeAudit(b, full).Results {
			if r.Verified {
				verified++
			}
		}
		if verified != n {
			b.Fatalf("%d of %d items verified", verified, n)
		}
		stamp("verified audit " + full.Duration.Round(time.Millisecond).String())
		profile("one")
		var one []time.Duration
		for i := 0; i < singles; i++ {
			r := cli(b).Run(b, cus, "", "audit", ids[i*(n/singles)], "--presenter", "distributor", "-o", "json")
			if r.Code != 0 {
				b.Fatalf("one item: %s", r)
			}
			one = append(one, r.Duration)
		}
		sort.Slice(one, func(i, j int) bool { return one[i] < one[j] })
		p := func(q float64) time.Duration { return one[int(q*float64(len(one)-1)+0.5)].Round(time.Millisecond) }
		figures := fmt.Sprintf("audit of %d items through the prov process as customs (loaded 2-core machine, whole network on it):\n"+
			"  status audit (GetItems batches):           %s (target 5 s for 10,000)\n"+
			"  audit --verify (every custody record):     %s (target 60 s for 10,000)\n"+
			"  one item's status check, %d runs:          p50 %s, p95 %s, max %s (target p95 300 ms)",
			n, status.Duration.Round(time.Millisecond), full.Duration.Round(time.Millisecond), singles, p(0.5), p(0.95), one[len(one)-1].Round(time.Millisecond))
		b.Log(figures)
		fmt.Println(figures)
	}
}

func stamp(what string) { fmt.Printf("%s: %s\n", time.Now().Format("15:04:05"), what) }

// built is the benchmark's ledger, built once per process.
var built struct {
	once sync.Once
	ids  []string
	err  error
}

// benchLedger returns the IDs of n items that a manufacturer registered
// and shipped to the distributor, who accepted them.
func benchLedger(b *testing.B, n int) []string {
	built.once.Do(func() { built.ids, built.err = buildLedger(b, n) })
	if built.err != nil {
		b.Fatal(built.err)
	}
	return built.ids
}

func buildLedger(b *testing.B, n int) ([]string, error) {
	saved := filepath.Join(pn.Net.Home, fmt.Sprintf("audit-bench-%d.txt", n))
	reuse := os.Getenv("PROV_AUDIT_BENCH_REUSE") == "1"
	if reuse {
		if ids := reusable(b, saved, n); ids != nil {
			b.Logf("reusing the %d items listed in %s", n, saved)
			return ids, nil
		}
	}
	g := gtin(fmt.Sprintf("%05d", time.Now().Unix()%100000))
	ids := make([]string, n)
	for i := range ids {
		ids[i] = harness.Key(g, fmt.Sprintf("B%s-%05d", runTag, i))
	}
	start := time.Now()
	m := harness.Connect(b, pn.Net.Home, mfr, "user1")
	d := harness.Connect(b, pn.Net.Home, dist, "user1")
	chunks := func(size int) [][]string {
		var out [][]string
		for lo := 0; lo < len(ids); lo += size {
			out = append(out, ids[lo:min(lo+size, len(ids))])
		}
		return out
	}
	each := func(what string, cs [][]string, conc int, fn func([]string) error) error {
		var wg sync.WaitGroup
		sem := make(chan struct{}, conc)
		errs := make(chan error, len(cs))
		for _, c := range cs {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				if err := fn(c); err != nil {
					errs <- fmt.Errorf("%s: %w", what, err)
				}
			}()
		}
		wg.Wait()
		close(errs)
		stamp(fmt.Sprintf("%s done (%d transactions) at %s", what, len(cs), time.Since(start).Round(time.Second)))
		for err := range errs {
			return err
		}
		waitPeers(b)
		return nil
	}
	if err := each("register", chunks(domain.MaxBatch), 2, func(c []string) error {
		in := make([]domain.ItemInput, len(c))
		for i, id := range c {
			in[i] = domain.ItemInput{ID: id, Lot: "L" + runTag}
		}
		js, _ := json.Marshal(in)
		return m.SubmitResolved("RegisterItems", string(js))
	}); err != nil {
		return nil, err
	}
	if err := each("offer", chunks(200), 4, func(c []string) error {
		js, _ := json.Marshal(c)
		return m.SubmitResolved("OfferTransfer", string(js), dist.MSP)
	}); err != nil {
		return nil, err
	}
	if err := each("accept", chunks(200), 4, func(c []string) error {
		js, _ := json.Marshal(c)
		return d.SubmitResolved("AcceptTransfer", string(js))
	}); err != nil {
		return nil, err
	}
	b.Logf("ledger of %d items (registered in %d transactions, shipped in %d offers and %d accepts): %s",
		n, len(chunks(domain.MaxBatch)), len(chunks(200)), len(chunks(200)), time.Since(start).Round(time.Second))
	if reuse {
		if err := os.WriteFile(saved, []byte(strings.Join(ids, "\n")+"\n"), 0o644); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// reusable returns the IDs saved in path when every one is ACTIVE with the
// distributor, else nil.
func reusable(b *testing.B, path string, n int) []string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	ids := strings.Fields(string(raw))
	if len(ids) != n {
		return nil
	}
	c := harness.Connect(b, pn.Net.Home, cus, "user1")
	for lo := 0; lo < n; lo += domain.MaxBatch {
		js, _ := json.Marshal(ids[lo:min(lo+domain.MaxBatch, n)])
		out, err := c.Evaluate("GetItems", string(js))
		if err != nil {
			return nil
		}
		var items []*domain.Item
		if json.Unmarshal(out, &items) != nil {
			return nil
		}
		for _, it := range items {
			if it == nil || it.Owner != dist.MSP || it.Status != domain.StatusActive {
				return nil
			}
		}
	}
	return ids
}

package audit

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/test/harness"
)

// BenchmarkAudit prints the issue 15 figures (it asserts no timing):
// registers PROV_AUDIT_BENCH_N items (default 10,000) in batches of 1,000,
// ships them to the distributor in batches of 200 (offer, accept), then
// times through the prov process: a status audit of the whole declaration,
// the same audit with --verify (full cryptographic verification), and one
// item's status check (20 runs, p50/p95). Run with
//
//	PROV_INTEGRATION=1 PROV_TEST_PORT_OFFSET=1000 go test -run '^$' -bench Audit -benchtime 1x ./test/audit/
func BenchmarkAudit(b *testing.B) {
	integration(b)
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("PROV_AUDIT_BENCH_N")); err == nil && v > 0 {
		n = v
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
	each := func(what string, cs [][]string, conc int, fn func([]string) error) {
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
					errs <- fmt.Errorf("%s: %w", what, harness.Detailed(err))
				}
			}()
		}
		wg.Wait()
		close(errs)
		fmt.Printf("%s: %s done at %s\n", time.Now().Format("15:04:05"), what, time.Since(start).Round(time.Second))
		for err := range errs {
			b.Fatal(err)
		}
	}
	each("register", chunks(500), 2, func(c []string) error {
		in := make([]domain.ItemInput, len(c))
		for i, id := range c {
			in[i] = domain.ItemInput{ID: id, Lot: "L" + runTag}
		}
		js, _ := json.Marshal(in)
		_, err := m.Submit("RegisterItems", string(js))
		return err
	})
	waitPeers(b)
	each("offer", chunks(200), 4, func(c []string) error {
		js, _ := json.Marshal(c)
		_, err := m.Submit("OfferTransfer", string(js), dist.MSP)
		return err
	})
	waitPeers(b)
	each("accept", chunks(200), 4, func(c []string) error {
		js, _ := json.Marshal(c)
		_, err := d.Submit("AcceptTransfer", string(js))
		return err
	})
	waitPeers(b)
	b.Logf("history of %d items (registered in %d transactions, shipped in %d offers and %d accepts): %s",
		n, len(chunks(500)), len(chunks(200)), len(chunks(200)), time.Since(start).Round(time.Second))
	decl := writeFile(b, "declaration.txt", strings.Join(ids, "\n")+"\n")

	b.ResetTimer()
	fmt.Printf("%s: auditing\n", time.Now().Format("15:04:05"))
	status := cli(b).Run(b, cus, "", "audit", "--file", decl, "--presenter", "distributor", "-o", "json")
	if status.Code != 0 {
		b.Fatalf("status audit: want exit 0 (all genuine):\n%.2000s", status.String())
	}
	fmt.Printf("%s: status audit %s\n", time.Now().Format("15:04:05"), status.Duration.Round(time.Millisecond))
	full := cli(b).Run(b, cus, "", "audit", "--file", decl, "--presenter", "distributor", "--verify", "-o", "json")
	if full.Code != 0 {
		b.Fatalf("verified audit: want exit 0:\n%.2000s", full.String())
	}
	a := decodeAudit(b, full)
	verified := 0
	for _, r := range a.Results {
		if r.Verified {
			verified++
		}
	}
	if verified != n {
		b.Fatalf("%d of %d items verified", verified, n)
	}
	var one []time.Duration
	for i := 0; i < 20; i++ {
		r := cli(b).Run(b, cus, "", "audit", ids[i*(n/20)], "-o", "json")
		if r.Code != 0 {
			b.Fatalf("one item: %s", r)
		}
		one = append(one, r.Duration)
	}
	b.StopTimer()
	sort.Slice(one, func(i, j int) bool { return one[i] < one[j] })
	p := func(q float64) time.Duration { return one[int(q*float64(len(one)-1)+0.5)].Round(time.Millisecond) }
	figures := fmt.Sprintf("audit of %d items through the prov process (shared, loaded 2-core machine: orders of magnitude only):\n"+
		"  status audit (GetItems batches):           %s (target 5 s for 10,000)\n"+
		"  audit --verify (every custody record):     %s (target 60 s for 10,000)\n"+
		"  one item's status check, 20 runs:          p50 %s, p95 %s (target p95 300 ms)",
		n, status.Duration.Round(time.Millisecond), full.Duration.Round(time.Millisecond), p(0.5), p(0.95))
	b.Log(figures)
	fmt.Println(figures)
}

package serve

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkServeVerify: single verifications (GET of a Digital Link, JSON,
// anonymous) by 50 concurrent callers over 20 genuine items, on the whole
// local network. "reuse": reports reused for 10 s while an item is
// unchanged (the default); "blockcache": every request verifies again,
// blocks and transactions from the cache. Figures, not assertions.
func BenchmarkServeVerify(b *testing.B) {
	integration(b)
	plain, err := startServer(b, "--rate", "1000000", "--burst", "1000000", "--report-ttl", "-1s")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		url  string
	}{{"reuse", main_.url}, {"blockcache", plain.url}} {
		b.Run(c.name, func(b *testing.B) { benchServe(b, c.url) })
	}
}

func benchServe(b *testing.B, base string) {
	const callers = 50
	cl := client(nil)
	cl.Transport.(*http.Transport).MaxIdleConnsPerHost = callers
	// warm up: one request per item
	for _, id := range benchIDs {
		if resp, err := cl.Get(base + path(id)); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	lat := make([]time.Duration, b.N)
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				t0 := time.Now()
				resp, err := cl.Get(base + path(benchIDs[i%int64(len(benchIDs))]))
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if err != nil {
					failed.Add(1)
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	b.ReportMetric(float64(b.N)/el.Seconds(), "req/s")
	b.ReportMetric(float64(pct(0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(pct(0.95).Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(pct(0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(failed.Load()), "failed")
	b.Logf("%d requests by %d callers in %v: %.0f req/s, p50 %v p95 %v p99 %v, %d failed",
		b.N, callers, el.Round(time.Millisecond), float64(b.N)/el.Seconds(), pct(0.5), pct(0.95), pct(0.99), failed.Load())
}

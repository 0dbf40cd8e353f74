// Package bench measures custody throughput, latency percentiles and the
// nodes' peak memory on a real local network:
//
//	PROV_INTEGRATION=1 go test -run '^$' -bench Custody -benchtime 600x ./test/bench
//
// It uses the network named by PROV_HOME/PROV_PORT_BASE (harness.Shared:
// brought up if needed and left running).
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/test/harness"
)

// workers is the number of concurrent submitters per phase.
const workers = 32

// benchPrefix is the GS1 company prefix the benchmark registers under.
const benchPrefix = "4099017"

// BenchmarkCustody registers b.N items, then offers each to the distributor
// and accepts it there, one item per transaction, from 32 concurrent clients
// per phase, through prov's own gateway client (client/gateway: commit wait,
// conflict retries, resolution of submits the ordering service refused). It
// reports committed tx/s and submit-to-commit latency percentiles per phase,
// and the peak resident memory of each kind of node.
func BenchmarkCustody(b *testing.B) {
	nw := harness.Shared(b)
	mfr, dist := connect(b, nw, "manufacturer"), connect(b, nw, "distributor")
	ensurePrefix(b, nw)
	ctx := context.Background()

	run := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	gtin := gtinOf(b, benchPrefix+"00017")
	ids := make([]string, b.N)
	for i := range ids {
		ids[i] = fmt.Sprintf("01/%s/21/B%s-%06d", gtin, run, i)
	}
	for i := 0; i < len(ids); i += domain.MaxBatch {
		batch := ids[i:min(len(ids), i+domain.MaxBatch)]
		in := make([]domain.ItemInput, len(batch))
		for j, id := range batch {
			in[j] = domain.ItemInput{ID: id}
		}
		if _, err := mfr.Submit(ctx, "RegisterItems", mustJSON(b, in)); err != nil {
			b.Fatalf("register: %v", err)
		}
	}

	b.ResetTimer()
	offer := phase(b, ids, func(id string) error {
		_, err := mfr.Submit(ctx, "OfferTransfer", mustJSON(b, []string{id}), "DistributorMSP")
		return err
	})
	accept := phase(b, ids, func(id string) error {
		_, err := dist.Submit(ctx, "AcceptTransfer", mustJSON(b, []string{id}))
		return err
	})
	b.StopTimer()

	for _, p := range []struct {
		name string
		r    result
	}{{"offer", offer}, {"accept", accept}} {
		b.Logf("%-6s %d tx, %d failed, %.0f committed tx/s, latency p50 %v p95 %v p99 %v max %v",
			p.name, len(ids), p.r.failed, p.r.tps, p.r.pct(50), p.r.pct(95), p.r.pct(99), p.r.pct(100))
		b.ReportMetric(p.r.tps, p.name+"-tx/s")
		b.ReportMetric(float64(p.r.pct(95).Microseconds())/1000, p.name+"-p95-ms")
		if p.r.failed > 0 {
			b.Errorf("%s: %d transactions failed, first: %v", p.name, p.r.failed, p.r.firstErr)
		}
	}
	for _, kind := range []string{"orderer", "peer", "chaincode", "ca"} {
		peak := 0
		for _, nd := range nw.Nodes(kind) {
			if mb := peakMB(nd); mb > peak {
				peak = mb
			}
		}
		b.Logf("peak resident memory of the largest %s: %d MB", kind, peak)
		b.ReportMetric(float64(peak), kind+"-peak-MB")
	}
}

type result struct {
	lat      []time.Duration // sorted
	tps      float64
	failed   int
	firstErr error
}

func (r result) pct(p int) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := (len(r.lat)*p + 99) / 100
	return r.lat[max(0, min(len(r.lat), i)-1)]
}

// phase runs fn for every id from `workers` goroutines and times each call.
func phase(b *testing.B, ids []string, fn func(id string) error) result {
	var (
		mu   sync.Mutex
		r    result
		wg   sync.WaitGroup
		jobs = make(chan string)
	)
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range jobs {
				t0 := time.Now()
				err := fn(id)
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					r.failed++
					if r.firstErr == nil {
						r.firstErr = err
					}
				} else {
					r.lat = append(r.lat, d)
				}
				mu.Unlock()
			}
		}()
	}
	for _, id := range ids {
		jobs <- id
	}
	close(jobs)
	wg.Wait()
	el := time.Since(start)
	sort.Slice(r.lat, func(i, j int) bool { return r.lat[i] < r.lat[j] })
	r.tps = float64(len(r.lat)) / el.Seconds()
	return r
}

func connect(b *testing.B, nw *harness.Network, org string) *gateway.Conn {
	b.Helper()
	return connectCC(b, nw, org, "")
}

// ensurePrefix makes benchPrefix active for ManufacturerMSP: a claim by the
// manufacturer's admin and an approval by the distributor's, unless a
// previous run did it already.
func ensurePrefix(b *testing.B, nw *harness.Network) {
	b.Helper()
	admin := func(org string) *client.Contract {
		c, err := nw.Connect(org, "admin")
		if err != nil {
			b.Fatalf("connect %s admin: %v", org, err)
		}
		b.Cleanup(func() { _ = c.Close() })
		return c.Contract()
	}
	m := admin("manufacturer")
	out, err := m.Evaluate("GetPrefix", client.WithArguments(benchPrefix))
	var p domain.Prefix
	if err == nil && json.Unmarshal(out, &p) == nil && p.Status == domain.PrefixActive {
		return
	}
	if err != nil && domain.CodeOf(err) != domain.CodeNotFound && !strings.Contains(err.Error(), string(domain.CodeNotFound)) {
		b.Fatalf("GetPrefix: %v", err)
	}
	if p.Status == "" {
		if _, err := m.Submit("ClaimPrefix", client.WithArguments(benchPrefix, "GS1-BENCH")); err != nil {
			b.Fatalf("claim prefix: %v", err)
		}
		// The claim committed on the manufacturer's peer; the approval is
		// endorsed by the distributor's, which may be a block behind.
		waitPeers(b, nw)
	}
	if _, err := admin("distributor").Submit("ApprovePrefix", client.WithArguments(benchPrefix)); err != nil {
		b.Fatalf("approve prefix: %v", err)
	}
	// The approval committed on the distributor's peer; registrations go
	// through the manufacturer's, which may be a block behind.
	waitPeers(b, nw)
}

// waitPeers waits until every peer has the highest block any peer has.
func waitPeers(b *testing.B, nw *harness.Network) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	peers := nw.Nodes("peer")
	h := uint64(0)
	for _, nd := range peers {
		if x, err := nw.Height(ctx, nd); err == nil && x > h {
			h = x
		}
	}
	if err := nw.WaitHeight(ctx, h, peers...); err != nil {
		b.Fatalf("wait for peers: %v", err)
	}
}

// gtinOf appends the GS1 check digit to 13 digits and pads to 14.
func gtinOf(b *testing.B, digits13 string) string {
	b.Helper()
	cd, err := domain.CheckDigit(digits13)
	if err != nil {
		b.Fatal(err)
	}
	return "0" + digits13 + strconv.Itoa(cd)
}

func mustJSON(b *testing.B, v any) string {
	b.Helper()
	out, err := json.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	return string(out)
}

// peakMB is the node's peak resident set size (VmHWM) in MB, 0 if unknown.
func peakMB(nd *harness.Node) int {
	pid, err := nd.PID()
	if err != nil {
		return 0
	}
	return pidPeakMB(pid)
}

// pidPeakMB is a process's peak resident set size (VmHWM) in MB, 0 if
// unknown.
func pidPeakMB(pid int) int {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.Atoi(f[1])
			return kb / 1024
		}
	}
	return 0
}

package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"google.golang.org/grpc/status"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/test/harness"
)

// refName is the reference contract's chaincode name on the channel.
const refName = "refcc"

// BenchmarkSuite is the benchmark suite: registration at 1, 100 and 1,000
// items per transaction; single-item offer and accept of our contract and of
// the reference contract (test/bench/refcc: one read, one write per item) in
// the same run, on the same channel, under the same endorsement policy, from
// the same load generator; an open loop of offers at 70 % of the closed
// loop's peak; a lone submit's latency; loose batch offers of 10, 100 and
// 1,000 items; logistic units with 10 and 1,000 items inside packed,
// offered and accepted; history and list paging; an item's verification
// (client/verify, as `prov verify`) and a status audit (client/audit, as
// `prov audit`). It writes RESULTS.md and results.json (PROV_BENCH_OUT,
// default this directory): valid committed tx/s and items/s, refusals and
// validation codes, latency p50/p95/p99/max split into endorse, submit (to
// ordering) and commit wait, transactions per block, CPU ms per valid
// transaction of the peers, orderers and chaincode servers (from /proc),
// peak RSS, and the ratios ours / reference. One command:
//
//	PROV_INTEGRATION=1 go test -run '^$' -bench Suite -benchtime 1x -timeout 60m ./test/bench/
//
// on the network of PROV_HOME/PROV_PORT_BASE (brought up if needed, left
// running; PROV_CONSENSUS=raft creates a Raft one). PROV_BENCH_ITEMS
// (default 600) is the number of single-item transactions per custody
// phase, PROV_BENCH_WORKERS (default 32) the closed-loop concurrency,
// PROV_BENCH_UNITS (default 4) the number of units of each size,
// PROV_BENCH_REGISTER the registration phases (see registerPhases),
// PROV_BENCH_WORKLOADS a comma-separated subset of register, custody, open,
// lone, batch, units, history, list, verify, audit (default all; open needs
// custody's peak). Figures are only comparable within one run.
func BenchmarkSuite(b *testing.B) {
	nw := harness.Shared(b)
	ctx := context.Background()
	items := envInt(b, "PROV_BENCH_ITEMS", 600)
	conc := envInt(b, "PROV_BENCH_WORKERS", workers)
	want := workloadSet(b)
	load0 := loadavg()
	started := time.Now().UTC()

	if out, err := nw.Config().Script(ctx, "define", refName, "--source", "./test/bench/refcc"); err != nil {
		b.Fatalf("deploy the reference contract: %v\n%s", err, out)
	}
	ensurePrefix(b, nw)
	mfr, dist := connect(b, nw, "manufacturer"), connect(b, nw, "distributor")
	refM, refD := connectCC(b, nw, "manufacturer", refName), connectCC(b, nw, "distributor", refName)
	waitRef(b, refM)

	s := &suite{b: b, nw: nw, run: strconv.FormatInt(time.Now().UnixNano()%1e9, 36), conc: conc,
		mfr: mfr, dist: dist, refM: refM, refD: refD}
	s.gtin = gtinOf(b, benchPrefix+"00024")
	gtin := s.gtin

	// Registration: items/s at 1, 100 and 1,000 items per transaction.
	if want["register"] {
		var largest *phaseResult
		for _, reg := range registerPhases(b, conc) {
			p := s.phase(fmt.Sprintf("register-%d", reg.per), "provenance", mfr, reg.workers, reg.tx, reg.per,
				func(i int) (string, []string) {
					in := make([]domain.ItemInput, reg.per)
					for j := range in {
						in[j] = domain.ItemInput{ID: fmt.Sprintf("01/%s/21/R%s-%d-%d-%d", gtin, s.run, reg.per, i, j)}
					}
					return "RegisterItems", []string{mustJSON(b, in)}
				})
			s.add(p)
			if p.Valid > 0 && (largest == nil || p.ItemsPerTx > largest.ItemsPerTx) {
				largest = p
			}
		}
		if largest != nil {
			s.anatomy = s.registerAnatomy(largest)
		}
	}

	// Custody: the same items offered and accepted, ours and the reference,
	// alternating so that both see the same machine.
	var peak float64
	if want["custody"] {
		ids := s.ids("T", items)
		s.setup(mfr, refM, ids)
		offer := s.phase("offer", "provenance", mfr, conc, items, 1, func(i int) (string, []string) {
			return "OfferTransfer", []string{mustJSON(b, []string{ids[i]}), "DistributorMSP"}
		})
		peak = offer.TxPerSec
		s.add(offer,
			s.phase("offer", refName, refM, conc, items, 1, func(i int) (string, []string) {
				return "Offer", []string{ids[i], "DistributorMSP"}
			}))
		waitPeers(b, nw)
		s.add(
			s.phase("accept", "provenance", dist, conc, items, 1, func(i int) (string, []string) {
				return "AcceptTransfer", []string{mustJSON(b, []string{ids[i]})}
			}),
			s.phase("accept", refName, refD, conc, items, 1, func(i int) (string, []string) {
				return "Accept", []string{ids[i]}
			}),
		)
		s.pool, s.poolOwner = ids, "DistributorMSP"
	}
	if want["open"] {
		s.openLoop(peak)
	}
	if want["lone"] {
		s.lone()
	}
	if want["batch"] {
		s.batches()
	}
	if want["units"] {
		s.units(envInt(b, "PROV_BENCH_UNITS", 4))
	}
	if want["history"] {
		s.history()
	}
	if want["list"] {
		s.list()
	}
	if want["verify"] {
		s.verify()
	}
	if want["audit"] {
		s.audit()
	}
	b.StopTimer()
	res := s.res

	rep := report{
		Date: started.Format(time.RFC3339), Machine: machine(), LoadBefore: load0, LoadAfter: loadavg(),
		Go: runtime.Version(), Fabric: fabricVersion(nw), Consensus: nw.Consensus, Ordering: orderingSettings(nw),
		Workers: conc, Workloads: os.Getenv("PROV_BENCH_WORKLOADS"), Phases: res, Ratios: ratios(res),
		Anatomy: s.anatomy,
	}
	for _, p := range res {
		b.ReportMetric(p.TxPerSec, p.Name+"-"+p.Contract+"-tx/s")
		if p.Valid < p.Tx {
			b.Errorf("%s %s: %d of %d transactions not valid: refused %v, invalid %v, first error: %s",
				p.Name, p.Contract, p.Tx-p.Valid, p.Tx, p.Refused, p.Invalid, p.FirstError)
		}
	}
	for _, r := range rep.Ratios {
		b.ReportMetric(r.TxPerSec, r.Workload+"-ours/ref")
	}
	dir := os.Getenv("PROV_BENCH_OUT")
	if dir == "" {
		dir = "."
	}
	js, _ := json.MarshalIndent(rep, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(js, '\n'), 0o644); err != nil {
		b.Fatal(err)
	}
	md := rep.markdown()
	if err := os.WriteFile(filepath.Join(dir, "RESULTS.md"), []byte(md), 0o644); err != nil {
		b.Fatal(err)
	}
	b.Log("\n" + md)
}

// allWorkloads are the suite's workloads in run order.
var allWorkloads = []string{"register", "custody", "open", "lone", "batch", "units", "history", "list", "verify", "audit"}

// workloadSet is PROV_BENCH_WORKLOADS as a set (every workload when unset).
func workloadSet(b *testing.B) map[string]bool {
	out := map[string]bool{}
	v := os.Getenv("PROV_BENCH_WORKLOADS")
	if v == "" {
		for _, w := range allWorkloads {
			out[w] = true
		}
		return out
	}
	for _, w := range strings.Split(v, ",") {
		w = strings.TrimSpace(w)
		if !slices.Contains(allWorkloads, w) {
			b.Fatalf("PROV_BENCH_WORKLOADS: unknown workload %q (want some of %s)", w, strings.Join(allWorkloads, ","))
		}
		out[w] = true
	}
	return out
}

type suite struct {
	b                     *testing.B
	nw                    *harness.Network
	run, gtin             string
	conc                  int
	mfr, dist, refM, refD *gateway.Conn
	res                   []*phaseResult
	pool                  []string // items of the custody phases (ACTIVE with the distributor)
	poolOwner             string   // the pool's owner
	loose                 []string // items offered loose in batches (IN_TRANSIT to the distributor)
	anatomy               *anatomy // the largest registration transaction's bytes and keys
}

type registerPhase struct{ per, tx, workers int }

// registerPhases are the registration phases: items per transaction,
// transactions and clients, from PROV_BENCH_REGISTER ("PERxTXxWORKERS,...",
// e.g. "100x32x8,1000x8x4") or the defaults.
func registerPhases(b *testing.B, conc int) []registerPhase {
	v := os.Getenv("PROV_BENCH_REGISTER")
	if v == "" {
		return []registerPhase{{1, 8 * conc, conc}, {100, 32, 8}, {1000, 8, 4}}
	}
	var out []registerPhase
	for _, f := range strings.Split(v, ",") {
		var r registerPhase
		if n, err := fmt.Sscanf(strings.TrimSpace(f), "%dx%dx%d", &r.per, &r.tx, &r.workers); err != nil || n != 3 || r.per < 1 || r.tx < 1 || r.workers < 1 {
			b.Fatalf("PROV_BENCH_REGISTER: %q is not ITEMSxTXxWORKERS", f)
		}
		out = append(out, r)
	}
	return out
}

func (s *suite) add(r ...*phaseResult) { s.res = append(s.res, r...) }

// ids are n new item IDs of the run, tagged tag.
func (s *suite) ids(tag string, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("01/%s/21/%s%s-%06d", s.gtin, tag, s.run, i)
	}
	return ids
}

// setupBatch is the setup's registration batch: smaller than the contract's
// 1,000 because, on a heavily loaded machine (load average 40-80 on 2
// cores), 1,000-item transactions sent two at a time kept the SmartBFT
// nodes in view changes for minutes (requests not ordered within
// RequestForwardTimeout + RequestComplainTimeout, then 2 s; 5 s since the
// tuning sweep).
const setupBatch = 200

// setup registers ids in both contracts (ref may be nil), setupBatch per
// transaction, two transactions at a time.
func (s *suite) setup(ours, ref *gateway.Conn, ids []string) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 2*(len(ids)/setupBatch+1))
	sem := make(chan struct{}, 2)
	for i := 0; i < len(ids); i += setupBatch {
		batch := ids[i:min(len(ids), i+setupBatch)]
		in := make([]domain.ItemInput, len(batch))
		for j, id := range batch {
			in[j] = domain.ItemInput{ID: id}
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if _, err := ours.Submit(ctx, "RegisterItems", mustJSON(s.b, in)); err != nil {
				errs <- fmt.Errorf("register: %w", err)
			}
			if ref != nil {
				if _, err := ref.Submit(ctx, "Register", mustJSON(s.b, batch)); err != nil {
					errs <- fmt.Errorf("register in %s: %w", refName, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		s.b.Fatal(err)
	}
	waitPeers(s.b, s.nw)
}

// pcts are latency percentiles in milliseconds.
type pcts struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func percentiles(d []time.Duration) pcts {
	if len(d) == 0 {
		return pcts{}
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	at := func(p int) float64 {
		i := (len(d)*p + 99) / 100
		return float64(d[max(0, min(len(d), i)-1)].Microseconds()) / 1000
	}
	return pcts{at(50), at(95), at(99), at(100)}
}

type phaseResult struct {
	Name     string `json:"workload"`
	Contract string `json:"contract"`
	// Loop is "closed" (each client sends its next request when the
	// previous one committed or answered), "open" (transactions started at
	// TargetRate whatever the answers; latency from the scheduled start) or
	// "query" (a closed loop of evaluations: nothing is ordered).
	Loop        string         `json:"loop"`
	TargetRate  float64        `json:"targetTxPerSec,omitempty"`
	Workers     int            `json:"workers"`
	ItemsPerTx  int            `json:"itemsPerTx"`
	Tx          int            `json:"tx"`
	Valid       int            `json:"valid"`
	Items       int            `json:"items"`
	Seconds     float64        `json:"seconds"`
	TxPerSec    float64        `json:"validTxPerSec"`
	ItemsPerSec float64        `json:"itemsPerSec"`
	Refused     map[string]int `json:"refused,omitempty"`
	Invalid     map[string]int `json:"invalid,omitempty"`
	FirstError  string         `json:"firstError,omitempty"`
	// Resolved counts submits the ordering service refused whose outcome
	// was then read from their commit status (counted as valid or invalid).
	Resolved int `json:"refusedSubmitsResolved"`
	// Ref names the reference workload (contract refcc) this one is
	// compared with, when not the one of the same name.
	Ref        string             `json:"reference,omitempty"`
	Latency    pcts               `json:"latencyMs"`
	Endorse    pcts               `json:"endorseMs"`
	Submit     pcts               `json:"submitMs"`
	Commit     pcts               `json:"commitMs"`
	Blocks     uint64             `json:"blocks"`
	TxPerBlock float64            `json:"txPerBlock"`
	CPUPerTx   map[string]float64 `json:"cpuMsPerValidTx"`
	PeakRSSMB  map[string]int     `json:"peakRssMB"`
	heights    [2]uint64          // channel height before and after
}

// collector gathers one phase's outcomes from concurrent clients.
type collector struct {
	r                     *phaseResult
	mu                    sync.Mutex
	all, end, sub, commit []time.Duration
}

func (c *collector) fail(kind string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.r.Refused[kind]++
	if c.r.FirstError == "" {
		c.r.FirstError = kind + ": " + errText(err)
	}
}

// tx records a transaction's outcome; total is its latency (the sum of d
// in a closed loop, from its scheduled start in an open one).
func (c *collector) tx(d [3]time.Duration, total time.Duration, st *client.Status, stage string, err error) {
	if err != nil {
		c.fail(stage+" "+status.Code(err).String(), err)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if stage == "resolved" {
		c.r.Resolved++
	}
	if st.Successful {
		c.all, c.end, c.sub, c.commit = append(c.all, total), append(c.end, d[0]), append(c.sub, d[1]), append(c.commit, d[2])
		c.r.Items += c.r.ItemsPerTx
	} else {
		c.r.Invalid[st.Code.String()]++
		if c.r.FirstError == "" {
			c.r.FirstError = "invalid: " + st.Code.String() + " (" + st.TransactionID + ")"
		}
	}
}

// query records an evaluation's outcome: its latency and the items (or
// events) its answer held.
func (c *collector) query(d time.Duration, items int, err error) {
	if err != nil {
		c.fail("evaluate "+status.Code(err).String(), err)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.all = append(c.all, d)
	c.r.Items += items
}

func newResult(name, contract, loop string, workers, n, perTx int) *phaseResult {
	return &phaseResult{Name: name, Contract: contract, Loop: loop, Workers: workers, ItemsPerTx: perTx, Tx: n,
		Refused: map[string]int{}, Invalid: map[string]int{}}
}

// measure runs body (which feeds c) and fills r with the figures: rates,
// percentiles, blocks cut and CPU used meanwhile, peak RSS.
func (s *suite) measure(r *phaseResult, body func(c *collector)) *phaseResult {
	c := &collector{r: r}
	h0 := s.height()
	cpu0 := s.cpu()
	start := time.Now()
	body(c)
	el := time.Since(start)
	cpu1 := s.cpu()
	h1 := s.height()
	r.Valid = len(c.all)
	r.Seconds = el.Seconds()
	r.TxPerSec = float64(r.Valid) / el.Seconds()
	r.ItemsPerSec = float64(r.Items) / el.Seconds()
	r.Latency, r.Endorse, r.Submit, r.Commit = percentiles(c.all), percentiles(c.end), percentiles(c.sub), percentiles(c.commit)
	r.heights = [2]uint64{h0, h1}
	if h1 > h0 && r.Loop != "query" {
		r.Blocks = h1 - h0
		inv := 0
		for _, n := range r.Invalid {
			inv += n
		}
		r.TxPerBlock = float64(r.Valid+inv) / float64(r.Blocks)
	}
	r.CPUPerTx = map[string]float64{}
	for kind, t1 := range cpu1 {
		if r.Valid > 0 {
			r.CPUPerTx[kind] = float64(t1-cpu0[kind]) * 10 / float64(r.Valid) // ticks of 10 ms
		}
	}
	r.PeakRSSMB = s.peaks()
	loop := r.Loop
	if r.Loop == "open" {
		loop = fmt.Sprintf("open at %.1f/s", r.TargetRate)
	}
	s.b.Logf("%-16s %-10s %-14s %5d tx (%d submits refused, resolved by commit status) %4d valid %7.1f tx/s %8.0f items/s  p50 %6.0f p95 %6.0f p99 %6.0f ms (endorse p50 %.0f, submit %.0f, commit %.0f)  %.1f tx/block  refused %v invalid %v",
		r.Name, r.Contract, loop, r.Tx, r.Resolved, r.Valid, r.TxPerSec, r.ItemsPerSec, r.Latency.P50, r.Latency.P95, r.Latency.P99,
		r.Endorse.P50, r.Submit.P50, r.Commit.P50, r.TxPerBlock, r.Refused, r.Invalid)
	return r
}

// phase submits n transactions made by mk from `workers` goroutines (closed
// loop: each submits its next transaction when the previous one committed)
// through conn's gateway, endorse, submit and commit status timed apart.
func (s *suite) phase(name, contract string, conn *gateway.Conn, workers, n, perTx int, mk func(i int) (string, []string)) *phaseResult {
	ct := conn.Network().GetContract(conn.Config().Chaincode)
	return s.measure(newResult(name, contract, "closed", workers, n, perTx), func(c *collector) {
		closedLoop(workers, n, func(i int) {
			fn, args := mk(i)
			d, st, stage, err := transact(conn, ct, fn, args)
			c.tx(d, d[0]+d[1]+d[2], st, stage, err)
		})
	})
}

// queries runs do for i in [0, n) from `workers` goroutines (closed loop);
// do returns how many items (or events) the answer held.
func (s *suite) queries(name string, workers, n int, do func(i int) (int, error)) *phaseResult {
	return s.measure(newResult(name, "provenance", "query", workers, n, 0), func(c *collector) {
		closedLoop(workers, n, func(i int) {
			t := time.Now()
			items, err := do(i)
			c.query(time.Since(t), items, err)
		})
	})
}

// closedLoop runs fn(0..n-1) from `workers` goroutines, each taking the
// next i when its previous call returned.
func closedLoop(workers, n int, fn func(i int)) {
	var wg sync.WaitGroup
	jobs := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
}

// open starts n transactions made by mk at rate per second, each in its
// own goroutine whatever the earlier ones' fate (open loop); a
// transaction's latency runs from its scheduled start to its commit status,
// so a generator that falls behind shows in the figures.
func (s *suite) open(name string, conn *gateway.Conn, rate float64, n int, mk func(i int) (string, []string)) *phaseResult {
	ct := conn.Network().GetContract(conn.Config().Chaincode)
	r := newResult(name, "provenance", "open", 0, n, 1)
	r.TargetRate = rate
	return s.measure(r, func(c *collector) {
		var wg sync.WaitGroup
		start := time.Now()
		for i := 0; i < n; i++ {
			at := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
			time.Sleep(time.Until(at))
			wg.Add(1)
			go func() {
				defer wg.Done()
				fn, args := mk(i)
				d, st, stage, err := transact(conn, ct, fn, args)
				c.tx(d, time.Since(at), st, stage, err)
			}()
		}
		wg.Wait()
	})
}

// transact endorses one transaction, submits it and waits for its commit
// status; d holds the three durations, stage names the step that failed. A
// submit the BFT ordering service refuses may still be ordered
// (fabric#4415): its outcome is its commit status, as prov's client decides.
func transact(conn *gateway.Conn, ct *client.Contract, fn string, args []string) (d [3]time.Duration, st *client.Status, stage string, err error) {
	prop, err := ct.NewProposal(fn, client.WithArguments(args...))
	if err != nil {
		return d, nil, "proposal", err
	}
	t := time.Now()
	tx, err := prop.Endorse()
	if err != nil {
		return d, nil, "endorse", err
	}
	d[0] = time.Since(t)
	t = time.Now()
	cm, err := tx.Submit()
	d[1] = time.Since(t)
	t = time.Now()
	if err != nil {
		st, serr := conn.CommitStatus(context.Background(), tx.TransactionID(), 30*time.Second)
		if serr != nil {
			return d, nil, "submit", err
		}
		d[2] = time.Since(t)
		return d, st, "resolved", nil
	}
	if st, err = cm.Status(); err != nil {
		return d, nil, "status", err
	}
	d[2] = time.Since(t)
	return d, st, "", nil
}

// height is the highest channel height among the peers.
func (s *suite) height() uint64 {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var h uint64
	for _, nd := range s.nw.Nodes("peer") {
		if x, err := s.nw.Height(ctx, nd); err == nil && x > h {
			h = x
		}
	}
	return h
}

// procs are the PIDs of the network's processes by kind: peer, orderer,
// chaincode (ours) and refcc (the reference's servers).
func (s *suite) procs() map[string][]int {
	out := map[string][]int{}
	for _, kind := range []string{"peer", "orderer", "chaincode"} {
		for _, nd := range s.nw.Nodes(kind) {
			if pid, err := nd.PID(); err == nil {
				out[kind] = append(out[kind], pid)
			}
		}
	}
	files, _ := filepath.Glob(filepath.Join(s.nw.Home, "run", "cc-"+refName+".*.pid"))
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				out[refName] = append(out[refName], pid)
			}
		}
	}
	return out
}

// cpu is the user+system CPU time in clock ticks (10 ms) used so far by each
// kind of process (/proc/PID/stat).
func (s *suite) cpu() map[string]uint64 {
	out := map[string]uint64{}
	for kind, pids := range s.procs() {
		for _, pid := range pids {
			st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
			if err != nil {
				continue
			}
			f := strings.Fields(string(st[strings.LastIndexByte(string(st), ')')+1:]))
			if len(f) > 12 {
				u, _ := strconv.ParseUint(f[11], 10, 64)
				sy, _ := strconv.ParseUint(f[12], 10, 64)
				out[kind] += u + sy
			}
		}
	}
	return out
}

// peaks is the largest peak RSS (VmHWM, MB) of each kind of process.
func (s *suite) peaks() map[string]int {
	out := map[string]int{}
	for kind, pids := range s.procs() {
		for _, pid := range pids {
			if mb := pidPeakMB(pid); mb > out[kind] {
				out[kind] = mb
			}
		}
	}
	return out
}

// ratio compares one custody workload of ours with the reference.
type ratio struct {
	Workload  string  `json:"workload"`
	Reference string  `json:"reference"`
	TxPerSec  float64 `json:"txPerSec"`
	P50       float64 `json:"latencyP50"`
	CPUPerTx  float64 `json:"cpuPerTx"`
}

func ratios(res []*phaseResult) []ratio {
	var out []ratio
	for _, ours := range res {
		if ours.Contract != "provenance" || ours.Loop != "closed" {
			continue
		}
		want := ours.Name
		if ours.Ref != "" {
			want = ours.Ref
		}
		for _, ref := range res {
			if ref.Contract == refName && ref.Name == want && ref.TxPerSec > 0 && ref.Latency.P50 > 0 {
				out = append(out, ratio{ours.Name, ref.Name, ours.TxPerSec / ref.TxPerSec, ours.Latency.P50 / ref.Latency.P50,
					totalCPU(ours) / totalCPU(ref)})
			}
		}
	}
	return out
}

// totalCPU is the CPU ms per valid transaction of peers, orderers and the
// phase's own chaincode servers.
func totalCPU(p *phaseResult) float64 {
	cc := "chaincode"
	if p.Contract == refName {
		cc = refName
	}
	return p.CPUPerTx["peer"] + p.CPUPerTx["orderer"] + p.CPUPerTx[cc]
}

type report struct {
	Date       string         `json:"date"`
	Machine    string         `json:"machine"`
	LoadBefore string         `json:"loadavgBefore"`
	LoadAfter  string         `json:"loadavgAfter"`
	Go         string         `json:"go"`
	Fabric     string         `json:"fabric"`
	Consensus  string         `json:"consensus"`
	Ordering   string         `json:"ordering"`
	Workers    int            `json:"workers"`
	Workloads  string         `json:"workloads,omitempty"`
	Phases     []*phaseResult `json:"phases"`
	Ratios     []ratio        `json:"ratios"`
	Anatomy    *anatomy       `json:"registerAnatomy,omitempty"`
}

// orderingSettings are the batch settings of the network's genesis block
// (PROV_HOME/channel/configtx.yaml), as "Name value" pairs.
func orderingSettings(nw *harness.Network) string {
	raw, err := os.ReadFile(filepath.Join(nw.Home, "channel", "configtx.yaml"))
	if err != nil {
		return "unknown"
	}
	var out []string
	for _, l := range strings.Split(string(raw), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(l), ":")
		switch k {
		case "BatchTimeout", "MaxMessageCount", "PreferredMaxBytes", "RequestBatchMaxCount", "RequestBatchMaxInterval":
			if ok && !slices.Contains(out, k+" "+strings.TrimSpace(v)) {
				out = append(out, k+" "+strings.TrimSpace(v))
			}
		}
	}
	return strings.Join(out, ", ")
}

func (r report) markdown() string {
	var w strings.Builder
	fmt.Fprintf(&w, "# Benchmark results\n\nWritten by `BenchmarkSuite` (test/bench/suite_test.go):\n\n")
	fmt.Fprintf(&w, "    PROV_INTEGRATION=1 go test -run '^$' -bench Suite -benchtime 1x -timeout 60m ./test/bench/\n\n")
	fmt.Fprintf(&w, "- date: %s\n- machine: %s\n- load average before / after: %s / %s\n- Go %s, Fabric %s, consensus %s (%s)\n",
		r.Date, r.Machine, r.LoadBefore, r.LoadAfter, r.Go, r.Fabric, r.Consensus, r.Ordering)
	if r.Workloads != "" {
		fmt.Fprintf(&w, "- workloads: %s (PROV_BENCH_WORKLOADS)\n", r.Workloads)
	}
	fmt.Fprintf(&w, "- whole network on this machine; closed loop: each client submits its next transaction when the previous one committed; open loop: transactions started at a fixed rate, latency from the scheduled start; refcc is the reference contract (test/bench/refcc: one read, one write per item) on the same channel under the same endorsement policy\n")
	fmt.Fprintf(&w, "- a shared machine's absolute figures vary from run to run: compare ours with the reference within one run\n\n")
	fmt.Fprintf(&w, "## Transactions: throughput and latency\n\n")
	fmt.Fprintf(&w, "| workload | contract | loop | clients | items/tx | valid/tx | valid tx/s | items/s | p50 ms | p95 ms | p99 ms | max ms | endorse p50/p95 | submit p50/p95 | commit p50/p95 | tx/block | not valid | submits refused, then committed |\n")
	fmt.Fprintf(&w, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|\n")
	for _, p := range r.Phases {
		if p.Loop == "query" {
			continue
		}
		loop := p.Loop
		if p.Loop == "open" {
			loop = fmt.Sprintf("open, %.1f tx/s", p.TargetRate)
		}
		fmt.Fprintf(&w, "| %s | %s | %s | %d | %d | %d/%d | %.1f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f/%.0f | %.0f/%.0f | %.0f/%.0f | %.1f | %s | %d |\n",
			p.Name, p.Contract, loop, p.Workers, p.ItemsPerTx, p.Valid, p.Tx, p.TxPerSec, p.ItemsPerSec,
			p.Latency.P50, p.Latency.P95, p.Latency.P99, p.Latency.Max, p.Endorse.P50, p.Endorse.P95,
			p.Submit.P50, p.Submit.P95, p.Commit.P50, p.Commit.P95, p.TxPerBlock, failures(p), p.Resolved)
	}
	queries := false
	for _, p := range r.Phases {
		if p.Loop != "query" {
			continue
		}
		if !queries {
			queries = true
			fmt.Fprintf(&w, "\n## Queries (evaluations through the gateway; verify and audit in-process, as `prov verify` and `prov audit` do them)\n\n")
			fmt.Fprintf(&w, "| workload | clients | answered/asked | answers/s | items/s | p50 ms | p95 ms | p99 ms | max ms | failed |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
		}
		fmt.Fprintf(&w, "| %s | %d | %d/%d | %.1f | %.0f | %.0f | %.0f | %.0f | %.0f | %s |\n", p.Name, p.Workers, p.Valid, p.Tx,
			p.TxPerSec, p.ItemsPerSec, p.Latency.P50, p.Latency.P95, p.Latency.P99, p.Latency.Max, failures(p))
	}
	fmt.Fprintf(&w, "\n## CPU ms per valid transaction or answer (all processes of a kind, /proc) and peak RSS\n\n")
	fmt.Fprintf(&w, "| workload | contract | peers | orderers | chaincode servers | total | peak RSS MB peer / orderer / cc |\n|---|---|---:|---:|---:|---:|---|\n")
	for _, p := range r.Phases {
		cc := "chaincode"
		if p.Contract == refName {
			cc = refName
		}
		fmt.Fprintf(&w, "| %s | %s | %.1f | %.1f | %.1f | %.1f | %d / %d / %d |\n", p.Name, p.Contract,
			p.CPUPerTx["peer"], p.CPUPerTx["orderer"], p.CPUPerTx[cc], totalCPU(p),
			p.PeakRSSMB["peer"], p.PeakRSSMB["orderer"], p.PeakRSSMB[cc])
	}
	fmt.Fprintf(&w, "\n## Ours / reference (same run, same clients and transactions)\n\n| workload | reference | valid tx/s | p50 latency | CPU per tx |\n|---|---|---:|---:|---:|\n")
	for _, x := range r.Ratios {
		fmt.Fprintf(&w, "| %s | %s | %.2f | %.2f | %.2f |\n", x.Workload, x.Reference, x.TxPerSec, x.P50, x.CPUPerTx)
	}
	if r.Anatomy != nil {
		w.WriteString(r.Anatomy.markdown())
	}
	if u := unitRatios(r.Phases); len(u) > 0 {
		fmt.Fprintf(&w, "\n## Units: 1,000 items inside / 10 items inside (same run; 1.00 = cost does not grow with the contents)\n\n| act | valid tx/s | p50 latency | CPU per tx |\n|---|---:|---:|---:|\n")
		for _, x := range u {
			fmt.Fprintf(&w, "| %s | %.2f | %.2f | %.2f |\n", x.Workload, x.TxPerSec, x.P50, x.CPUPerTx)
		}
	}
	return w.String()
}

// unitRatios compares each unit act with 1,000 items inside to the same act
// with 10 inside.
func unitRatios(res []*phaseResult) []ratio {
	var out []ratio
	for _, big := range res {
		act, ok := strings.CutSuffix(big.Name, "-1000")
		if !ok || !strings.HasPrefix(act, "unit-") {
			continue
		}
		for _, small := range res {
			if small.Name == act+"-10" && small.TxPerSec > 0 && small.Latency.P50 > 0 && totalCPU(small) > 0 {
				out = append(out, ratio{act, small.Name, big.TxPerSec / small.TxPerSec, big.Latency.P50 / small.Latency.P50,
					totalCPU(big) / totalCPU(small)})
			}
		}
	}
	return out
}

func failures(p *phaseResult) string {
	var parts []string
	for _, m := range []map[string]int{p.Refused, p.Invalid} {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 1 {
			kb, _ := strconv.Atoi(f[1])
			mem = fmt.Sprintf(", %d GiB", (kb+512*1024)/(1024*1024))
		}
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return fmt.Sprintf("%d CPUs (%s)%s, Linux %s/%s %s", runtime.NumCPU(), model, mem, runtime.GOOS, runtime.GOARCH, strings.TrimSpace(string(kernel)))
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// fabricVersion is what the network's peer binary reports.
func fabricVersion(nw *harness.Network) string {
	out, err := exec.Command(filepath.Join(nw.BinDir, "peer"), "version").Output()
	if err != nil {
		return "unknown"
	}
	v, sha := "", ""
	for _, l := range strings.Split(string(out), "\n") {
		if k, val, ok := strings.Cut(strings.TrimSpace(l), ":"); ok {
			switch k {
			case "Version":
				v = strings.TrimSpace(val)
			case "Commit SHA":
				sha = strings.TrimSpace(val)
			}
		}
	}
	return strings.TrimSpace(v + " " + sha)
}

func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}

func connectCC(b *testing.B, nw *harness.Network, org, cc string) *gateway.Conn {
	b.Helper()
	// Generous timeouts: on a loaded machine a 1,000-item transaction took
	// over 30 s from submit to commit.
	t := gateway.Timeouts{Evaluate: 2 * time.Minute, Endorse: 2 * time.Minute, Submit: 2 * time.Minute, CommitStatus: 3 * time.Minute}
	c, err := gateway.Connect(gateway.Config{Home: nw.Home, Profile: org, User: "user1", Chaincode: cc, Timeouts: t})
	if err != nil {
		b.Fatalf("connect %s to %s: %v", org, cc, err)
	}
	b.Cleanup(func() { _ = c.Close() })
	return c
}

// waitRef waits until the reference contract answers through every org's
// peer (its servers have just started).
func waitRef(b *testing.B, c *gateway.Conn) {
	b.Helper()
	ct := c.Network().GetContract(refName)
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, err := ct.EvaluateWithContext(context.Background(), "Accept", client.WithArguments("no-such-item"))
		if err != nil && strings.Contains(errText(err), "does not exist") {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s does not answer: %v", refName, errText(err))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// errText is err with the per-peer details the gateway attaches.
func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return harness.Detailed(err).Error()
}

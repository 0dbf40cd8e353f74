// Package trust attacks the provenance ledger as an infiltrated member
// organization would (issue 13): on its own local Fabric network
// (PROV_HOME=<repo>/.prov-trust, port base 12400 + PROV_TEST_PORT_OFFSET) it
// replaces one or two organizations' chaincode servers with a hostile one
// (test/trust/evilcc: the genuine contract plus Forge and lying queries,
// started with the genuine server's CHAINCODE_ID, address and TLS files so
// that the peer uses it without a redeployment), flips a validation flag in
// a stopped peer's block file, backdates a proposal and spams inspections,
// and asserts the exact validation code, chaincode refusal or `prov verify`
// exit code, and that nothing else changed as read through an honest peer.
// See README.md for each attack and its measured outcome.
//
// It runs only with PROV_INTEGRATION=1.
package trust

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/verify"
	"github.com/provledger/provenance/test/harness"
)

const portBase = 12400

var pn = &harness.PackageNetwork{Home: ".prov-trust", PortBase: portBase}

func TestMain(m *testing.M) { os.Exit(pn.Main(m)) }

var (
	runTag = time.Now().UTC().Format("150405")
	// prefix is this run's company prefix, ACTIVE for the manufacturer.
	prefix string
)

var (
	mfr  = harness.Manufacturer
	dist = harness.Distributor
	cus  = harness.Customs
)

// integration skips t without PROV_INTEGRATION=1 and activates this run's
// prefix once.
func integration(t *testing.T) {
	t.Helper()
	pn.Require(t, setup)
}

func setup() error {
	prefix = "87" + runTag[1:] // 7 digits (GS1 Prefix 87x: not reserved)
	for _, step := range []struct {
		org harness.PeerOrg
		fn  string
		arg []string
	}{
		{mfr, "ClaimPrefix", []string{prefix, "GS1-LIC-" + prefix}},
		{dist, "ApprovePrefix", []string{prefix}},
	} {
		c, err := harness.ConnectWith(pn.Net.Home, step.org, "admin", harness.ConnectOptions{})
		if err != nil {
			return err
		}
		err = c.SubmitResolved(step.fn, step.arg...)
		var h uint64
		if err == nil {
			h, err = c.Height()
		}
		c.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", step.fn, err)
		}
		// The next step may be endorsed by another org's peer.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err = pn.Net.WaitHeight(ctx, h, pn.Net.Nodes("peer")...)
		cancel()
		if err != nil {
			return err
		}
	}
	// Every org's peer must see the prefix ACTIVE before the first
	// registration (the approval committed on the distributor's peer first).
	return harness.WaitPrefixActive(pn.Net.Home, prefix, 30*time.Second)
}

func conn(t *testing.T, org harness.PeerOrg) *harness.Conn {
	return harness.Connect(t, pn.Net.Home, org, "user1")
}

func cli(t *testing.T) harness.CLI {
	return harness.CLI{Bin: harness.BuildProv(t), Home: pn.Net.Home, PortBase: pn.Net.PortBase}
}

// gtin builds a GTIN-14 under this run's prefix.
func gtin(ref string) string { return harness.GTIN("0", prefix, ref) }

func js(v any) string { b, _ := json.Marshal(v); return string(b) }

// register registers fresh items under gtin(ref) as the manufacturer and
// returns their canonical keys.
func register(t *testing.T, ref, tag string, n int) []string {
	t.Helper()
	ids := make([]string, n)
	in := make([]domain.ItemInput, n)
	for i := range ids {
		ids[i] = harness.Key(gtin(ref), fmt.Sprintf("%s-%s-%d", tag, runTag, i))
		in[i] = domain.ItemInput{ID: ids[i]}
	}
	if err := conn(t, mfr).SubmitResolved("RegisterItems", js(in)); err != nil {
		t.Fatalf("register: %v", err)
	}
	// The next step may be endorsed by any org's peer: an offer endorsed
	// by a peer a block behind met NOT_FOUND in the test command.
	waitPeers(t)
	return ids
}

// submitWith endorses fn with the given endorsing orgs (all of the
// gateway's choice when none), submits it and returns its commit status
// whatever the validation code; err is an endorsement or submit error.
func submitWith(c *harness.Conn, fn string, args []string, endorsers ...string) (*client.Status, error) {
	opts := []client.ProposalOption{client.WithArguments(args...)}
	if len(endorsers) > 0 {
		opts = append(opts, client.WithEndorsingOrganizations(endorsers...))
	}
	prop, err := c.Contract().NewProposal(fn, opts...)
	if err != nil {
		return nil, err
	}
	tx, err := prop.Endorse()
	if err != nil {
		return nil, harness.Detailed(err)
	}
	commit, err := tx.Submit()
	if err != nil {
		return nil, harness.Detailed(err)
	}
	return commit.Status()
}

// waitPeers waits until every peer has every block.
func waitPeers(t *testing.T) {
	t.Helper()
	harness.WaitSameHeight(t, 30*time.Second, conn(t, mfr), conn(t, dist), conn(t, cus))
}

// record is an item and its history as one peer answers them.
type record struct {
	Item    string
	History string
}

func snapshot(t *testing.T, c *harness.Conn, ids ...string) map[string]record {
	t.Helper()
	out := map[string]record{}
	for _, id := range ids {
		var r record
		if b, err := c.Evaluate("GetItem", id); err != nil {
			r.Item = "error " + string(domain.CodeOf(err))
		} else {
			r.Item = string(b)
		}
		if h, err := c.History(id); err != nil {
			r.History = "error " + string(domain.CodeOf(err))
		} else {
			r.History = js(h)
		}
		out[id] = r
	}
	return out
}

func assertUnchanged(t *testing.T, what string, before, after map[string]record) {
	t.Helper()
	for id, b := range before {
		if a := after[id]; a != b {
			t.Errorf("%s changed %s as the honest manufacturer's peer reads it:\nbefore %+v\nafter  %+v", what, id, b, a)
		}
	}
}

// ---------------------------------------------------------------- prov verify

// verifyOutput is `prov verify -o json`.
type verifyOutput struct {
	OK      bool `json:"ok"`
	Reports []struct {
		Item  string `json:"item"`
		OK    bool   `json:"ok"`
		Steps []struct {
			Check   string `json:"check"`
			Subject string `json:"subject"`
			OK      bool   `json:"ok"`
			Detail  string `json:"detail"`
		} `json:"steps"`
	} `json:"reports"`
}

type verifyRun struct {
	harness.Result
	Out    verifyOutput
	Failed []string // "check (subject): detail" of every failed step
	Checks []string // names of the failed checks
}

func (v verifyRun) String() string {
	return fmt.Sprintf("exit %d in %s, failed %v\nstderr: %s", v.Code, v.Duration.Round(time.Millisecond), v.Failed, strings.TrimSpace(v.Stderr))
}

func provVerify(t *testing.T, org harness.PeerOrg, id string, extra ...string) verifyRun {
	t.Helper()
	r := verifyRun{Result: cli(t).Run(t, org, "user1", append([]string{"verify", id, "-o", "json"}, extra...)...)}
	if strings.TrimSpace(r.Stdout) != "" {
		if err := json.Unmarshal([]byte(r.Stdout), &r.Out); err != nil {
			t.Logf("prov verify output is not JSON (%v): %s", err, r.Stdout)
		}
	}
	for _, rep := range r.Out.Reports {
		for _, s := range rep.Steps {
			if !s.OK {
				r.Failed = append(r.Failed, fmt.Sprintf("%s (%s): %s", s.Check, s.Subject, s.Detail))
				r.Checks = append(r.Checks, s.Check)
			}
		}
	}
	return r
}

// wantVerifyFails asserts exit 3 with at least one failed check named in
// checks (any of them).
func wantVerifyFails(t *testing.T, v verifyRun, what string, checks ...string) {
	t.Helper()
	if v.Code != 3 {
		t.Errorf("%s: prov verify %s; want exit 3 naming one of %v", what, v, checks)
		return
	}
	for _, c := range v.Checks {
		for _, w := range checks {
			if c == w {
				t.Logf("%s: prov verify exit 3 in %s: %v", what, v.Duration.Round(time.Millisecond), v.Failed)
				return
			}
		}
	}
	t.Errorf("%s: prov verify exit 3 but no failed check among %v: %v", what, checks, v.Failed)
}

// wantAuditVerifyFailed asserts that prov audit --verify through the honest
// manufacturer's peer judges id VERIFY_FAILED (exit 4), a finding naming
// one of checks and a transaction (none for a check of the whole history),
// whatever status the forged record claims.
func wantAuditVerifyFailed(t *testing.T, id string, checks ...string) {
	t.Helper()
	r := cli(t).Run(t, mfr, "user1", "audit", id, "--verify", "-o", "json")
	var out struct {
		Results []struct {
			Line     int    `json:"line"`
			Verdict  string `json:"verdict"`
			Verified bool   `json:"verified"`
			Findings []struct {
				Verdict string `json:"verdict"`
				Reason  string `json:"reason"`
				TxID    string `json:"txId"`
			} `json:"findings"`
		} `json:"results"`
	}
	if r.Code != 4 || json.Unmarshal([]byte(r.Stdout), &out) != nil || len(out.Results) != 1 {
		t.Errorf("prov audit --verify %s: want exit 4 and one result:\n%s", id, r)
		return
	}
	res := out.Results[0]
	if res.Verdict != "VERIFY_FAILED" || res.Verified {
		t.Errorf("prov audit --verify %s: %+v; want VERIFY_FAILED", id, res)
		return
	}
	for _, f := range res.Findings {
		for _, c := range checks {
			// Checks of the whole history (event order) name no transaction.
			wholeHistory := c == verify.CheckEventOrder || c == verify.CheckTimestamps
			if f.Verdict == "VERIFY_FAILED" && strings.HasPrefix(f.Reason, "check "+c+" failed on ") && (f.TxID != "" || wholeHistory) {
				t.Logf("prov audit --verify %s: %s in %s: %s", id, res.Verdict, r.Duration.Round(time.Millisecond), f.Reason)
				return
			}
		}
	}
	t.Errorf("prov audit --verify %s: no VERIFY_FAILED finding names a transaction and one of the checks %v: %+v", id, checks, res.Findings)
}

// ---------------------------------------------------------------- evil chaincode

var (
	evilOnce sync.Once
	evilBin  string
	evilErr  error
)

// buildEvil builds test/trust/evilcc into PROV_HOME/trust (the network
// scripts only ever stop processes started from PROV_HOME or bin/).
func buildEvil(t *testing.T) string {
	t.Helper()
	evilOnce.Do(func() {
		dir := filepath.Join(pn.Net.Home, "trust")
		if evilErr = os.MkdirAll(dir, 0o755); evilErr != nil {
			return
		}
		evilBin = filepath.Join(dir, "evilcc")
		cmd := exec.Command("go", "build", "-o", evilBin, "./test/trust/evilcc")
		cmd.Dir = pn.Net.Repo
		if out, err := cmd.CombinedOutput(); err != nil {
			evilErr = fmt.Errorf("go build evilcc: %w\n%s", err, out)
		}
	})
	if evilErr != nil {
		t.Fatal(evilErr)
	}
	return evilBin
}

// infiltrate replaces the genuine chaincode servers of orgs with evilcc
// (same CHAINCODE_ID, address, TLS files; EVIL_LIES=lies when not empty)
// until the test ends, then restores the genuine ones.
func infiltrate(t *testing.T, lies string, orgs ...harness.PeerOrg) {
	t.Helper()
	bin := buildEvil(t)
	cfg := pn.Net.Config()
	ctx := context.Background()
	for _, o := range orgs {
		org, err := pn.Net.Org(o.Dir)
		if err != nil {
			t.Fatal(err)
		}
		nd := org.ChaincodeServer
		pid, err := nd.PID()
		if err != nil {
			t.Fatal(err)
		}
		env, err := procEnv(pid)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cfg.Script(ctx, "stop-node", nd.Name); err != nil {
			t.Fatal(err)
		}
		logf, err := os.OpenFile(filepath.Join(pn.Net.Home, "trust", nd.Name+".evil.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin)
		cmd.Env = env
		if lies != "" {
			cmd.Env = append(cmd.Env, "EVIL_LIES="+lies)
		}
		cmd.Stdout, cmd.Stderr = logf, logf
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := cmd.Start(); err != nil {
			logf.Close()
			t.Fatal(err)
		}
		// The PID file names the evil server while it runs, so that
		// network.sh down stops it should the test die.
		_ = os.WriteFile(nd.PIDFile, []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644)
		name := nd.Name
		t.Cleanup(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { _ = cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-done
			}
			logf.Close()
			_ = os.Remove(nd.PIDFile)
			if _, err := cfg.Script(ctx, "start-node", name); err != nil {
				t.Errorf("restore genuine %s: %v", name, err)
			}
			waitServing(t, o, false)
		})
		waitServing(t, o, true)
		t.Logf("%s now runs evilcc (pid %d)", name, cmd.Process.Pid)
	}
}

// waitServing waits until org's own peer answers through its chaincode
// server (evil: the evil one, which knows Forge). The evaluation is pinned
// to org's peer: the gateway would otherwise retry on another org's peer.
func waitServing(t *testing.T, o harness.PeerOrg, evil bool) {
	t.Helper()
	c, err := harness.ConnectWith(pn.Net.Home, o, "user1", harness.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	own := client.WithEndorsingOrganizations(o.MSP)
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := c.Contract().Evaluate("Ping", own)
		if err == nil && evil {
			// The genuine contract refuses Forge; the evil one accepts an
			// empty ops list.
			_, err = c.Contract().Evaluate("Forge", client.WithArguments("[]"), own)
		}
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s's peer does not answer through its %s chaincode server: %v", o.Dir, map[bool]string{true: "evil", false: "genuine"}[evil], harness.Detailed(err))
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func procEnv(pid int) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		return nil, err
	}
	var env []string
	for _, kv := range bytes.Split(b, []byte{0}) {
		if len(kv) > 0 {
			env = append(env, string(kv))
		}
	}
	return env, nil
}

// ---------------------------------------------------------------- forgery

// op is one evilcc Forge operation.
type op struct {
	Op    string   `json:"op"`
	Key   *ckey    `json:"key,omitempty"`
	Value string   `json:"value,omitempty"`
	Orgs  []string `json:"orgs,omitempty"`
}

type ckey struct {
	Obj   string   `json:"obj"`
	Attrs []string `json:"attrs"`
}

func splitID(t *testing.T, id string) (string, string) {
	t.Helper()
	p, err := domain.ParseCustodyID(id) // items and SSCCs
	if err != nil {
		t.Fatal(err)
	}
	return p.GTIN, p.Serial
}

// forgedEvent writes event seq of id as this transaction's own (tx ID,
// timestamp and submitter filled in by evilcc) and advances the counter.
func forgedEvent(t *testing.T, id string, seq uint64, typ domain.EventType, from, to, details string) []op {
	g, s := splitID(t, id)
	ev := domain.CustodyEvent{Item: id, Seq: seq, Type: typ, From: from, To: to,
		SubmitterMSP: "${MSP}", SubmitterID: "${ID}", TxID: "${TXID}", Timestamp: "${TS}", Details: details}
	return []op{
		{Op: "put", Key: &ckey{"event", []string{g, s, fmt.Sprintf("%010d", seq)}}, Value: js(ev)},
		forgedCounter(t, id, seq, ""),
	}
}

// forgedCounter overwrites the item's event counter with seq (and at, when
// not empty: the counter's "{seq} {timestamp}" form).
func forgedCounter(t *testing.T, id string, seq uint64, at string) op {
	g, s := splitID(t, id)
	return op{Op: "put", Key: &ckey{"seq", []string{g, s}}, Value: string(domain.EncodeCounter(seq, at))}
}

// forgedItem overwrites the item record.
func forgedItem(t *testing.T, it domain.Item) op {
	g, s := splitID(t, it.ID)
	it.UpdatedTx, it.UpdatedAt = "${TXID}", "${TS}"
	return op{Op: "put", Key: &ckey{"item", []string{g, s}}, Value: js(it)}
}

// forge submits Forge(ops) as c's user endorsed by exactly endorsers and
// returns the validation code, or the endorsement error.
func forge(t *testing.T, c *harness.Conn, ops []op, endorsers ...string) (peer.TxValidationCode, string, error) {
	t.Helper()
	st, err := submitWith(c, "Forge", []string{js(ops)}, endorsers...)
	if err != nil {
		return 0, "", err
	}
	return st.Code, st.TransactionID, nil
}

func mustForge(t *testing.T, c *harness.Conn, want []peer.TxValidationCode, what string, ops []op, endorsers ...string) peer.TxValidationCode {
	t.Helper()
	start := time.Now()
	code, txID, err := forge(t, c, ops, endorsers...)
	if err != nil {
		t.Fatalf("%s: endorsement by %v refused: %v", what, endorsers, err)
	}
	for _, w := range want {
		if code == w {
			t.Logf("%s endorsed by %v: tx %.12s %s (%s)", what, endorsers, txID, code, time.Since(start).Round(time.Millisecond))
			return code
		}
	}
	t.Errorf("%s endorsed by %v: tx %.12s %s, want one of %v", what, endorsers, txID, code, want)
	return code
}

func isEndorseRefusal(err error) bool {
	var ee *client.EndorseError
	return errors.As(err, &ee)
}

func clientArgs(args ...string) []client.ProposalOption {
	return []client.ProposalOption{client.WithArguments(args...)}
}

package clitest

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/test/harness"
)

// Profiles in YAML, and no profile at all: prov works from plain flags, as
// against any other Fabric network.
func TestConnectionOverrides(t *testing.T) {
	integration(t)
	o, err := net.Org("distributor")
	if err != nil {
		t.Fatal(err)
	}
	ok(t, "prefix", "list", "--profile", o.ConnectionProfileYAML, "-u", "admin")
	who := ok(t, "whoami", "--profile", o.ConnectionProfileYAML, "-u", "admin")
	if !strings.Contains(who.out, "MSP ID:     DistributorMSP") {
		t.Errorf("yaml profile: %s", who)
	}
	user := o.Users["user1"]
	args := []string{"--peer", o.Peer.Address, "--tls-ca", o.Peer.TLSCACert, "--msp-id", o.MSP, "--msp-dir", user.MSPDir,
		"--channel", net.Channel, "--chaincode", net.Chaincode}
	ok(t, append([]string{"prefix", "list"}, args...)...)
	// the same through PROV_* variables
	rr := runEnv(t, []string{"PROV_PEER=" + o.Peer.Address, "PROV_TLS_CA=" + o.Peer.TLSCACert, "PROV_MSP_ID=" + o.MSP, "PROV_MSP_DIR=" + user.MSPDir, "PROV_OUTPUT=json"},
		"prefix", "list")
	if rr.code != 0 || !strings.HasPrefix(rr.out, "{") {
		t.Errorf("env: %s", rr)
	}
	// a wrong channel or chaincode is a clear failure, not a hang
	bad := run(t, "prefix", "list", "-p", "distributor", "--chaincode", "nosuchcc")
	if bad.code != 1 || !strings.Contains(bad.err, "(transaction ") {
		t.Errorf("unknown chaincode: %s", bad)
	}
	// wrong TLS CA: the handshake fails with a one-line message
	other, _ := net.Org("manufacturer")
	tls := run(t, "prefix", "list", "-p", "distributor", "--tls-ca", other.Peer.TLSCACert)
	if tls.code != 1 || !strings.Contains(tls.err, "peer "+o.Peer.Address+" unavailable: ") || strings.Contains(tls.err, "desc =") {
		t.Errorf("wrong TLS CA: %s", tls)
	}
}

// A peer that is down: clear messages; a transaction that needs its org's
// endorsement names it; the event watcher reconnects when it is back and
// misses nothing.
func TestPeerDown(t *testing.T) {
	integration(t)
	prefix := prefixFor(1)
	ensurePrefix(t, prefix)
	g := gtin(t, prefix, 4)
	a, b := item(t, g, "PD-A"), item(t, g, "PD-B")
	ok(t, "item", "register", a, "-p", "manufacturer")
	ok(t, "item", "register", b, "-p", "manufacturer")
	ok(t, "transfer", "offer", b, "--to", "customs", "-p", "manufacturer")

	// a watcher on the customs peer, from now on
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	checkpoint := filepath.Join(t.TempDir(), "cp.json")
	watch := exec.CommandContext(ctx, prov, "events", "watch", "-p", "customs", "-o", "json", "--checkpoint", checkpoint, "--max-backoff", "2s")
	watch.Env = env
	stdout, _ := watch.StdoutPipe()
	stderrFile := filepath.Join(t.TempDir(), "watch.err")
	ef, _ := os.Create(stderrFile)
	watch.Stderr = ef
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = watch.Wait() }()
	lines := make(chan map[string]any, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				lines <- m
			}
		}
		close(lines)
	}()
	time.Sleep(1500 * time.Millisecond) // let it connect

	peer := peerNode(t, "customs")
	if err := net.Kill(peer.Name); err != nil {
		t.Fatal(err)
	}
	restarted := false
	defer func() {
		if !restarted {
			sctx, c := context.WithTimeout(context.Background(), 2*time.Minute)
			defer c()
			_ = net.StartNode(sctx, peer.Name)
		}
	}()

	r := run(t, "item", "show", a, "-p", "customs")
	// "connection refused"; "connection reset by peer" right after the kill
	want := "peer " + peer.Address + " unavailable: connect"
	if r.code != 1 || !strings.Contains(r.err, want) || !strings.Contains(r.err, "(transaction ") || strings.Contains(r.err, "desc =") || r.elapse > 5*time.Second {
		t.Errorf("query through a dead peer: want %q fast: %s (%v)", want, r, r.elapse)
	}
	r = run(t, "transfer", "offer", a, "--to", "distributor", "-p", "customs")
	if r.code != 1 || !strings.Contains(r.err, want) {
		t.Errorf("submit through a dead peer: %s", r)
	}
	// the owner's cancel of an offer to customs needs the customs peer
	// Either the gateway tries the dead peer (its address named), or it has
	// already learnt that the peer is gone (discovery finds no combination):
	// which one depends on how long the cancel's ledger read before the
	// submit takes. Both fail fast, naming the transaction.
	r = run(t, "transfer", "cancel", b, "-p", "manufacturer", "--endorse-timeout", "20s")
	deadPeer := strings.Contains(r.err, "\n  peer "+peer.Address+" (CustomsMSP): unavailable: connection refused")
	noCombination := strings.Contains(r.err, "no combination of peers can be derived which satisfy the endorsement policy")
	if r.code != 1 || !strings.Contains(r.err, "(transaction ") || !(deadPeer || noCombination) {
		t.Errorf("endorsement needing the dead peer: %s", r)
	}
	t.Logf("endorsement without the customs peer:\n%s", r.err)
	// the rest of the network works: majority without customs
	ok(t, "transfer", "offer", a, "--to", "distributor", "-p", "manufacturer")
	ok(t, "transfer", "accept", a, "-p", "distributor")

	sctx, c := context.WithTimeout(context.Background(), 2*time.Minute)
	defer c()
	if err := net.StartNode(sctx, peer.Name); err != nil {
		t.Fatal(err)
	}
	restarted = true

	// the watcher catches up on what committed while its peer was down
	deadline := time.After(60 * time.Second)
	var got []string
	for len(got) < 2 {
		select {
		case m, open := <-lines:
			if !open {
				t.Fatalf("watcher ended; got %v", got)
			}
			got = append(got, m["type"].(string))
		case <-deadline:
			errs, _ := os.ReadFile(stderrFile)
			t.Fatalf("watcher did not resume: got %v; stderr:\n%s", got, errs)
		}
	}
	if strings.Join(got, " ") != "OFFERED ACCEPTED" {
		t.Errorf("events after reconnect: %v", got)
	}
	errs, _ := os.ReadFile(stderrFile)
	if !strings.Contains(string(errs), "reconnecting in") {
		t.Errorf("watcher stderr: %s", errs)
	}
	// and customs works again
	var it domain.Item
	okJSON(t, &it, "item", "show", a, "-p", "customs")
	if it.Owner != "DistributorMSP" {
		t.Errorf("after restart: %+v", it)
	}
	// the manufacturer's gateway needs gossip to see the customs peer again
	// before it can plan an endorsement that needs it
	start := time.Now()
	for {
		r = run(t, "transfer", "cancel", b, "-p", "manufacturer")
		if r.code == 0 {
			break
		}
		if time.Since(start) > 90*time.Second {
			t.Fatalf("cancel after the customs peer came back: %s", r)
		}
		time.Sleep(2 * time.Second)
	}
	t.Logf("endorsement with the restarted customs peer possible after %v", time.Since(start).Round(time.Second))
	waitWhole(t)
}

// waitWhole waits, after a test restarted a peer of the shared network,
// until every org's gateway (the restarted peer's own too, whose gossip
// rejoins a few seconds later) plans cross-org endorsements again, so that
// the next test or package finds the network whole. CI once failed the next
// package's first act on customs' gateway ("no peer combination").
func waitWhole(t *testing.T) {
	t.Helper()
	took, err := harness.WaitReady(net.Home, 90*time.Second)
	if err != nil {
		t.Fatalf("network not whole again after the peer's restart: %v", err)
	}
	t.Logf("every gateway plans cross-org endorsements again after %v", took.Round(time.Millisecond))
}

// events watch from a block, and resuming from a checkpoint file.
func TestEventsWatch(t *testing.T) {
	integration(t)
	prefix := prefixFor(1)
	ensurePrefix(t, prefix)
	g := gtin(t, prefix, 5)
	x := item(t, g, "EV")
	var reg struct {
		Transactions []struct {
			TxID  string
			Block uint64
		}
	}
	okJSON(t, &reg, "item", "register", x, "-p", "manufacturer")
	var offer batchResult
	okJSON(t, &offer, "transfer", "offer", x, "--to", "distributor", "-p", "manufacturer")
	from := reg.Transactions[0].Block

	r := ok(t, "events", "watch", "--from-block", itoa(from), "--limit", "2", "-o", "json", "-p", "distributor")
	var evs []struct {
		Block uint64
		TxID  string
		Type  string
		Items []string
	}
	for _, l := range strings.Split(strings.TrimSpace(r.out), "\n") {
		var e struct {
			Block uint64
			TxID  string
			Type  string
			Items []string
		}
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		evs = append(evs, e)
	}
	if len(evs) != 2 || evs[0].TxID != reg.Transactions[0].TxID || evs[0].Type != "REGISTERED" || evs[1].TxID != offer.Transactions[0].TxID || evs[1].Items[0] != x {
		t.Errorf("events: %+v", evs)
	}
	// checkpoint: the second run starts after the first one's last event
	cp := filepath.Join(t.TempDir(), "cp.json")
	first := ok(t, "events", "watch", "--from-block", itoa(from), "--limit", "1", "--checkpoint", cp, "-p", "customs")
	second := ok(t, "events", "watch", "--from-block", "0", "--limit", "1", "--checkpoint", cp, "-p", "customs")
	if !strings.Contains(first.out, reg.Transactions[0].TxID) || !strings.Contains(second.out, offer.Transactions[0].TxID) {
		t.Errorf("checkpoint resume:\n%s\n%s", first.out, second.out)
	}
	if !strings.Contains(first.out, "REGISTERED  "+x) {
		t.Errorf("text line: %s", first.out)
	}
}

func itoa(n uint64) string { b, _ := json.Marshal(n); return string(b) }

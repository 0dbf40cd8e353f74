// Package evidencetest runs `prov evidence` and `prov verify --bundle` (issue
// 15) on a real local Fabric network (PROV_HOME=<repo>/.prov-evidence, port
// base 13100 + PROV_TEST_PORT_OFFSET): bundles of 1 and 100 items are made
// by a customs officer, verified offline by a fresh prov process with no
// PROV_HOME, profile or identity (in a network namespace of its own when
// `unshare -n` works), tampered bundles fail naming the check, and the last
// test takes the network down and verifies the genuine bundles again.
//
// It runs only with PROV_INTEGRATION=1. Items, prefix and serials are this
// run's own; the ledger may hold anything else.
package evidencetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/verify"
	"github.com/provledger/provenance/test/harness"
)

const portBase = 13100

var pn = &harness.PackageNetwork{Home: ".prov-evidence", PortBase: portBase, Shared: true}

// dir holds this run's bundles, shared by the tests (the last one verifies
// them with the network down).
var dir string

func TestMain(m *testing.M) {
	var err error
	if dir, err = os.MkdirTemp("", "prov-evidence-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := pn.Main(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

var (
	runTag = time.Now().UTC().Format("150405")
	prefix string
	one    string   // an item with five custody events
	many   []string // 100 items registered, offered and accepted in batches
)

func integration(t *testing.T) {
	t.Helper()
	pn.Require(t, setup)
}

func js(v any) string { b, _ := json.Marshal(v); return string(b) }

// submit submits fn as org's user, retrying briefly: the next org's peer
// may be a block behind the submitter's.
func submit(org, user, fn string, args ...string) error {
	c, err := pn.Conn(org, user)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := c.Contract().Submit(fn, client.WithArguments(args...))
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s as %s/%s: %w", fn, org, user, harness.Detailed(err))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func setup() error {
	prefix = "88" + runTag[1:] // 7 digits, this run's own
	gtin := harness.GTIN("0", prefix, "00017")
	one = harness.Key(gtin, "EV1-"+runTag)
	var in []domain.ItemInput
	for i := 0; i < 100; i++ {
		id := harness.Key(gtin, fmt.Sprintf("EVB-%s-%03d", runTag, i))
		many = append(many, id)
		in = append(in, domain.ItemInput{ID: id, Lot: "L" + runTag})
	}
	oneJS := js([]string{one})
	for _, s := range []struct {
		org, user, fn string
		args          []string
	}{
		{"manufacturer", "admin", "ClaimPrefix", []string{prefix, "GS1-LIC-" + prefix}},
		{"distributor", "admin", "ApprovePrefix", []string{prefix}},
		{"manufacturer", "user1", "RegisterItems", []string{js([]domain.ItemInput{{ID: one, Lot: "L1", Description: "evidence test"}})}},
		{"manufacturer", "user1", "OfferTransfer", []string{oneJS, "DistributorMSP"}},
		{"distributor", "user1", "AcceptTransfer", []string{oneJS}},
		{"customs", "user1", "HoldItems", []string{oneJS, "document check"}},
		{"customs", "user1", "ReleaseItems", []string{oneJS}},
		{"manufacturer", "user1", "RegisterItems", []string{js(in)}},
		{"manufacturer", "user1", "OfferTransfer", []string{js(many), "DistributorMSP"}},
		{"distributor", "user1", "AcceptTransfer", []string{js(many)}},
	} {
		if err := submit(s.org, s.user, s.fn, s.args...); err != nil {
			return err
		}
	}
	return nil
}

func cli(t *testing.T) harness.CLI {
	return harness.CLI{Bin: harness.BuildProv(t), Home: pn.Net.Home, PortBase: pn.Net.PortBase}
}

var (
	unshareOnce sync.Once
	unshareOK   bool
)

// offline runs prov as an outsider would: a fresh process in an empty
// directory, with no PROV_* variable, no profile or identity, and no
// network at all when `unshare -n` works here.
func offline(t *testing.T, args ...string) harness.Result {
	t.Helper()
	unshareOnce.Do(func() { unshareOK = exec.Command("unshare", "-n", "true").Run() == nil })
	bin := harness.BuildProv(t)
	argv := append([]string{bin}, args...)
	if unshareOK {
		argv = append([]string{"unshare", "-n"}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + cmd.Dir, "NO_COLOR=1"}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := harness.Result{Args: args, Stdout: out.String(), Stderr: errb.String(), Duration: time.Since(start)}
	if ee, ok := err.(*exec.ExitError); ok {
		r.Code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", argv, err)
	}
	return r
}

// bundleOutput is `prov verify --bundle -o json`.
type bundleOutput struct {
	OK     bool `json:"ok"`
	Bundle struct {
		CreatedAt   string   `json:"createdAt"`
		CreatedBy   string   `json:"createdBy"`
		Peers       []string `json:"peers"`
		Items       int      `json:"items"`
		GenesisHash string   `json:"genesisHash"`
	} `json:"bundle"`
	Reports []verify.Report `json:"reports"`
}

func verifyBundle(t *testing.T, file string, extra ...string) (harness.Result, bundleOutput, []string) {
	t.Helper()
	r := offline(t, append([]string{"verify", "--bundle", file, "-o", "json"}, extra...)...)
	var out bundleOutput
	if err := json.Unmarshal([]byte(r.Stdout), &out); err != nil {
		t.Fatalf("verify --bundle output is not JSON (%v):\n%s", err, r)
	}
	var failed []string
	for _, rep := range out.Reports {
		for _, s := range rep.Failed() {
			failed = append(failed, s.Check+" ("+s.Subject+"): "+s.Detail)
		}
	}
	return r, out, failed
}

var (
	genesisHash string // the channel's, as a member's online verify reports it
	made        = map[string]string{}
)

// TestEvidenceMakeAndVerify: a customs officer bundles 1 and 100 items; an
// outsider verifies both offline, pinned to the genesis hash a member
// reports online.
func TestEvidenceMakeAndVerify(t *testing.T) {
	integration(t)
	c := cli(t)
	var online struct {
		Reports []verify.Report `json:"reports"`
	}
	c.JSON(t, &online, harness.Distributor, "user1", "verify", one)
	if len(online.Reports) != 1 || !online.Reports[0].OK || online.Reports[0].GenesisHash == "" {
		t.Fatalf("online verify of %s: %+v", one, online)
	}
	genesisHash = online.Reports[0].GenesisHash

	list := filepath.Join(dir, "declaration.txt")
	if err := os.WriteFile(list, []byte("# 100 items\n"+strings.Join(many, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		n    int
	}{
		{"one", []string{one}, 1},
		{"hundred", []string{"--file", list}, 100},
	} {
		file := filepath.Join(dir, tc.name+".json")
		r := c.Run(t, harness.Customs, "user1", append([]string{"evidence", "-o", file, "--peers", "all"}, tc.args...)...)
		if r.Code != 0 {
			t.Fatalf("prov evidence: %s", r)
		}
		if !strings.Contains(r.Stdout, "channel genesis hash "+genesisHash) {
			t.Errorf("prov evidence does not print the channel's genesis hash %s:\n%s", genesisHash, r.Stdout)
		}
		st, err := os.Stat(file)
		if err != nil {
			t.Fatal(err)
		}
		made[tc.name] = file
		v, out, failed := verifyBundle(t, file, "--genesis-hash", genesisHash)
		if v.Code != 0 || !out.OK || len(out.Reports) != tc.n {
			t.Fatalf("genuine bundle %s: exit %d, %d reports, failed %v\n%s", tc.name, v.Code, len(out.Reports), failed, v.Stderr)
		}
		if out.Bundle.GenesisHash != genesisHash || !strings.HasPrefix(out.Bundle.CreatedBy, "CustomsMSP ") || len(out.Bundle.Peers) != 3 {
			t.Errorf("bundle info %+v: want the channel's genesis hash, made by CustomsMSP, through 3 peers", out.Bundle)
		}
		steps := 0
		for _, rep := range out.Reports {
			steps += len(rep.Steps)
		}
		t.Logf("FIGURE %s: %d items, bundle %d bytes (%.1f KiB/item); made in %s, verified offline in %s (%d checks; shared loaded 2-core machine, orders of magnitude only; unshare -n %v)",
			tc.name, tc.n, st.Size(), float64(st.Size())/1024/float64(tc.n), r.Duration.Round(time.Millisecond), v.Duration.Round(time.Millisecond), steps, unshareOK)
	}

	// Unpinned, the verdict holds but says what to compare out of band.
	r := offline(t, "verify", "--bundle", made["one"])
	if r.Code != 0 || !strings.Contains(r.Stdout, "channel genesis hash "+genesisHash+": NOT pinned") || !strings.Contains(r.Stdout, "made ") {
		t.Errorf("unpinned:\n%s", r)
	}
	// Pinned to another channel it fails.
	other := strings.Repeat("ab", 32)
	if _, _, failed := verifyBundle(t, made["one"], "--genesis-hash", other); !contains(failed, "channel-config (config block 0): genesis block hash") {
		t.Errorf("pinned to another channel: failed %v", failed)
	}
}

func contains(failed []string, prefix string) bool {
	for _, f := range failed {
		if strings.HasPrefix(f, prefix) {
			return true
		}
	}
	return false
}

func readBundle(t *testing.T, file string) *verify.Bundle {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := verify.ReadBundle(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func blockOf(t *testing.T, b *verify.Bundle, txID string) (int, *common.Block) {
	t.Helper()
	l := verify.NewBundleLedger(b)
	blk, err := l.BlockByTxID(context.Background(), txID)
	if err != nil {
		t.Fatal(err)
	}
	for i, bb := range b.Blocks {
		if bb.Number == blk.Header.Number {
			return i, blk
		}
	}
	t.Fatalf("block of %s not listed", txID)
	return 0, nil
}

func put(t *testing.T, b *verify.Bundle, i int, blk *common.Block) {
	t.Helper()
	raw, err := proto.Marshal(blk)
	if err != nil {
		t.Fatal(err)
	}
	b.Blocks[i].Block = raw
}

// envelopeIndex is the position of txID in blk.
func envelopeIndex(t *testing.T, blk *common.Block, txID string) int {
	t.Helper()
	for i, raw := range blk.Data.Data {
		env := &common.Envelope{}
		pl := &common.Payload{}
		ch := &common.ChannelHeader{}
		if proto.Unmarshal(raw, env) == nil && proto.Unmarshal(env.Payload, pl) == nil &&
			proto.Unmarshal(pl.GetHeader().GetChannelHeader(), ch) == nil && ch.TxId == txID {
			return i
		}
	}
	t.Fatalf("transaction %s not in block %d", txID, blk.Header.Number)
	return -1
}

// swapCreator replaces the creator certificate of txID's envelope by cert,
// re-encoding the transaction (its bytes change; nothing is re-signed).
func swapCreator(t *testing.T, blk *common.Block, txID string, cert []byte) {
	t.Helper()
	i := envelopeIndex(t, blk, txID)
	env := &common.Envelope{}
	pl := &common.Payload{}
	sh := &common.SignatureHeader{}
	id := &msp.SerializedIdentity{}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(proto.Unmarshal(blk.Data.Data[i], env))
	must(proto.Unmarshal(env.Payload, pl))
	must(proto.Unmarshal(pl.Header.SignatureHeader, sh))
	must(proto.Unmarshal(sh.Creator, id))
	if bytes.Equal(id.IdBytes, cert) {
		t.Fatal("the swapped-in certificate is the creator's own")
	}
	id.IdBytes = cert
	var err error
	sh.Creator, err = proto.Marshal(id)
	must(err)
	pl.Header.SignatureHeader, err = proto.Marshal(sh)
	must(err)
	env.Payload, err = proto.Marshal(pl)
	must(err)
	blk.Data.Data[i], err = proto.Marshal(env)
	must(err)
}

// TestEvidenceTampered: the bundle's maker is not trusted. Each tampered
// copy of the genuine one-item bundle fails offline verification (exit 3)
// naming the check.
func TestEvidenceTampered(t *testing.T) {
	integration(t)
	if made["one"] == "" {
		t.Skip("needs TestEvidenceMakeAndVerify's bundle")
	}
	officerCert, err := os.ReadFile(filepath.Join(pn.Net.Home, "orgs", "customs", "users", "user1", "msp", "signcerts", "cert.pem"))
	if err != nil {
		matches, _ := filepath.Glob(filepath.Join(pn.Net.Home, "orgs", "customs", "users", "user1", "msp", "signcerts", "*"))
		if len(matches) == 0 {
			t.Fatalf("customs user1 certificate: %v", err)
		}
		if officerCert, err = os.ReadFile(matches[0]); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		tamper func(t *testing.T, b *verify.Bundle)
		want   string // "check (subject): detail" prefix of a failure
	}{
		{"one byte changed in a block", func(t *testing.T, b *verify.Bundle) {
			ev := b.Histories[0].Events[1] // OFFERED
			i, blk := blockOf(t, b, ev.TxID)
			d := blk.Data.Data[envelopeIndex(t, blk, ev.TxID)]
			k := bytes.LastIndex(d, []byte("EV1-"+runTag))
			if k < 0 {
				t.Fatal("serial not in the transaction")
			}
			d[k] = 'F' // EV1 -> FV1 in the write set: still a valid protobuf
			put(t, b, i, blk)
		}, "block-data-hash (seq 2 OFFERED): data hash"},
		{"one event removed", func(t *testing.T, b *verify.Bundle) {
			ev := b.Histories[0].Events
			b.Histories[0].Events = append(ev[:2:2], ev[3:]...) // ACCEPTED gone
		}, "event-order (4 events): history position 3 holds seq 4"},
		{"creator certificate swapped in a transaction", func(t *testing.T, b *verify.Bundle) {
			ev := b.Histories[0].Events[1]
			i, blk := blockOf(t, b, ev.TxID)
			swapCreator(t, blk, ev.TxID, officerCert)
			put(t, b, i, blk)
		}, "creator-signature (seq 2 OFFERED)"},
		{"listed root certificate swapped", func(t *testing.T, b *verify.Bundle) {
			var cust string
			for _, r := range b.Roots {
				if r.MSPID == "CustomsMSP" {
					cust = r.RootCerts[0]
				}
			}
			for i, r := range b.Roots {
				if r.MSPID == "ManufacturerMSP" {
					b.Roots[i].RootCerts[0] = cust
				}
			}
		}, "bundle (roots): listed roots are not the config blocks' MSP certificates"},
		{"role-history entry forged", func(t *testing.T, b *verify.Bundle) {
			if len(b.OrgRolesHistory) == 0 {
				t.Fatal("the bundle has no role history")
			}
			h := &b.OrgRolesHistory[len(b.OrgRolesHistory)-1]
			for i := range h.Roles { // customs becomes a manufacturer
				if h.Roles[i].MSP == "CustomsMSP" {
					h.Roles[i].Role = domain.RoleManufacturer
				}
			}
		}, "org-roles (role set of "},
		{"role-history block forged", func(t *testing.T, b *verify.Bundle) {
			h := b.OrgRolesHistory[len(b.OrgRolesHistory)-1]
			i, blk := blockOf(t, b, h.TxID)
			d := blk.Data.Data[envelopeIndex(t, blk, h.TxID)]
			k := bytes.LastIndex(d, []byte(`"customs"`))
			if k < 0 {
				t.Fatalf("no customs role in the role-set transaction")
			}
			copy(d[k:], `"custom2"`)
			put(t, b, i, blk)
		}, "org-roles (role set of "},
		{"event's block left out", func(t *testing.T, b *verify.Bundle) {
			i, _ := blockOf(t, b, b.Histories[0].Events[3].TxID)
			b.Blocks = append(b.Blocks[:i:i], b.Blocks[i+1:]...)
		}, "validation-code (seq 4 HELD): transaction"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := readBundle(t, made["one"])
			tt.tamper(t, b)
			file := filepath.Join(t.TempDir(), "tampered.json")
			var buf bytes.Buffer
			if err := verify.WriteBundle(&buf, b); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			r, _, failed := verifyBundle(t, file, "--genesis-hash", genesisHash)
			if r.Code != 3 || !contains(failed, tt.want) {
				t.Errorf("exit %d, failed %v\nwant exit 3 with %q", r.Code, failed, tt.want)
				return
			}
			t.Logf("exit 3: %v", failed)
		})
	}
}

// TestEvidenceNetworkDown (last): with the network stopped, the genuine
// bundles still verify. Under PROV_KEEP_NETWORK=1 the network stays up and
// the offline process alone proves it (no PROV_HOME, no identity, and no
// network namespace access when unshare -n works).
func TestEvidenceNetworkDown(t *testing.T) {
	integration(t)
	if made["one"] == "" || made["hundred"] == "" {
		t.Skip("needs TestEvidenceMakeAndVerify's bundles")
	}
	if os.Getenv("PROV_KEEP_NETWORK") != "1" && !pn.OnShared() {
		cfg := harness.Config{Home: pn.Net.Home, PortBase: pn.Net.PortBase}
		if err := cfg.Down(t.Context()); err != nil {
			t.Fatalf("network down: %v", err)
		}
		for _, nd := range pn.Net.Nodes("peer") {
			if c, err := net.DialTimeout("tcp", nd.Address, time.Second); err == nil {
				c.Close()
				t.Fatalf("peer %s still answers at %s after network down", nd.Name, nd.Address)
			}
		}
		t.Log("network is down: no peer answers")
	} else {
		t.Log("network kept up (PROV_KEEP_NETWORK=1 or the suite's shared network); verifying from an isolated process")
	}
	for _, name := range []string{"one", "hundred"} {
		r, out, failed := verifyBundle(t, made[name], "--genesis-hash", genesisHash)
		if r.Code != 0 || !out.OK {
			t.Errorf("%s with the network down: exit %d, failed %v\n%s", name, r.Code, failed, r.Stderr)
			continue
		}
		t.Logf("%s: %d reports verified offline in %s", name, len(out.Reports), r.Duration.Round(time.Millisecond))
	}
}

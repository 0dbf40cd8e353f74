// Package units runs logistic units (issue 17) on a real local Fabric
// network (PROV_HOME=<repo>/.prov-units, port base 13400 +
// PROV_TEST_PORT_OFFSET): a pallet of 10 cases of 1,000 items packed,
// moved in one step, held and released by customs, partly unpacked, single
// items shipped, every item read from every org's peer; non-owner changes
// refused; and the figures the issue asks for (logged, not timed asserts).
//
// It runs only with PROV_INTEGRATION=1.
package units

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/test/harness"
)

const portBase = 13400

var pn = &harness.PackageNetwork{Home: ".prov-units", PortBase: portBase, Shared: true}

func TestMain(m *testing.M) { os.Exit(pn.Main(m)) }

var (
	runTag = time.Now().UTC().Format("150405")
	prefix string // this run's company prefix, ACTIVE for the manufacturer
)

var (
	mfr  = harness.Manufacturer
	dist = harness.Distributor
	cus  = harness.Customs
)

func integration(t *testing.T) {
	t.Helper()
	pn.Require(t, setup)
}

// setup claims and activates this run's prefix (86x + the run's time: not
// reserved, unique per run) and waits until every peer sees it.
func setup() error {
	prefix = "86" + runTag[1:]
	return harness.ActivatePrefix(pn.Net.Home, prefix, mfr, dist, 30*time.Second)
}

func conn(t *testing.T, org harness.PeerOrg) *harness.Conn {
	return harness.Connect(t, pn.Net.Home, org, "user1")
}

func js(v any) string { b, _ := json.Marshal(v); return string(b) }

// timed submits fn, fails the test on an error and returns submit-to-commit time.
func timed(t *testing.T, c *harness.Conn, fn string, args ...string) time.Duration {
	t.Helper()
	start := time.Now()
	if err := c.SubmitResolved(fn, args...); err != nil {
		t.Fatalf("%s: %v", fn, err)
	}
	return time.Since(start)
}

// refused submits fn and asserts the refusal code.
func refused(t *testing.T, c *harness.Conn, code domain.Code, fn string, args ...string) {
	t.Helper()
	_, err := c.Submit(fn, args...)
	if got := domain.CodeOf(err); got != code {
		t.Fatalf("%s: got %v (code %q), want %s", fn, err, got, code)
	}
	t.Logf("%s refused as expected: %.160s", fn, err)
}

// sscc builds an SSCC under this run's prefix: extension digit, prefix,
// 9-digit serial reference (unique per run through the prefix), check digit.
func sscc(ref int) string {
	body := fmt.Sprintf("1%s%09d", prefix, ref)
	d, _ := domain.CheckDigit(body)
	return fmt.Sprintf("00/%s%d", body, d)
}

func gtin(ref string) string { return harness.GTIN("0", prefix, ref) }

// register registers n items in transactions of 1,000.
func register(t *testing.T, c *harness.Conn, ref, tag string, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = harness.Key(gtin(ref), fmt.Sprintf("%s-%d", tag, i))
	}
	for i := 0; i < n; i += domain.MaxBatch {
		end := min(i+domain.MaxBatch, n)
		in := make([]domain.ItemInput, 0, end-i)
		for _, id := range ids[i:end] {
			in = append(in, domain.ItemInput{ID: id, Lot: "L" + runTag})
		}
		if err := c.SubmitResolved("RegisterItems", js(in)); err != nil {
			t.Fatalf("register: %v", err)
		}
	}
	return ids
}

// waitPeers waits until every org's peer has every block.
func waitPeers(t *testing.T) {
	t.Helper()
	harness.WaitSameHeight(t, 60*time.Second, conn(t, mfr), conn(t, dist), conn(t, cus))
}

// items reads ids through c in pages of 1,000.
func items(t *testing.T, c *harness.Conn, ids []string) []*domain.Item {
	t.Helper()
	var out []*domain.Item
	for i := 0; i < len(ids); i += domain.MaxBatch {
		b, err := c.Evaluate("GetItems", js(ids[i:min(i+domain.MaxBatch, len(ids))]))
		if err != nil {
			t.Fatalf("GetItems: %v", err)
		}
		var page []*domain.Item
		if err := json.Unmarshal(b, &page); err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
	}
	return out
}

var _ = context.Background

// Package chaincodetest proves the provenance chaincode's endorsement and
// concurrency properties on a real local Fabric network (scripts/network.sh,
// PROV_HOME=<repo>/.prov-cc, port base 8000): state-based endorsement
// (a change endorsed only by non-owner orgs' peers is invalidated with
// ENDORSEMENT_POLICY_FAILURE), two concurrent transfers of one item (one
// VALID, one ENDORSEMENT_POLICY_FAILURE: the item's next event key is
// sealed by the winner), a resubmitted operation that does not
// transfer twice, and prefix governance; it also measures a 1000-item
// registration, shipments of up to 1000 items and transfer throughput.
//
// It runs only with PROV_INTEGRATION=1. The network is brought up by
// TestMain (or reused when already up) and stopped at the end unless
// PROV_KEEP_NETWORK=1.
package chaincodetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/test/harness"
)

const portBase = 8000

// Org dir names and MSP IDs of the network.
const (
	mfr  = "manufacturer"
	dist = "distributor"
	cust = "customs"

	mfrMSP  = "ManufacturerMSP"
	distMSP = "DistributorMSP"
	custMSP = "CustomsMSP"
)

var (
	// runTag makes prefixes and serials unique per run, so a reused
	// network's earlier state does not interfere.
	runTag = time.Now().UTC().Format("150405")
	// prefix is this run's company prefix, ACTIVE for the manufacturer
	// after setup.
	prefix string
)

// pn is the package's network (PROV_HOME=<repo>/.prov-cc, port base 8000).
var pn = &harness.PackageNetwork{Home: ".prov-cc", PortBase: portBase, Shared: true}

func TestMain(m *testing.M) { os.Exit(pn.Main(m)) }

// integration skips tb without PROV_INTEGRATION=1 and runs setup once.
func integration(tb testing.TB) {
	tb.Helper()
	pn.Require(tb, setup)
}

// setup checks the org roles the deployment wrote and activates this run's
// prefix for the manufacturer (claim + the distributor's approval).
func setup() error {
	var roles []domain.OrgRole
	if err := evaluate(mfr, "user1", &roles, "GetOrgRoles"); err != nil {
		return err
	}
	if len(roles) != 3 {
		return fmt.Errorf("org roles on the ledger: %v (the deployment should have written 3)", roles)
	}
	prefix = "94" + runTag[1:] // 7 digits (GS1 Prefix 94x: not reserved)
	if _, err := submit(mfr, "admin", "ClaimPrefix", prefix, "GS1-LIC-"+prefix); err != nil {
		return err
	}
	if _, err := submit(dist, "admin", "ApprovePrefix", prefix); err != nil {
		return err
	}
	return nil
}

func contract(org, user string) (*client.Contract, error) {
	c, err := pn.Conn(org, user)
	if err != nil {
		return nil, err
	}
	return c.Contract(), nil
}

// submit endorses, orders and waits for the commit of one transaction, then
// waits until every peer has the block, so the next step may be endorsed by
// any org's peer.
func submit(org, user, fn string, args ...string) ([]byte, error) {
	out, st, err := submitWith(org, user, fn, args, nil)
	if err != nil {
		return nil, err
	}
	if !st.Successful {
		return nil, fmt.Errorf("%s: transaction %s invalid: %s", fn, st.TransactionID, st.Code)
	}
	return out, nil
}

// submitWith submits with extra proposal options and returns the commit
// status whatever the validation code; err is an endorsement/submit error.
func submitWith(org, user, fn string, args []string, endorsers []string) ([]byte, *client.Status, error) {
	c, err := contract(org, user)
	if err != nil {
		return nil, nil, err
	}
	opts := []client.ProposalOption{client.WithArguments(args...)}
	if len(endorsers) > 0 {
		opts = append(opts, client.WithEndorsingOrganizations(endorsers...))
	}
	prop, err := c.NewProposal(fn, opts...)
	if err != nil {
		return nil, nil, err
	}
	tx, err := prop.Endorse()
	if err != nil {
		return nil, nil, fmt.Errorf("%s as %s/%s: %w", fn, org, user, err)
	}
	commit, err := tx.Submit()
	if err != nil {
		return nil, nil, fmt.Errorf("%s as %s/%s: %w", fn, org, user, err)
	}
	st, err := commit.Status()
	if err != nil {
		return nil, nil, fmt.Errorf("%s commit status: %w", fn, err)
	}
	if err := waitPeers(st.BlockNumber + 1); err != nil {
		return nil, nil, err
	}
	return tx.Result(), st, nil
}

func waitPeers(height uint64) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return pn.Net.WaitHeight(ctx, height, pn.Net.Nodes("peer")...)
}

func evaluate(org, user string, v any, fn string, args ...string) error {
	c, err := contract(org, user)
	if err != nil {
		return err
	}
	out, err := c.Evaluate(fn, client.WithArguments(args...))
	if err != nil {
		return fmt.Errorf("%s: %w", fn, err)
	}
	return json.Unmarshal(out, v)
}

// refusedCode submits and expects the chaincode to refuse at endorsement.
func refusedCode(t *testing.T, want domain.Code, org, user, fn string, args ...string) {
	t.Helper()
	_, err := submit(org, user, fn, args...)
	if err == nil {
		t.Fatalf("%s succeeded, want %s", fn, want)
	}
	var ee *client.EndorseError
	if !errors.As(err, &ee) {
		t.Fatalf("%s: %v is not an endorsement refusal", fn, err)
	}
	if got := domain.CodeOf(err); got != want {
		t.Fatalf("%s: code %q, want %s: %v", fn, got, want, err)
	}
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// gtin builds a GTIN-13 (14 digits) under this run's prefix.
func gtin(t testing.TB, ref string) string {
	t.Helper()
	body := "0" + prefix + ref
	d, err := domain.CheckDigit(body)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s%d", body, d)
}

func item(t *testing.T, id string) domain.Item {
	t.Helper()
	var it domain.Item
	if err := evaluate(dist, "user1", &it, "GetItem", id); err != nil {
		t.Fatal(err)
	}
	return it
}

func register(t testing.TB, ids ...string) {
	t.Helper()
	in := make([]domain.ItemInput, len(ids))
	for i, id := range ids {
		in[i] = domain.ItemInput{ID: id}
	}
	if _, err := submit(mfr, "user1", "RegisterItems", js(in)); err != nil {
		t.Fatal(err)
	}
}

// expectCode submits with forced endorsers and asserts the validation code.
func expectCode(t *testing.T, want peer.TxValidationCode, org, user, fn string, args []string, endorsers ...string) {
	t.Helper()
	_, st, err := submitWith(org, user, fn, args, endorsers)
	if err != nil {
		t.Fatalf("%s endorsed by %v: %v", fn, endorsers, err)
	}
	if st.Code != want {
		t.Fatalf("%s endorsed by %v: validation code %s, want %s", fn, endorsers, st.Code, want)
	}
	t.Logf("%s endorsed by %v: tx %s block %d %s", fn, endorsers, st.TransactionID, st.BlockNumber, st.Code)
}

// TestStateBasedEndorsement: item, hold and recall keys carry key-level
// policies that the peers enforce at validation, whatever the chaincode on
// the endorsing peers answered.
func TestStateBasedEndorsement(t *testing.T) {
	integration(t)
	g := gtin(t, "00001")
	x := "01/" + g + "/21/SBE-" + runTag
	register(t, x)

	// The owner's offer, endorsed only by the other two orgs' peers: the
	// chaincode-level MAJORITY is met, the item key's policy (owner) is not.
	offer := []string{x, distMSP}
	expectCode(t, peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE, mfr, "user1", "OfferTransfer", offer, distMSP, custMSP)
	if it := item(t, x); it.Status != domain.StatusActive || it.Owner != mfrMSP || it.Seq != 1 {
		t.Fatalf("item changed by an invalid transaction: %+v", it)
	}
	// With the owner's peer among the endorsers it is valid.
	expectCode(t, peer.TxValidationCode_VALID, mfr, "user1", "OfferTransfer", offer, mfrMSP, custMSP)
	if it := item(t, x); it.Status != domain.StatusInTransit {
		t.Fatalf("offer not applied: %+v", it)
	}

	// An accept writes the item key (owner's policy) and the offer key (the
	// recipient's policy): without either org's peer, invalid.
	expectCode(t, peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE, dist, "user1", "AcceptTransfer", []string{x}, distMSP, custMSP)
	expectCode(t, peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE, dist, "user1", "AcceptTransfer", []string{x}, mfrMSP, custMSP)
	if it := item(t, x); it.Owner != mfrMSP || it.Status != domain.StatusInTransit {
		t.Fatalf("item changed: %+v", it)
	}
	expectCode(t, peer.TxValidationCode_VALID, dist, "user1", "AcceptTransfer", []string{x}, mfrMSP, distMSP)
	if it := item(t, x); it.Owner != distMSP || it.Status != domain.StatusActive {
		t.Fatalf("accept not applied: %+v", it)
	}
	// The former owner's peer can no longer carry a change: the new owner's
	// report, endorsed by manufacturer and customs, is invalid.
	expectCode(t, peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE, dist, "user1", "ReportStolen", []string{x}, mfrMSP, custMSP)

	// A customs hold: created with MAJORITY (the owner's peer not needed).
	// By design (issue 13) its key's policy is "customs OR a majority": the
	// customs peer alone is not enough (the new event key needs MAJORITY)...
	expectCode(t, peer.TxValidationCode_VALID, cust, "user1", "HoldItems", []string{x, "inspection"}, mfrMSP, custMSP)
	expectCode(t, peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE, cust, "user1", "ReleaseItems", []string{x}, custMSP)
	if it := item(t, x); it.Hold == nil {
		t.Fatal("hold lifted by an invalid transaction")
	}
	// ...and a majority without customs can lift it (the genuine chaincode
	// lets only customs, or a passed release-hold vote, ask for it).
	expectCode(t, peer.TxValidationCode_VALID, cust, "user1", "ReleaseItems", []string{x}, mfrMSP, distMSP)

	// Inspections never need the owner: a mismatch sighting endorsed by the
	// manufacturer and customs only, on the distributor's item, is valid
	// (by design it is a sighting on its own key, not a history event).
	expectCode(t, peer.TxValidationCode_VALID, cust, "user1", "RecordInspection", []string{x, "0614141000005", "mismatch"}, mfrMSP, custMSP)
	// A recall by the prefix owner of an item the distributor holds, without
	// the distributor's peer.
	expectCode(t, peer.TxValidationCode_VALID, mfr, "admin", "RecallItem", []string{x, "contamination"}, mfrMSP, custMSP)

	// A single org's peers are never enough (chaincode-level MAJORITY).
	expectCode(t, peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE, dist, "user1", "Decommission", []string{x, "destroyed"}, distMSP)

	var h domain.HistoryPage
	if err := evaluate(cust, "user1", &h, "GetHistory", x, "", ""); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, ev := range h.Events {
		types = append(types, string(ev.Type))
	}
	want := "REGISTERED,OFFERED,ACCEPTED,HELD,RELEASED,RECALLED"
	if got := strings.Join(types, ","); got != want {
		t.Fatalf("history %v, want %s (invalid transactions must leave no event)", types, want)
	}
}

// TestConcurrentTransfers: two offers of one item to different orgs, both
// endorsed before either is ordered, read the same item key version; exactly
// one is VALID.
//
// The loser is ENDORSEMENT_POLICY_FAILURE, in the same block or a later one:
// both write the item's next event key, which the winner created sealed (no
// endorsement satisfies its policy), and Fabric checks key-level policies
// before read conflicts. (Before event keys were sealed the loser of
// different blocks was MVCC_READ_CONFLICT: its endorsements by all three
// orgs satisfied the policy the winner left behind.) prov resubmits both
// codes (client/gateway retryable).
func TestConcurrentTransfers(t *testing.T) {
	integration(t)
	c, err := contract(mfr, "user1")
	if err != nil {
		t.Fatal(err)
	}
	endorseOffers := func(x string, endorsers ...string) []*client.Transaction {
		t.Helper()
		var txs []*client.Transaction
		for _, to := range []string{distMSP, custMSP} {
			opts := []client.ProposalOption{client.WithArguments(x, to)}
			if len(endorsers) > 0 {
				opts = append(opts, client.WithEndorsingOrganizations(endorsers...))
			}
			prop, err := c.NewProposal("OfferTransfer", opts...)
			if err != nil {
				t.Fatal(err)
			}
			tx, err := prop.Endorse()
			if err != nil {
				t.Fatalf("endorse offer to %s: %v", to, err)
			}
			txs = append(txs, tx)
		}
		return txs
	}
	status := func(tx *client.Transaction) *client.Status {
		t.Helper()
		commit, err := tx.Submit()
		if err != nil {
			t.Fatal(err)
		}
		st, err := commit.Status()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("tx %s block %d %s", st.TransactionID, st.BlockNumber, st.Code)
		return st
	}
	check := func(x string, top uint64) {
		t.Helper()
		if err := waitPeers(top + 1); err != nil {
			t.Fatal(err)
		}
		it := item(t, x)
		if it.Status != domain.StatusInTransit || it.Seq != 2 {
			t.Fatalf("item after the race: %+v", it)
		}
		t.Logf("winner: offered to %s", it.OfferedTo)
	}

	// Both endorsed, then ordered one after the other: the second's event
	// key is sealed by then.
	x := "01/" + gtin(t, "00002") + "/21/MVCC-" + runTag
	register(t, x)
	txs := endorseOffers(x, mfrMSP, distMSP, custMSP)
	first, second := status(txs[0]), status(txs[1])
	if first.Code != peer.TxValidationCode_VALID || second.Code != peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE {
		t.Fatalf("codes %s, %s; want VALID, ENDORSEMENT_POLICY_FAILURE", first.Code, second.Code)
	}
	check(x, second.BlockNumber)

	// Both endorsed, then submitted at once (same block or not): one VALID.
	// Endorsed by all three orgs, as above: with the gateway's own choice the
	// loser may lack the winner's recipient, and then fails the key-level
	// policy the winner left behind even in a later block.
	y := "01/" + gtin(t, "00002") + "/21/RACE-" + runTag
	register(t, y)
	txs = endorseOffers(y, mfrMSP, distMSP, custMSP)
	statuses := make([]*client.Status, len(txs))
	var wg sync.WaitGroup
	for i, tx := range txs {
		wg.Add(1)
		go func(i int, tx *client.Transaction) {
			defer wg.Done()
			commit, err := tx.Submit()
			if err != nil {
				t.Error(err)
				return
			}
			if statuses[i], err = commit.Status(); err != nil {
				t.Error(err)
			}
		}(i, tx)
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	valid := 0
	var top uint64
	for _, st := range statuses {
		t.Logf("simultaneous: tx %s block %d %s", st.TransactionID, st.BlockNumber, st.Code)
		switch st.Code {
		case peer.TxValidationCode_VALID:
			valid++
		case peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE:
		default:
			t.Errorf("unexpected code %s", st.Code)
		}
		if st.BlockNumber > top {
			top = st.BlockNumber
		}
	}
	if valid != 1 {
		t.Fatalf("%d of 2 concurrent offers valid, want exactly 1", valid)
	}
	check(y, top)
}

// TestResubmittedTransfer: the same business operation submitted again with
// a new transaction ID transfers nothing.
func TestResubmittedTransfer(t *testing.T) {
	integration(t)
	x := "01/" + gtin(t, "00003") + "/21/DUP-" + runTag
	register(t, x)
	if _, err := submit(mfr, "user1", "OfferTransfer", x, distMSP); err != nil {
		t.Fatal(err)
	}
	refusedCode(t, domain.CodeInvalidTransition, mfr, "user1", "OfferTransfer", x, distMSP)
	if _, err := submit(dist, "user1", "AcceptTransfer", x); err != nil {
		t.Fatal(err)
	}
	refusedCode(t, domain.CodeInvalidTransition, dist, "user1", "AcceptTransfer", x)
	refusedCode(t, domain.CodeNotOwner, mfr, "user1", "OfferTransfer", x, distMSP)

	// Two accepts endorsed before either commits: one VALID, the other
	// ENDORSEMENT_POLICY_FAILURE (its event key sealed by the first).
	y := "01/" + gtin(t, "00003") + "/21/DUP2-" + runTag
	register(t, y)
	if _, err := submit(mfr, "user1", "OfferTransfer", y, distMSP); err != nil {
		t.Fatal(err)
	}
	c, err := contract(dist, "user1")
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	var txs []*client.Transaction
	for i := 0; i < 2; i++ {
		prop, err := c.NewProposal("AcceptTransfer", client.WithArguments(y))
		if err != nil {
			t.Fatal(err)
		}
		tx, err := prop.Endorse()
		if err != nil {
			t.Fatal(err)
		}
		txs = append(txs, tx)
	}
	var top uint64
	for _, tx := range txs {
		commit, err := tx.Submit()
		if err != nil {
			t.Fatal(err)
		}
		st, err := commit.Status()
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, st.Code.String())
		if st.BlockNumber > top {
			top = st.BlockNumber
		}
	}
	sort.Strings(codes)
	if fmt.Sprint(codes) != "[ENDORSEMENT_POLICY_FAILURE VALID]" {
		t.Fatalf("duplicate accepts: %v", codes)
	}
	if err := waitPeers(top + 1); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{x, y} {
		var h domain.HistoryPage
		if err := evaluate(mfr, "user1", &h, "GetHistory", id, "", ""); err != nil {
			t.Fatal(err)
		}
		accepted := 0
		for _, ev := range h.Events {
			if ev.Type == domain.EventAccepted {
				accepted++
			}
		}
		if accepted != 1 || len(h.Events) != 3 {
			t.Fatalf("%s: %d events, %d ACCEPTED", id, len(h.Events), accepted)
		}
	}
}

// TestPrefixGovernance: claims need a majority of the role orgs' admins;
// rejection and revocation work the same way; registration follows.
func TestPrefixGovernance(t *testing.T) {
	integration(t)
	p := "93" + runTag[1:]
	g := func(ref string) string {
		body := "0" + p + ref
		d, _ := domain.CheckDigit(body)
		return fmt.Sprintf("%s%d", body, d)
	}
	items := js([]domain.ItemInput{{ID: "01/" + g("00001") + "/21/GOV-" + runTag}})

	refusedCode(t, domain.CodeNotAdmin, mfr, "user1", "ClaimPrefix", p, "lic")
	refusedCode(t, domain.CodeWrongRole, dist, "admin", "ClaimPrefix", p, "lic")
	var pr domain.Prefix
	out, err := submit(mfr, "admin", "ClaimPrefix", p, "GS1-"+p)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, &pr); err != nil || pr.Status != domain.PrefixPending {
		t.Fatalf("claim: %s %v", out, err)
	}
	refusedCode(t, domain.CodePrefixNotActive, mfr, "user1", "RegisterItems", items)
	refusedCode(t, domain.CodeAlreadyVoted, mfr, "admin", "ApprovePrefix", p)
	refusedCode(t, domain.CodeNotAdmin, cust, "user1", "ApprovePrefix", p)
	refusedCode(t, domain.CodeRoleMismatch, mfr, "badrole", "RegisterItems", items)
	refusedCode(t, domain.CodeRoleMismatch, mfr, "norole", "RegisterItems", items)
	if out, err = submit(cust, "admin", "ApprovePrefix", p); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, &pr); err != nil || pr.Status != domain.PrefixActive {
		t.Fatalf("after 2 of 3 approvals: %s %v", out, err)
	}
	if _, err := submit(mfr, "user1", "RegisterItems", items); err != nil {
		t.Fatal(err)
	}
	// Revocation by the other two orgs' admins.
	if _, err := submit(dist, "admin", "RevokePrefix", p); err != nil {
		t.Fatal(err)
	}
	refusedCode(t, domain.CodeAlreadyVoted, dist, "admin", "RevokePrefix", p)
	if _, err := submit(cust, "admin", "RevokePrefix", p); err != nil {
		t.Fatal(err)
	}
	if err := evaluate(cust, "user1", &pr, "GetPrefix", p); err != nil || pr.Status != domain.PrefixRevoked {
		t.Fatalf("after revocation: %+v %v", pr, err)
	}
	refusedCode(t, domain.CodePrefixNotActive, mfr, "user1", "RegisterItems",
		js([]domain.ItemInput{{ID: "01/" + g("00001") + "/21/GOV2-" + runTag}}))

	// Rejection: a claim the other orgs reject never becomes active.
	q := "92" + runTag[1:]
	if _, err := submit(mfr, "admin", "ClaimPrefix", q, "dubious"); err != nil {
		t.Fatal(err)
	}
	for _, org := range []string{dist, cust} {
		if _, err := submit(org, "admin", "RejectPrefix", q); err != nil {
			t.Fatal(err)
		}
	}
	if err := evaluate(mfr, "user1", &pr, "GetPrefix", q); err != nil || pr.Status != domain.PrefixRejected {
		t.Fatalf("after rejections: %+v %v", pr, err)
	}
	refusedCode(t, domain.CodeInvalidTransition, mfr, "admin", "ApprovePrefix", q)
}

// TestRegisterBatchLatency measures one RegisterItems of 1000 items.
func TestRegisterBatchLatency(t *testing.T) {
	integration(t)
	g := gtin(t, "00010")
	for _, n := range []int{1, 100, domain.MaxBatch} {
		in := make([]domain.ItemInput, n)
		for i := range in {
			in[i] = domain.ItemInput{ID: fmt.Sprintf("01/%s/21/B%d-%s-%05d", g, n, runTag, i), Lot: "LOT-" + runTag}
		}
		start := time.Now()
		out, err := submit(mfr, "user1", "RegisterItems", js(in))
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		if err := json.Unmarshal(out, &keys); err != nil || len(keys) != n {
			t.Fatalf("%d keys: %v", len(keys), err)
		}
		t.Logf("RegisterItems of %d items: %v (endorse + order + commit on the submitter's peer + all peers at that height)",
			n, time.Since(start).Round(time.Millisecond))
	}
	var page domain.ItemPage
	if err := evaluate(dist, "user1", &page, "ListItems", "lot", g+"/LOT-"+runTag, "500", ""); err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 500 || page.Bookmark == "" {
		t.Fatalf("lot page: %d items, bookmark %q", len(page.Items), page.Bookmark)
	}
}

// TestTransferThroughput measures single-item OfferTransfer transactions
// submitted concurrently by 30 clients, each waiting for its commit.
func TestTransferThroughput(t *testing.T) {
	integration(t)
	const n, workers = 300, 30
	g := gtin(t, "00020")
	ids := make([]string, n)
	in := make([]domain.ItemInput, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("01/%s/21/T-%s-%05d", g, runTag, i)
		in[i] = domain.ItemInput{ID: ids[i]}
	}
	if _, err := submit(mfr, "user1", "RegisterItems", js(in)); err != nil {
		t.Fatal(err)
	}
	c, err := contract(mfr, "user1")
	if err != nil {
		t.Fatal(err)
	}
	jobs := make(chan string)
	var mu sync.Mutex
	var submitErrs, invalid []string
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range jobs {
				_, commit, err := c.SubmitAsync("OfferTransfer", client.WithArguments(id, distMSP))
				if err != nil {
					// BFT orderers under load sometimes answer the gateway
					// "request already processed" although the transaction is
					// ordered; the ledger check below tells.
					mu.Lock()
					submitErrs = append(submitErrs, id+": "+err.Error())
					mu.Unlock()
					continue
				}
				if st, err := commit.Status(); err != nil || !st.Successful {
					mu.Lock()
					invalid = append(invalid, fmt.Sprintf("%s: %v %v", id, st, err))
					mu.Unlock()
				}
			}
		}()
	}
	for _, id := range ids {
		jobs <- id
	}
	close(jobs)
	wg.Wait()
	el := time.Since(start)
	if len(invalid) > 0 {
		t.Fatalf("%d of %d offers invalid, first: %s", len(invalid), n, invalid[0])
	}
	h, err := pn.Net.Height(context.Background(), pn.Net.Nodes("peer")[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := waitPeers(h); err != nil {
		t.Fatal(err)
	}
	// Every item offered exactly once, whatever the submit answered.
	inTransit, active := 0, 0
	for i := 0; i < n; i += 500 {
		var items []*domain.Item
		if err := evaluate(dist, "user1", &items, "GetItems", js(ids[i:min(n, i+500)])); err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			switch {
			case it.Status == domain.StatusInTransit && it.Seq == 2:
				inTransit++
			case it.Status == domain.StatusActive && it.Seq == 1:
				active++
			default:
				t.Fatalf("item %s: %s seq %d", it.ID, it.Status, it.Seq)
			}
		}
	}
	if inTransit+len(submitErrs) < n || active > len(submitErrs) {
		t.Fatalf("%d in transit, %d still active, %d submit errors", inTransit, active, len(submitErrs))
	}
	if len(submitErrs) > 0 {
		t.Logf("%d submit errors from the ordering service (%d of those transactions committed anyway), first: %.200s",
			len(submitErrs), len(submitErrs)-active, submitErrs[0])
	}
	t.Logf("%d single-item OfferTransfer tx, %d concurrent clients: %v, %.0f committed tx/s",
		n, workers, el.Round(time.Millisecond), float64(inTransit)/el.Seconds())
}

// TestShipmentLatency measures shipments (register, offer, accept) of 100,
// 300 and 1000 items in one transaction each, split into endorsement and
// commit. Offers and accepts write every item key's value and key-level
// policy; the peers' validation evaluates the key-level policy of each such
// key separately, verifying every endorsement signature over the whole
// proposal response again, so their commit time grows with items x payload
// size (quadratically), unlike registrations of new keys (one chaincode
// policy check per transaction).
func TestShipmentLatency(t *testing.T) {
	integration(t)
	for _, n := range []int{100, 300, domain.MaxBatch} {
		g := gtin(t, fmt.Sprintf("%05d", 30+n/100))
		ship := make([]string, n)
		in := make([]domain.ItemInput, n)
		for i := range ship {
			ship[i] = fmt.Sprintf("01/%s/21/S%d-%s-%05d", g, n, runTag, i)
			in[i] = domain.ItemInput{ID: ship[i]}
		}
		for _, step := range []struct {
			org, fn string
			args    []string
		}{
			{mfr, "RegisterItems", []string{js(in)}},
			{mfr, "OfferTransfer", []string{js(ship), distMSP}},
			{dist, "AcceptTransfer", []string{js(ship)}},
		} {
			c, err := contract(step.org, "user1")
			if err != nil {
				t.Fatal(err)
			}
			t0 := time.Now()
			prop, err := c.NewProposal(step.fn, client.WithArguments(step.args...))
			if err != nil {
				t.Fatal(err)
			}
			tx, err := prop.Endorse()
			if err != nil {
				t.Fatalf("%s: %v", step.fn, err)
			}
			t1 := time.Now()
			commit, err := tx.Submit()
			if err != nil {
				t.Fatalf("%s: %v", step.fn, err)
			}
			// The connection's 60 s commit wait is not enough for a
			// 1,000-item accept beside the other test stream (its
			// validation is quadratic, see above): this test measures.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			st, err := commit.StatusWithContext(ctx)
			cancel()
			if err != nil {
				t.Fatalf("%s of %d, commit status after %s: %v", step.fn, n, time.Since(t1).Round(time.Millisecond), err)
			}
			if !st.Successful {
				t.Fatalf("%s of %d: %s", step.fn, n, st.Code)
			}
			t2 := time.Now()
			if err := waitPeers(st.BlockNumber + 1); err != nil {
				t.Fatal(err)
			}
			t.Logf("%4d items %-14s endorse %6v  order+commit %8v  total %8v",
				n, step.fn, t1.Sub(t0).Round(time.Millisecond), t2.Sub(t1).Round(time.Millisecond), t2.Sub(t0).Round(time.Millisecond))
		}
		var items []*domain.Item
		if err := evaluate(cust, "user1", &items, "GetItems", js([]string{ship[0], ship[n-1]})); err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if it == nil || it.Owner != distMSP || it.Status != domain.StatusActive {
				t.Fatalf("shipment item: %+v", it)
			}
		}
	}
}

// TestChaincodeEvent: a transaction emits one "custody" chaincode event
// listing every item it touched, in input order.
func TestChaincodeEvent(t *testing.T) {
	integration(t)
	g := gtin(t, "00050")
	ids := []string{"01/" + g + "/21/EV2-" + runTag, "01/" + g + "/21/EV1-" + runTag}
	in := []domain.ItemInput{{ID: ids[0]}, {ID: ids[1]}}
	_, st, err := submitWith(mfr, "user1", "RegisterItems", []string{js(in)}, nil)
	if err != nil || !st.Successful {
		t.Fatalf("register: %v %v", st, err)
	}
	conn, err := pn.Conn(mfr, "user1")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	events, err := conn.Gateway.GetNetwork(pn.Net.Channel).ChaincodeEvents(ctx, pn.Net.Chaincode, client.WithStartBlock(st.BlockNumber))
	if err != nil {
		t.Fatal(err)
	}
	for ev := range events {
		if ev.TransactionID != st.TransactionID {
			continue
		}
		var ce domain.ChaincodeEvent
		if err := json.Unmarshal(ev.Payload, &ce); err != nil {
			t.Fatal(err)
		}
		if ev.EventName != domain.ChaincodeEventName || ce.Type != domain.EventRegistered || ce.TxID != st.TransactionID ||
			strings.Join(ce.Items, ",") != strings.Join(ids, ",") {
			t.Fatalf("event %s: %+v", ev.EventName, ce)
		}
		t.Logf("block %d tx %s: %s %s", ev.BlockNumber, ev.TransactionID, ev.EventName, ev.Payload)
		return
	}
	t.Fatal("no chaincode event for the registration")
}

package bulk_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/bulk"
	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
)

const (
	mfr  = "ManufacturerMSP"
	dist = "DistributorMSP"
	cust = "CustomsMSP"
	g    = "09506000134352"
)

var roles = []domain.OrgRole{{MSP: cust, Role: domain.RoleCustoms}, {MSP: dist, Role: domain.RoleDistributor}, {MSP: mfr, Role: domain.RoleManufacturer}}

func key(s string) string { return "01/" + g + "/21/" + s }

func active(s, owner string) domain.Item {
	return domain.Item{ID: key(s), GTIN: g, Serial: s, Manufacturer: mfr, Owner: owner, Status: domain.StatusActive, Seq: 1}
}

// offerSpec is a minimal offer command: the shape under test is bulk's.
var offerSpec = &bulk.Spec{
	Use: "offer", Act: domain.ActOffer, Action: "offer", Past: "Offered", Batch: 2,
	Flags: func(cmd *cobra.Command, p *bulk.Params) { cmd.Flags().StringVar(&p.To, "to", "", "") },
	Call:  func(p *bulk.Params) (string, []string) { return "OfferTransfer", []string{p.To} },
}

// chaincode answers OfferTransfer like the contract: a batch holding a
// refused item is refused whole, naming the item when named is set.
func chaincode(l *ledgertest.Fake, refused map[string]domain.Code, named bool) {
	l.On("OfferTransfer", func(args []string) (any, error) {
		var ids []string
		json.Unmarshal([]byte(args[0]), &ids)
		for _, id := range ids {
			if code, bad := refused[id]; bad {
				if named {
					return nil, domain.Errorf(code, "item %s is on hold by %s: seized", id, cust)
				}
				return nil, domain.Errorf(code, "a batch item is on hold")
			}
		}
		return ids, nil
	})
}

func run(t *testing.T, l *ledgertest.Fake, stdin string, argv ...string) (string, error) {
	t.Helper()
	f, ios := cmdtest.Factory(l)
	ios.In = strings.NewReader(stdin)
	for i, a := range argv {
		if a == "-o=json" {
			f.Output = cmdutil.FormatJSON
			argv = append(argv[:i:i], argv[i+1:]...)
			break
		}
	}
	err := cmdtest.Exec(bulk.NewCmd(f, offerSpec, nil), argv...)
	return ios.Out.(*bytes.Buffer).String(), err
}

func decode(t *testing.T, out string) bulk.Result {
	t.Helper()
	var r bulk.Result
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	return r
}

func TestShipmentFromFile(t *testing.T) {
	recalled := active("R", mfr)
	recalled.Recall = &domain.Recall{Scope: "lot", By: mfr, Reason: "contamination"}
	offered := active("S", mfr)
	offered.Status, offered.OfferedTo = domain.StatusInTransit, dist
	held := active("H", mfr) // the hold comes after the pre-read: only the chaincode sees it
	l := ledgertest.New(mfr).Returns("GetOrgRoles", roles).
		Items(active("A", mfr), active("B", mfr), active("C", mfr), recalled, offered, held, active("F", dist))
	chaincode(l, map[string]domain.Code{key("H"): domain.CodeOnHold}, true)
	file := filepath.Join(t.TempDir(), "ship.csv")
	os.WriteFile(file, []byte("# shipment 7\nid,qty\n"+key("A")+",1\n"+key("R")+",1\n"+key("S")+",1\n"+
		"01/09506000134353/21/X,1\n"+key("H")+",1\n"+key("F")+",1\n"+key("B")+",1\n(01)"+g+"(21)A,1\n"+key("C")+",1\n"+key("Z")+",1\n"), 0o644)

	out, err := run(t, l, "", "--file", file, "--to", dist, "-o=json")
	if cmdutil.ExitCode(err) != 1 {
		t.Fatalf("exit %d (%v): failed items make exit 1", cmdutil.ExitCode(err), err)
	}
	r := decode(t, out)
	if fmt.Sprint(r.Items) != fmt.Sprint([]string{key("A"), key("B"), key("C")}) {
		t.Errorf("committed %v", r.Items)
	}
	// batch 1 [A H] is refused naming H, A is resent alone; batch 2 [B C]
	if got := len(l.CallsTo("OfferTransfer")); got != 3 || len(r.Transactions) != 2 {
		t.Errorf("%d submits, %d transactions: %+v", got, len(r.Transactions), r.Transactions)
	}
	if len(r.Skipped) != 1 || r.Skipped[0].Line != 5 || r.Skipped[0].Reason != "already offered to "+dist {
		t.Errorf("skipped %+v", r.Skipped)
	}
	want := []string{
		"4 " + key("R") + " RECALLED",
		"6 01/09506000134353/21/X INVALID_ID",
		"7 " + key("H") + " ON_HOLD",
		"8 " + key("F") + " NOT_OWNER",
		"10 " + key("A") + " INVALID_ARGUMENT",
		"12 " + key("Z") + " NOT_FOUND",
	}
	var got []string
	for _, f := range r.Failed {
		got = append(got, fmt.Sprintf("%d %s %s", f.Line, f.ID, f.Code))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("failed:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if f := r.Failed[4]; f.Error != "INVALID_ARGUMENT: "+key("A")+": duplicate of line 3" {
		t.Errorf("duplicate: %q", f.Error)
	}
	if f := r.Failed[2]; f.TxID == "" || !strings.Contains(f.Error, "on hold by CustomsMSP") {
		t.Errorf("the chaincode's refusal keeps its message and transaction: %+v", f)
	}

	// The re-run after the items moved: everything settled or failing, no transaction.
	l2 := ledgertest.New(mfr).Returns("GetOrgRoles", roles)
	var moved []domain.Item
	for _, s := range []string{"A", "B", "C"} {
		it := active(s, mfr)
		it.Status, it.OfferedTo = domain.StatusInTransit, dist
		moved = append(moved, it)
	}
	l2.Items(moved...)
	chaincode(l2, nil, true)
	out, err = run(t, l2, key("A")+"\n"+key("B")+"\n"+key("C")+"\n", "--file", "-", "--to", dist)
	if err != nil || len(l2.CallsTo("OfferTransfer")) != 0 {
		t.Fatalf("re-run: %v, %d submits", err, len(l2.CallsTo("OfferTransfer")))
	}
	if !strings.HasPrefix(out, "Offered 0 items\nSkipped 3 items:\n  line 1: "+key("A")+": already offered to "+dist) {
		t.Errorf("re-run output %q", out)
	}
}

func TestBisectWithoutName(t *testing.T) {
	var items []domain.Item
	var ids []string
	for i := range 8 {
		s := fmt.Sprint("N", i)
		items = append(items, active(s, mfr))
		ids = append(ids, key(s))
	}
	l := ledgertest.New(mfr).Returns("GetOrgRoles", roles).Items(items...)
	chaincode(l, map[string]domain.Code{key("N5"): domain.CodeOnHold}, false)
	out, err := run(t, l, "", append(ids, "--to", dist, "--batch-size", "8", "-o=json")...)
	if cmdutil.ExitCode(err) != 1 {
		t.Fatal(err)
	}
	r := decode(t, out)
	if len(r.Items) != 7 || len(r.Failed) != 1 || r.Failed[0].ID != key("N5") || r.Failed[0].Code != domain.CodeOnHold {
		t.Errorf("items %v failed %+v", r.Items, r.Failed)
	}
	// [8] refused -> [4] ok, [4] refused -> [2] refused -> [1] ok, [1] refused; [2] ok
	if n := len(l.CallsTo("OfferTransfer")); n != 7 {
		t.Errorf("%d submits, want 7", n)
	}
}

func TestFailFastAndFatal(t *testing.T) {
	var items []domain.Item
	var ids []string
	for _, s := range []string{"A", "B", "C", "D", "E"} {
		items = append(items, active(s, mfr))
		ids = append(ids, key(s))
	}
	l := ledgertest.New(mfr).Returns("GetOrgRoles", roles).Items(items...)
	chaincode(l, map[string]domain.Code{key("C"): domain.CodeOnHold}, true)
	out, err := run(t, l, "", append(ids, "--to", dist, "--fail-fast", "-o=json")...)
	r := decode(t, out)
	if cmdutil.ExitCode(err) != 1 || fmt.Sprint(r.Items) != fmt.Sprint([]string{key("A"), key("B")}) || len(r.Failed) != 3 {
		t.Fatalf("fail-fast: %v %+v", err, r)
	}
	if r.Failed[0].Code != domain.CodeOnHold || r.Failed[1].Code != "" || !strings.HasPrefix(r.Failed[1].Error, "not attempted: ON_HOLD") ||
		!strings.HasPrefix(r.Failed[2].Error, "not attempted") {
		t.Errorf("failed %+v", r.Failed)
	}

	// A failure that is no refusal (peer gone) stops the run; the JSON still lists what committed.
	n := 0
	l.On("OfferTransfer", func(args []string) (any, error) {
		if n++; n == 2 {
			return nil, errors.New("peer 127.0.0.1:7051 unavailable")
		}
		var ids []string
		json.Unmarshal([]byte(args[0]), &ids)
		return ids, nil
	})
	out, err = run(t, l, "", append(ids, "--to", dist, "-o=json")...)
	r = decode(t, out)
	if err == nil || !strings.Contains(err.Error(), "unavailable") || len(r.Transactions) != 1 || r.Transactions[0].TxID == "" ||
		len(r.Items) != 2 || len(r.Failed) != 3 || !strings.HasPrefix(r.Failed[2].Error, "not attempted") {
		t.Errorf("fatal: %v %+v", err, r)
	}
}

func TestDryRunAndSingle(t *testing.T) {
	l := ledgertest.New(mfr).Returns("GetOrgRoles", roles).Items(active("A", mfr), active("B", mfr))
	chaincode(l, map[string]domain.Code{key("B"): domain.CodeOnHold}, true)
	out, err := run(t, l, "", key("A"), key("B"), key("Q"), "--to", dist, "--dry-run")
	if cmdutil.ExitCode(err) != 1 || len(l.CallsTo("OfferTransfer")) != 0 {
		t.Fatalf("dry run: %v, %d submits", err, len(l.CallsTo("OfferTransfer")))
	}
	want := "Would offer 2 items (dry run: nothing submitted)\n  " + key("A") + "\n  " + key("B") + "\nFailed 1 item:\n  " + key("Q") + ": NOT_FOUND: item " + key("Q") + " is not registered\n"
	if out != want {
		t.Errorf("dry run:\n%s\nwant\n%s", out, want)
	}
	// One ID: the refusal is the command's error, as before.
	_, err = run(t, l, "", key("B"), "--to", dist)
	if cmdutil.ExitCode(err) != 1 || !strings.HasPrefix(err.Error(), "ON_HOLD: item "+key("B")+" is on hold") {
		t.Errorf("single: %v", err)
	}
	_, err = run(t, l, "", "01/09506000134353/21/B", "--to", dist)
	if domain.CodeOf(err) != domain.CodeInvalidID || len(l.CallsTo("GetItems")) != 2 {
		t.Errorf("bad ID: %v; GetItems calls %d (a bad single ID costs no read)", err, len(l.CallsTo("GetItems")))
	}
	for _, argv := range [][]string{{"--to", dist}, {key("A"), "--file", "x", "--to", dist}, {key("A"), "--batch-size", "0"}} {
		if _, err := run(t, l, "", argv...); cmdutil.ExitCode(err) != 2 {
			t.Errorf("%v: %v", argv, err)
		}
	}
}

// TestNoRoleRefusedFirst: an organization without a ledger role (not yet
// approved, or removed) is refused as the chaincode refuses it, before any
// item is judged and without a transaction.
func TestNoRoleRefusedFirst(t *testing.T) {
	l := ledgertest.New("WholesalerMSP").Returns("GetOrgRoles", roles).Items(active("A", mfr))
	_, err := run(t, l, "", key("A"), "--to", dist)
	if domain.CodeOf(err) != domain.CodeUnknownOrg || cmdutil.ExitCode(err) != 1 || len(l.CallsTo("OfferTransfer")) != 0 {
		t.Fatalf("no role: %v (exit %d), %d submits", err, cmdutil.ExitCode(err), len(l.CallsTo("OfferTransfer")))
	}
}

package vote

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
	"github.com/provledger/provenance/client/internal/render"
)

func TestVotes(t *testing.T) {
	for _, v := range []Verb{Approve, Reject} {
		l := ledgertest.New("DistributorMSP").On(v.Fn, func(args []string) (any, error) {
			if len(args) != 1 || args[0] != "abc" {
				t.Errorf("%s args %v", v.Fn, args)
			}
			return domain.Proposal{ID: "abc", Status: domain.ProposalApproved, Approvals: []string{"A", "B"}}, nil
		})
		f, ios := cmdtest.Factory(l)
		f.Output = cmdutil.FormatJSON
		if err := cmdtest.Exec(NewCmd(f, v, nil), "abc"); err != nil {
			t.Fatal(err)
		}
		var out render.TxResult
		json.Unmarshal(ios.Out.(*bytes.Buffer).Bytes(), &out)
		if out.Action != v.Name || out.TxID != "tx1" {
			t.Errorf("%s: %+v", v.Name, out)
		}
		// Table output names the proposal and its new status.
		f.Output = cmdutil.FormatTable
		ios.Out.(*bytes.Buffer).Reset()
		if err := cmdtest.Exec(NewCmd(f, v, nil), "abc"); err != nil {
			t.Fatal(err)
		}
		if s := ios.Out.(*bytes.Buffer).String(); !strings.Contains(s, "proposal abc: now APPROVED") || !strings.Contains(s, "A, B") {
			t.Errorf("table output %q", s)
		}
	}
	l := ledgertest.New("DistributorMSP").Refuses("ApproveProposal", domain.CodeAlreadyVoted, "DistributorMSP already voted")
	f, _ := cmdtest.Factory(l)
	if err := cmdtest.Exec(NewCmd(f, Approve, nil), "abc"); domain.CodeOf(err) != domain.CodeAlreadyVoted || cmdutil.ExitCode(err) != 1 {
		t.Errorf("err %v", err)
	}
	if err := cmdtest.Exec(NewCmd(f, Approve, nil)); cmdutil.ExitCode(err) != 2 {
		t.Errorf("missing ID: %v", err)
	}
}

func TestShow(t *testing.T) {
	l := ledgertest.New("M").Returns("GetProposal", domain.Proposal{ID: "abc", Kind: domain.KindAddOrg, Subject: "W", Status: domain.ProposalPending})
	f, ios := cmdtest.Factory(l)
	f.Output = cmdutil.FormatJSON
	if err := cmdtest.Exec(NewShowCmd(f, nil), "abc"); err != nil {
		t.Fatal(err)
	}
	var p domain.Proposal
	if err := json.Unmarshal(ios.Out.(*bytes.Buffer).Bytes(), &p); err != nil || p.ID != "abc" || p.Kind != domain.KindAddOrg {
		t.Fatalf("show: %+v %v", p, err)
	}
	if len(l.CallsTo("GetProposal")) != 1 {
		t.Fatal("GetProposal not called once")
	}
}

package list

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
)

func TestList(t *testing.T) {
	roles := []domain.OrgRole{{MSP: "CustomsMSP", Role: "customs"}, {MSP: "ManufacturerMSP", Role: "manufacturer"}}
	pending := domain.ProposalPage{Proposals: []domain.Proposal{{ID: "abc", Kind: domain.KindAddOrg, Subject: "WholesalerMSP",
		Payload: `{"role":"distributor"}`, Status: domain.ProposalPending, Electorate: []string{"A", "B", "C"}, Threshold: 2, Approvals: []string{"A"}}}}
	l := ledgertest.New("M").Returns("GetOrgRoles", roles).On("ListProposals", func(args []string) (any, error) {
		if got := strings.Join(args, "|"); got != "PENDING||100|" && got != "APPROVED|remove-org|5|" {
			t.Errorf("ListProposals(%s)", got)
		}
		return pending, nil
	})
	f, ios := cmdtest.Factory(l)
	if err := cmdtest.Exec(NewCmd(f, nil)); err != nil {
		t.Fatal(err)
	}
	out := ios.Out.(*bytes.Buffer).String()
	for _, want := range []string{"CustomsMSP", "customs", "WholesalerMSP", "1/2 of 3", "abc"} {
		if !strings.Contains(out, want) {
			t.Errorf("table output lacks %q:\n%s", want, out)
		}
	}
	f.Output = cmdutil.FormatJSON
	ios.Out.(*bytes.Buffer).Reset()
	if err := cmdtest.Exec(NewCmd(f, nil), "--status", "approved", "--kind", "remove-org", "--limit", "5"); err != nil {
		t.Fatal(err)
	}
	var got Listing
	if err := json.Unmarshal(ios.Out.(*bytes.Buffer).Bytes(), &got); err != nil || len(got.Orgs) != 2 || len(got.Proposals) != 1 || got.Proposals[0].ID != "abc" {
		t.Fatalf("json: %+v %v", got, err)
	}
	for _, bad := range [][]string{{"--status", "done"}, {"--limit", "0"}, {"extra"}} {
		if err := cmdtest.Exec(NewCmd(f, nil), bad...); cmdutil.ExitCode(err) != 2 {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

func TestListBeforeRoles(t *testing.T) {
	l := ledgertest.New("M").Returns("GetOrgRoles", []domain.OrgRole{}).Returns("ListProposals", domain.ProposalPage{})
	f, ios := cmdtest.Factory(l)
	if err := cmdtest.Exec(NewCmd(f, nil)); err != nil {
		t.Fatal(err)
	}
	if out := ios.Out.(*bytes.Buffer).String(); !strings.Contains(out, "no org roles in effect") || !strings.Contains(out, "no pending proposals") {
		t.Errorf("out %q", out)
	}
}

package propose

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

func TestPropose(t *testing.T) {
	cases := []struct {
		name string
		argv []string
		// the Propose call's arguments, or the usage error's text
		want    string
		usage   bool
		refused domain.Code
	}{
		{"add-org", []string{"add-org", "WholesalerMSP", "--role", "distributor"}, `add-org|WholesalerMSP|{"role":"distributor"}`, false, ""},
		{"change-role", []string{"change-role", "DistributorMSP", "--role", "customs"}, `change-role|DistributorMSP|{"role":"customs"}`, false, ""},
		{"remove-org freeze by default", []string{"remove-org", "RivalMSP"}, `remove-org|RivalMSP|{"items":"freeze"}`, false, ""},
		{"remove-org handover", []string{"remove-org", "RivalMSP", "--items", "handover", "--to", "DistributorMSP"}, `remove-org|RivalMSP|{"items":"handover","to":"DistributorMSP"}`, false, ""},
		{"role-set sorted", []string{"role-set", "--roles", "ManufacturerMSP=manufacturer,CustomsMSP=customs", "--roles", "DistributorMSP=distributor"},
			`role-set|roles|[{"msp":"CustomsMSP","role":"customs"},{"msp":"DistributorMSP","role":"distributor"},{"msp":"ManufacturerMSP","role":"manufacturer"}]`, false, ""},
		{"raw payload", []string{"release-hold", "01/09506000134352/21/A", "--payload", `{"reason":"customs org down"}`}, `release-hold|01/09506000134352/21/A|{"reason":"customs org down"}`, false, ""},
		{"refused by the chaincode", []string{"add-org", "DistributorMSP", "--role", "customs"}, "", false, domain.CodeAlreadyExists},
		{"add-org without role", []string{"add-org", "WholesalerMSP"}, "--role", true, ""},
		{"add-org bad role", []string{"add-org", "WholesalerMSP", "--role", "king"}, "--role", true, ""},
		{"add-org without subject", []string{"add-org", "--role", "customs"}, "SUBJECT", true, ""},
		{"bad MSP", []string{"add-org", "Bad MSP", "--role", "customs"}, "MSP ID", true, ""},
		{"handover without successor", []string{"remove-org", "RivalMSP", "--items", "handover"}, "--to", true, ""},
		{"freeze with successor", []string{"remove-org", "RivalMSP", "--to", "DistributorMSP"}, "--items handover", true, ""},
		{"bad items", []string{"remove-org", "RivalMSP", "--items", "burn"}, "freeze or handover", true, ""},
		{"role-set with subject", []string{"role-set", "everything", "--roles", "A=customs"}, "no SUBJECT", true, ""},
		{"role-set bad entry", []string{"role-set", "--roles", "A:customs"}, "MSP=", true, ""},
		{"role-set without roles", []string{"role-set"}, "--roles", true, ""},
		{"unknown kind without payload", []string{"release-hold", "X"}, "--payload", true, ""},
		{"payload not JSON", []string{"release-hold", "X", "--payload", "{"}, "JSON", true, ""},
		{"payload and flags", []string{"add-org", "X", "--role", "customs", "--payload", "{}"}, "replaces", true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := ledgertest.New("ManufacturerMSP").On("Propose", func(args []string) (any, error) {
				if c.refused != "" {
					return nil, domain.Errorf(c.refused, "no")
				}
				if got := strings.Join(args, "|"); got != c.want {
					t.Errorf("Propose(%s), want %s", got, c.want)
				}
				return domain.Proposal{ID: "abc", Kind: domain.ProposalKind(args[0]), Subject: args[1], Payload: args[2], Status: domain.ProposalPending}, nil
			})
			f, ios := cmdtest.Factory(l)
			f.Output = cmdutil.FormatJSON
			err := cmdtest.Exec(NewCmd(f, nil), c.argv...)
			switch {
			case c.usage:
				if cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("err %v, want a usage error naming %q", err, c.want)
				}
				if len(l.CallsTo("Propose")) != 0 {
					t.Fatal("a usage error reached the ledger")
				}
			case c.refused != "":
				if domain.CodeOf(err) != c.refused || cmdutil.ExitCode(err) != 1 {
					t.Fatalf("err %v", err)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				var out render.TxResult
				if err := json.Unmarshal(ios.Out.(*bytes.Buffer).Bytes(), &out); err != nil || out.Action != "propose" || out.TxID != "tx1" {
					t.Fatalf("out %+v %v", out, err)
				}
			}
		})
	}
}

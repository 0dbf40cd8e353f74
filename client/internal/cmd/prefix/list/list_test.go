package list

import (
	"bytes"
	"strings"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
)

func TestList(t *testing.T) {
	l := ledgertest.New("M").On("ListPrefixes", func(args []string) (any, error) {
		if strings.Join(args, "|") != "PENDING|100|" {
			t.Errorf("args %v", args)
		}
		return domain.PrefixPage{}, nil
	})
	f, ios := cmdtest.Factory(l)
	f.Output = cmdutil.FormatJSON
	if err := cmdtest.Exec(NewCmd(f, nil), "--status", "pending"); err != nil {
		t.Fatal(err)
	}
	if out := ios.Out.(*bytes.Buffer).String(); out != "{\n  \"prefixes\": [],\n  \"bookmark\": \"\"\n}\n" {
		t.Errorf("out %q", out)
	}
	if err := cmdtest.Exec(NewCmd(f, nil), "--status", "gone"); cmdutil.ExitCode(err) != 2 {
		t.Errorf("bad status: %v", err)
	}
}

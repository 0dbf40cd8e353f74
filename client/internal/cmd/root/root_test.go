package root

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
	"github.com/provledger/provenance/client/verify"
)

type badVerifier struct{}

func (badVerifier) Verify(_ context.Context, id string, _ verify.OnlineOptions) (*verify.Report, error) {
	return &verify.Report{Item: id, Steps: []verify.Step{{Check: "write-set", OK: false}}}, nil
}

// The whole tree, as main runs it: exit codes and error text.
func TestExitCodes(t *testing.T) {
	l := ledgertest.New("ManufacturerMSP").
		Refuses("OfferTransfer", domain.CodeNotOwner, "item 01/09506000134352/21/A is held by DistributorMSP").
		Items(domain.Item{ID: "01/09506000134352/21/A", Owner: "ManufacturerMSP", Status: domain.StatusActive})
	tests := []struct {
		argv     string
		env      map[string]string
		code     int
		wantErr  string
		wantHelp bool
	}{
		{"item show 01/09506000134352/21/A", nil, 0, "", false},
		{"item show 01/09506000134352/21/A -o json", nil, 0, "", false},
		{"item show 01/09506000134352/21/A", map[string]string{"PROV_OUTPUT": "json"}, 0, "", false},
		{"item show 01/09506000134352/21/A -o yaml", nil, 2, `invalid output format "yaml"`, true},
		{"transfer offer 01/09506000134352/21/A --to DistributorMSP", nil, 1, "NOT_OWNER: item 01/09506000134352/21/A is held by DistributorMSP (transaction tx1)\n", false},
		{"item show 01/09506000134352/21/", nil, 1, "INVALID_ID", false},
		{"verify 01/09506000134352/21/A", nil, 3, "verification failed\n", false},
		{"item show", nil, 2, "missing an item ID\nRun 'prov item show --help' for usage.\n", true},
		{"item frobnicate", nil, 2, `unknown command "frobnicate" for "prov item"`, true},
		{"frobnicate", nil, 2, `unknown command "frobnicate" for "prov"`, true},
		{"item shwo 01/09506000134352/21/A", nil, 2, "unknown command \"shwo\" for \"prov item\"\n\nDid you mean this?\n\tshow\n", true},
		{"transfer acept x", nil, 2, "Did you mean this?\n\taccept\n", true},
		{"item show x --nope", nil, 2, "unknown flag: --nope", true},
		{"transfer offer x", nil, 2, "--to is required", true},
		{"item", nil, 0, "", false},
		{"version", nil, 0, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			ios, _, out, errOut := cmdutil.Test()
			f := cmdutil.New(ios)
			f.Getenv = func(k string) string { return tt.env[k] }
			f.Ledger = func() (gateway.Ledger, error) { return l, nil }
			f.Verifier = func() (cmdutil.Verifier, error) { return badVerifier{}, nil }
			cmd := NewCmd(f)
			cmd.SetArgs(strings.Fields(tt.argv))
			cmd.SetOut(out)
			cmd.SetErr(errOut)
			executed, err := cmd.ExecuteContextC(context.Background())
			if err != nil {
				PrintError(errOut, executed, err)
			}
			if code := cmdutil.ExitCode(err); code != tt.code {
				t.Fatalf("exit %d (%v), want %d", code, err, tt.code)
			}
			if !strings.Contains(errOut.String(), tt.wantErr) {
				t.Errorf("stderr %q, want %q", errOut.String(), tt.wantErr)
			}
			if tt.wantHelp != strings.Contains(errOut.String(), "--help' for usage") {
				t.Errorf("stderr %q: help pointer %v", errOut.String(), tt.wantHelp)
			}
			if strings.Contains(tt.argv, "json") || tt.env["PROV_OUTPUT"] == "json" {
				if !strings.HasPrefix(out.String(), "{") {
					t.Errorf("stdout %q, want JSON", out.String())
				}
			}
		})
	}
}

func TestEnvDefaults(t *testing.T) {
	ios, _, _, _ := cmdutil.Test()
	f := cmdutil.New(ios)
	env := map[string]string{"PROV_HOME": "/h", "PROV_PROFILE": "customs", "PROV_USER": "admin", "PROV_CHANNEL": "c", "PROV_CHAINCODE": "cc", "PROV_PEER": "p:1", "PROV_COMMIT_TIMEOUT": "5s", "PROV_RETRIES": "7"}
	f.Getenv = func(k string) string { return env[k] }
	cmd := NewCmd(f)
	cmd.SetArgs([]string{"version", "--user", "user2"})
	cmd.SetOut(&bytes.Buffer{})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	c := f.Config
	if c.Home != "/h" || c.Profile != "customs" || c.User != "user2" || c.Channel != "c" || c.Chaincode != "cc" || c.Peer != "p:1" ||
		c.Timeouts.CommitStatus.String() != "5s" || c.Retries != 7 {
		t.Errorf("config %+v (flags win over env, env over defaults)", c)
	}
}

func TestHelpDocumentsExitCodes(t *testing.T) {
	ios, _, out, _ := cmdutil.Test()
	cmd := NewCmd(cmdutil.New(ios))
	cmd.SetArgs([]string{"--help"})
	cmd.SetOut(out)
	cmd.Execute()
	for _, w := range []string{"0  success", "1  refused", "2  usage error", "3  verification failed", "completion"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("help lacks %q", w)
		}
	}
}

// Issue 16: every noun command (one with subcommands) shows examples.
func TestNounCommandsHaveExamples(t *testing.T) {
	ios, _, _, _ := cmdutil.Test()
	cmd := NewCmd(cmdutil.New(ios))
	nouns := 0
	for _, c := range cmd.Commands() {
		if !c.HasAvailableSubCommands() || c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		nouns++
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("prov %s has no examples", c.Name())
		}
	}
	if nouns < 7 {
		t.Errorf("only %d noun commands found", nouns)
	}
}

// Package root assembles the prov command tree.
package root

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/client/gateway"
	auditcmd "github.com/provledger/provenance/client/internal/cmd/audit"
	"github.com/provledger/provenance/client/internal/cmd/customs"
	"github.com/provledger/provenance/client/internal/cmd/events"
	"github.com/provledger/provenance/client/internal/cmd/evidence"
	"github.com/provledger/provenance/client/internal/cmd/export"
	"github.com/provledger/provenance/client/internal/cmd/importcmd"
	"github.com/provledger/provenance/client/internal/cmd/item"
	"github.com/provledger/provenance/client/internal/cmd/org"
	"github.com/provledger/provenance/client/internal/cmd/prefix"
	"github.com/provledger/provenance/client/internal/cmd/recall"
	"github.com/provledger/provenance/client/internal/cmd/serve"
	"github.com/provledger/provenance/client/internal/cmd/transfer"
	"github.com/provledger/provenance/client/internal/cmd/unit"
	verifycmd "github.com/provledger/provenance/client/internal/cmd/verify"
	"github.com/provledger/provenance/client/internal/cmd/version"
	"github.com/provledger/provenance/client/internal/cmd/whoami"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

const long = `prov is the command-line client of the provenance ledger: register
serialized items (GS1 GTIN + serial), hand them over between organizations,
recall, hold, inspect, and verify an item's custody record against the
ledger's blocks.

Connection and identity:
  --profile ORG|FILE   a Fabric connection profile (JSON or YAML), or an
                       organization name (manufacturer, Distributor, ...)
                       meaning $PROV_HOME/orgs/<org>/connection.json
  --user NAME          an identity enrolled under that organization:
                       $PROV_HOME/orgs/<org>/users/NAME/msp (default user1;
                       admin is the org admin)
  --msp-dir DIR        any MSP folder (signcerts/, keystore/) instead
  --peer, --tls-ca, --msp-id, --channel, --chaincode override the profile.
Every flag also reads PROV_<FLAG> (PROV_PROFILE, PROV_USER, PROV_MSP_DIR,
PROV_PEER, PROV_TLS_CA, PROV_MSP_ID, PROV_CHANNEL, PROV_CHAINCODE,
PROV_OUTPUT, ...); PROV_HOME defaults to the nearest .prov directory.

Output: a table or key/value text by default; -o json prints stable JSON.

Exit codes:
  0  success
  1  refused by the ledger (the message starts with its code, e.g.
     NOT_OWNER:, and names the transaction) or failed (peer unavailable,
     timeout, bad input)
  2  usage error (unknown command, missing argument or flag)
  3  verification failed (prov verify, prov evidence)
  4  prov audit found something suspect (any verdict but GENUINE)`

// NewCmd builds the root command and binds the factory's configuration to
// its persistent flags, defaulting each from its PROV_* variable.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:           "prov <command> <subcommand> [flags]",
		Short:         "Provenance ledger client",
		Long:          long,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return cmdutil.CheckFormat(f.Output)
		},
		Example: `  prov item register 01/09506000134352/21/ABC123 --profile manufacturer
  prov transfer offer 01/09506000134352/21/ABC123 --to distributor
  prov transfer accept 01/09506000134352/21/ABC123 --profile distributor
  prov verify 01/09506000134352/21/ABC123 --chain`,
	}
	env := func(name, def string) string {
		if v := f.Getenv(name); v != "" {
			return v
		}
		return def
	}
	envDur := func(name string, def time.Duration) time.Duration {
		if d, err := time.ParseDuration(f.Getenv(name)); err == nil {
			return d
		}
		return def
	}
	envInt := func(name string, def int) int {
		if n, err := strconv.Atoi(f.Getenv(name)); err == nil {
			return n
		}
		return def
	}
	c := &f.Config
	c.Home = f.Getenv("PROV_HOME")
	pf := cmd.PersistentFlags()
	pf.StringVarP(&c.Profile, "profile", "p", env("PROV_PROFILE", ""), "connection profile `ORG|FILE` (env PROV_PROFILE)")
	pf.StringVarP(&c.User, "user", "u", env("PROV_USER", gateway.DefaultUser), "enrolled identity `NAME` under the profile's organization (env PROV_USER)")
	pf.StringVar(&c.MSPDir, "msp-dir", env("PROV_MSP_DIR", ""), "MSP folder of the identity, instead of --user (env PROV_MSP_DIR)")
	pf.StringVar(&c.Peer, "peer", env("PROV_PEER", ""), "gateway peer: a peer name in the profile or `host:port` (env PROV_PEER)")
	pf.StringVar(&c.TLSCA, "tls-ca", env("PROV_TLS_CA", ""), "peer TLS CA certificate `file` (env PROV_TLS_CA)")
	pf.StringVar(&c.TLSCert, "tls-cert", env("PROV_TLS_CERT", ""), "client TLS certificate `file` for mutual TLS (env PROV_TLS_CERT)")
	pf.StringVar(&c.TLSKey, "tls-key", env("PROV_TLS_KEY", ""), "client TLS key `file` for mutual TLS (env PROV_TLS_KEY)")
	pf.StringVar(&c.MSPID, "msp-id", env("PROV_MSP_ID", ""), "MSP ID of the identity (env PROV_MSP_ID)")
	pf.StringVar(&c.Channel, "channel", env("PROV_CHANNEL", gateway.DefaultChannel), "channel (env PROV_CHANNEL)")
	pf.StringVar(&c.Chaincode, "chaincode", env("PROV_CHAINCODE", gateway.DefaultChaincode), "chaincode name (env PROV_CHAINCODE)")
	pf.StringVarP(&f.Output, "output", "o", env("PROV_OUTPUT", cmdutil.FormatTable), "output format: table or json (env PROV_OUTPUT)")
	pf.DurationVar(&c.Timeouts.Evaluate, "evaluate-timeout", envDur("PROV_EVALUATE_TIMEOUT", gateway.DefaultTimeouts.Evaluate), "timeout of a query")
	pf.DurationVar(&c.Timeouts.Endorse, "endorse-timeout", envDur("PROV_ENDORSE_TIMEOUT", gateway.DefaultTimeouts.Endorse), "timeout of an endorsement")
	pf.DurationVar(&c.Timeouts.Submit, "submit-timeout", envDur("PROV_SUBMIT_TIMEOUT", gateway.DefaultTimeouts.Submit), "timeout of handing a transaction to the orderer")
	pf.DurationVar(&c.Timeouts.CommitStatus, "commit-timeout", envDur("PROV_COMMIT_TIMEOUT", gateway.DefaultTimeouts.CommitStatus), "timeout of waiting for a commit")
	pf.IntVar(&c.Retries, "retries", envInt("PROV_RETRIES", 4), "resubmissions after a read conflict or endorsement policy failure at commit")
	_ = cmd.RegisterFlagCompletionFunc("output", cmdutil.FixedCompletion(cmdutil.FormatTable, cmdutil.FormatJSON))
	_ = cmd.RegisterFlagCompletionFunc("profile", cmdutil.FixedCompletion("manufacturer", "distributor", "customs"))
	_ = cmd.RegisterFlagCompletionFunc("user", cmdutil.FixedCompletion("user1", "admin"))
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &cmdutil.UsageError{Err: err}
	})

	cmd.AddGroup(&cobra.Group{ID: "ledger", Title: "Ledger commands:"}, &cobra.Group{ID: "other", Title: "Other commands:"})
	for _, sub := range []*cobra.Command{item.NewCmd(f), transfer.NewCmd(f), customs.NewCmd(f), unit.NewCmd(f), prefix.NewCmd(f), recall.NewCmd(f), org.NewCmd(f), verifycmd.NewCmd(f, nil), auditcmd.NewCmd(f, nil), evidence.NewCmd(f, nil), events.NewCmd(f), export.NewCmd(f), importcmd.NewCmd(f), serve.NewCmd(f, nil)} {
		sub.GroupID = "ledger"
		cmd.AddCommand(sub)
	}
	for _, sub := range []*cobra.Command{whoami.NewCmd(f, nil), version.NewCmd(f)} {
		sub.GroupID = "other"
		cmd.AddCommand(sub)
	}
	cmd.SetHelpCommandGroupID("other")
	cmd.SetCompletionCommandGroupID("other")
	return cmd
}

// PrintError writes err for a person: usage errors with a pointer to help,
// refusals and failures as they are; nothing for an already reported
// SilentError.
func PrintError(w io.Writer, cmd *cobra.Command, err error) {
	var se *cmdutil.SilentError
	if errors.As(err, &se) {
		return
	}
	if errors.Is(err, cmdutil.ErrVerifyFailed) {
		fmt.Fprintln(w, "verification failed")
		return
	}
	fmt.Fprintln(w, err)
	if cmdutil.ExitCode(err) == cmdutil.ExitUsage {
		path := "prov"
		if cmd != nil {
			path = cmd.CommandPath()
		}
		fmt.Fprintf(w, "Run '%s --help' for usage.\n", path)
	}
}

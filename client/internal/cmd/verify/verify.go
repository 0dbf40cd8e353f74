// Package verify implements `prov verify`: check items' custody records
// against the blocks themselves (client/verify does the checking).
package verify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/audit"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/idfile"
	cverify "github.com/provledger/provenance/client/verify"
)

// Options of verify.
type Options struct {
	IO       *cmdutil.IOStreams
	Verifier func() (cmdutil.Verifier, error)
	// Ledger reads the items' statuses (GetItems); nil skips them.
	Ledger  func() (gateway.Ledger, error)
	Format  string
	IDs     []string
	File    string
	Chain   bool
	Verbose bool
	// GenesisHash pins the channel's genesis block (header hash); nil
	// trusts the genesis block the peer serves.
	GenesisHash []byte
	// Peers are the other organizations whose peers must confirm the
	// answer ("all", or names / MSP IDs).
	Peers []string
	// Bundle verifies an evidence bundle file offline instead (bundle.go).
	Bundle string
}

// genesisEnv is the variable --genesis-hash defaults from.
const genesisEnv = "PROV_GENESIS_HASH"

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Verifier: f.Verifier, Ledger: f.Ledger}
	var genesisHex string
	cmd := &cobra.Command{
		Use:   "verify ID... | --file FILE|-",
		Short: "Verify items' custody records against the blocks",
		Long: `Verify each custody event of an item against the ledger itself rather than
trusting a peer's answer: the history must be the asked-for item's, from
its registration, without gaps; for every event, fetch its transaction and
block and check the validation code, the creator's and every endorser's
signature, that the submitter ID and prov.role are the signing
certificate's, that replaying the chaincode's custody decision over the
earlier events makes exactly this event, that the transaction writes
exactly the decision's keys (with their key-level policies) and is endorsed
as the decision needs, the block's data hash, the ordering nodes'
signatures on the block (a BFT quorum, or one for Raft) and that timestamps
never run back by more than the chaincode's tolerance. Certificates are
checked against the channel configuration's root certificates and
consenter set. --chain also checks the previous-hash chain from the genesis
block to the item's last block.

The genesis block is the trust anchor: every later config block must be
signed by the orderers of the config before it. By default it is taken as
the peer serves it; --genesis-hash (or PROV_GENESIS_HASH) pins it to a hash
known out of band, and a different genesis block fails the channel-config
check. The hash is SHA-256 over the genesis block's header (ASN.1 DER of
number, previous hash and data hash, as Fabric chains blocks: block 1's
previous hash), not over the block file. verify prints the served one:
"genesisHash" in -o json, and the channel-config step of config block 0
with -v.

A single peer can still present a transaction the channel invalidated as
VALID (validation flags are written by each peer and signed by no orderer)
or withhold an item's newest events. --peers all (or a comma list of
organization names or MSP IDs) asks every other organization's peer, through
the connection profiles under PROV_HOME, for the same history, org roles and
blocks, and compares block header hashes, validation flags and commit
hashes: any difference fails (exit 3) naming the peer. A peer that cannot
answer is a warning: it confirms nothing, and the verdict says through how
many peers the record was confirmed.

Every ID is checked and reported, whatever the others gave: a bad or
unknown ID is reported on its line ("NOT VERIFIED") and the rest go on.
--file reads the IDs from a file or stdin (one per line, or CSV with an id
or gtin,serial column; the line numbers are reported). The verdict names
the item's status next to the cryptographic result: "verified (43 checks
passed), but STOLEN since ...". Blocks and transactions shared by several
items are fetched once.

` + bundleHelp + `
Exit code 3 when any check fails; otherwise 1 when any ID could not be
verified (bad, unknown, peer down); 0 when every record verified, whatever
the items' statuses (prov audit judges statuses).`,
		Example: `  prov verify 01/09506000134352/21/ABC123
  prov verify 01/09506000134352/21/ABC123 01/09506000134352/21/ABC124 --chain -o json
  prov verify 01/09506000134352/21/ABC123 -o json | jq -r '.reports[0].genesisHash'
  prov verify 01/09506000134352/21/ABC123 --genesis-hash "$HASH_KNOWN_OUT_OF_BAND"
  prov verify 01/09506000134352/21/ABC123 --peers all
  prov verify 01/09506000134352/21/ABC123 --peers distributor,CustomsMSP
  prov verify --file shipment.csv -o json
  prov verify --bundle evidence.json --genesis-hash "$HASH_KNOWN_OUT_OF_BAND"`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.IDs, opts.Format = args, f.Output
			// With --bundle, IDs are optional: the bundle's items by default.
			if opts.Bundle == "" && (len(args) == 0) == (opts.File == "") {
				return cmdutil.Usagef("give item IDs or --file, one of them")
			}
			h, err := parseGenesisHash(genesisHex, cmd.Flags().Changed("genesis-hash"))
			if err != nil {
				return err
			}
			opts.GenesisHash = h
			if runF != nil {
				return runF(opts)
			}
			if opts.Bundle != "" {
				return RunBundle(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.File, "file", "", "read the IDs from `FILE` (- for stdin): one per line, or CSV with an id or gtin,serial column")
	cmd.Flags().BoolVar(&opts.Chain, "chain", false, "also check the block hash chain from the genesis block")
	cmd.Flags().StringSliceVar(&opts.Peers, "peers", nil, "confirm through other organizations' peers: `all` or a comma list of organization names / MSP IDs")
	cmd.Flags().BoolVarP(&opts.Verbose, "verbose", "v", false, "list every check, not only failed ones")
	cmd.Flags().StringVar(&opts.Bundle, "bundle", "", "verify an evidence bundle `FILE` (prov evidence; - for stdin) offline, with no network or identity")
	cmd.Flags().StringVar(&genesisHex, "genesis-hash", f.Getenv(genesisEnv),
		"pin the channel: `HEX` SHA-256 of the genesis block's header (DER of number, previous hash, data hash = block 1's previous hash; not of the block file) (env "+genesisEnv+")")
	return cmd
}

// parseGenesisHash decodes --genesis-hash; "" means not pinned. fromFlag
// tells whether the value came from the flag or from PROV_GENESIS_HASH, for
// the message.
func parseGenesisHash(s string, fromFlag bool) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	src := "--genesis-hash"
	if !fromFlag {
		src = genesisEnv
	}
	h, err := hex.DecodeString(s)
	if err != nil || len(h) != sha256.Size {
		return nil, cmdutil.Usagef("%s %q: want %d hex digits, the SHA-256 of the genesis block header", src, s, 2*sha256.Size)
	}
	return h, nil
}

// Output is the -o json shape.
type Output struct {
	OK      bool             `json:"ok"`
	Reports []cverify.Report `json:"reports"`
	// Status is each registered item's status (audit.StatusNote), by key.
	Status map[string]string `json:"status,omitempty"`
	// Unverified lists the IDs that could not be verified, with why.
	Unverified []Unverified `json:"unverified,omitempty"`
}

// Unverified is an ID that could not be verified.
type Unverified struct {
	Line  int    `json:"line,omitempty"` // --file line
	Input string `json:"input"`
	Error string `json:"error"`
}

// Run executes verify: every ID is verified and reported, whatever the
// others gave. A failed check returns cmdutil.ErrVerifyFailed (exit 3); an
// ID that could not be verified (bad, unknown, peer down) exit 1.
func Run(ctx context.Context, opts *Options) error {
	rows, err := inputs(opts)
	if err != nil {
		return err
	}
	v, err := opts.Verifier()
	if err != nil {
		return err
	}
	out := Output{OK: true, Reports: []cverify.Report{}}
	parsed := make([]rowResult, len(rows)) // each row's key, or why it has none
	var keys []string
	for i, r := range rows {
		parsed[i] = parseRow(r)
		if parsed[i].err == nil {
			keys = append(keys, parsed[i].key)
		}
	}
	items, serr := statuses(ctx, opts, keys)
	if serr != nil {
		fmt.Fprintf(opts.IO.ErrOut, "warning: item statuses unavailable: %v\n", serr)
	}
	if len(items) > 0 {
		out.Status = map[string]string{}
	}
	if len(keys) > 1 {
		// Many items: their first history pages in a few GetHistories
		// calls (a hint only: every event is still checked against its
		// signed transaction and block).
		if src, ok := v.(interface{ Ledger() cverify.Ledger }); ok {
			cverify.PrefetchHistories(ctx, src.Ledger(), keys, verifyConcurrency)
		}
	}
	results := verifyRows(ctx, v, parsed, cverify.OnlineOptions{Chain: opts.Chain, GenesisHash: opts.GenesisHash, Peers: opts.Peers})
	for i, r := range rows {
		res := <-results[i]
		if res.err != nil {
			out.Unverified = append(out.Unverified, Unverified{Line: r.Line, Input: r.ID, Error: res.err.Error()})
			if opts.Format != cmdutil.FormatJSON {
				fmt.Fprintf(opts.IO.Out, "%s%s: NOT VERIFIED: %v\n", lineOf(r, opts.File != ""), r.ID, res.err)
			}
			continue
		}
		rep := res.rep
		if rep.Steps == nil {
			rep.Steps = []cverify.Step{}
		}
		out.Reports = append(out.Reports, *rep)
		out.OK = out.OK && rep.OK
		it := items[res.key]
		if it != nil {
			out.Status[res.key] = audit.StatusNote(it)
		}
		if opts.Format != cmdutil.FormatJSON {
			PrintReportStatus(opts.IO.Out, rep, it, opts.Verbose)
		}
	}
	if opts.Format == cmdutil.FormatJSON {
		if err := cmdutil.PrintJSON(opts.IO.Out, out); err != nil {
			return err
		}
	}
	switch {
	case !out.OK:
		return cmdutil.ErrVerifyFailed
	case len(out.Unverified) > 0:
		return &cmdutil.SilentError{Code: cmdutil.ExitFailed}
	}
	return nil
}

// verifyConcurrency is how many items are verified at once: the work is
// mostly waiting on the peer, and blocks shared by items are fetched once.
const verifyConcurrency = 4

// rowResult is one input row's verification.
type rowResult struct {
	key string
	rep *cverify.Report
	err error
}

// verifyRows verifies every parsed row, verifyConcurrency at a time;
// result i arrives on channel i, so the caller prints in input order as
// results come.
func verifyRows(ctx context.Context, v cmdutil.Verifier, rows []rowResult, o cverify.OnlineOptions) []chan rowResult {
	results := make([]chan rowResult, len(rows))
	for i := range results {
		results[i] = make(chan rowResult, 1)
	}
	go func() {
		sem := make(chan struct{}, verifyConcurrency)
		for i, r := range rows {
			if r.err != nil {
				results[i] <- r
				continue
			}
			sem <- struct{}{}
			go func() {
				defer func() { <-sem }()
				r.rep, r.err = v.Verify(ctx, r.key, o)
				results[i] <- r
			}()
		}
	}()
	return results
}

// parseRow gives a row's canonical key, or the error that stops it.
func parseRow(r idfile.Row) rowResult {
	if r.Err != nil {
		return rowResult{err: r.Err}
	}
	id, err := cmdutil.ParseID(r.ID)
	if err != nil {
		return rowResult{err: err}
	}
	return rowResult{key: id.Key()}
}

func lineOf(r idfile.Row, fromFile bool) string {
	if !fromFile {
		return ""
	}
	return fmt.Sprintf("line %d: ", r.Line)
}

// inputs are the arguments, or the --file rows.
func inputs(opts *Options) ([]idfile.Row, error) {
	if opts.File != "" {
		return idfile.ReadFile(opts.File, opts.IO.In, idfile.Options{})
	}
	rows := make([]idfile.Row, len(opts.IDs))
	for i, id := range opts.IDs {
		rows[i] = idfile.Row{Line: i + 1, ID: id}
	}
	return rows, nil
}

// statuses reads the items' records in GetItems batches.
func statuses(ctx context.Context, opts *Options, keys []string) (map[string]*domain.Item, error) {
	if opts.Ledger == nil || len(keys) == 0 {
		return nil, nil
	}
	l, err := opts.Ledger()
	if err != nil || l == nil {
		return nil, err
	}
	return audit.Items(ctx, l, keys, 4)
}

// PrintReportStatus prints a report with the item's status on the verdict
// line: "verified (...), but STOLEN since ..." when the status should stop
// the reader, "verified (...); ACTIVE" otherwise.
func PrintReportStatus(w io.Writer, r *cverify.Report, it *domain.Item, verbose bool) {
	note := ""
	if it != nil {
		note = "; " + audit.StatusNote(it)
		if audit.Alarming(it) {
			note = ", but " + audit.StatusNote(it)
		}
	}
	printReport(w, r, note, verbose)
}

// printReport prints one report: a verdict line (with the status note),
// then the failed checks (every check with verbose).
func printReport(w io.Writer, r *cverify.Report, note string, verbose bool) {
	failed := 0
	for _, s := range r.Steps {
		if !s.OK {
			failed++
		}
	}
	if r.OK {
		fmt.Fprintf(w, "%s: verified (%s passed)%s\n", r.Item, cmdutil.Plural(len(r.Steps), "check"), note)
	} else {
		fmt.Fprintf(w, "%s: FAILED (%d of %s failed)%s\n", r.Item, failed, cmdutil.Plural(len(r.Steps), "check"), note)
	}
	if r.Trust.Summary != "" {
		fmt.Fprintf(w, "  checked %s\n", r.Trust.Summary)
	}
	t := cmdutil.NewTable(w)
	for _, s := range r.Steps {
		if s.OK && !s.Warning && !verbose {
			continue
		}
		mark := "  ok"
		switch {
		case !s.OK:
			mark = "  FAIL"
		case s.Warning:
			mark = "  WARN"
		}
		t.Row(mark, s.Check, s.Subject, s.Detail)
	}
	_ = t.Flush()
}

// Package evidence implements `prov evidence`: verify items online and
// write everything the verification read into a self-contained bundle that
// `prov verify --bundle` checks offline (format: client/verify/BUNDLE.md).
package evidence

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmd/verify"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/idfile"
	cverify "github.com/provledger/provenance/client/verify"
)

// Options of evidence.
type Options struct {
	IO       *cmdutil.IOStreams
	Verifier func() (cmdutil.Verifier, error)
	IDs      []string
	File     string // ID list, "-" for stdin
	Out      string // bundle file, "-" for stdout
	Chain    bool
	Peers    []string
	Verbose  bool
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Verifier: f.Verifier}
	cmd := &cobra.Command{
		Use:   "evidence ID... [--file FILE|-] -o FILE",
		Short: "Write an evidence bundle that prov verify --bundle checks offline",
		Long: `Verify the items as prov verify does and write everything that
verification read into one JSON file (format prov-evidence/1, documented in
client/verify/BUNDLE.md): the items' custody events, the whole blocks
holding the transactions that wrote them (and the org-role changes), the
config blocks down to the genesis block, the organizations' MSP root
certificates, the company-prefix records, when and by whom it was made and
through which peers. Anyone can then run

  prov verify --bundle FILE --genesis-hash HASH

with no network, profile or identity. Only the blocks prove anything: the
orderers' signatures and the organizations' certificates are checked again
from them, and what the bundle lacks fails. Give the recipient the
channel's genesis hash (printed here) through another channel.

-o names the bundle FILE here (- for standard output), not an output
format. --file reads IDs (one per line or CSV with an id or gtin,serial
column; - for stdin). --chain also bundles every block from genesis
(verify --chain offline). --peers has other organizations' peers confirm
what was read; the bundle names the peers that confirmed.

Items that fail verification are bundled all the same (exit 3): the bundle
shows the failure to anyone. An unknown item is left out and reported
(exit 1); nothing is written when no item could be bundled.`,
		Example: `  prov evidence 01/09506000134352/21/ABC123 -o abc123.evidence.json --profile customs
  prov evidence --file declaration.csv -o case-4711.json --peers all
  prov verify --bundle case-4711.json --genesis-hash "$CHANNEL_GENESIS_HASH"`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.IDs = args
			if opts.Out == "" {
				return cmdutil.Usagef("-o FILE: the bundle file is required")
			}
			if len(args) == 0 && opts.File == "" {
				return cmdutil.Usagef("give item IDs or --file")
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	// -o shadows the global output format: here it names the bundle file.
	cmd.Flags().StringVarP(&opts.Out, "output", "o", "", "write the bundle to `FILE` (- for standard output)")
	cmd.Flags().StringVarP(&opts.File, "file", "f", "", "read item IDs from `FILE` (one per line or CSV; - for stdin)")
	cmd.Flags().BoolVar(&opts.Chain, "chain", false, "also bundle every block from genesis (the hash chain)")
	cmd.Flags().StringSliceVar(&opts.Peers, "peers", nil, "confirm through other organizations' peers: `all` or a comma list of organization names / MSP IDs")
	cmd.Flags().BoolVarP(&opts.Verbose, "verbose", "v", false, "list every check of every item")
	return cmd
}

// evidenceMaker is a Verifier that records what it reads into an evidence
// bundle; *verify.Online is one.
type evidenceMaker interface {
	Evidence(ctx context.Context, ids []string, opts cverify.OnlineOptions) (*cverify.Bundle, []cverify.ItemEvidence, error)
}

// Run makes the bundle.
func Run(ctx context.Context, opts *Options) error {
	ids, err := readIDs(opts)
	if err != nil {
		return err
	}
	if opts.Out == "-" && opts.File == "-" {
		return cmdutil.Usagef("--file - and -o - both use the standard streams")
	}
	v, err := opts.Verifier()
	if err != nil {
		return err
	}
	em, ok := v.(evidenceMaker)
	if !ok {
		return errors.New("this connection cannot record evidence")
	}
	start := time.Now()
	b, results, err := em.Evidence(ctx, ids, cverify.OnlineOptions{Chain: opts.Chain, Peers: opts.Peers})
	if err != nil {
		return err
	}
	took := time.Since(start)
	// Reports go to stderr when the bundle takes stdout.
	msg := opts.IO.Out
	if opts.Out == "-" {
		msg = opts.IO.ErrOut
	}
	failed, missing := 0, 0
	for _, r := range results {
		switch {
		case r.Err != nil:
			missing++
			fmt.Fprintf(opts.IO.ErrOut, "%s: not bundled: %v\n", r.ID, r.Err)
		case !r.Report.OK:
			failed++
			verify.PrintReportStatus(msg, r.Report, nil, opts.Verbose)
		case opts.Verbose:
			verify.PrintReportStatus(msg, r.Report, nil, true)
		}
	}
	if b == nil {
		return fmt.Errorf("no item could be bundled (%s)", cmdutil.Plural(missing, "unknown or unreadable item"))
	}
	size, err := write(opts, b)
	if err != nil {
		return err
	}
	name := opts.Out
	if name == "-" {
		name = "standard output"
	}
	fmt.Fprintf(msg, "wrote %s: %s, %s, %d bytes in %s\n  made through %s\n  channel genesis hash %s (give it to the recipient out of band)\n",
		name, cmdutil.Plural(len(b.Items), "item"), cmdutil.Plural(len(b.Blocks), "block"), size, took.Round(time.Millisecond),
		strings.Join(b.Peers, ", "), b.GenesisHash)
	if len(b.Unconfirmed) > 0 {
		fmt.Fprintf(msg, "  not confirmed by %s\n", strings.Join(b.Unconfirmed, ", "))
	}
	switch {
	case failed > 0:
		fmt.Fprintf(msg, "%s failed verification and %s bundled with the failure\n", cmdutil.Plural(failed, "item"), map[bool]string{true: "is", false: "are"}[failed == 1])
		return cmdutil.ErrVerifyFailed
	case missing > 0:
		return &cmdutil.SilentError{Code: cmdutil.ExitFailed}
	}
	return nil
}

// readIDs gathers the arguments and --file, canonical and once each; bad
// file rows are refused with their lines (evidence names exactly what it
// covers).
func readIDs(opts *Options) ([]string, error) {
	ids, err := cmdutil.CanonicalIDs(opts.IDs)
	if err != nil {
		return nil, err
	}
	if opts.File != "" {
		rows, err := idfile.ReadFile(opts.File, opts.IO.In, idfile.Options{})
		if err != nil {
			return nil, err
		}
		var bad []string
		for _, r := range rows {
			if r.Err == nil {
				var id domain.Identifier
				if id, r.Err = cmdutil.ParseID(r.ID); r.Err == nil {
					ids = append(ids, id.Key())
				}
			}
			if r.Err != nil {
				bad = append(bad, fmt.Sprintf("line %d: %v", r.Line, r.Err))
			}
		}
		if len(bad) > 0 {
			return nil, fmt.Errorf("%s: %s", opts.File, strings.Join(bad, "; "))
		}
	}
	seen := map[string]bool{}
	out := ids[:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

// write writes the bundle to a temporary file renamed into place, so that
// a failure never leaves half a bundle under the asked name.
func write(opts *Options, b *cverify.Bundle) (int64, error) {
	if opts.Out == "-" {
		cw := &countWriter{w: opts.IO.Out}
		err := cverify.WriteBundle(cw, b)
		return cw.n, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(opts.Out), ".evidence-*")
	if err != nil {
		return 0, fmt.Errorf("bundle: %w", err)
	}
	defer os.Remove(tmp.Name())
	cw := &countWriter{w: tmp}
	if err := cverify.WriteBundle(cw, b); err != nil {
		tmp.Close()
		return 0, fmt.Errorf("bundle: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return 0, fmt.Errorf("bundle: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return 0, fmt.Errorf("bundle: %w", err)
	}
	if err := os.Rename(tmp.Name(), opts.Out); err != nil {
		return 0, fmt.Errorf("bundle: %w", err)
	}
	return cw.n, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

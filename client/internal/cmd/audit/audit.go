// Package audit implements `prov audit`: judge a declaration (or the items
// of an owner, GTIN or lot) against the ledger; client/audit has the rules.
package audit

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/audit"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/idfile"
	"github.com/provledger/provenance/client/internal/ledger"
	"github.com/provledger/provenance/client/verify"
)

// FormatCSV is the audit's extra -o format.
const FormatCSV = "csv"

// Options of audit.
type Options struct {
	IO       *cmdutil.IOStreams
	Ledger   func() (gateway.Ledger, error)
	Verifier func() (cmdutil.Verifier, error)
	Format   string

	IDs       []string
	File      string
	Presenter string
	Owner     string
	GTIN      string
	Lot       string // GTIN/LOT
	Verify    bool
	HTML      string

	TransitMax  string
	CloneWindow string
	Coords      string
	MaxSpeed    float64
	Concurrency int
	// Now replaces the clock in tests.
	Now func() time.Time
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Ledger: f.Ledger, Verifier: f.Verifier, Now: func() time.Time { return time.Now().UTC() }}
	cmd := &cobra.Command{
		Use:   "audit [ID...] [--file FILE|-] [--owner ORG | --gtin GTIN | --lot GTIN/LOT]",
		Short: "Audit a declaration or a selection of items against the ledger",
		Long: `Judge every line of a declaration (IDs as arguments, or --file: one ID per
line in any accepted spelling, or CSV with an id column or gtin,serial
columns; extra columns are allowed, a presenter (or org) column names the
organization presenting each item; blank lines and # comments skipped), or
the items of an --owner, --gtin or --lot (with a declaration too: selected
items the declaration lacks are NOT_PRESENTED). Every line gets a verdict,
its most serious finding, and every finding with its reason and the
transaction that shows it:

  INVALID_ID        the identifier does not parse (the message names the part)
  VERIFY_FAILED     --verify: the custody record fails a check (named)
  OUT_OF_ORDER      custody event times run backwards in block order (--verify)
  LIKELY_CLONE      sighted at two different GLNs within --clone-window, or
                    declared on two lines
  UNKNOWN_SERIAL    not registered (product without data)
  NOT_PRESENTED     selected on the ledger, absent from the declaration
                    (data without product)
  BRAND_MISMATCH    registered by an org that does not own the GTIN's active
                    company prefix
  STOLEN, DECOMMISSIONED (yet presented), RECALLED, ON_HOLD
  WRONG_PRESENTER   the presenter neither holds it nor is its recipient
  TRANSIT_OVERDUE   in transit longer than --transit-max
  UNVERIFIED        --verify could not run for it
  GENUINE           none of the above (with --verify: custody record verified)

Clone rule: two sightings of one serial (prov item inspect, by any member)
at different GLNs whose times are at most --clone-window apart. With
--gln-coords FILE (CSV gln,lat,lon) a pair of located GLNs counts only if the
trip needs more than --max-speed km/h. A sighting is its reporter's word:
the verdict names the reporting organizations; a hostile member can sight a
rival's serial anywhere (or its own counterfeit) and so cast suspicion, but
cannot forge another member's sighting or change custody. Treat a clone
verdict as a reason to inspect, not as proof.

Statuses come from GetItems, 1000 IDs per query; --verify also verifies
each item's custody record against the blocks (as prov verify), fetching
every shared block and transaction once for the whole audit.

Output: a summary and a table; -o json, -o csv; --html FILE writes a
self-contained printable report with the transaction and block of every
finding. Exit code 0 when every line is GENUINE, 4 when anything suspect was
found, 1 when the audit could not run, 2 on usage errors.`,
		Example: `  prov audit --file declaration.csv --presenter distributor -p customs
  prov audit --file - --verify --html report.html < ids.txt
  prov audit --lot 09506000134352/L42 -o csv
  prov audit --file manifest.csv --owner distributor --transit-max 3d`,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if f.Output == FormatCSV {
				return nil
			}
			return cmdutil.CheckFormat(f.Output)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.IDs, opts.Format = args, f.Output
			n := 0
			for _, s := range []string{opts.Owner, opts.GTIN, opts.Lot} {
				if s != "" {
					n++
				}
			}
			if n > 1 {
				return cmdutil.Usagef("--owner, --gtin and --lot exclude each other")
			}
			if len(args) == 0 && opts.File == "" && n == 0 {
				return cmdutil.Usagef("nothing to audit: give IDs, --file, or --owner/--gtin/--lot")
			}
			if len(args) > 0 && opts.File != "" {
				return cmdutil.Usagef("give IDs or --file, not both")
			}
			for _, d := range []struct{ name, v string }{{"--transit-max", opts.TransitMax}, {"--clone-window", opts.CloneWindow}} {
				if _, err := parseDuration(d.v); err != nil {
					return cmdutil.Usagef("%s: %v", d.name, err)
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.File, "file", "", "declaration `FILE` (- for stdin): IDs, or CSV with id or gtin,serial and optional presenter columns")
	fl.StringVar(&opts.Presenter, "presenter", "", "organization presenting the items (`ORG` name or MSP ID), unless the file has a presenter column")
	fl.StringVar(&opts.Owner, "owner", "", "audit the items an `ORG` holds")
	fl.StringVar(&opts.GTIN, "gtin", "", "audit the items of a `GTIN`")
	fl.StringVar(&opts.Lot, "lot", "", "audit the items of a lot, `GTIN/LOT`")
	fl.BoolVar(&opts.Verify, "verify", false, "also verify every item's custody record against the blocks")
	fl.StringVar(&opts.HTML, "html", "", "write a self-contained printable report to `FILE`")
	fl.StringVar(&opts.TransitMax, "transit-max", "14d", "in transit longer than this is TRANSIT_OVERDUE (`duration`: 90m, 36h, 3d)")
	fl.StringVar(&opts.CloneWindow, "clone-window", "24h", "two sightings at different GLNs within this `duration` are LIKELY_CLONE")
	fl.StringVar(&opts.Coords, "gln-coords", "", "CSV `FILE` gln,lat,lon: located GLN pairs count only when travel is too fast")
	fl.Float64Var(&opts.MaxSpeed, "max-speed", 900, "fastest plausible travel between located GLNs, `km/h`")
	fl.IntVar(&opts.Concurrency, "concurrency", 4, "parallel queries and verifications")
	_ = cmd.RegisterFlagCompletionFunc("output", cmdutil.FixedCompletion(cmdutil.FormatTable, cmdutil.FormatJSON, FormatCSV))
	return cmd
}

// parseDuration takes Go durations plus whole days ("3d").
func parseDuration(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("bad duration %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad duration %q: want e.g. 90m, 36h or 3d", s)
	}
	return d, nil
}

// Run executes audit.
func Run(ctx context.Context, opts *Options) error {
	th := audit.Thresholds{MaxSpeedKmh: opts.MaxSpeed}
	th.TransitMax, _ = parseDuration(opts.TransitMax)
	th.CloneWindow, _ = parseDuration(opts.CloneWindow)
	if opts.Coords != "" {
		c, err := readCoords(opts.Coords)
		if err != nil {
			return err
		}
		th.Coords = c
	}
	entries, source, err := readEntries(opts)
	if err != nil {
		return err
	}
	l, err := opts.Ledger()
	if err != nil {
		return err
	}
	if err := resolvePresenters(ctx, l, entries); err != nil {
		return err
	}
	ao := audit.Options{Thresholds: th, Now: opts.Now(), Concurrency: opts.Concurrency}
	if by, value := selection(opts); by != "" {
		if by == "owner" {
			if value, err = ledger.ResolveMSP(ctx, l, value); err != nil {
				return err
			}
		}
		if ao.Selection, err = audit.Select(ctx, l, by, value); err != nil {
			return err
		}
		source = strings.TrimPrefix(source+", ", ", ") + by + " " + value
	}
	if opts.Verify || opts.HTML != "" || opts.Format != cmdutil.FormatTable {
		v, err := opts.Verifier()
		if err != nil {
			return err
		}
		if src, ok := v.(interface{ Ledger() verify.Ledger }); ok {
			vl := src.Ledger()
			ao.BlockOf = func(ctx context.Context, txID string) (uint64, error) {
				b, err := vl.BlockByTxID(ctx, txID)
				if err != nil {
					return 0, err
				}
				return b.GetHeader().GetNumber(), nil
			}
			if opts.Verify {
				ao.History = func(ctx context.Context, key string) ([]domain.CustodyEvent, error) {
					return verify.ReadHistory(ctx, vl, key)
				}
				ao.Prefetch = func(ctx context.Context, keys []string) {
					verify.PrefetchHistories(ctx, vl, keys, opts.Concurrency)
				}
			}
		}
		if opts.Verify {
			ao.Verify = func(ctx context.Context, key string) (*verify.Report, error) {
				return v.Verify(ctx, key, verify.OnlineOptions{})
			}
		}
	}
	rep, err := audit.Run(ctx, l, entries, ao)
	if err != nil {
		return err
	}
	rep.Source = source
	if opts.HTML != "" {
		if err := writeHTML(opts.HTML, rep); err != nil {
			return err
		}
	}
	switch opts.Format {
	case cmdutil.FormatJSON:
		err = cmdutil.PrintJSON(opts.IO.Out, rep)
	case FormatCSV:
		err = audit.WriteCSV(opts.IO.Out, rep)
	default:
		printTable(opts.IO.Out, rep)
	}
	if err != nil {
		return err
	}
	for _, w := range rep.Warnings {
		fmt.Fprintln(opts.IO.ErrOut, "warning:", w)
	}
	if rep.Suspect {
		return &cmdutil.SilentError{Code: cmdutil.ExitSuspect}
	}
	return nil
}

func selection(o *Options) (string, string) {
	switch {
	case o.Owner != "":
		return "owner", o.Owner
	case o.GTIN != "":
		return "gtin", o.GTIN
	case o.Lot != "":
		return "lot", o.Lot
	}
	return "", ""
}

// readEntries reads the declaration: arguments or --file.
func readEntries(o *Options) ([]audit.Entry, string, error) {
	var rows []idfile.Row
	source := ""
	switch {
	case o.File != "":
		var err error
		rows, err = idfile.ReadFile(o.File, o.IO.In, idfile.Options{Columns: []string{"presenter", "org"}})
		if err != nil {
			return nil, "", err
		}
		source = o.File
		if o.File == "-" {
			source = "standard input"
		}
	case len(o.IDs) > 0:
		for i, id := range o.IDs {
			rows = append(rows, idfile.Row{Line: i + 1, ID: id})
		}
		source = "arguments"
	}
	out := make([]audit.Entry, len(rows))
	for i, r := range rows {
		p := r.Cols["presenter"]
		if p == "" {
			p = r.Cols["org"]
		}
		if p == "" {
			p = o.Presenter
		}
		out[i] = audit.Entry{Line: r.Line, Input: r.ID, Presenter: p, Err: r.Err}
	}
	return out, source, nil
}

// resolvePresenters turns organization names into MSP IDs, once per name.
func resolvePresenters(ctx context.Context, l gateway.Ledger, entries []audit.Entry) error {
	seen := map[string]string{}
	for i := range entries {
		p := entries[i].Presenter
		if p == "" {
			continue
		}
		msp, ok := seen[p]
		if !ok {
			var err error
			if msp, err = ledger.ResolveMSP(ctx, l, p); err != nil {
				return fmt.Errorf("line %d: presenter %q: %w", entries[i].Line, p, err)
			}
			seen[p] = msp
		}
		entries[i].Presenter = msp
	}
	return nil
}

// readCoords reads a gln,lat,lon CSV (a header line is skipped).
func readCoords(path string) (map[string]audit.LatLon, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--gln-coords: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	out := map[string]audit.LatLon{}
	for line := 1; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("--gln-coords %s: %w", path, err)
		}
		if len(rec) != 3 {
			return nil, fmt.Errorf("--gln-coords %s line %d: want gln,lat,lon", path, line)
		}
		lat, e1 := strconv.ParseFloat(strings.TrimSpace(rec[1]), 64)
		lon, e2 := strconv.ParseFloat(strings.TrimSpace(rec[2]), 64)
		if e1 != nil || e2 != nil {
			if line == 1 {
				continue // header
			}
			return nil, fmt.Errorf("--gln-coords %s line %d: bad coordinates", path, line)
		}
		gln, err := domain.ParseGLN(strings.TrimSpace(rec[0]))
		if err != nil {
			return nil, fmt.Errorf("--gln-coords %s line %d: %w", path, line, err)
		}
		out[gln] = audit.LatLon{Lat: lat, Lon: lon}
	}
}

func writeHTML(path string, rep *audit.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--html: %w", err)
	}
	if err := audit.WriteHTML(f, rep); err != nil {
		f.Close()
		return fmt.Errorf("--html: %w", err)
	}
	return f.Close()
}

func printTable(w io.Writer, rep *audit.Report) {
	mode := "statuses only (--verify also checks custody records)"
	if rep.Verified {
		mode = "custody records verified"
	}
	fmt.Fprintf(w, "Audit of %s: %s, %s\n", rep.Source, cmdutil.Plural(len(rep.Results), "line"), mode)
	for _, c := range rep.Counts {
		fmt.Fprintf(w, "  %-16s %d\n", c.Verdict, c.Lines)
	}
	fmt.Fprintln(w)
	t := cmdutil.NewTable(w, "line", "item", "verdict", "reasons")
	for _, r := range rep.Results {
		id := r.Item
		if id == "" {
			id = r.Input
		}
		line := "-"
		if r.Line > 0 {
			line = strconv.Itoa(r.Line)
		}
		reasons := r.Reasons()
		if !r.Verdict.Suspect() {
			reasons = r.Status
		}
		t.Row(line, id, string(r.Verdict), reasons)
	}
	_ = t.Flush()
}

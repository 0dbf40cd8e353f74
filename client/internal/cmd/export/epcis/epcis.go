// Package epcis implements `prov export epcis`.
package epcis

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/audit"
	"github.com/provledger/provenance/client/epcis"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/idfile"
)

// Options of export epcis.
type Options struct {
	IO       *cmdutil.IOStreams
	Ledger   func() (gateway.Ledger, error)
	IDs      []string
	File     string
	GTIN     string
	Lot      string
	Audit    string // a prov audit -o json report (- for stdin)
	Verdicts string // comma list filtering the audit's lines
	Out      string // file, or "" for stdout
	PartyMap string
	Now      func() time.Time
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Ledger: f.Ledger, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "epcis [ID...]",
		Short: "Write items' life as an EPCIS 2.0 JSON-LD document",
		Long: `Write the custody events and sightings of items as a GS1 EPCIS 2.0 JSON-LD
document (EPCISDocument, ObjectEvents with CBV 2.0 business steps and
dispositions, GS1 Digital Link EPCs, eventID = the CBV 2.0 event hash, the
Fabric transaction in prov:txId). A lot or GTIN recall in force that covers
an exported item is one class-level ObjectEvent (quantityList epcClass
https://id.gs1.org/01/GTIN/10/LOT or .../01/GTIN, holding/recalled), after
the items' events. Items come from arguments, --file (one ID
per line or CSV with an id or gtin,serial column; - for stdin), --gtin
[--lot], or --audit: the items of an audit's findings (a prov audit -o json
report, - for stdin; by default every line whose verdict is not GENUINE,
--verdict STOLEN,LIKELY_CLONE picks the lines with any of these verdicts
among their findings). An audit's line that names no item (INVALID_ID) or
an item neither registered nor sighted (a declared unknown serial) has
nothing to export and is listed on stderr. The document goes to stdout, or to the file -o names (-o table and
-o json also mean stdout: the document is always JSON-LD).

Organizations appear as owning_party IDs: the GLN that --party-map (a JSON
object of MSP ID to party GLN) gives them (https://id.gs1.org/417/GLN),
else urn:provledger:msp:MSPID.`,
		Example: `  prov export epcis 01/09506000134352/21/ABC123 -o item.jsonld
  prov export epcis --gtin 09506000134352 --lot L42 --party-map parties.json > lot.jsonld
  prov export epcis --file declaration.csv
  prov audit --file declaration.csv -o json > audit.json; prov export epcis --audit audit.json --verdict STOLEN,LIKELY_CLONE -o case.jsonld`,
		// -o names the output file here, not a table/json format.
		PersistentPreRunE: func(*cobra.Command, []string) error { return nil },
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.IDs = args
			switch f.Output {
			case cmdutil.FormatTable, cmdutil.FormatJSON, "-", "":
			default:
				opts.Out = f.Output
			}
			if len(args) == 0 && opts.File == "" && opts.GTIN == "" && opts.Audit == "" {
				return cmdutil.Usagef("name items: IDs, --file, --gtin or --audit")
			}
			if opts.Verdicts != "" && opts.Audit == "" {
				return cmdutil.Usagef("--verdict needs --audit")
			}
			if opts.Audit == "-" && opts.File == "-" {
				return cmdutil.Usagef("--audit and --file cannot both read stdin")
			}
			if opts.Verdicts != "" {
				if _, err := audit.ParseVerdicts(opts.Verdicts); err != nil {
					return cmdutil.Usagef("--verdict: %v", err)
				}
			}
			if opts.Lot != "" && opts.GTIN == "" {
				return cmdutil.Usagef("--lot needs --gtin")
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.File, "file", "", "read IDs from FILE (- for stdin)")
	cmd.Flags().StringVar(&opts.GTIN, "gtin", "", "every item of this GTIN")
	cmd.Flags().StringVar(&opts.Lot, "lot", "", "only this lot of --gtin")
	cmd.Flags().StringVar(&opts.Audit, "audit", "", "the items of an audit's findings: a prov audit -o json `FILE` (- for stdin)")
	cmd.Flags().StringVar(&opts.Verdicts, "verdict", "", "with --audit: only lines with one of these `VERDICTS` (comma list; default every suspect line)")
	cmd.Flags().StringVar(&opts.PartyMap, "party-map", os.Getenv("PROV_EPCIS_PARTIES"), "JSON file of MSP ID to party GLN (env PROV_EPCIS_PARTIES)")
	return cmd
}

// Run executes export epcis.
func Run(ctx context.Context, opts *Options) error {
	parties, err := epcis.LoadParties(opts.PartyMap)
	if err != nil {
		return err
	}
	keys, err := cmdutil.CanonicalIDs(opts.IDs)
	if err != nil {
		return err
	}
	if opts.File != "" {
		rows, err := idfile.ReadFile(opts.File, opts.IO.In, idfile.Options{})
		if err != nil {
			return err
		}
		var bad []string
		for _, r := range rows {
			if r.Err != nil {
				bad = append(bad, fmt.Sprintf("line %d: %v", r.Line, r.Err))
				continue
			}
			id, err := domain.ParseIdentifier(r.ID)
			if err != nil {
				bad = append(bad, fmt.Sprintf("line %d: %v", r.Line, err))
				continue
			}
			keys = append(keys, id.Key())
		}
		if len(bad) > 0 {
			return domain.Errorf(domain.CodeInvalidID, "%s: %d bad rows, nothing written:\n  %s", opts.File, len(bad), strings.Join(bad, "\n  "))
		}
	}
	var fromAudit []audit.Skipped
	if opts.Audit != "" {
		more, skipped, err := auditItems(opts)
		if err != nil {
			return err
		}
		keys, fromAudit = append(keys, more...), skipped
	}
	l, err := opts.Ledger()
	if err != nil {
		return err
	}
	if opts.GTIN != "" {
		g, err := cmdutil.ParseGTIN(opts.GTIN)
		if err != nil {
			return err
		}
		by, val := "gtin", g
		if opts.Lot != "" {
			by, val = "lot", g+"/"+opts.Lot
		}
		more, err := epcis.ListKeys(ctx, l, by, val)
		if err != nil {
			return err
		}
		keys = append(keys, more...)
	}
	keys = unique(keys)
	var recs []epcis.ItemRecord
	if opts.Audit == "" {
		if recs, err = epcis.Collect(ctx, l, keys); err != nil {
			return err
		}
	} else {
		// An audit's unknown serials may have left no trace on the ledger:
		// nothing to export for them, which is no failure.
		var missing []string
		if recs, missing, err = epcis.CollectFound(ctx, l, keys); err != nil {
			return err
		}
		for _, s := range fromAudit {
			fmt.Fprintf(opts.IO.ErrOut, "not exported: %s line %d %s: %s\n", opts.Audit, s.Line, s.Input, s.Reason)
		}
		for _, k := range missing {
			fmt.Fprintf(opts.IO.ErrOut, "not exported: %s: neither registered nor sighted\n", k)
		}
		if len(recs) == 0 {
			return domain.Errorf(domain.CodeNotFound, "%s: no item of the selected findings is on the ledger: nothing to export", opts.Audit)
		}
	}
	// Lot and GTIN recalls are recall keys, not item events: the ones in
	// force that cover an exported item become class-level events.
	recalls, err := epcis.Recalls(ctx, l)
	if err != nil {
		return err
	}
	doc, err := epcis.ExportWithRecalls(recs, recalls, parties, opts.Now())
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if opts.Out == "" {
		_, err = opts.IO.Out.Write(b)
		return err
	}
	if err := os.WriteFile(opts.Out, b, 0o644); err != nil {
		return err
	}
	_, err = fmt.Fprintf(opts.IO.ErrOut, "Wrote %s: %s of %s to %s\n", cmdutil.Plural(len(doc.EPCISBody.EventList), "event"), "EPCIS 2.0", cmdutil.Plural(len(recs), "item"), opts.Out)
	return err
}

// auditItems reads the audit report and picks its items.
func auditItems(opts *Options) ([]string, []audit.Skipped, error) {
	var in io.Reader = opts.IO.In
	if opts.Audit != "-" {
		f, err := os.Open(opts.Audit)
		if err != nil {
			return nil, nil, fmt.Errorf("--audit: %w", err)
		}
		defer f.Close()
		in = f
	}
	rep, err := audit.ReadReport(in)
	if err != nil {
		return nil, nil, fmt.Errorf("--audit %s: %w", opts.Audit, err)
	}
	var verdicts []audit.Verdict
	if opts.Verdicts != "" {
		verdicts, _ = audit.ParseVerdicts(opts.Verdicts) // checked in RunE
	}
	keys, skipped := rep.FindingItems(verdicts)
	if len(keys) == 0 && len(skipped) == 0 {
		what := "no suspect line"
		if opts.Verdicts != "" {
			what = "no line with verdict " + opts.Verdicts
		}
		return nil, nil, domain.Errorf(domain.CodeNotFound, "--audit %s: %s: nothing to export", opts.Audit, what)
	}
	return keys, skipped, nil
}

func unique(keys []string) []string {
	seen := map[string]bool{}
	out := keys[:0]
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

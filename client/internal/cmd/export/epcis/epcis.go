// Package epcis implements `prov export epcis`.
package epcis

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
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
Fabric transaction in prov:txId). Items come from arguments, --file (one ID
per line or CSV with an id or gtin,serial column; - for stdin) or --gtin
[--lot]. The document goes to stdout, or to the file -o names (-o table and
-o json also mean stdout: the document is always JSON-LD).

Organizations appear as owning_party IDs: the GLN that --party-map (a JSON
object of MSP ID to party GLN) gives them (https://id.gs1.org/417/GLN),
else urn:provledger:msp:MSPID.`,
		Example: `  prov export epcis 01/09506000134352/21/ABC123 -o item.jsonld
  prov export epcis --gtin 09506000134352 --lot L42 --party-map parties.json > lot.jsonld
  prov export epcis --file declaration.csv`,
		// -o names the output file here, not a table/json format.
		PersistentPreRunE: func(*cobra.Command, []string) error { return nil },
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.IDs = args
			switch f.Output {
			case cmdutil.FormatTable, cmdutil.FormatJSON, "-", "":
			default:
				opts.Out = f.Output
			}
			if len(args) == 0 && opts.File == "" && opts.GTIN == "" {
				return cmdutil.Usagef("name items: IDs, --file or --gtin")
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
	recs, err := epcis.Collect(ctx, l, keys)
	if err != nil {
		return err
	}
	doc, err := epcis.Export(recs, parties, opts.Now())
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

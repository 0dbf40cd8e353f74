// Package epcis implements `prov import epcis`.
package epcis

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/client/epcis"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/idfile"
)

// Options of import epcis.
type Options struct {
	IO       *cmdutil.IOStreams
	Ledger   func() (gateway.Ledger, error)
	Format   string
	File     string
	PartyMap string
	DryRun   bool
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Ledger: f.Ledger}
	cmd := &cobra.Command{
		Use:   "epcis FILE",
		Short: "Apply an EPCIS 2.0 JSON-LD document's events to the ledger",
		Long: `Read an EPCIS 2.0 JSON-LD document (- for stdin) and apply its ObjectEvents as
custody acts, signed by your identity: commissioning (ADD) registers the item
with the lot and expiry of its ILMD, shipping offers it to the owning_party
destination, receiving accepts it, holding holds, releases or recalls,
decommissioning, destroying, dispensing and retail_selling decommission,
inspecting records a sighting at the readPoint's GLN. A class-level recall
(quantityList epcClass a lot or GTIN, holding/recalled) recalls the lot or
GTIN (RecallLot) once the document's items of that class have no event
left; other class-level events are refused.

Each event is signed by its own organization: the one prov:submitterMsp
names (in documents prov export epcis wrote), else the owning_party source
of a shipment and destination of a receipt, else you. Run the import once
per organization (a manufacturer's admin for recalls); each run applies the
events its organization signs, in each item's order, and lists the events
left for the others. Run them again until nothing is left: a re-run skips
what the ledger already holds (an item's events up to its current sequence
number; sightings with the same reporter, GLN, result and note).

Refused events are listed with their index in eventList, their eventID and
the ledger's reason (exit 1); an eventID of the form ni:///sha-256;... must be
the event's CBV 2.0 hash. Event times are not carried over: the ledger
stamps each act with its own transaction time. --dry-run lists each event's
act and signer without submitting: a document from elsewhere is signed by
you wherever it names no organization, so read it first.`,
		Example: `  prov import epcis lot.jsonld -p manufacturer -u admin
  prov import epcis lot.jsonld -p distributor
  prov import epcis lot.jsonld -p customs
  prov import epcis lot.jsonld -p manufacturer -u admin   # until nothing is left`,
		Args: cmdutil.ExactArgs(1, "an EPCIS document (- for stdin)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.File, opts.Format = args[0], f.Output
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "list what each event would do and who signs it; submit nothing")
	cmd.Flags().StringVar(&opts.PartyMap, "party-map", os.Getenv("PROV_EPCIS_PARTIES"), "JSON file of MSP ID to party GLN (env PROV_EPCIS_PARTIES)")
	return cmd
}

// Run executes import epcis.
func Run(ctx context.Context, opts *Options) error {
	parties, err := epcis.LoadParties(opts.PartyMap)
	if err != nil {
		return err
	}
	rc, err := idfile.Open(opts.File, opts.IO.In)
	if err != nil {
		return err
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return err
	}
	steps, refused, err := epcis.Plan(b, parties)
	if err != nil {
		return err
	}
	if opts.DryRun {
		return dryRun(opts, steps, refused)
	}
	l, err := opts.Ledger()
	if err != nil {
		return err
	}
	res, err := epcis.Apply(ctx, l, steps, refused)
	if res != nil {
		if perr := report(opts, res); perr != nil {
			return perr
		}
	}
	if err != nil {
		return err
	}
	if len(res.Refused) > 0 {
		return &cmdutil.SilentError{Code: 1}
	}
	return nil
}

func report(opts *Options, r *epcis.Import) error {
	if opts.Format == cmdutil.FormatJSON {
		return cmdutil.PrintJSON(opts.IO.Out, r)
	}
	w := opts.IO.Out
	fmt.Fprintf(w, "Applied %s as %s in %s\n", cmdutil.Plural(len(r.Applied), "event"), r.MSP, cmdutil.Plural(len(r.Transactions), "transaction"))
	for _, t := range r.Transactions {
		fmt.Fprintf(w, "  transaction %s, block %d: %s\n", t.TxID, t.Block, cmdutil.Plural(len(t.Items), "item"))
	}
	if len(r.Already) > 0 {
		fmt.Fprintf(w, "Already on the ledger: %s\n", cmdutil.Plural(len(r.Already), "event"))
	}
	if len(r.Left) > 0 {
		fmt.Fprintf(w, "Left for other organizations: %s\n", cmdutil.Plural(len(r.Left), "event"))
		for _, p := range r.Left {
			wait := ""
			if p.Waiting != 0 {
				wait = fmt.Sprintf(", after event %d", p.Waiting)
			}
			fmt.Fprintf(w, "  event %d (%s): %s %s by %s%s\n", p.Index, p.EventID, p.Act, p.Item, p.Signer, wait)
		}
	}
	if len(r.Refused) > 0 {
		fmt.Fprintf(w, "Refused %s:\n", cmdutil.Plural(len(r.Refused), "event"))
		for _, x := range r.Refused {
			fmt.Fprintf(w, "  %s\n", x)
		}
	}
	return nil
}

// dryRun lists the plan: a foreign document's events are signed by the
// importer unless they name their organization, so read it first.
func dryRun(opts *Options, steps []epcis.Step, refused []epcis.Refusal) error {
	if opts.Format == cmdutil.FormatJSON {
		if err := cmdutil.PrintJSON(opts.IO.Out, struct {
			Steps   []epcis.Step    `json:"steps"`
			Refused []epcis.Refusal `json:"refused"`
		}{steps, refused}); err != nil {
			return err
		}
	} else {
		t := cmdutil.NewTable(opts.IO.Out, "EVENT", "ITEM", "SEQ", "ACT", "SIGNER", "DETAIL")
		for _, s := range steps {
			signer := s.Actor
			if signer == "" {
				signer = "(importer)"
			}
			detail := strings.TrimSpace(strings.Join([]string{s.To, s.Lot, s.Expiry, s.Reason, s.GLN, s.Result}, " "))
			t.Row(strconv.Itoa(s.Index), s.Item, strconv.FormatUint(s.Seq, 10), string(s.Act), signer, detail)
		}
		if err := t.Flush(); err != nil {
			return err
		}
		for _, r := range refused {
			fmt.Fprintf(opts.IO.Out, "refused %s\n", r)
		}
	}
	if len(refused) > 0 {
		return &cmdutil.SilentError{Code: 1}
	}
	return nil
}

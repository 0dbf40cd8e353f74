// Package unit implements `prov unit`: logistic units (cases, pallets)
// identified by SSCC, packed, moved in one step, unpacked.
package unit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/bulk"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/idfile"
	"github.com/provledger/provenance/client/internal/ledger"
	"github.com/provledger/provenance/client/internal/render"
)

const idHelp = `SSCC takes any spelling: 18 digits, 00/{sscc}, (00){sscc}, a GS1 Digital
Link https://{host}/00/{sscc} or urn:epc:id:sscc:{prefix}.{serial}.`

// NewCmd builds `prov unit`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "unit <command>",
		Short: "Pack items into logistic units (SSCC) and move units",
		Long: `A logistic unit (case, pallet) holds items and other units. Every custody act
on a unit is one transaction for all it contains, and an item inside a unit
moves only with it. The custody commands take SSCCs next to item IDs
(prov transfer offer, transfer accept|reject|cancel, customs hold|release,
item stolen, item decommission refuses units: unpack first).

` + idHelp,
		Example: `  prov unit pack 00/106141412345678908 --file case-1.txt
  prov transfer offer 00/106141412345678908 --to DistributorMSP
  prov unit unpack 00/106141412345678908 01/09506000134352/21/A1`,
		RunE: cmdutil.GroupRunE,
	}
	cmd.AddCommand(packCmd(f), unpackCmd(f), showCmd(f), contentsCmd(f), historyCmd(f))
	return cmd
}

// ParseSSCCs parses unit arguments to their canonical keys.
func ParseSSCCs(args []string) ([]string, error) {
	out := make([]string, len(args))
	for i, a := range args {
		s, err := domain.ParseSSCC(a)
		if err != nil {
			return nil, err
		}
		out[i] = domain.UnitID(s).Key()
	}
	return out, nil
}

// unitsAndLedger parses the unit arguments, then connects.
func unitsAndLedger(f *cmdutil.Factory, args []string) ([]string, gateway.Ledger, error) {
	u, err := ParseSSCCs(args)
	if err != nil {
		return nil, nil, err
	}
	l, err := f.Ledger()
	return u, l, err
}

// parseContents parses item and unit arguments to canonical keys.
func parseContents(args []string) ([]string, error) {
	out := make([]string, len(args))
	for i, a := range args {
		id, err := domain.ParseCustodyID(a)
		if err != nil {
			return nil, err
		}
		out[i] = id.Key()
	}
	return out, nil
}

// unitAndContents parses "SSCC [ID...]" and the IDs of --file: the unit's
// canonical key and the contents' keys.
func unitAndContents(f *cmdutil.Factory, args []string, file string) (string, []string, error) {
	u, err := ParseSSCCs(args[:1])
	if err != nil {
		return "", nil, err
	}
	ids, err := contentArgs(f, args[1:], file)
	return u[0], ids, err
}

func contentArgs(f *cmdutil.Factory, args []string, file string) ([]string, error) {
	if file != "" {
		rows, err := idfile.ReadFile(file, f.IO.In, idfile.Options{})
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if r.Err != nil {
				return nil, cmdutil.Usagef("%s line %d: %v", file, r.Line, r.Err)
			}
		}
		args = append(args, idfile.IDs(rows)...)
	}
	return parseContents(args)
}

func packCmd(f *cmdutil.Factory) *cobra.Command {
	var file string
	size := domain.MaxBatch
	cmd := &cobra.Command{
		Use:   "pack SSCC ID... [--file F]",
		Short: "Pack items and units into a unit (created when new)",
		Long: `Pack items and units your organization holds (loose, ACTIVE, not held) into a
unit. A new unit is created by the first pack; its SSCC's company prefix
must be your organization's. Packing writes no item record, so 1,000 items
go in one transaction (--batch-size).

` + idHelp,
		Example: `  prov unit pack 00/106141412345678908 01/09506000134352/21/A1 01/09506000134352/21/A2
  prov unit pack '(00)106141412345678915' 00/106141412345678908 --file more-cases.txt`,
		Args: cmdutil.MinArgs(1, "an SSCC and the IDs to pack"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.CheckBatchSize(size); err != nil {
				return err
			}
			unit, ids, err := unitAndContents(f, args, file)
			if err != nil {
				return err
			}
			if len(ids) == 0 {
				return cmdutil.Usagef("missing the IDs to pack")
			}
			l, err := f.Ledger()
			if err != nil {
				return err
			}
			done, err := bulk.SubmitChunks(cmd.Context(), l, "PackUnit", ids, size, unitArgs(unit))
			return bulk.ReportCommitted(f.IO, f.Output, "pack", bulk.Params{To: unit}, done, err, "Packed", " into "+unit)
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "read more IDs from `FILE` (one per line or CSV; - for stdin)")
	cmdutil.BatchSizeFlag(cmd, &size, domain.MaxBatch)
	return cmd
}

func unpackCmd(f *cmdutil.Factory) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "unpack SSCC [ID...] [--file F]",
		Short: "Take items and units out of a unit (all of them without IDs)",
		Long: `Take contents out of a loose unit your organization holds; each becomes
loose and yours. Without IDs the whole content is unpacked (1,000 per
transaction). Unpacking rewrites each content's record, so it needs the
endorsement of the organization that packed it as well as yours (the
gateway finds it).

` + idHelp,
		Args: cmdutil.MinArgs(1, "an SSCC"),
		RunE: func(cmd *cobra.Command, args []string) error {
			unit, ids, err := unitAndContents(f, args, file)
			if err != nil {
				return err
			}
			l, err := f.Ledger()
			if err != nil {
				return err
			}
			var done []bulk.Committed
			if len(ids) > 0 {
				done, err = bulk.SubmitChunks(cmd.Context(), l, "UnpackUnit", ids, domain.MaxBatch, unitArgs(unit))
			} else {
				done, err = unpackAll(cmd.Context(), l, unit)
			}
			return bulk.ReportCommitted(f.IO, f.Output, "unpack", bulk.Params{To: unit}, done, err, "Unpacked", " from "+unit)
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "read the IDs from `FILE` (one per line or CSV; - for stdin)")
	return cmd
}

// unitArgs puts the unit before the chunk's ID list: PackUnit and
// UnpackUnit take (unit, idsJSON).
func unitArgs(unit string) func(ids string) []string {
	return func(ids string) []string { return []string{unit, ids} }
}

func unpackAll(ctx context.Context, l gateway.Ledger, unit string) ([]bulk.Committed, error) {
	var done []bulk.Committed
	for {
		u, err := ledger.Evaluate[domain.Item](ctx, l, "GetItem", unit)
		if err != nil || u.Contents == 0 {
			if err == nil && len(done) == 0 {
				err = domain.Errorf(domain.CodeInvalidArgument, "unit %s is empty", unit)
			}
			return done, err
		}
		res, err := l.Submit(ctx, "UnpackUnit", unit, "")
		if err != nil {
			return done, err
		}
		var keys []string
		_ = json.Unmarshal(res.Payload, &keys)
		done = append(done, bulk.Committed{TxID: res.TxID, Block: res.Block, Items: keys})
	}
}

func showCmd(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "show SSCC",
		Short: "Show a unit: owner, status, contents count, depth, lots, hold, recall",
		Long:  "Show a unit's current state; a lot recall on anything inside shows as its recall.\n\n" + idHelp,
		Args:  cmdutil.ExactArgs(1, "an SSCC"),
		RunE: func(cmd *cobra.Command, args []string) error {
			u, err := ParseSSCCs(args)
			if err != nil {
				return err
			}
			return render.Query(cmd.Context(), f.Env(), Render, "GetItem", u[0])
		},
	}
}

// Render prints a unit as key: value lines.
func Render(w io.Writer, it *domain.Item) error {
	return cmdutil.KV(w,
		"Unit", it.ID,
		"Status", render.Status(it),
		"Owner", it.Owner,
		"Offered to", it.OfferedTo,
		"Created by", it.Manufacturer,
		"Contents", strconv.Itoa(it.Contents),
		"Depth", strconv.Itoa(it.Depth),
		"Lots", strings.Join(it.Lots, ", "),
		"Inside", strings.Join(it.Containers, " in "),
		"Hold", render.HoldText(it.Hold),
		"Recall", render.RecallText(it.Recall),
		"Last event", render.LastEvent(it),
	)
}

func contentsCmd(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "contents SSCC",
		Short: "List a unit's direct contents",
		Args:  cmdutil.ExactArgs(1, "an SSCC"),
		RunE: func(cmd *cobra.Command, args []string) error {
			u, l, err := unitsAndLedger(f, args)
			if err != nil {
				return err
			}
			ids, err := Contents(cmd.Context(), l, u[0])
			if err != nil {
				return err
			}
			if f.Output == cmdutil.FormatJSON {
				return cmdutil.PrintJSON(f.IO.Out, domain.UnitContentsPage{Unit: u[0], Contents: ids})
			}
			for _, id := range ids {
				fmt.Fprintln(f.IO.Out, id)
			}
			return nil
		},
	}
}

// Contents lists all direct contents of a unit, page by page.
func Contents(ctx context.Context, l gateway.Ledger, unit string) ([]string, error) {
	ids := []string{}
	bookmark := ""
	for {
		p, err := ledger.Evaluate[domain.UnitContentsPage](ctx, l, "GetUnitContents", unit, strconv.Itoa(domain.MaxPageSize), bookmark)
		if err != nil {
			return nil, err
		}
		ids = append(ids, p.Contents...)
		if p.Bookmark == "" || len(p.Contents) == 0 {
			return ids, nil
		}
		bookmark = p.Bookmark
	}
}

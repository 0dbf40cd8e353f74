// Package list implements `prov item list`.
package list

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger"
	"github.com/provledger/provenance/client/internal/render"
)

// Options of item list.
type Options struct {
	IO       *cmdutil.IOStreams
	Ledger   func() (ledger.Ledger, error)
	Format   string
	Owner    string
	GTIN     string
	Lot      string
	Status   string
	Limit    int
	Bookmark string
}

// Query is the ListItems index and value the options select.
type Query struct {
	By, Value string
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Ledger: f.Ledger}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List items by owner, GTIN, lot or status",
		Long: `List items through one of the ledger's indexes: --owner, --gtin (with
--lot for one lot) or --status. Without a filter, lists your organization's
items. Results come a page at a time; pass the printed bookmark to
--bookmark for the next page.`,
		Example: `  prov item list
  prov item list --owner distributor --limit 20
  prov item list --gtin 09506000134352 --lot L42
  prov item list --status IN_TRANSIT -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Format = f.Output
			if _, err := opts.query("me"); err != nil {
				return err
			}
			if opts.Limit < 1 || opts.Limit > domain.MaxPageSize {
				return cmdutil.Usagef("--limit must be 1 to %d", domain.MaxPageSize)
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Owner, "owner", "", "items held by this `org` (MSP ID or short name)")
	cmd.Flags().StringVar(&opts.GTIN, "gtin", "", "items of this `GTIN`")
	cmd.Flags().StringVar(&opts.Lot, "lot", "", "items of this `lot` (needs --gtin)")
	cmd.Flags().StringVar(&opts.Status, "status", "", "items in this `status`: ACTIVE, IN_TRANSIT, STOLEN, DECOMMISSIONED")
	cmd.Flags().IntVar(&opts.Limit, "limit", 50, "page size")
	cmd.Flags().StringVar(&opts.Bookmark, "bookmark", "", "continue after a previous page")
	_ = cmd.RegisterFlagCompletionFunc("status", cmdutil.FixedCompletion("ACTIVE", "IN_TRANSIT", "STOLEN", "DECOMMISSIONED"))
	return cmd
}

// query picks the index; owner is the MSP to use when no filter is given.
func (o *Options) query(owner string) (Query, error) {
	n := 0
	for _, s := range []string{o.Owner, o.GTIN, o.Status} {
		if s != "" {
			n++
		}
	}
	if n > 1 {
		return Query{}, cmdutil.Usagef("use one of --owner, --gtin (with --lot) and --status")
	}
	switch {
	case o.Lot != "" && o.GTIN == "":
		return Query{}, cmdutil.Usagef("--lot needs --gtin")
	case o.Lot != "":
		g, err := cmdutil.ParseGTIN(o.GTIN)
		if err != nil {
			return Query{}, err
		}
		return Query{"lot", g + "/" + o.Lot}, nil
	case o.GTIN != "":
		g, err := cmdutil.ParseGTIN(o.GTIN)
		if err != nil {
			return Query{}, err
		}
		return Query{"gtin", g}, nil
	case o.Status != "":
		s := strings.ToUpper(o.Status)
		switch domain.Status(s) {
		case domain.StatusActive, domain.StatusInTransit, domain.StatusStolen, domain.StatusDecommissioned:
		default:
			return Query{}, cmdutil.Usagef("invalid --status %q: want ACTIVE, IN_TRANSIT, STOLEN or DECOMMISSIONED", o.Status)
		}
		return Query{"status", s}, nil
	case o.Owner != "":
		return Query{"owner", o.Owner}, nil
	}
	return Query{"owner", owner}, nil
}

// Run executes item list.
func Run(ctx context.Context, opts *Options) error {
	l, err := opts.Ledger()
	if err != nil {
		return err
	}
	q, err := opts.query(l.MSPID())
	if err != nil {
		return err
	}
	if q.By == "owner" {
		if q.Value, err = cmdutil.ResolveMSP(ctx, l, q.Value); err != nil {
			return err
		}
	}
	b, err := l.Evaluate(ctx, "ListItems", q.By, q.Value, strconv.Itoa(opts.Limit), cmdutil.DecodeBookmark(opts.Bookmark))
	if err != nil {
		return err
	}
	var page domain.ItemPage
	if err := json.Unmarshal(b, &page); err != nil {
		return fmt.Errorf("ListItems returned unreadable JSON: %w", err)
	}
	if page.Items == nil {
		page.Items = []domain.Item{}
	}
	page.Bookmark = cmdutil.EncodeBookmark(page.Bookmark)
	if opts.Format == cmdutil.FormatJSON {
		return cmdutil.PrintJSON(opts.IO.Out, page)
	}
	if len(page.Items) == 0 {
		fmt.Fprintf(opts.IO.ErrOut, "no items with %s %s\n", q.By, q.Value)
		return nil
	}
	if err := render.Items(opts.IO.Out, page.Items); err != nil {
		return err
	}
	if page.Bookmark != "" {
		fmt.Fprintf(opts.IO.ErrOut, "more items: --bookmark %s\n", page.Bookmark)
	}
	return nil
}

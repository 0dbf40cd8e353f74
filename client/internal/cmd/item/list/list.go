// Package list implements `prov item list`.
package list

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger"
	"github.com/provledger/provenance/client/internal/render"
)

// anyHolder is --held without a value: every customs org's holds.
const anyHolder = "*"

// Options of item list.
type Options struct {
	cmdutil.Env
	Owner     string
	GTIN      string
	Lot       string
	Status    string
	OfferedTo string
	Held      string
	Recalled  bool
	Limit     int
	Bookmark  string
	All       bool
	Count     bool
}

// Query is the ListItems index and value the options select.
type Query struct {
	By, Value string
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List items: by owner, GTIN, lot, status, offered to, held or recalled",
		Long: fmt.Sprintf(`List items through one of the ledger's indexes (never a scan of every item):

  --owner ORG        held by an org (me: yours; the default without a filter)
  --gtin G [--lot L] of a GTIN, or one lot of it
  --status S         ACTIVE, IN_TRANSIT, STOLEN or DECOMMISSIONED
  --offered-to ORG   offered to an org and not yet accepted (me: to you)
  --held[=ORG]       on customs hold (by ORG; me: by you; bare: by anyone)
  --recalled         under a recall in force (item, lot or GTIN recall)

Every listed item is checked by the chaincode against its own record, so a
forged index entry never shows up. Results come a page at a time: at most
%d items per page (--limit, the chaincode's page limit); pass the printed
bookmark to --bookmark for the next page, or --all to follow the bookmarks
to the end. A page may hold fewer items than --limit when entries were
dropped by that check. --count prints how many items match.`, domain.MaxPageSize),
		Example: `  prov item list
  prov item list --offered-to me -p distributor
  prov item list --held=me -p customs --all
  prov item list --held --count
  prov item list --recalled -o json
  prov item list --owner distributor --limit 20
  prov item list --gtin 09506000134352 --lot L42 --count
  prov item list --status IN_TRANSIT --all -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Env = f.Env()
			if _, err := opts.query("me"); err != nil {
				return err
			}
			if opts.Limit < 1 || opts.Limit > domain.MaxPageSize {
				return cmdutil.Usagef("--limit must be 1 to %d (the chaincode's page limit; --all follows the pages)", domain.MaxPageSize)
			}
			if opts.Count && (opts.All || opts.Bookmark != "") {
				return cmdutil.Usagef("--count counts every match: it takes no --all or --bookmark")
			}
			if opts.All && !cmd.Flags().Changed("limit") {
				opts.Limit = domain.MaxPageSize
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Owner, "owner", "", "items held by this `org` (MSP ID, short name or me)")
	fl.StringVar(&opts.GTIN, "gtin", "", "items of this `GTIN`")
	fl.StringVar(&opts.Lot, "lot", "", "items of this `lot` (needs --gtin)")
	fl.StringVar(&opts.Status, "status", "", "items in this `status`: ACTIVE, IN_TRANSIT, STOLEN, DECOMMISSIONED")
	fl.StringVar(&opts.OfferedTo, "offered-to", "", "items offered to this `org` (me: to your organization)")
	fl.StringVar(&opts.Held, "held", "", "items on customs hold, by this `org` if given (--held=me: by yours)")
	fl.Lookup("held").NoOptDefVal = anyHolder
	fl.BoolVar(&opts.Recalled, "recalled", false, "items under a recall in force")
	fl.IntVar(&opts.Limit, "limit", 50, fmt.Sprintf("page size, at most %d (500 with --all)", domain.MaxPageSize))
	fl.StringVar(&opts.Bookmark, "bookmark", "", "continue after a previous page")
	fl.BoolVar(&opts.All, "all", false, "follow the bookmarks: every page")
	fl.BoolVar(&opts.Count, "count", false, "print only how many items match")
	_ = cmd.RegisterFlagCompletionFunc("status", cmdutil.FixedCompletion("ACTIVE", "IN_TRANSIT", "STOLEN", "DECOMMISSIONED"))
	return cmd
}

// query picks the index; owner is the MSP to use when no filter is given.
// Org values stay as typed ("me", short names): Run resolves them.
func (o *Options) query(owner string) (Query, error) {
	n := 0
	for _, set := range []bool{o.Owner != "", o.GTIN != "", o.Status != "", o.OfferedTo != "", o.Held != "", o.Recalled} {
		if set {
			n++
		}
	}
	if n > 1 {
		return Query{}, cmdutil.Usagef("use one of --owner, --gtin (with --lot), --status, --offered-to, --held and --recalled")
	}
	switch {
	case o.Lot != "" && o.GTIN == "":
		return Query{}, cmdutil.Usagef("--lot needs --gtin")
	case o.Lot != "":
		g, err := cmdutil.ParseGTIN(o.GTIN)
		if err != nil {
			return Query{}, err
		}
		if err := domain.ValidateLot(o.Lot); err != nil {
			return Query{}, cmdutil.Usagef("invalid --lot: %v", err)
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
	case o.OfferedTo != "":
		return Query{"offered-to", o.OfferedTo}, nil
	case o.Held == anyHolder:
		return Query{"held", ""}, nil
	case o.Held != "":
		return Query{"held", o.Held}, nil
	case o.Recalled:
		return Query{"recalled", ""}, nil
	case o.Owner != "":
		return Query{"owner", o.Owner}, nil
	}
	return Query{"owner", owner}, nil
}

// resolve turns the org a query names into an MSP ID ("me": the caller's).
func (q *Query) resolve(ctx context.Context, l gateway.Ledger) error {
	if q.Value == "" || (q.By != "owner" && q.By != "offered-to" && q.By != "held") {
		return nil
	}
	if strings.EqualFold(q.Value, "me") {
		q.Value = l.MSPID()
		return nil
	}
	v, err := ledger.ResolveMSP(ctx, l, q.Value)
	q.Value = v
	return err
}

func (q Query) String() string {
	switch {
	case q.By == "held" && q.Value == "":
		return "on hold"
	case q.By == "held":
		return "held by " + q.Value
	case q.By == "recalled":
		return "recalled"
	case q.By == "offered-to":
		return "offered to " + q.Value
	}
	return q.By + " " + q.Value
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
	if err := q.resolve(ctx, l); err != nil {
		return err
	}
	if opts.Count {
		n, err := ledger.CountItems(ctx, l, q.By, q.Value)
		if err != nil {
			return err
		}
		if opts.Format == cmdutil.FormatJSON {
			return cmdutil.PrintJSON(opts.IO.Out, struct {
				By    string `json:"by"`
				Value string `json:"value"`
				Count int    `json:"count"`
			}{q.By, q.Value, n})
		}
		_, err = fmt.Fprintf(opts.IO.Out, "%d\n", n)
		return err
	}
	page := domain.ItemPage{Items: []domain.Item{}}
	page.Bookmark, err = ledger.Follow(cmdutil.DecodeBookmark(opts.Bookmark), opts.All, func(bookmark string) (string, error) {
		p, err := ledger.Evaluate[domain.ItemPage](ctx, l, "ListItems", q.By, q.Value, strconv.Itoa(opts.Limit), bookmark)
		page.Items = append(page.Items, p.Items...)
		return p.Bookmark, err
	})
	if err != nil {
		return err
	}
	page.Bookmark = cmdutil.EncodeBookmark(page.Bookmark)
	if opts.Format == cmdutil.FormatJSON {
		return cmdutil.PrintJSON(opts.IO.Out, page)
	}
	if len(page.Items) == 0 {
		fmt.Fprintf(opts.IO.ErrOut, "no items %s\n", q)
	} else if err := render.Items(opts.IO.Out, page.Items); err != nil {
		return err
	}
	if page.Bookmark != "" {
		fmt.Fprintf(opts.IO.ErrOut, "more items: --bookmark %s\n", page.Bookmark)
	}
	return nil
}

// Package list implements `prov recall list`.
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
)

// Options of recall list.
type Options struct {
	cmdutil.Env
	Limit    int
	Bookmark string
	All      bool
	Count    bool
}

// Entry is one listed recall; Items is set with --count.
type Entry struct {
	domain.RecallEntry
	Items *int `json:"items,omitempty"`
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the recalls in force (item, lot and GTIN)",
		Long: fmt.Sprintf(`List the recalls in force, by GTIN: the target (01/{gtin}, 01/{gtin}/10/{lot}
or an item), its scope, the issuing organization, when and why. --count adds
how many registered items each covers (from the GTIN/lot index). At most %d
recalls per page (--limit); --all follows the bookmarks.`, domain.MaxPageSize),
		Example: `  prov recall list
  prov recall list --count
  prov recall list --all -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Env = f.Env()
			if opts.Limit < 1 || opts.Limit > domain.MaxPageSize {
				return cmdutil.Usagef("--limit must be 1 to %d (the chaincode's page limit; --all follows the pages)", domain.MaxPageSize)
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVar(&opts.Limit, "limit", 100, "page size")
	cmd.Flags().StringVar(&opts.Bookmark, "bookmark", "", "continue after a previous page")
	cmd.Flags().BoolVar(&opts.All, "all", false, "follow the bookmarks: every page")
	cmd.Flags().BoolVar(&opts.Count, "count", false, "count the registered items each recall covers")
	return cmd
}

// Run executes recall list.
func Run(ctx context.Context, opts *Options) error {
	l, err := opts.Ledger()
	if err != nil {
		return err
	}
	var entries []Entry
	next, err := ledger.Follow(cmdutil.DecodeBookmark(opts.Bookmark), opts.All, func(bookmark string) (string, error) {
		p, err := ledger.Evaluate[domain.RecallPage](ctx, l, "ListRecalls", strconv.Itoa(opts.Limit), bookmark)
		for _, r := range p.Recalls {
			entries = append(entries, Entry{RecallEntry: r})
		}
		return p.Bookmark, err
	})
	if err != nil {
		return err
	}
	if opts.Count {
		for i := range entries {
			n, err := covered(ctx, l, entries[i].Target, entries[i].Recall.Scope)
			if err != nil {
				return err
			}
			entries[i].Items = &n
		}
	}
	if entries == nil {
		entries = []Entry{}
	}
	next = cmdutil.EncodeBookmark(next)
	if opts.Format == cmdutil.FormatJSON {
		return cmdutil.PrintJSON(opts.IO.Out, struct {
			Recalls  []Entry `json:"recalls"`
			Bookmark string  `json:"bookmark"`
		}{entries, next})
	}
	if len(entries) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "no recalls in force")
	} else {
		header := []string{"target", "scope", "by", "at", "reason"}
		if opts.Count {
			header = append(header, "items")
		}
		t := cmdutil.NewTable(opts.IO.Out, header...)
		for _, e := range entries {
			row := []string{e.Target, e.Recall.Scope, e.Recall.By, e.Recall.At, e.Recall.Reason}
			if e.Items != nil {
				row = append(row, strconv.Itoa(*e.Items))
			}
			t.Row(row...)
		}
		if err := t.Flush(); err != nil {
			return err
		}
	}
	if next != "" {
		fmt.Fprintf(opts.IO.ErrOut, "more recalls: --bookmark %s\n", next)
	}
	return nil
}

// covered counts the registered items a recall's target names: the lot or
// GTIN index range; an item recall covers its one item.
func covered(ctx context.Context, l gateway.Ledger, target, scope string) (int, error) {
	rest := strings.TrimPrefix(target, "01/")
	switch scope {
	case domain.RecallScopeGTIN:
		return ledger.CountItems(ctx, l, "gtin", rest)
	case domain.RecallScopeLot:
		g, lot, _ := strings.Cut(rest, "/10/")
		return ledger.CountItems(ctx, l, "lot", g+"/"+lot)
	}
	return 1, nil
}
